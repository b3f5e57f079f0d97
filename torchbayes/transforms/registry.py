"""The two constraint registries: ``biject_to`` for samplers, ``transform_to`` for optimisers.

Both start as delegates to torch's registries for every constraint torch handles, so any
torch constraint keeps working; torchbayes then registers its own defaults on top (bounds
that are tensors with a chain axis, ordered vectors, zero sums, packed covariance factors and
correlation matrices). ``docs/notes/transforms.md`` has the table. Registries dispatch on the
constraint's class.

``transform_to`` agrees with ``biject_to`` except where torch's optimiser choice differs on
purpose: the simplex (softmax), ``lower_cholesky`` and ``positive_definite`` (a full
``n x n`` matrix) keep torch's non-bijective transforms.

Example
-------
>>> import torch
>>> from torchbayes.distributions import constraints
>>> biject_to(constraints.interval(0.0, 2.0))(torch.tensor([0.0]))
tensor([1.])
>>> biject_to(constraints.ordered_vector)(torch.zeros(3))
tensor([0., 1., 2.])
"""
from numbers import Number

from torch.distributions import transforms as torch_transforms
from torch.distributions.constraint_registry import ConstraintRegistry
from torch.distributions.constraint_registry import biject_to as _torch_biject_to
from torch.distributions.constraint_registry import transform_to as _torch_transform_to
from torch.distributions.constraints import Constraint
from torch.distributions.transforms import Transform

from ..distributions import constraints
from .bounded import IntervalTransform, LowerBoundTransform, UpperBoundTransform
from .cholesky import CholeskyCovTransform, CovarianceTransform
from .correlation import PackedCorrelationTransform
from .ordered import OrderedTransform
from .zero_sum import ZeroSumTransform

__all__ = ["biject_to", "transform_to"]

biject_to = ConstraintRegistry()
transform_to = ConstraintRegistry()

# Pre-fill: every constraint class torch knows is served by torch's own registry; the
# registrations below replace the ones torchbayes does differently.
for _constraint_class in list(_torch_biject_to._registry):
    biject_to.register(_constraint_class, _torch_biject_to)
for _constraint_class in list(_torch_transform_to._registry):
    transform_to.register(_constraint_class, _torch_transform_to)


def _is_number(bound: object, value: float) -> bool:
    return isinstance(bound, Number) and bound == value


@biject_to.register(constraints.real)
@transform_to.register(constraints.real)
def _real(constraint: Constraint) -> Transform:
    return torch_transforms.identity_transform


@biject_to.register(constraints.independent)
def _biject_independent(constraint: Constraint) -> Transform:
    base = biject_to(constraint.base_constraint)
    return torch_transforms.IndependentTransform(base, constraint.reinterpreted_batch_ndims)


@transform_to.register(constraints.independent)
def _transform_independent(constraint: Constraint) -> Transform:
    base = transform_to(constraint.base_constraint)
    return torch_transforms.IndependentTransform(base, constraint.reinterpreted_batch_ndims)


@biject_to.register(constraints.greater_than)
@biject_to.register(constraints.greater_than_eq)
@transform_to.register(constraints.greater_than)
@transform_to.register(constraints.greater_than_eq)
def _greater_than(constraint: Constraint) -> Transform:
    # positive is greater_than(0.0): the same class, so the plain log transform is chosen here.
    if _is_number(constraint.lower_bound, 0.0):
        return torch_transforms.ExpTransform()
    return LowerBoundTransform(constraint.lower_bound)


@biject_to.register(constraints.less_than)
@transform_to.register(constraints.less_than)
def _less_than(constraint: Constraint) -> Transform:
    return UpperBoundTransform(constraint.upper_bound)


@biject_to.register(constraints.interval)
@biject_to.register(constraints.half_open_interval)
@transform_to.register(constraints.interval)
@transform_to.register(constraints.half_open_interval)
def _interval(constraint: Constraint) -> Transform:
    # unit_interval is interval(0.0, 1.0): the same class, so the plain sigmoid is chosen here.
    if _is_number(constraint.lower_bound, 0.0) and _is_number(constraint.upper_bound, 1.0):
        return torch_transforms.SigmoidTransform()
    return IntervalTransform(constraint.lower_bound, constraint.upper_bound)


@biject_to.register(constraints.circular)
@transform_to.register(constraints.circular)
def _circular(constraint: Constraint) -> Transform:
    return IntervalTransform(constraint.lower_bound, constraint.upper_bound)


@biject_to.register(constraints.simplex)
def _simplex(constraint: Constraint) -> Transform:
    return torch_transforms.StickBreakingTransform()


@biject_to.register(constraints.ordered_vector)
@transform_to.register(constraints.ordered_vector)
def _ordered_vector(constraint: Constraint) -> Transform:
    return OrderedTransform()


@biject_to.register(constraints.sum_to_zero)
@transform_to.register(constraints.sum_to_zero)
def _sum_to_zero(constraint: Constraint) -> Transform:
    return ZeroSumTransform()


@biject_to.register(constraints.corr_cholesky)
@transform_to.register(constraints.corr_cholesky)
def _corr_cholesky(constraint: Constraint) -> Transform:
    return torch_transforms.CorrCholeskyTransform()


@biject_to.register(constraints.packed_correlation)
@transform_to.register(constraints.packed_correlation)
def _packed_correlation(constraint: Constraint) -> Transform:
    return PackedCorrelationTransform()


@biject_to.register(constraints.lower_cholesky)
def _lower_cholesky(constraint: Constraint) -> Transform:
    return CholeskyCovTransform()


@biject_to.register(constraints.positive_definite)
@biject_to.register(constraints.positive_semidefinite)
def _positive_definite(constraint: Constraint) -> Transform:
    return CovarianceTransform()


@biject_to.register(constraints.cat)
def _biject_cat(constraint: Constraint) -> Transform:
    parts = [biject_to(part) for part in constraint.cseq]
    return torch_transforms.CatTransform(parts, constraint.dim, constraint.lengths)


@transform_to.register(constraints.cat)
def _transform_cat(constraint: Constraint) -> Transform:
    parts = [transform_to(part) for part in constraint.cseq]
    return torch_transforms.CatTransform(parts, constraint.dim, constraint.lengths)


@biject_to.register(constraints.stack)
def _biject_stack(constraint: Constraint) -> Transform:
    parts = [biject_to(part) for part in constraint.cseq]
    return torch_transforms.StackTransform(parts, constraint.dim)


@transform_to.register(constraints.stack)
def _transform_stack(constraint: Constraint) -> Transform:
    parts = [transform_to(part) for part in constraint.cseq]
    return torch_transforms.StackTransform(parts, constraint.dim)
