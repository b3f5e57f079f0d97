"""The base of every torchbayes family: torch's shape rules with PyMC's parameter names.

A family is a :class:`torch.distributions.Distribution` subclass. It declares its contract
as class attributes (``arg_constraints`` naming *every* parameter it accepts, alternative
parameterisations included, ``support``, ``has_rsample``) and follows torch's shapes:
``sample(sample_shape)`` has shape ``sample_shape + batch_shape + event_shape``.

``log_prob`` never validates its arguments (on a GPU a check is a host synchronisation per
call); :func:`check_parameters` validates once, when a model is built, and names the variable.
"""
from __future__ import annotations

from numbers import Number

import torch
from torch import Tensor
from torch.distributions import Distribution as _TorchDistribution
from . import constraints

__all__ = ["Distribution", "Continuous", "Discrete", "as_tensor_param", "check_parameters"]


def as_tensor_param(value, dtype: torch.dtype | None = None, device=None) -> Tensor:
    """A parameter as a floating tensor (python numbers and numpy arrays accepted)."""
    if isinstance(value, Tensor):
        if not value.is_floating_point() and dtype is None:
            return value.to(torch.get_default_dtype())
        return value if dtype is None else value.to(dtype=dtype)
    return torch.as_tensor(value, dtype=dtype or torch.get_default_dtype(), device=device)


class Distribution(_TorchDistribution):
    """Base class of torchbayes distributions.

    Subclasses set ``arg_constraints`` (every accepted parameter name, PyMC's spelling, with its
    constraint; the constraint's ``event_dim`` tells how many trailing dimensions of that
    parameter belong to one event), ``support`` and ``has_rsample``, and implement
    ``log_prob`` and, where they can, ``rsample``/``sample``, ``cdf``, ``icdf``, ``mean``,
    ``variance``.

    Examples
    --------
    >>> import torchbayes as tb
    >>> d = tb.Normal.dist(0.0, 1.0)
    >>> d.sample((10, 4)).shape
    torch.Size([10, 4])
    """

    # Parameters are broadcast by the constructor; the model aligns chain batches before.
    def __init__(self, batch_shape=torch.Size(), event_shape=torch.Size(), validate_args=False):
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    @classmethod
    def dist(cls, *args, **kwargs) -> "Distribution":
        """A bare distribution object, as PyMC's ``.dist`` (same as calling the class)."""
        return cls(*args, **kwargs)

    def logcdf(self, value: Tensor) -> Tensor:
        """Log of the cumulative distribution function (log-space where the family can)."""
        return torch.log(self.cdf(value))

    def logccdf(self, value: Tensor) -> Tensor:
        """Log of the complementary cdf, ``log(1 - cdf)``."""
        return torch.log1p(-self.cdf(value))

    def _extended_shape_of(self, sample_shape) -> torch.Size:
        return self._extended_shape(torch.Size(sample_shape))


class Continuous(Distribution):
    """A distribution over real-valued (possibly constrained) values."""

    is_discrete = False


class Discrete(Distribution):
    """A distribution over integer values (stored as floating tensors, torch's convention)."""

    is_discrete = True
    has_rsample = False


def _describe(value: Tensor) -> str:
    bad = value.detach().flatten()
    return f"{bad[0].item():g}" if bad.numel() == 1 else f"{bad.tolist()[:6]}"


def check_parameters(variable: str, family: str, params: dict[str, object],
                     arg_constraints: dict[str, constraints.Constraint]) -> None:
    """Validate known parameter values once, raising an error that names the variable.

    ``params`` maps parameter names to tensors; entries that are not tensors or numbers (parts
    of a model that change while sampling) are skipped, they are checked by the support of the
    variables they come from.

    Examples
    --------
    >>> check_parameters("y", "Normal", {"sigma": torch.tensor(-1.0)},
    ...                  {"sigma": constraints.positive})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: Normal "y": sigma must be > 0, got -1...
    """
    for name, value in params.items():
        if isinstance(value, Number):
            value = torch.as_tensor(value)
        if not isinstance(value, Tensor) or name not in arg_constraints:
            continue
        constraint = arg_constraints[name]
        if value.is_floating_point() and torch.isnan(value).any():
            raise ValueError(f'{family} "{variable}": parameter {name} contains NaN, got '
                             f'{_describe(value[torch.isnan(value)])}')
        if constraint is constraints.dependent or constraints.is_dependent(constraint):
            continue
        ok = constraint.check(value)
        if not bool(ok.all()):
            bad = value[~ok] if ok.shape == value.shape else value
            raise ValueError(f'{family} "{variable}": {name} must be {_constraint_text(constraint)}, '
                             f'got {_describe(bad)}{_fix_hint(constraint)}')


def _constraint_text(constraint: constraints.Constraint) -> str:
    if constraint is constraints.positive:
        return "> 0"
    if constraint is constraints.nonnegative:
        return ">= 0"
    if constraint is constraints.unit_interval:
        return "in [0, 1]"
    if constraint is constraints.real:
        return "finite"
    if isinstance(constraint, constraints.interval):
        return f"in ({constraint.lower_bound}, {constraint.upper_bound})"
    if isinstance(constraint, constraints.greater_than):
        return f"> {constraint.lower_bound}"
    return f"in {constraint}"


def _fix_hint(constraint: constraints.Constraint) -> str:
    if constraint is constraints.positive:
        return "; give it a positive value or a positive prior such as tb.HalfNormal"
    return ""

