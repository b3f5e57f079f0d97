"""Asymmetric Laplace distribution, PyMC's ``AsymmetricLaplace(b, kappa, mu | q)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Continuous

__all__ = ["AsymmetricLaplace"]


class AsymmetricLaplace(Continuous):
    r"""Laplace distribution with different decay rates left and right of ``mu``.

    .. math:: \log p(x) = \log \frac{b}{\kappa + 1/\kappa} - (x - \mu)\, b\, s\, \kappa^{s},
              \quad s = \operatorname{sign}(x - \mu)

    The right side decays at rate ``b kappa`` and holds mass ``1 / (1 + kappa^2)``.

    Parameters
    ----------
    b : float or Tensor
        Scale (a rate), ``> 0``.
    kappa : float or Tensor
        Symmetry, ``> 0``; ``kappa = 1`` is the Laplace distribution with scale ``1 / b``.
    mu : float or Tensor
        Location.
    q : float or Tensor, optional
        Quantile in ``(0, 1)`` located at ``mu`` instead of ``kappa``
        (``kappa = sqrt(q / (1 - q))``), as in Bayesian quantile regression.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import AsymmetricLaplace
    >>> AsymmetricLaplace(b=1.0, kappa=2.0).log_prob(torch.tensor([-1.0, 1.0]))
    tensor([-1.4163, -2.9163])
    """

    arg_constraints = {"b": constraints.positive, "kappa": constraints.positive,
                       "mu": constraints.real, "q": constraints.unit_interval}
    support = constraints.real
    has_rsample = True

    def __init__(self, b=1.0, kappa=None, mu=0.0, *, q=None, validate_args=False):
        if (kappa is None) == (q is None):
            raise ValueError("AsymmetricLaplace: give exactly one of kappa or q")
        if kappa is None:
            (q,) = broadcast_parameters(q)
            kappa = (q / (1 - q)).sqrt()
        self.b, self.kappa, self.mu = broadcast_parameters(b, kappa, mu)
        super().__init__(self.mu.shape, validate_args=validate_args)

    @property
    def _left_mass(self) -> Tensor:
        return self.kappa ** 2 / (1 + self.kappa ** 2)

    @property
    def mean(self) -> Tensor:
        return self.mu + (1 - self.kappa ** 2) / (self.kappa * self.b)

    @property
    def variance(self) -> Tensor:
        return (1 + self.kappa ** 4) / (self.kappa ** 2 * self.b ** 2)

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        tiny = torch.finfo(self.mu.dtype).tiny
        u = torch.rand(shape, dtype=self.mu.dtype, device=self.mu.device).clamp(min=tiny)
        return self.icdf(u)

    def log_prob(self, value: Tensor) -> Tensor:
        y = value - self.mu
        rate = torch.where(y >= 0, self.b * self.kappa, -self.b / self.kappa)
        return torch.log(self.b / (self.kappa + 1 / self.kappa)) - y * rate

    def cdf(self, value: Tensor) -> Tensor:
        return torch.exp(self.logcdf(value))

    def logcdf(self, value: Tensor) -> Tensor:
        y = value - self.mu
        left = torch.log(self._left_mass) + y.clamp(max=0) * self.b / self.kappa
        right = torch.log1p(-torch.exp(-y.clamp(min=0) * self.b * self.kappa)
                            / (1 + self.kappa ** 2))
        return torch.where(y < 0, left, right)

    def icdf(self, value: Tensor) -> Tensor:
        left_mass = self._left_mass
        left = self.kappa / self.b * torch.log(value / left_mass)
        right = -torch.log((1 - value) * (1 + self.kappa ** 2)) / (self.b * self.kappa)
        return self.mu + torch.where(value < left_mass, left, right)
