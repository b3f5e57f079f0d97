"""Discrete uniform distribution, PyMC's ``DiscreteUniform(lower, upper)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Discrete

__all__ = ["DiscreteUniform"]


class DiscreteUniform(Discrete):
    r"""Equal probability on each integer from ``lower`` to ``upper`` inclusive.

    .. math:: \log p(k) = -\log(\text{upper} - \text{lower} + 1)

    Parameters
    ----------
    lower, upper : int or Tensor
        Bounds of the support, integers with ``lower <= upper`` (floored, as PyMC does).

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import DiscreteUniform
    >>> DiscreteUniform(-2, 1).log_prob(torch.tensor([-2.0, 2.0]))
    tensor([-1.3863,    -inf])
    """

    arg_constraints = {"lower": constraints.real, "upper": constraints.real}

    def __init__(self, lower, upper, *, validate_args=False):
        lower, upper = broadcast_parameters(lower, upper)
        self.lower, self.upper = lower.floor(), upper.floor()
        super().__init__(self.lower.shape, validate_args=validate_args)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(self.lower, self.upper)

    @property
    def _count(self) -> Tensor:
        return self.upper - self.lower + 1

    @property
    def mean(self) -> Tensor:
        return 0.5 * (self.lower + self.upper)

    @property
    def variance(self) -> Tensor:
        return (self._count ** 2 - 1) / 12

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        with torch.no_grad():
            u = torch.rand(shape, dtype=self.lower.dtype, device=self.lower.device)
            return torch.minimum(self.lower + torch.floor(u * self._count), self.upper)

    def log_prob(self, value: Tensor) -> Tensor:
        inside = (value >= self.lower) & (value <= self.upper) & (value == value.floor())
        return torch.where(inside, -torch.log(self._count), -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        return ((value.floor() - self.lower + 1) / self._count).clamp(0, 1)

    def logcdf(self, value: Tensor) -> Tensor:
        return torch.log(self.cdf(value))

    def icdf(self, value: Tensor) -> Tensor:
        return (self.lower + torch.ceil(value * self._count) - 1).clamp(min=self.lower)
