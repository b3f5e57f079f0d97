"""Dirac delta distribution, PyMC's ``DiracDelta(c)``: all mass on one value."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Discrete

__all__ = ["DiracDelta"]


class DiracDelta(Discrete):
    r"""The constant ``c``: ``log p(c) = 0`` and ``-inf`` anywhere else.

    Parameters
    ----------
    c : float or Tensor
        The value (any real; PyMC keeps its dtype, here it is a floating tensor).

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import DiracDelta
    >>> DiracDelta(3.0).log_prob(torch.tensor([3.0, 2.0]))
    tensor([0., -inf])
    """

    arg_constraints = {"c": constraints.real}

    def __init__(self, c, *, validate_args=False):
        (self.c,) = broadcast_parameters(c)
        super().__init__(self.c.shape, validate_args=validate_args)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.interval(self.c, self.c)

    @property
    def mean(self) -> Tensor:
        return self.c

    @property
    def mode(self) -> Tensor:
        return self.c

    @property
    def variance(self) -> Tensor:
        return torch.zeros_like(self.c)

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        return self.c.detach().expand(self._extended_shape(torch.Size(sample_shape))).clone()

    def log_prob(self, value: Tensor) -> Tensor:
        return torch.where(value == self.c, 0.0, -math.inf).to(torch.promote_types(
            value.dtype, self.c.dtype))

    def cdf(self, value: Tensor) -> Tensor:
        return (value >= self.c).to(torch.promote_types(value.dtype, self.c.dtype))
