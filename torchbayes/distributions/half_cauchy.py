"""Half-Cauchy distribution, PyMC's ``HalfCauchy(beta)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Continuous

__all__ = ["HalfCauchy"]

_LOG_2_OVER_PI = math.log(2 / math.pi)


class HalfCauchy(Continuous):
    r"""A Cauchy distribution centred at zero folded onto the non-negative reals.

    .. math:: \log p(x) = \log \tfrac{2}{\pi} - \log \beta - \log(1 + (x / \beta)^2),
              \quad x \ge 0

    Its mean and variance are infinite.

    Parameters
    ----------
    beta : float or Tensor
        Scale, ``> 0``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import HalfCauchy
    >>> HalfCauchy(5.0).log_prob(torch.tensor([0.0, -1.0]))
    tensor([-2.0610,    -inf])
    """

    arg_constraints = {"beta": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, beta=1.0, *, validate_args=False):
        (self.beta,) = broadcast_parameters(beta)
        super().__init__(self.beta.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return torch.full_like(self.beta, math.inf)

    @property
    def mode(self) -> Tensor:
        return torch.zeros_like(self.beta)

    @property
    def variance(self) -> Tensor:
        return torch.full_like(self.beta, math.inf)

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        u = torch.rand(shape, dtype=self.beta.dtype, device=self.beta.device)
        return self.icdf(u)

    def log_prob(self, value: Tensor) -> Tensor:
        z = value / self.beta
        logp = _LOG_2_OVER_PI - self.beta.log() - torch.log1p(z * z)
        return torch.where(value >= 0, logp, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        return torch.atan(value.clamp(min=0) / self.beta) * (2 / math.pi)

    def logcdf(self, value: Tensor) -> Tensor:
        # Far out atan(z) = pi/2 - atan(1/z), so the cdf is 1 - (2/pi) atan(1/z): use log1p.
        z = value.clamp(min=0) / self.beta
        near = _LOG_2_OVER_PI + torch.log(torch.atan(z))
        far = torch.log1p(-(2 / math.pi) * torch.atan(1 / z.clamp(min=1)))
        return torch.where(z < 1, near, far)

    def logccdf(self, value: Tensor) -> Tensor:
        z = value.clamp(min=0) / self.beta
        return torch.log((2 / math.pi) * torch.atan2(torch.ones_like(z), z))

    def icdf(self, value: Tensor) -> Tensor:
        # Near q = 1, tan(pi q / 2) = 1 / tan(pi (1 - q) / 2) avoids the pole's rounding.
        near_pole = 1 / torch.tan(0.5 * math.pi * (1 - value))
        return self.beta * torch.where(value < 0.5, torch.tan(0.5 * math.pi * value), near_pole)

    def entropy(self) -> Tensor:
        return math.log(2 * math.pi) + self.beta.log()
