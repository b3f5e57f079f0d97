"""One property suite over every registered constraint, plus closed forms for each new transform.

Each row of ``CASES`` names a constraint, the unconstrained event shape its default bijection
takes, and ``free``: the coordinates of a constrained value that the log-Jacobian refers to
(the whole value for elementwise maps, the first K - 1 entries of a simplex, the lower
triangle of a matrix). The reference log-determinant is ``0.5 * log det(J^T J)`` of the map
``x -> free(y)``, which is ``log |det J|`` for square maps and the volume factor of an
isometric embedding such as the zero-sum basis.
"""
import math
from typing import Callable, NamedTuple, Optional

import pytest
import torch
from torch.autograd.functional import jacobian
from torch.distributions import transforms as torch_transforms
from torch.distributions.constraint_registry import biject_to as torch_biject_to
from torch.distributions.constraint_registry import transform_to as torch_transform_to

from torchbayes.distributions import constraints
from torchbayes.transforms import (
    CholeskyCovTransform,
    CovarianceTransform,
    IntervalTransform,
    LowerBoundTransform,
    OrderedTransform,
    PackedCorrelationTransform,
    UpperBoundTransform,
    ZeroSumTransform,
    biject_to,
    transform_to,
)

CHAINS = 4


def _whole(y: torch.Tensor) -> torch.Tensor:
    return y.reshape(-1)


def _drop_last(y: torch.Tensor) -> torch.Tensor:
    return y[..., :-1].reshape(-1)


def _lower_triangle(y: torch.Tensor) -> torch.Tensor:
    rows, columns = torch.tril_indices(y.shape[-1], y.shape[-1])
    return y[..., rows, columns].reshape(-1)


def _strict_lower_triangle(y: torch.Tensor) -> torch.Tensor:
    rows, columns = torch.tril_indices(y.shape[-1], y.shape[-1], offset=-1)
    return y[..., rows, columns].reshape(-1)


class Case(NamedTuple):
    name: str
    constraint: constraints.Constraint
    event_shape: tuple
    free: Callable[[torch.Tensor], torch.Tensor] = _whole
    # the event shape transform_to takes where it is not biject_to's (torch's optimiser maps)
    optimiser_shape: Optional[tuple] = None
    # trailing dimensions the log-Jacobian reduces, where it is not the domain's event_dim
    log_det_event_dim: Optional[int] = None


CASES = [
    Case("real", constraints.real, ()),
    Case("real_vector", constraints.real_vector, (3,)),
    Case("positive", constraints.positive, ()),
    Case("nonnegative", constraints.nonnegative, ()),
    Case("greater_than", constraints.greater_than(2.5), ()),
    Case("greater_than_eq", constraints.greater_than_eq(-1.0), ()),
    Case("less_than", constraints.less_than(3.0), ()),
    Case("interval", constraints.interval(-2.0, 5.0), ()),
    Case("half_open_interval", constraints.half_open_interval(0.0, 3.0), ()),
    Case("unit_interval", constraints.unit_interval, ()),
    Case("circular", constraints.circular, ()),
    Case("independent", constraints.independent(constraints.positive, 1), (3,)),
    Case("simplex", constraints.simplex, (3,), _drop_last, optimiser_shape=(4,)),
    Case("ordered_vector", constraints.ordered_vector, (4,)),
    Case("sum_to_zero", constraints.sum_to_zero, (3,)),
    Case("corr_cholesky", constraints.corr_cholesky, (6,), _strict_lower_triangle),
    # LKJCorr's support: n = 4, the packed upper triangle is the whole value
    Case("packed_correlation", constraints.packed_correlation, (6,)),
    Case("lower_cholesky", constraints.lower_cholesky, (6,), _lower_triangle, (3, 3)),
    Case("positive_definite", constraints.positive_definite, (6,), _lower_triangle, (3, 3)),
    Case("positive_semidefinite", constraints.positive_semidefinite, (3,), _lower_triangle,
         (2, 2)),
    Case(
        "cat",
        constraints.cat([constraints.positive, constraints.interval(0.0, 2.0)], -1, [2, 3]),
        (5,),
    ),
    # torch's stack(..., dim=-1) reports event_dim 1 but its log-Jacobian is elementwise
    Case("stack", constraints.stack([constraints.positive, constraints.less_than(1.0)], -1), (2,),
         log_det_event_dim=0),
]
IDS = [case.name for case in CASES]


def _unconstrained(case: Case, batch_shape: tuple = (), event_shape: Optional[tuple] = None,
                   dtype=torch.float64) -> torch.Tensor:
    generator = torch.Generator().manual_seed(sum(map(ord, case.name)))
    shape = batch_shape + (case.event_shape if event_shape is None else event_shape)
    return 0.7 * torch.randn(shape, generator=generator, dtype=dtype)


def test_every_registered_constraint_has_a_case():
    covered = {type(case.constraint) for case in CASES}
    registered = set(biject_to._registry) | set(torch_biject_to._registry)
    assert registered <= covered, f"add rows to CASES for {registered - covered}"


def test_every_torch_constraint_is_served():
    assert set(torch_biject_to._registry) <= set(biject_to._registry)
    assert set(torch_transform_to._registry) <= set(transform_to._registry)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_round_trip_and_support(case):
    transform = biject_to(case.constraint)
    x = _unconstrained(case, (CHAINS,))
    y = transform(x)
    assert transform.bijective
    assert case.constraint.check(y).all()
    torch.testing.assert_close(transform.inv(y), x)
    assert transform.forward_shape(x.shape) == y.shape
    assert transform.inverse_shape(y.shape) == x.shape


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_log_abs_det_jacobian_matches_autograd(case):
    transform = biject_to(case.constraint)
    x = _unconstrained(case)
    matrix = jacobian(lambda value: case.free(transform(value)), x).reshape(-1, x.numel())
    expected = 0.5 * torch.linalg.slogdet(matrix.mT @ matrix)[1]
    actual = transform.log_abs_det_jacobian(x, transform(x)).sum()
    torch.testing.assert_close(actual, expected)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_event_dims_match_the_constraint(case):
    transform = biject_to(case.constraint)
    assert transform.codomain.event_dim == case.constraint.event_dim
    assert transform.domain.event_dim == len(case.event_shape) * (transform.domain.event_dim > 0)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_batch_equals_stacked_single_calls(case):
    transform = biject_to(case.constraint)
    x = _unconstrained(case, (2, 3))
    y = transform(x)
    log_det = transform.log_abs_det_jacobian(x, y)
    event_dim = transform.domain.event_dim
    if case.log_det_event_dim is not None:
        event_dim = case.log_det_event_dim
    assert log_det.shape == x.shape[: x.dim() - event_dim]
    rows = x.flatten(0, 1)
    singles = [transform(row) for row in rows]
    single_dets = [transform.log_abs_det_jacobian(row, single) for row, single in zip(rows, singles)]
    torch.testing.assert_close(y.flatten(0, 1), torch.stack(singles))
    torch.testing.assert_close(log_det.flatten(0, 1), torch.stack(single_dets))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_float32_follows_float64(case):
    transform = biject_to(case.constraint)
    x = _unconstrained(case, (CHAINS,))
    y32 = transform(x.float())
    assert y32.dtype == torch.float32
    assert case.constraint.check(y32).all()
    torch.testing.assert_close(y32.double(), transform(x), rtol=1e-5, atol=1e-5)
    log_det = transform.log_abs_det_jacobian(x.float(), y32)
    assert log_det.dtype == torch.float32
    torch.testing.assert_close(log_det.double(), transform.log_abs_det_jacobian(x, transform(x)),
                               rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(transform.inv(y32), x.float(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_transform_to_lands_in_the_support(case):
    transform = transform_to(case.constraint)
    x = _unconstrained(case, (CHAINS,), case.optimiser_shape)
    assert case.constraint.check(transform(x)).all()
    if case.optimiser_shape is None:
        # compared by value: torch's Independent, Cat, Stack and CorrCholesky compare by identity
        torch.testing.assert_close(transform(x), biject_to(case.constraint)(x))


@pytest.mark.parametrize(
    "constraint, torch_class",
    [
        (constraints.simplex, torch_transforms.SoftmaxTransform),
        (constraints.lower_cholesky, torch_transforms.LowerCholeskyTransform),
        (constraints.positive_definite, torch_transforms.PositiveDefiniteTransform),
    ],
)
def test_transform_to_keeps_torch_optimiser_transforms(constraint, torch_class):
    assert isinstance(transform_to(constraint), torch_class)
    matrix = torch.randn(CHAINS, 3, 3, dtype=torch.float64)
    value = transform_to(constraint)(matrix if constraint.event_dim == 2 else matrix[..., 0])
    assert constraint.check(value).all()


# Bounds with a chain axis that change at every call (GARCH's beta1 < 1 - alpha1).

def _bounded(kind: str, lower: torch.Tensor, upper: torch.Tensor) -> constraints.Constraint:
    table = {
        "greater_than": lambda: constraints.greater_than(lower),
        "less_than": lambda: constraints.less_than(upper),
        "interval": lambda: constraints.interval(lower, upper),
    }
    return table[kind]()


@pytest.mark.parametrize("kind", ["greater_than", "less_than", "interval"])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_tensor_bounds_with_a_chain_axis(kind, dtype):
    alpha = torch.rand(CHAINS, 1, dtype=dtype)
    lower, upper = torch.zeros(CHAINS, 1, dtype=dtype) - alpha, 1.0 - alpha
    transform = biject_to(_bounded(kind, lower, upper))
    x = torch.randn(CHAINS, 8, dtype=dtype)
    y = transform(x)
    log_det = transform.log_abs_det_jacobian(x, y)
    assert y.shape == log_det.shape == (CHAINS, 8)
    assert y.dtype == log_det.dtype == dtype
    assert _bounded(kind, lower, upper).check(y).all()
    torch.testing.assert_close(transform.inv(y), x, rtol=1e-4, atol=1e-4)
    for chain in range(CHAINS):
        single = biject_to(_bounded(kind, lower[chain], upper[chain]))
        torch.testing.assert_close(y[chain], single(x[chain]))
        slope = jacobian(single, x[chain]).diagonal()
        torch.testing.assert_close(log_det[chain], slope.abs().log(), rtol=1e-4, atol=1e-5)


def test_gradient_flows_into_a_bound_that_is_a_parameter():
    alpha = torch.full((CHAINS, 1), 0.3, dtype=torch.float64, requires_grad=True)
    transform = biject_to(constraints.interval(0.0, 1.0 - alpha))
    x = torch.zeros(CHAINS, 1, dtype=torch.float64)
    (transform(x) + transform.log_abs_det_jacobian(x, transform(x))).sum().backward()
    # y = (1 - alpha) / 2 and log-det = log(1 - alpha) - 2 log 2: d/dalpha = -1/2 - 1/(1 - alpha)
    expected = torch.full_like(alpha, -0.5 - 1 / 0.7)
    torch.testing.assert_close(alpha.grad, expected)


# Closed forms, one per new transform.

def test_interval_closed_form_and_extremes():
    lower, upper = torch.tensor(-1.0), torch.tensor(3.0)
    transform = IntervalTransform(lower, upper)
    x = torch.tensor([-100.0, -2.0, 0.0, 2.0, 100.0])
    y = transform(x)
    expected = lower + (upper - lower) / (1 + torch.exp(-x))
    torch.testing.assert_close(y, expected)
    log_det = transform.log_abs_det_jacobian(x, y)
    assert torch.isfinite(log_det).all()
    middle = torch.sigmoid(x[1:4])
    torch.testing.assert_close(log_det[1:4], (4 * middle * (1 - middle)).log())
    torch.testing.assert_close(log_det[[0, 4]], torch.tensor([math.log(4.0) - 100.0] * 2))


def test_bounds_closed_forms():
    x = torch.tensor([-1.0, 0.0, 2.0], dtype=torch.float64)
    torch.testing.assert_close(LowerBoundTransform(2.0)(x), 2.0 + x.exp())
    torch.testing.assert_close(UpperBoundTransform(2.0)(x), 2.0 - x.exp())
    torch.testing.assert_close(LowerBoundTransform(2.0).log_abs_det_jacobian(x, None), x)


def test_ordered_closed_form():
    transform = OrderedTransform()
    x = torch.tensor([-1.0, 0.0, math.log(2.0), math.log(0.5)])
    torch.testing.assert_close(transform(x), torch.tensor([-1.0, 0.0, 2.0, 2.5]))
    torch.testing.assert_close(transform.log_abs_det_jacobian(x, transform(x)), x[1:].sum())


def test_zero_sum_is_an_orthonormal_basis_of_the_hyperplane():
    transform = ZeroSumTransform()
    x = torch.randn(4, dtype=torch.float64)
    basis = jacobian(transform, x)
    torch.testing.assert_close(basis.mT @ basis, torch.eye(4, dtype=torch.float64))
    torch.testing.assert_close(basis.sum(0), torch.zeros(4, dtype=torch.float64))
    # the map is linear: y = basis @ x, and its inverse is the transpose
    torch.testing.assert_close(transform(x), basis @ x)
    y = transform(x)
    torch.testing.assert_close(transform.inv(y), basis.mT @ y)


def test_cholesky_cov_closed_form():
    transform = CholeskyCovTransform()
    x = torch.tensor([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], dtype=torch.float64)
    e = math.exp
    expected = torch.tensor(
        [[e(0.1), 0, 0], [0.2, e(0.3), 0], [0.4, 0.5, e(0.6)]], dtype=torch.float64
    )
    torch.testing.assert_close(transform(x), expected)
    torch.testing.assert_close(transform.log_abs_det_jacobian(x, expected), torch.tensor(1.0,
                               dtype=torch.float64))
    with pytest.raises(ValueError, match="n \\(n \\+ 1\\) / 2"):
        transform(torch.zeros(4))


def test_covariance_closed_form():
    transform = CovarianceTransform()
    x = torch.tensor([0.3, -0.4, 0.2], dtype=torch.float64)
    factor = CholeskyCovTransform()(x)
    torch.testing.assert_close(transform(x), factor @ factor.T)
    # n log 2 + (n + 1) x_00 + n x_11 with n = 2
    expected = 2 * math.log(2.0) + 3 * 0.3 + 2 * 0.2
    torch.testing.assert_close(transform.log_abs_det_jacobian(x, transform(x)),
                               torch.tensor(expected, dtype=torch.float64))
    # one dimension: sigma^2 = exp(2 x), d/dx = 2 exp(2 x)
    one = torch.tensor([0.7], dtype=torch.float64)
    torch.testing.assert_close(transform.log_abs_det_jacobian(one, transform(one)),
                               torch.tensor(math.log(2.0) + 1.4, dtype=torch.float64))


def test_defaults_and_equality():
    assert isinstance(biject_to(constraints.positive), torch_transforms.ExpTransform)
    assert isinstance(biject_to(constraints.unit_interval), torch_transforms.SigmoidTransform)
    assert isinstance(biject_to(constraints.simplex), torch_transforms.StickBreakingTransform)
    assert biject_to(constraints.interval(0.0, 2.0)) == IntervalTransform(0.0, 2.0)
    assert biject_to(constraints.interval(0.0, 2.0)) != IntervalTransform(0.0, 3.0)
    assert LowerBoundTransform(torch.ones(2)) == LowerBoundTransform(torch.ones(2))
    assert UpperBoundTransform(1.0) != LowerBoundTransform(1.0)
    assert biject_to(constraints.ordered_vector) == OrderedTransform()
    assert biject_to(constraints.sum_to_zero) == ZeroSumTransform()
    assert biject_to(constraints.lower_cholesky) == CholeskyCovTransform()
    assert biject_to(constraints.positive_definite) == CovarianceTransform()
    assert biject_to(constraints.packed_correlation) == PackedCorrelationTransform()
    assert IntervalTransform(0.0, 1.0).with_cache(1)._cache_size == 1


def test_new_constraints_check():
    assert not constraints.ordered_vector.check(torch.tensor([0.0, 0.0]))
    assert not constraints.sum_to_zero.check(torch.tensor([1.0, 0.0]))
    assert constraints.circular.check(torch.tensor(math.pi))
    assert constraints.ordered_vector.event_dim == constraints.sum_to_zero.event_dim == 1
