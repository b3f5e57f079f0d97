"""Logistic distribution, PyMC's ``Logistic(mu, s)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor
from torch.nn.functional import softplus

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Continuous

__all__ = ["Logistic"]


class Logistic(Continuous):
    r"""Logistic distribution with location ``mu`` and scale ``s``.

    .. math:: \log p(x) = -z - \log s - 2 \log(1 + e^{-z}), \quad z = (x - \mu) / s

    Parameters
    ----------
    mu : float or Tensor
        Location (mean).
    s : float or Tensor
        Scale, ``> 0``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import Logistic
    >>> Logistic(0.0, 1.0).log_prob(torch.tensor([0.0, 3.0]))
    tensor([-1.3863, -3.0972])
    """

    arg_constraints = {"mu": constraints.real, "s": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, mu=0.0, s=1.0, *, validate_args=False):
        self.mu, self.s = broadcast_parameters(mu, s)
        super().__init__(self.mu.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.mu

    @property
    def mode(self) -> Tensor:
        return self.mu

    @property
    def variance(self) -> Tensor:
        return (math.pi * self.s) ** 2 / 3

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        tiny = torch.finfo(self.mu.dtype).tiny
        u = torch.rand(shape, dtype=self.mu.dtype, device=self.mu.device).clamp(min=tiny)
        return self.icdf(u)

    def log_prob(self, value: Tensor) -> Tensor:
        z = (value - self.mu) / self.s
        return -z - self.s.log() - 2 * softplus(-z)

    def cdf(self, value: Tensor) -> Tensor:
        return torch.sigmoid((value - self.mu) / self.s)

    def logcdf(self, value: Tensor) -> Tensor:
        return -softplus(-(value - self.mu) / self.s)

    def logccdf(self, value: Tensor) -> Tensor:
        return -softplus((value - self.mu) / self.s)

    def icdf(self, value: Tensor) -> Tensor:
        return self.mu + self.s * (torch.log(value) - torch.log1p(-value))

    def entropy(self) -> Tensor:
        return self.s.log() + 2
