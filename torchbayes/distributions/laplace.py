"""Laplace distribution, PyMC's ``Laplace(mu, b)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Continuous

__all__ = ["Laplace"]


class Laplace(Continuous):
    r"""Double-exponential distribution with location ``mu`` and scale ``b``.

    .. math:: \log p(x) = -\log(2b) - |x - \mu| / b

    Parameters
    ----------
    mu : float or Tensor
        Location (mean and median).
    b : float or Tensor
        Scale, ``> 0``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import Laplace
    >>> Laplace(0.0, 2.0).log_prob(torch.tensor([0.0, 2.0]))
    tensor([-1.3863, -2.3863])
    """

    arg_constraints = {"mu": constraints.real, "b": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, mu=0.0, b=1.0, *, validate_args=False):
        self.mu, self.b = broadcast_parameters(mu, b)
        super().__init__(self.mu.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.mu

    @property
    def mode(self) -> Tensor:
        return self.mu

    @property
    def variance(self) -> Tensor:
        return 2 * self.b ** 2

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        # u uniform on (-1, 1), kept off the ends: mu - b sign(u) log(1 - |u|).
        shape = self._extended_shape(torch.Size(sample_shape))
        eps = torch.finfo(self.mu.dtype).eps
        u = torch.rand(shape, dtype=self.mu.dtype, device=self.mu.device) * 2 - 1
        u = u.clamp(-1 + eps, 1 - eps)
        return self.mu - self.b * u.sign() * torch.log1p(-u.abs())

    def log_prob(self, value: Tensor) -> Tensor:
        return -torch.log(2 * self.b) - (value - self.mu).abs() / self.b

    def cdf(self, value: Tensor) -> Tensor:
        z = (value - self.mu) / self.b
        # 0.5 exp(z) below the location, not 0.5 + 0.5 expm1(z), which cancels to 0 far out.
        return torch.where(z < 0, 0.5 * torch.exp(z.clamp(max=0)),
                           1 - 0.5 * torch.exp(-z.clamp(min=0)))

    def logcdf(self, value: Tensor) -> Tensor:
        z = (value - self.mu) / self.b
        return torch.where(z < 0, z.clamp(max=0) - math.log(2),
                           torch.log1p(-0.5 * torch.exp(-z.clamp(min=0))))

    def logccdf(self, value: Tensor) -> Tensor:
        z = (value - self.mu) / self.b
        return torch.where(z > 0, -z.clamp(min=0) - math.log(2),
                           torch.log1p(-0.5 * torch.exp(z.clamp(max=0))))

    def icdf(self, value: Tensor) -> Tensor:
        centred = value - 0.5
        return self.mu - self.b * centred.sign() * torch.log1p(-2 * centred.abs())

    def entropy(self) -> Tensor:
        return 1 + torch.log(2 * self.b)
