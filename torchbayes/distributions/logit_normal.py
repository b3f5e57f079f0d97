"""Logit-normal distribution, PyMC's ``LogitNormal(mu, sigma | tau)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from ._ndtr import ndtr
from .distribution import Continuous

__all__ = ["LogitNormal"]

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class LogitNormal(Continuous):
    r"""The distribution of ``sigmoid(y)`` for ``y ~ Normal(mu, sigma)``, on ``(0, 1)``.

    .. math:: \log p(x) = -\tfrac12 z^2 - \log\sigma - \tfrac12\log 2\pi - \log x - \log(1 - x),
              \quad z = (\operatorname{logit} x - \mu) / \sigma

    Its mean and variance have no closed form and are not provided.

    Parameters
    ----------
    mu : float or Tensor
        Mean of ``logit x``.
    sigma : float or Tensor
        Standard deviation of ``logit x``, ``> 0``; or give the precision ``tau``.
    tau : float or Tensor, optional
        Precision of ``logit x``, ``> 0``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import LogitNormal
    >>> LogitNormal(0.0, 1.0).log_prob(torch.tensor([0.5, 1.5]))
    tensor([0.4674,   -inf])
    """

    arg_constraints = {"mu": constraints.real, "sigma": constraints.positive,
                       "tau": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, mu=0.0, sigma=None, *, tau=None, validate_args=False):
        if sigma is not None and tau is not None:
            raise ValueError("LogitNormal: give sigma or tau, not both")
        if sigma is None:
            sigma = 1.0 if tau is None else broadcast_parameters(tau)[0] ** -0.5
        self.mu, self.sigma = broadcast_parameters(mu, sigma)
        super().__init__(self.mu.shape, validate_args=validate_args)

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        eps = torch.randn(shape, dtype=self.mu.dtype, device=self.mu.device)
        return torch.sigmoid(self.mu + self.sigma * eps)

    def _standardise(self, value: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        inside = (value > 0) & (value < 1)
        x = torch.where(inside, value, 0.5)
        return inside, x, (torch.log(x) - torch.log1p(-x) - self.mu) / self.sigma

    def log_prob(self, value: Tensor) -> Tensor:
        inside, x, z = self._standardise(value)
        logp = (-0.5 * z * z - self.sigma.log() - _HALF_LOG_2PI - torch.log(x)
                - torch.log1p(-x))
        return torch.where(inside, logp, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        inside, _, z = self._standardise(value)
        return torch.where(inside, ndtr(z), (value >= 1).to(z.dtype))

    def logcdf(self, value: Tensor) -> Tensor:
        inside, _, z = self._standardise(value)
        outside = torch.where(value >= 1, 0.0, -math.inf).to(z.dtype)
        return torch.where(inside, torch.special.log_ndtr(z), outside)

    def icdf(self, value: Tensor) -> Tensor:
        return torch.sigmoid(self.mu + self.sigma * torch.special.ndtri(value))
