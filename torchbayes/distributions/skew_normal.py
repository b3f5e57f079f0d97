"""Skew-normal distribution, PyMC's ``SkewNormal(mu, sigma | tau, alpha)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Continuous

__all__ = ["SkewNormal"]

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class SkewNormal(Continuous):
    r"""Azzalini's skew-normal distribution; ``alpha = 0`` is the normal distribution.

    .. math:: \log p(x) = \log 2 - \tfrac12 z^2 - \log\sigma - \tfrac12\log 2\pi
              + \log\Phi(\alpha z), \quad z = (x - \mu) / \sigma

    Parameters
    ----------
    mu : float or Tensor
        Location.
    sigma : float or Tensor
        Scale, ``> 0``; or give the precision ``tau = sigma ** -2``.
    alpha : float or Tensor
        Skewness; positive values skew right.
    tau : float or Tensor, optional
        Precision, ``> 0``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import SkewNormal
    >>> SkewNormal(0.0, 1.0, alpha=2.0).log_prob(torch.tensor([0.0, 1.0]))
    tensor([-0.9189, -0.7488])
    """

    arg_constraints = {"mu": constraints.real, "sigma": constraints.positive,
                       "tau": constraints.positive, "alpha": constraints.real}
    support = constraints.real
    has_rsample = True

    def __init__(self, mu=0.0, sigma=None, alpha=1.0, *, tau=None, validate_args=False):
        if sigma is not None and tau is not None:
            raise ValueError("SkewNormal: give sigma or tau, not both")
        if sigma is None:
            sigma = 1.0 if tau is None else broadcast_parameters(tau)[0] ** -0.5
        self.mu, self.sigma, self.alpha = broadcast_parameters(mu, sigma, alpha)
        super().__init__(self.mu.shape, validate_args=validate_args)

    @property
    def _delta(self) -> Tensor:
        return self.alpha / torch.sqrt(1 + self.alpha ** 2)

    @property
    def mean(self) -> Tensor:
        return self.mu + self.sigma * self._delta * math.sqrt(2 / math.pi)

    @property
    def variance(self) -> Tensor:
        return self.sigma ** 2 * (1 - 2 * self._delta ** 2 / math.pi)

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        # Azzalini's representation: delta |u| + sqrt(1 - delta^2) v, u and v standard normal.
        shape = self._extended_shape(torch.Size(sample_shape))
        u = torch.randn(shape, dtype=self.mu.dtype, device=self.mu.device)
        v = torch.randn(shape, dtype=self.mu.dtype, device=self.mu.device)
        delta = self._delta
        standard = delta * u.abs() + torch.sqrt(1 - delta ** 2) * v
        return self.mu + self.sigma * standard

    def log_prob(self, value: Tensor) -> Tensor:
        z = (value - self.mu) / self.sigma
        return (math.log(2) - 0.5 * z * z - self.sigma.log() - _HALF_LOG_2PI
                + torch.special.log_ndtr(self.alpha * z))
