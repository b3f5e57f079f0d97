"""Log-normal distribution, PyMC's ``LogNormal(mu, sigma | tau)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from ._ndtr import ndtr
from .distribution import Continuous

__all__ = ["LogNormal"]

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class LogNormal(Continuous):
    r"""The distribution of ``exp(y)`` for ``y ~ Normal(mu, sigma)``.

    .. math:: \log p(x) = -\tfrac12 ((\log x - \mu) / \sigma)^2 - \log \sigma - \log x
              - \tfrac12 \log 2\pi, \quad x > 0

    Parameters
    ----------
    mu : float or Tensor
        Mean of ``log x``.
    sigma : float or Tensor
        Standard deviation of ``log x``, ``> 0``; or give the precision ``tau = sigma ** -2``.
    tau : float or Tensor, optional
        Precision of ``log x``, ``> 0``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import LogNormal
    >>> LogNormal(0.0, 1.0).log_prob(torch.tensor([1.0, -1.0]))
    tensor([-0.9189,    -inf])
    """

    arg_constraints = {"mu": constraints.real, "sigma": constraints.positive,
                       "tau": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, mu=0.0, sigma=None, *, tau=None, validate_args=False):
        if sigma is not None and tau is not None:
            raise ValueError("LogNormal: give sigma or tau, not both")
        if sigma is None:
            sigma = 1.0 if tau is None else broadcast_parameters(tau)[0] ** -0.5
        self.mu, self.sigma = broadcast_parameters(mu, sigma)
        super().__init__(self.mu.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return torch.exp(self.mu + 0.5 * self.sigma ** 2)

    @property
    def mode(self) -> Tensor:
        return torch.exp(self.mu - self.sigma ** 2)

    @property
    def variance(self) -> Tensor:
        return torch.expm1(self.sigma ** 2) * torch.exp(2 * self.mu + self.sigma ** 2)

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        eps = torch.randn(shape, dtype=self.mu.dtype, device=self.mu.device)
        return torch.exp(self.mu + eps * self.sigma)

    def _standardise(self, value: Tensor) -> tuple[Tensor, Tensor]:
        inside = value > 0
        log_value = torch.log(torch.where(inside, value, 1.0))
        return inside, (log_value - self.mu) / self.sigma

    def log_prob(self, value: Tensor) -> Tensor:
        inside, z = self._standardise(value)
        logp = -0.5 * z * z - self.sigma.log() - (z * self.sigma + self.mu) - _HALF_LOG_2PI
        return torch.where(inside, logp, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        inside, z = self._standardise(value)
        return torch.where(inside, ndtr(z), 0.0)

    def logcdf(self, value: Tensor) -> Tensor:
        inside, z = self._standardise(value)
        return torch.where(inside, torch.special.log_ndtr(z), -math.inf)

    def logccdf(self, value: Tensor) -> Tensor:
        inside, z = self._standardise(value)
        return torch.where(inside, torch.special.log_ndtr(-z), 0.0)

    def icdf(self, value: Tensor) -> Tensor:
        return torch.exp(self.mu + self.sigma * torch.special.ndtri(value))

    def entropy(self) -> Tensor:
        return self.mu + 0.5 + _HALF_LOG_2PI + self.sigma.log()
