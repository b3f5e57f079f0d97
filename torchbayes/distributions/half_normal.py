"""Half-normal distribution, PyMC's ``HalfNormal(sigma | tau)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Continuous

__all__ = ["HalfNormal"]

_LOG_SQRT_2_OVER_PI = 0.5 * math.log(2 / math.pi)


class HalfNormal(Continuous):
    r"""A normal distribution with mean zero folded onto the non-negative reals.

    .. math:: \log p(x) = \tfrac12 \log \tfrac{2}{\pi} - \log \sigma - \tfrac12 (x / \sigma)^2,
              \quad x \ge 0

    Parameters
    ----------
    sigma : float or Tensor
        Scale, ``> 0``. Give ``sigma`` or the precision ``tau = sigma ** -2``.
    tau : float or Tensor, optional
        Precision, ``> 0``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import HalfNormal
    >>> HalfNormal(sigma=2.0).log_prob(torch.tensor([1.0, -1.0]))
    tensor([-1.0439,    -inf])
    """

    arg_constraints = {"sigma": constraints.positive, "tau": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, sigma=None, *, tau=None, validate_args=False):
        if sigma is not None and tau is not None:
            raise ValueError("HalfNormal: give sigma or tau, not both")
        if sigma is None:
            sigma = 1.0 if tau is None else broadcast_parameters(tau)[0] ** -0.5
        (self.sigma,) = broadcast_parameters(sigma)
        super().__init__(self.sigma.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.sigma * math.sqrt(2 / math.pi)

    @property
    def mode(self) -> Tensor:
        return torch.zeros_like(self.sigma)

    @property
    def variance(self) -> Tensor:
        return self.sigma ** 2 * (1 - 2 / math.pi)

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        eps = torch.randn(shape, dtype=self.sigma.dtype, device=self.sigma.device)
        return eps.abs() * self.sigma

    def log_prob(self, value: Tensor) -> Tensor:
        z = value / self.sigma
        logp = _LOG_SQRT_2_OVER_PI - self.sigma.log() - 0.5 * z * z
        return torch.where(value >= 0, logp, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        return torch.special.erf(value.clamp(min=0) / (self.sigma * math.sqrt(2)))

    def logcdf(self, value: Tensor) -> Tensor:
        # erf is accurate near 0 and erfc far out: log(erf) there, log1p(-erfc) in the tail.
        u = value.clamp(min=0) / (self.sigma * math.sqrt(2))
        near = torch.log(torch.special.erf(u.clamp(max=1)))
        far = torch.log1p(-torch.special.erfc(u.clamp(min=1)))
        return torch.where(u < 1, near, far)

    def logccdf(self, value: Tensor) -> Tensor:
        return math.log(2) + torch.special.log_ndtr(-value.clamp(min=0) / self.sigma)

    def icdf(self, value: Tensor) -> Tensor:
        return self.sigma * torch.special.ndtri(0.5 + 0.5 * value)

    def entropy(self) -> Tensor:
        return 0.5 * math.log(math.pi * math.e / 2) + self.sigma.log()
