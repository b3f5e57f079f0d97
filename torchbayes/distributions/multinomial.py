"""Multinomial distribution, PyMC's ``Multinomial(n, p)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import promote_parameters
from .distribution import Discrete

__all__ = ["Multinomial"]


def multinomial_draws(n: Tensor, p: Tensor) -> Tensor:
    """One multinomial draw per row: ``n`` of shape ``S``, ``p`` of shape ``S + (K,)``.

    Category by category, ``x_j ~ Binomial(n - x_1 - ... - x_{j-1}, p_j / (p_j + ... + p_K))``,
    so counts of every batch member come from ``K - 1`` vectorised binomial draws.
    """
    remaining_mass = torch.flip(torch.cumsum(torch.flip(p, [-1]), -1), [-1])
    remaining = n.clone()
    counts = []
    for j in range(p.shape[-1] - 1):
        share = (p[..., j] / remaining_mass[..., j]).nan_to_num(0.0).clamp(0, 1)
        count = torch.binomial(remaining, share)
        counts.append(count)
        remaining = remaining - count
    return torch.stack(counts + [remaining], -1)


class Multinomial(Discrete):
    r"""Counts of ``K`` outcomes in ``n`` independent trials with outcome probabilities ``p``.

    .. math:: \log p(x) = \log n! - \sum_k \log x_k! + \sum_k x_k \log p_k,
              \quad x_k \ge 0, \; \sum_k x_k = n

    Parameters
    ----------
    n : int or Tensor
        Number of trials, a non-negative integer.
    p : Tensor, shape ``(..., K)``
        Outcome probabilities (normalised over the last axis, as PyMC does).

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import Multinomial
    >>> Multinomial(3, torch.tensor([0.5, 0.5])).log_prob(torch.tensor([[1.0, 2.0], [1.0, 1.0]]))
    tensor([-0.9808,    -inf])
    """

    arg_constraints = {"n": constraints.nonnegative_integer, "p": constraints.simplex}

    def __init__(self, n, p, *, validate_args=False):
        n, p = promote_parameters(n, p)
        if p.dim() == 0:
            raise ValueError("Multinomial: p must have at least one dimension (the outcomes)")
        p = p / p.sum(-1, keepdim=True)
        batch_shape = torch.broadcast_shapes(n.shape, p.shape[:-1])
        self.n = n.expand(batch_shape)
        self.p = p.expand(batch_shape + p.shape[-1:])
        super().__init__(batch_shape, p.shape[-1:], validate_args=validate_args)

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self) -> constraints.Constraint:
        # torch's constraint checks sum(x) <= n; log_prob is -inf unless sum(x) == n.
        return constraints.multinomial(self.n)

    @property
    def mean(self) -> Tensor:
        return self.n.unsqueeze(-1) * self.p

    @property
    def variance(self) -> Tensor:
        return self.n.unsqueeze(-1) * self.p * (1 - self.p)

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        with torch.no_grad():
            return multinomial_draws(self.n.expand(shape[:-1]), self.p.expand(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        inside = (((value >= 0) & (value == value.floor())).all(-1)
                  & (value.sum(-1) == self.n))
        x = torch.where(inside.unsqueeze(-1), value, 0.0)
        logp = (torch.lgamma(self.n + 1) - torch.lgamma(x + 1).sum(-1)
                + torch.xlogy(x, self.p).sum(-1))
        return torch.where(inside, logp, -math.inf)
