"""Moyal distribution, PyMC's ``Moyal(mu, sigma)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Continuous

__all__ = ["Moyal"]

_EULER_GAMMA = 0.5772156649015329
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class Moyal(Continuous):
    r"""Moyal distribution (an approximation of the Landau energy-loss law).

    .. math:: \log p(x) = -\tfrac12 (z + e^{-z}) - \log\sigma - \tfrac12 \log 2\pi,
              \quad z = (x - \mu) / \sigma

    If ``x`` is standard Moyal then ``exp(-x)`` is chi-square with one degree of freedom,
    which gives the sampler ``mu - sigma log(eps^2)``, ``eps ~ Normal(0, 1)``.

    Parameters
    ----------
    mu : float or Tensor
        Location.
    sigma : float or Tensor
        Scale, ``> 0``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import Moyal
    >>> Moyal(0.0, 1.0).log_prob(torch.tensor([0.0, 2.0]))
    tensor([-1.4189, -1.9866])
    """

    arg_constraints = {"mu": constraints.real, "sigma": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, mu=0.0, sigma=1.0, *, validate_args=False):
        self.mu, self.sigma = broadcast_parameters(mu, sigma)
        super().__init__(self.mu.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.mu + self.sigma * (_EULER_GAMMA + math.log(2))

    @property
    def mode(self) -> Tensor:
        return self.mu

    @property
    def variance(self) -> Tensor:
        return (math.pi * self.sigma) ** 2 / 2

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        eps = torch.randn(shape, dtype=self.mu.dtype, device=self.mu.device)
        return self.mu - self.sigma * torch.log(eps * eps)

    def log_prob(self, value: Tensor) -> Tensor:
        z = (value - self.mu) / self.sigma
        return -0.5 * (z + torch.exp(-z)) - self.sigma.log() - _HALF_LOG_2PI

    def cdf(self, value: Tensor) -> Tensor:
        z = (value - self.mu) / self.sigma
        return torch.special.erfc(torch.exp(-0.5 * z) / math.sqrt(2))

    def logcdf(self, value: Tensor) -> Tensor:
        # erfc(t / sqrt 2) = 2 ndtr(-t): log_ndtr stays finite far into the lower tail.
        z = (value - self.mu) / self.sigma
        return math.log(2) + torch.special.log_ndtr(-torch.exp(-0.5 * z))

    def logccdf(self, value: Tensor) -> Tensor:
        z = (value - self.mu) / self.sigma
        return torch.log(torch.special.erf(torch.exp(-0.5 * z) / math.sqrt(2)))

    def icdf(self, value: Tensor) -> Tensor:
        return self.mu - 2 * self.sigma * torch.log(-torch.special.ndtri(0.5 * value))
