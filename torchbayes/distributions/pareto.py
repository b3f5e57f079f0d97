"""Pareto distribution, PyMC's ``Pareto(alpha, m)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Continuous

__all__ = ["Pareto"]


class Pareto(Continuous):
    r"""Pareto (type I) distribution with shape ``alpha`` above the minimum ``m``.

    .. math:: \log p(x) = \log\alpha + \alpha \log m - (\alpha + 1) \log x, \quad x \ge m

    Parameters
    ----------
    alpha : float or Tensor
        Shape (tail index), ``> 0``.
    m : float or Tensor
        Scale, the smallest value, ``> 0``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import Pareto
    >>> Pareto(3.0, 1.0).log_prob(torch.tensor([2.0, 0.5]))
    tensor([-1.6740,    -inf])
    """

    arg_constraints = {"alpha": constraints.positive, "m": constraints.positive}
    has_rsample = True

    def __init__(self, alpha, m, *, validate_args=False):
        self.alpha, self.m = broadcast_parameters(alpha, m)
        super().__init__(self.alpha.shape, validate_args=validate_args)

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.greater_than_eq(self.m)

    @property
    def mean(self) -> Tensor:
        return torch.where(self.alpha > 1, self.alpha * self.m / (self.alpha - 1), math.inf)

    @property
    def mode(self) -> Tensor:
        return self.m

    @property
    def variance(self) -> Tensor:
        finite = self.m ** 2 * self.alpha / ((self.alpha - 1) ** 2 * (self.alpha - 2))
        return torch.where(self.alpha > 2, finite, math.inf)

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        # m exp(E / alpha) with E standard exponential.
        shape = self._extended_shape(torch.Size(sample_shape))
        draws = torch.empty(shape, dtype=self.m.dtype, device=self.m.device).exponential_()
        return self.m * torch.exp(draws / self.alpha)

    def log_prob(self, value: Tensor) -> Tensor:
        inside = value >= self.m
        x = torch.where(inside, value, self.m)
        logp = self.alpha.log() + self.alpha * self.m.log() - (self.alpha + 1) * x.log()
        return torch.where(inside, logp, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        return -torch.expm1(self.logccdf(value))

    def logcdf(self, value: Tensor) -> Tensor:
        t = -self.logccdf(value)
        return torch.where(t < math.log(2), torch.log(-torch.expm1(-t)),
                           torch.log1p(-torch.exp(-t)))

    def logccdf(self, value: Tensor) -> Tensor:
        return self.alpha * (self.m.log() - torch.maximum(value, self.m).log())

    def icdf(self, value: Tensor) -> Tensor:
        return self.m * torch.exp(-torch.log1p(-value) / self.alpha)
