"""Uniform distribution, PyMC's ``Uniform(lower, upper)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Continuous

__all__ = ["Uniform"]


class Uniform(Continuous):
    r"""Continuous uniform distribution on ``[lower, upper]``.

    .. math:: \log p(x) = -\log(\mathrm{upper} - \mathrm{lower}),
              \quad \mathrm{lower} \le x \le \mathrm{upper}

    Parameters
    ----------
    lower, upper : float or Tensor
        Bounds, ``lower < upper``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import Uniform
    >>> Uniform(0.0, 4.0).log_prob(torch.tensor([1.0, 5.0]))
    tensor([-1.3863,    -inf])
    """

    # lower < upper is checked by the constructor on request (validate_args=True).
    arg_constraints = {"lower": constraints.real, "upper": constraints.real}
    has_rsample = True

    def __init__(self, lower=0.0, upper=1.0, *, validate_args=False):
        self.lower, self.upper = broadcast_parameters(lower, upper)
        if validate_args and not bool((self.lower < self.upper).all()):
            raise ValueError("Uniform: lower must be < upper")
        super().__init__(self.lower.shape, validate_args=validate_args)

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.interval(self.lower, self.upper)

    @property
    def mean(self) -> Tensor:
        return 0.5 * (self.lower + self.upper)

    @property
    def variance(self) -> Tensor:
        return (self.upper - self.lower) ** 2 / 12

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        u = torch.rand(shape, dtype=self.lower.dtype, device=self.lower.device)
        return self.lower + u * (self.upper - self.lower)

    def log_prob(self, value: Tensor) -> Tensor:
        inside = (value >= self.lower) & (value <= self.upper)
        return torch.where(inside, -torch.log(self.upper - self.lower), -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        return ((value - self.lower) / (self.upper - self.lower)).clamp(0, 1)

    def logcdf(self, value: Tensor) -> Tensor:
        return torch.log(self.cdf(value))

    def logccdf(self, value: Tensor) -> Tensor:
        return torch.log(((self.upper - value) / (self.upper - self.lower)).clamp(0, 1))

    def icdf(self, value: Tensor) -> Tensor:
        return self.lower + value * (self.upper - self.lower)

    def entropy(self) -> Tensor:
        return torch.log(self.upper - self.lower)
