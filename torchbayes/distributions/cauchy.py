"""Cauchy distribution, PyMC's ``Cauchy(alpha, beta)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Continuous

__all__ = ["Cauchy"]


class Cauchy(Continuous):
    r"""Cauchy (Lorentz) distribution with location ``alpha`` and scale ``beta``.

    .. math:: \log p(x) = -\log\pi - \log\beta - \log\bigl(1 + ((x - \alpha) / \beta)^2\bigr)

    Its mean and variance do not exist (returned as NaN).

    Parameters
    ----------
    alpha : float or Tensor
        Location (median).
    beta : float or Tensor
        Scale, ``> 0``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import Cauchy
    >>> Cauchy(0.0, 1.0).log_prob(torch.tensor([0.0, 1.0]))
    tensor([-1.1447, -1.8379])
    """

    arg_constraints = {"alpha": constraints.real, "beta": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, alpha=0.0, beta=1.0, *, validate_args=False):
        self.alpha, self.beta = broadcast_parameters(alpha, beta)
        super().__init__(self.alpha.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return torch.full_like(self.alpha, math.nan)

    @property
    def mode(self) -> Tensor:
        return self.alpha

    @property
    def variance(self) -> Tensor:
        return torch.full_like(self.alpha, math.nan)

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        u = torch.rand(shape, dtype=self.alpha.dtype, device=self.alpha.device)
        return self.icdf(u)

    def log_prob(self, value: Tensor) -> Tensor:
        z = (value - self.alpha) / self.beta
        return -math.log(math.pi) - self.beta.log() - torch.log1p(z * z)

    def cdf(self, value: Tensor) -> Tensor:
        # atan2(1, -z) / pi equals 1/2 + atan(z) / pi and keeps its precision as z -> -inf.
        z = (value - self.alpha) / self.beta
        return torch.atan2(torch.ones_like(z), -z) / math.pi

    def logcdf(self, value: Tensor) -> Tensor:
        z = (value - self.alpha) / self.beta
        ones = torch.ones_like(z)
        return torch.where(z < 0, torch.log(torch.atan2(ones, -z) / math.pi),
                           torch.log1p(-torch.atan2(ones, z) / math.pi))

    def logccdf(self, value: Tensor) -> Tensor:
        z = (value - self.alpha) / self.beta
        return self.logcdf(self.alpha - z * self.beta)

    def icdf(self, value: Tensor) -> Tensor:
        # tan(pi (q - 1/2)) = -1 / tan(pi q): tan of a small angle, exact 1 - q above 1/2.
        lower = -1 / torch.tan(math.pi * value)
        upper = 1 / torch.tan(math.pi * (1 - value))
        return self.alpha + self.beta * torch.where(value < 0.5, lower, upper)

    def entropy(self) -> Tensor:
        return math.log(4 * math.pi) + self.beta.log()
