"""Transforms onto half lines and intervals whose bounds may be tensors with a chain axis.

A bound that depends on another parameter (GARCH's ``beta1`` in ``(0, 1 - alpha1)``) is a
tensor such as ``(C, 1)`` that changes at every evaluation; these transforms broadcast it
against values ``(C, *shape)`` and keep the ``log(upper - lower)`` term in the log-Jacobian.
Formulas and log-determinants are tabulated in ``docs/notes/transforms.md``.

Example
-------
>>> import torch
>>> lower, upper = torch.zeros(2, 1), torch.tensor([[1.0], [0.5]])
>>> transform = IntervalTransform(lower, upper)
>>> transform(torch.zeros(2, 3))
tensor([[0.5000, 0.5000, 0.5000],
        [0.2500, 0.2500, 0.2500]])
"""
import math
from numbers import Number
from typing import Union

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.distributions import constraints
from torch.distributions.transforms import Transform

__all__ = ["IntervalTransform", "LowerBoundTransform", "UpperBoundTransform"]

Bound = Union[Tensor, float]


def _same_bound(first: Bound, second: Bound) -> bool:
    # Numbers compare by value; tensors by shape and value (a host sync, fine outside hot paths).
    if isinstance(first, Number) and isinstance(second, Number):
        return first == second
    return torch.equal(torch.as_tensor(first), torch.as_tensor(second))


class LowerBoundTransform(Transform):
    r"""Maps the real line onto ``(lower, inf)`` by ``y = lower + exp(x)``.

    Parameters
    ----------
    lower : Tensor or float
        Lower bound, broadcastable against the values, e.g. ``(C, 1)`` for values ``(C, n)``.
    cache_size : int
        Torch's transform cache size (0 or 1).

    Notes
    -----
    :math:`\log |dy/dx| = x`; the inverse is ``x = log(y - lower)``.

    Example
    -------
    >>> transform = LowerBoundTransform(2.0)
    >>> transform(torch.tensor([0.0]))
    tensor([3.])
    >>> transform.log_abs_det_jacobian(torch.tensor([0.5]), transform(torch.tensor([0.5])))
    tensor([0.5000])
    """

    domain = constraints.real
    bijective = True
    sign = +1

    def __init__(self, lower: Bound, cache_size: int = 0) -> None:
        super().__init__(cache_size=cache_size)
        self.lower = lower

    @property
    def codomain(self) -> constraints.Constraint:
        return constraints.greater_than(self.lower)

    def with_cache(self, cache_size: int = 1) -> "LowerBoundTransform":
        return LowerBoundTransform(self.lower, cache_size=cache_size)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LowerBoundTransform) and _same_bound(self.lower, other.lower)

    def __hash__(self) -> int:
        return hash(type(self))

    def _call(self, x: Tensor) -> Tensor:
        return self.lower + x.exp()

    def _inverse(self, y: Tensor) -> Tensor:
        return (y - self.lower).log()

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        return x


class UpperBoundTransform(Transform):
    r"""Maps the real line onto ``(-inf, upper)`` by ``y = upper - exp(x)``.

    Parameters
    ----------
    upper : Tensor or float
        Upper bound, broadcastable against the values, e.g. ``(C, 1)`` for values ``(C, n)``.
    cache_size : int
        Torch's transform cache size (0 or 1).

    Notes
    -----
    :math:`\log |dy/dx| = x`; the inverse is ``x = log(upper - y)``.

    Example
    -------
    >>> transform = UpperBoundTransform(1.0)
    >>> transform(torch.tensor([0.0]))
    tensor([0.])
    >>> transform.inv(torch.tensor([-1.0]))
    tensor([0.6931])
    """

    domain = constraints.real
    bijective = True
    sign = -1

    def __init__(self, upper: Bound, cache_size: int = 0) -> None:
        super().__init__(cache_size=cache_size)
        self.upper = upper

    @property
    def codomain(self) -> constraints.Constraint:
        return constraints.less_than(self.upper)

    def with_cache(self, cache_size: int = 1) -> "UpperBoundTransform":
        return UpperBoundTransform(self.upper, cache_size=cache_size)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UpperBoundTransform) and _same_bound(self.upper, other.upper)

    def __hash__(self) -> int:
        return hash(type(self))

    def _call(self, x: Tensor) -> Tensor:
        return self.upper - x.exp()

    def _inverse(self, y: Tensor) -> Tensor:
        return (self.upper - y).log()

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        return x


class IntervalTransform(Transform):
    r"""Maps the real line onto ``(lower, upper)`` by a logistic sigmoid then an affine map.

    ``y = lower + (upper - lower) * sigmoid(x)``, PyMC's ``Interval`` (log-odds) transform.

    Parameters
    ----------
    lower, upper : Tensor or float
        Bounds with ``lower < upper``, broadcastable against the values (``(C, 1)`` for values
        ``(C, n)``); they may be recomputed from other parameters at every evaluation.
    cache_size : int
        Torch's transform cache size (0 or 1).

    Notes
    -----
    .. math:: \log |dy/dx| = \log(u - l) - \mathrm{softplus}(x) - \mathrm{softplus}(-x),

    which stays finite for any ``x`` in float32 (no ``log(0)``). The inverse is
    ``x = log(y - lower) - log(upper - y)``, more accurate near the bounds than ``logit`` of
    the rescaled value.

    Example
    -------
    >>> transform = IntervalTransform(-1.0, 3.0)
    >>> y = transform(torch.tensor([0.0]))
    >>> y, transform.log_abs_det_jacobian(torch.tensor([0.0]), y)
    (tensor([1.]), tensor([0.]))
    """

    domain = constraints.real
    bijective = True
    sign = +1

    def __init__(self, lower: Bound, upper: Bound, cache_size: int = 0) -> None:
        super().__init__(cache_size=cache_size)
        self.lower = lower
        self.upper = upper

    @property
    def codomain(self) -> constraints.Constraint:
        return constraints.interval(self.lower, self.upper)

    def with_cache(self, cache_size: int = 1) -> "IntervalTransform":
        return IntervalTransform(self.lower, self.upper, cache_size=cache_size)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, IntervalTransform)
            and _same_bound(self.lower, other.lower)
            and _same_bound(self.upper, other.upper)
        )

    def __hash__(self) -> int:
        return hash(type(self))

    def _call(self, x: Tensor) -> Tensor:
        return self.lower + (self.upper - self.lower) * torch.sigmoid(x)

    def _inverse(self, y: Tensor) -> Tensor:
        return (y - self.lower).log() - (self.upper - y).log()

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        width = self.upper - self.lower
        log_width = width.log() if isinstance(width, Tensor) else math.log(width)
        return log_width - F.softplus(x) - F.softplus(-x)
