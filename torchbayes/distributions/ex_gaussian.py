"""Exponentially modified Gaussian distribution, PyMC's ``ExGaussian(mu, sigma, nu)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from ._ndtr import ndtr
from .distribution import Continuous

__all__ = ["ExGaussian"]


class ExGaussian(Continuous):
    r"""Sum of a ``Normal(mu, sigma)`` and an independent exponential with mean ``nu``.

    .. math:: \log p(x) = -\log\nu + \frac{\mu - x}{\nu} + \frac{\sigma^2}{2\nu^2}
              + \log\Phi\Bigl(\frac{x - \mu}{\sigma} - \frac{\sigma}{\nu}\Bigr)

    For ``w = z - sigma / nu < 0`` the exponent and ``log Phi(w)`` nearly cancel; there the
    density is evaluated as ``-log nu - z^2 / 2 + log(erfcx(-w / sqrt 2) / 2)``, which is exact
    and stable for any ``nu / sigma`` (no switch to a normal approximation is needed).

    Parameters
    ----------
    mu : float or Tensor
        Mean of the normal part.
    sigma : float or Tensor
        Standard deviation of the normal part, ``> 0``.
    nu : float or Tensor
        Mean of the exponential part, ``> 0``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import ExGaussian
    >>> ExGaussian(0.0, 1.0, 2.0).log_prob(torch.tensor([0.0, 3.0]))
    tensor([-1.7441, -2.0744])
    """

    arg_constraints = {"mu": constraints.real, "sigma": constraints.positive,
                       "nu": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, mu=0.0, sigma=1.0, nu=1.0, *, validate_args=False):
        self.mu, self.sigma, self.nu = broadcast_parameters(mu, sigma, nu)
        super().__init__(self.mu.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.mu + self.nu

    @property
    def variance(self) -> Tensor:
        return self.sigma ** 2 + self.nu ** 2

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        normal = torch.randn(shape, dtype=self.mu.dtype, device=self.mu.device)
        exponential = torch.empty_like(normal).exponential_()
        return self.mu + self.sigma * normal + self.nu * exponential

    def _log_tail(self, value: Tensor) -> tuple[Tensor, Tensor]:
        """``z`` and ``(mu - x) / nu + sigma^2 / (2 nu^2) + log Phi(w)``, cancellation-free."""
        z = (value - self.mu) / self.sigma
        ratio = self.sigma / self.nu
        w = z - ratio
        direct = -z * ratio + 0.5 * ratio ** 2 + torch.special.log_ndtr(w)
        scaled_tail = 0.5 * torch.special.erfcx(-w.clamp(max=0) / math.sqrt(2))
        folded = -0.5 * z * z + torch.log(scaled_tail)
        return z, torch.where(w < 0, folded, direct)

    def log_prob(self, value: Tensor) -> Tensor:
        _, log_tail = self._log_tail(value)
        return -self.nu.log() + log_tail

    def cdf(self, value: Tensor) -> Tensor:
        z, log_tail = self._log_tail(value)
        return ndtr(z) - torch.exp(log_tail)
