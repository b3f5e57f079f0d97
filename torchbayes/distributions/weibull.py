"""Weibull distribution, PyMC's ``Weibull(alpha, beta)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Continuous

__all__ = ["Weibull"]


class Weibull(Continuous):
    r"""Weibull distribution with shape ``alpha`` and scale ``beta``.

    .. math:: \log p(x) = \log\frac{\alpha}{\beta} + (\alpha - 1) \log\frac{x}{\beta}
              - (x / \beta)^\alpha, \quad x \ge 0

    Parameters
    ----------
    alpha : float or Tensor
        Shape, ``> 0``.
    beta : float or Tensor
        Scale, ``> 0``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import Weibull
    >>> Weibull(2.0, 1.0).log_prob(torch.tensor([1.0, -1.0]))
    tensor([-0.3069,    -inf])
    """

    arg_constraints = {"alpha": constraints.positive, "beta": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, alpha, beta, *, validate_args=False):
        self.alpha, self.beta = broadcast_parameters(alpha, beta)
        super().__init__(self.alpha.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.beta * torch.exp(torch.lgamma(1 + 1 / self.alpha))

    @property
    def variance(self) -> Tensor:
        second = torch.exp(torch.lgamma(1 + 2 / self.alpha))
        return self.beta ** 2 * (second - torch.exp(2 * torch.lgamma(1 + 1 / self.alpha)))

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        # beta E^(1/alpha) with E standard exponential.
        shape = self._extended_shape(torch.Size(sample_shape))
        draws = torch.empty(shape, dtype=self.alpha.dtype, device=self.alpha.device)
        return self.beta * draws.exponential_().pow(1 / self.alpha)

    def log_prob(self, value: Tensor) -> Tensor:
        inside = value >= 0
        z = torch.where(inside, value, 1.0) / self.beta
        logp = (self.alpha.log() - self.beta.log() + torch.xlogy(self.alpha - 1, z)
                - z ** self.alpha)
        return torch.where(inside, logp, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        return -torch.expm1(-(value.clamp(min=0) / self.beta) ** self.alpha)

    def logcdf(self, value: Tensor) -> Tensor:
        # log(1 - exp(-t)): log(-expm1(-t)) for small t, log1p(-exp(-t)) past log 2.
        t = (value.clamp(min=0) / self.beta) ** self.alpha
        return torch.where(t < math.log(2), torch.log(-torch.expm1(-t)),
                           torch.log1p(-torch.exp(-t)))

    def logccdf(self, value: Tensor) -> Tensor:
        return -(value.clamp(min=0) / self.beta) ** self.alpha

    def icdf(self, value: Tensor) -> Tensor:
        return self.beta * (-torch.log1p(-value)).pow(1 / self.alpha)
