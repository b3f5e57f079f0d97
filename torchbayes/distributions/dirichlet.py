"""Dirichlet distribution, PyMC's ``Dirichlet(a)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Continuous

__all__ = ["Dirichlet"]


class Dirichlet(Continuous):
    r"""Dirichlet distribution over probability vectors of length ``K`` (the simplex).

    .. math:: \log p(x) = \sum_k (a_k - 1) \log x_k + \log\Gamma\bigl(\sum_k a_k\bigr)
              - \sum_k \log\Gamma(a_k)

    Parameters
    ----------
    a : Tensor, shape ``(..., K)``
        Concentrations, all ``> 0``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import Dirichlet
    >>> Dirichlet(torch.ones(3)).log_prob(torch.tensor([0.2, 0.3, 0.5]))
    tensor(0.6931)
    """

    arg_constraints = {"a": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, a, *, validate_args=False):
        (self.a,) = broadcast_parameters(a)
        if self.a.dim() == 0:
            raise ValueError("Dirichlet: a must have at least one dimension (the categories)")
        super().__init__(self.a.shape[:-1], self.a.shape[-1:], validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.a / self.a.sum(-1, keepdim=True)

    @property
    def variance(self) -> Tensor:
        total = self.a.sum(-1, keepdim=True)
        return self.a * (total - self.a) / (total ** 2 * (total + 1))

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        # torch's draw normalises gamma variates and is differentiable in a (implicit gradients).
        shape = self._extended_shape(torch.Size(sample_shape))
        dirichlet = torch.distributions.Dirichlet(self.a.expand(shape), validate_args=False)
        return dirichlet.rsample()

    def log_prob(self, value: Tensor) -> Tensor:
        # On the simplex up to rounding: entries >= 0 summing to 1 within sqrt(eps) per entry.
        tolerance = math.sqrt(torch.finfo(value.dtype).eps) * value.shape[-1]
        inside = (value >= 0).all(-1) & ((value.sum(-1) - 1).abs() <= tolerance)
        x = torch.where(inside.unsqueeze(-1), value, 1.0 / value.shape[-1])
        log_normaliser = torch.lgamma(self.a).sum(-1) - torch.lgamma(self.a.sum(-1))
        logp = torch.xlogy(self.a - 1, x).sum(-1) - log_normaliser
        return torch.where(inside, logp, -math.inf)

    def entropy(self) -> Tensor:
        total = self.a.sum(-1)
        size = self.a.shape[-1]
        log_normaliser = torch.lgamma(self.a).sum(-1) - torch.lgamma(total)
        return (log_normaliser + (total - size) * torch.digamma(total)
                - ((self.a - 1) * torch.digamma(self.a)).sum(-1))
