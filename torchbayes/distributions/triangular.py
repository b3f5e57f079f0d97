"""Triangular distribution, PyMC's ``Triangular(lower, c, upper)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Continuous

__all__ = ["Triangular"]


class Triangular(Continuous):
    r"""Triangular distribution on ``[lower, upper]`` with its mode at ``c``.

    .. math:: p(x) = \begin{cases} \frac{2 (x - l)}{(u - l)(c - l)} & l \le x < c \\
              \frac{2 (u - x)}{(u - l)(u - c)} & c \le x \le u \end{cases}

    Parameters
    ----------
    lower, c, upper : float or Tensor
        Bounds and mode, ``lower <= c <= upper`` and ``lower < upper``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import Triangular
    >>> Triangular(0.0, 1.0, 2.0).log_prob(torch.tensor([1.0, 3.0]))
    tensor([0., -inf])
    """

    arg_constraints = {"lower": constraints.real, "c": constraints.real,
                       "upper": constraints.real}
    has_rsample = True

    def __init__(self, lower=0.0, c=0.5, upper=1.0, *, validate_args=False):
        self.lower, self.c, self.upper = broadcast_parameters(lower, c, upper)
        if validate_args and not bool(((self.lower <= self.c) & (self.c <= self.upper)
                                       & (self.lower < self.upper)).all()):
            raise ValueError("Triangular: need lower <= c <= upper and lower < upper")
        super().__init__(self.lower.shape, validate_args=validate_args)

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.interval(self.lower, self.upper)

    @property
    def mean(self) -> Tensor:
        return (self.lower + self.c + self.upper) / 3

    @property
    def mode(self) -> Tensor:
        return self.c

    @property
    def variance(self) -> Tensor:
        l, c, u = self.lower, self.c, self.upper
        return (l ** 2 + c ** 2 + u ** 2 - l * c - l * u - c * u) / 18

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        u = torch.rand(shape, dtype=self.c.dtype, device=self.c.device)
        return self.icdf(u)

    def log_prob(self, value: Tensor) -> Tensor:
        # The rising side owns x = c when c = upper, so neither side divides 0 by 0; each side
        # sees ones where the other is taken, which keeps the dropped side's gradients finite.
        rising_side = (value < self.c) | (self.c == self.upper)
        width = self.upper - self.lower
        rise = torch.where(rising_side, value - self.lower, 1.0)
        rise_width = torch.where(rising_side, self.c - self.lower, 1.0)
        fall = torch.where(rising_side, 1.0, self.upper - value)
        fall_width = torch.where(rising_side, 1.0, self.upper - self.c)
        logp = torch.log(2 / width) + torch.where(rising_side, torch.log(rise / rise_width),
                                                  torch.log(fall / fall_width))
        inside = (value >= self.lower) & (value <= self.upper)
        return torch.where(inside, logp, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        x = torch.maximum(torch.minimum(value, self.upper), self.lower)
        width = self.upper - self.lower
        rising = (x - self.lower) ** 2 / (width * (self.c - self.lower))
        falling = 1 - (self.upper - x) ** 2 / (width * (self.upper - self.c))
        return torch.where((x < self.c) | (self.c == self.upper), rising, falling)

    def icdf(self, value: Tensor) -> Tensor:
        width = self.upper - self.lower
        rising_side = value < (self.c - self.lower) / width
        # As in log_prob, each side sees ones where the other is taken (sqrt'(0) is infinite).
        rise = torch.where(rising_side, value * width * (self.c - self.lower), 1.0)
        fall = torch.where(rising_side, 1.0, (1 - value) * width * (self.upper - self.c))
        return torch.where(rising_side, self.lower + rise.sqrt(), self.upper - fall.sqrt())
