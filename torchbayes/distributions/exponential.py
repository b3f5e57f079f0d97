"""Exponential distribution, PyMC's ``Exponential(lam | scale)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Continuous

__all__ = ["Exponential"]

_LOG_2 = math.log(2)


def _log1mexp(x: Tensor) -> Tensor:
    """``log(1 - exp(-x))`` for ``x >= 0`` without cancellation (Maechler's switch at log 2)."""
    return torch.where(x < _LOG_2, torch.log(-torch.expm1(-x)), torch.log1p(-torch.exp(-x)))


class Exponential(Continuous):
    r"""Exponential distribution with rate ``lam`` (or ``scale = 1 / lam``).

    .. math:: \log p(x) = \log \lambda - \lambda x, \quad x \ge 0

    Parameters
    ----------
    lam : float or Tensor
        Rate, ``> 0``.
    scale : float or Tensor, optional
        Scale ``1 / lam``, ``> 0``; give ``lam`` or ``scale``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import Exponential
    >>> Exponential(scale=2.0).log_prob(torch.tensor([1.0, -1.0]))
    tensor([-1.1931,    -inf])
    """

    arg_constraints = {"lam": constraints.positive, "scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, lam=None, *, scale=None, validate_args=False):
        if lam is not None and scale is not None:
            raise ValueError("Exponential: give lam or scale, not both")
        if lam is None:
            lam = 1.0 if scale is None else 1 / broadcast_parameters(scale)[0]
        (self.lam,) = broadcast_parameters(lam)
        super().__init__(self.lam.shape, validate_args=validate_args)

    @property
    def scale(self) -> Tensor:
        return 1 / self.lam

    @property
    def mean(self) -> Tensor:
        return 1 / self.lam

    @property
    def mode(self) -> Tensor:
        return torch.zeros_like(self.lam)

    @property
    def variance(self) -> Tensor:
        return self.lam ** -2

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        draws = torch.empty(shape, dtype=self.lam.dtype, device=self.lam.device).exponential_()
        return draws / self.lam

    def log_prob(self, value: Tensor) -> Tensor:
        return torch.where(value >= 0, self.lam.log() - self.lam * value, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        return -torch.expm1(-self.lam * value.clamp(min=0))

    def logcdf(self, value: Tensor) -> Tensor:
        return _log1mexp(self.lam * value.clamp(min=0))

    def logccdf(self, value: Tensor) -> Tensor:
        return -self.lam * value.clamp(min=0)

    def icdf(self, value: Tensor) -> Tensor:
        return -torch.log1p(-value) / self.lam

    def entropy(self) -> Tensor:
        return 1 - self.lam.log()
