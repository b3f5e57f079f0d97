"""Dirichlet-multinomial distribution, PyMC's ``DirichletMultinomial(n, a)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import promote_parameters
from .distribution import Discrete
from .multinomial import multinomial_draws

__all__ = ["DirichletMultinomial"]


class DirichletMultinomial(Discrete):
    r"""Multinomial counts in ``n`` trials whose outcome probabilities are Dirichlet(a).

    .. math:: \log p(x) = \log\Gamma(n + 1) + \log\Gamma(A) - \log\Gamma(n + A)
              + \sum_k \bigl[\log\Gamma(x_k + a_k) - \log\Gamma(x_k + 1) - \log\Gamma(a_k)\bigr],
              \quad A = \sum_k a_k

    Parameters
    ----------
    n : int or Tensor
        Number of trials, a non-negative integer.
    a : Tensor, shape ``(..., K)``
        Dirichlet concentrations, ``> 0``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import DirichletMultinomial
    >>> DirichletMultinomial(2, torch.ones(2)).log_prob(torch.tensor([1.0, 1.0]))
    tensor(-1.0986)
    """

    arg_constraints = {"n": constraints.nonnegative_integer,
                       "a": constraints.independent(constraints.positive, 1)}

    def __init__(self, n, a, *, validate_args=False):
        n, a = promote_parameters(n, a)
        if a.dim() == 0:
            raise ValueError("DirichletMultinomial: a must have at least one dimension")
        batch_shape = torch.broadcast_shapes(n.shape, a.shape[:-1])
        self.n = n.expand(batch_shape)
        self.a = a.expand(batch_shape + a.shape[-1:])
        super().__init__(batch_shape, a.shape[-1:], validate_args=validate_args)

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self) -> constraints.Constraint:
        return constraints.multinomial(self.n)

    @property
    def mean(self) -> Tensor:
        return self.n.unsqueeze(-1) * self.a / self.a.sum(-1, keepdim=True)

    @property
    def variance(self) -> Tensor:
        total = self.a.sum(-1, keepdim=True)
        share = self.a / total
        n = self.n.unsqueeze(-1)
        return n * share * (1 - share) * (n + total) / (1 + total)

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        with torch.no_grad():
            gammas = torch._standard_gamma(self.a.expand(shape))
            p = gammas / gammas.sum(-1, keepdim=True)
            return multinomial_draws(self.n.expand(shape[:-1]), p.nan_to_num(0.0))

    def log_prob(self, value: Tensor) -> Tensor:
        inside = (((value >= 0) & (value == value.floor())).all(-1)
                  & (value.sum(-1) == self.n))
        x = torch.where(inside.unsqueeze(-1), value, 0.0)
        total = self.a.sum(-1)
        logp = (torch.lgamma(self.n + 1) + torch.lgamma(total) - torch.lgamma(self.n + total)
                + (torch.lgamma(x + self.a) - torch.lgamma(x + 1) - torch.lgamma(self.a)).sum(-1))
        return torch.where(inside, logp, -math.inf)
