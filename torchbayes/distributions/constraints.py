"""Constraints: torch's, plus the ones torch lacks (ordered vectors, zero sums, circles).

A constraint names a support; :mod:`torchbayes.transforms` maps each one to its default
bijector. Families refer to constraints through this module so that new ones have one home.

Example
-------
>>> import torch
>>> from torchbayes.distributions import constraints
>>> constraints.ordered_vector.check(torch.tensor([-1.0, 0.5, 2.0]))
tensor(True)
>>> constraints.sum_to_zero.check(torch.tensor([1.0, -0.25, -0.75]))
tensor(True)
>>> constraints.packed_correlation.check(torch.tensor([0.9, 0.9, -0.9]))
tensor(False)
"""
import math

import torch
from torch import Tensor
from torch.distributions.constraints import (  # noqa: F401  (re-exported)
    Constraint,
    _Interval,
    boolean,
    cat,
    corr_cholesky,
    dependent,
    dependent_property,
    greater_than,
    greater_than_eq,
    half_open_interval,
    independent,
    integer_interval,
    interval,
    is_dependent,
    less_than,
    lower_cholesky,
    lower_triangular,
    multinomial,
    nonnegative,
    nonnegative_integer,
    one_hot,
    positive,
    positive_definite,
    positive_integer,
    positive_semidefinite,
    real,
    real_vector,
    simplex,
    square,
    stack,
    symmetric,
    unit_interval,
)

__all__ = [
    "Constraint", "boolean", "cat", "circular", "corr_cholesky", "dependent",
    "dependent_property", "greater_than", "greater_than_eq", "half_open_interval", "independent",
    "integer_interval", "interval", "is_dependent", "less_than", "lower_cholesky",
    "lower_triangular", "multinomial", "nonnegative", "nonnegative_integer", "one_hot",
    "ordered_vector", "packed_correlation", "positive", "positive_definite", "positive_integer",
    "positive_semidefinite", "real", "real_vector", "simplex", "square", "stack",
    "sum_to_zero", "symmetric", "unit_interval",
]


class _OrderedVector(Constraint):
    """Strictly increasing real vectors along the last dimension (cut points, ordered means).

    Example
    -------
    >>> _OrderedVector().check(torch.tensor([[0.0, 1.0], [1.0, 0.0]]))
    tensor([ True, False])
    """

    event_dim = 1

    def check(self, value: Tensor) -> Tensor:
        return (value[..., 1:] > value[..., :-1]).all(dim=-1)


class _SumToZero(Constraint):
    """Real vectors whose last dimension sums to zero (PyMC's ``ZeroSumNormal`` support).

    The sum is compared with a tolerance that scales with the vector's length and magnitude,
    since a round trip through a sum-to-zero basis leaves rounding errors of that size.

    Example
    -------
    >>> _SumToZero().check(torch.tensor([2.0, -1.0, -1.0]))
    tensor(True)
    """

    event_dim = 1

    def check(self, value: Tensor) -> Tensor:
        scale = value.detach().abs().amax(dim=-1).clamp(min=1.0)
        tolerance = 10 * value.shape[-1] * torch.finfo(value.dtype).eps * scale
        return value.sum(dim=-1).abs() <= tolerance


class _PackedCorrelation(Constraint):
    """Correlation matrices given by their ``n (n - 1) / 2`` entries above the diagonal
    (row-major, ``torch.triu_indices(n, n, 1)``; LKJCorr's values): positive definite.

    Example
    -------
    >>> _PackedCorrelation().check(torch.tensor([[0.5, 0.5, 0.5], [0.9, 0.9, -0.9]]))
    tensor([ True, False])
    """

    event_dim = 1

    def check(self, value: Tensor) -> Tensor:
        # m = n (n - 1) / 2  ->  n = (1 + sqrt(8 m + 1)) / 2
        size = (1 + math.isqrt(8 * value.shape[-1] + 1)) // 2
        rows, columns = torch.triu_indices(size, size, 1, device=value.device)
        upper = value.new_zeros(value.shape[:-1] + (size, size))
        upper[..., rows, columns] = value
        matrix = upper + upper.transpose(-1, -2) + torch.eye(size, dtype=value.dtype,
                                                             device=value.device)
        return (value.abs() < 1).all(-1) & (torch.linalg.cholesky_ex(matrix).info == 0)


class _Circular(_Interval):
    """Angles in ``[-pi, pi]`` (the von Mises support), an interval with a name of its own.

    Example
    -------
    >>> _Circular().check(torch.tensor([0.0, 4.0]))
    tensor([ True, False])
    """

    def __init__(self) -> None:
        super().__init__(-math.pi, math.pi)

    def __repr__(self) -> str:
        return "Circular()"


ordered_vector = _OrderedVector()
sum_to_zero = _SumToZero()
packed_correlation = _PackedCorrelation()
circular = _Circular()
