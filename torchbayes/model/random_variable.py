"""Random variables: an ``nn.Module`` that owns its value and acts as a tensor.

A free variable owns its value as an unconstrained ``nn.Parameter`` plus a bijector onto the
support of its distribution; an observed variable owns its data as a buffer. The recipe (the
family and the parameters, which may be other nodes) is recorded once. Front doors such as
``tb.Normal`` are two-line subclasses naming the family.
"""
from __future__ import annotations

import inspect
import warnings
from numbers import Number
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn
from torch.distributions import Transform
from torch.distributions.constraints import _DependentProperty

from ..distributions import check_parameters
from ..distributions.distribution import Distribution
from ..transforms import biject_to
from .context import active_evaluation, current_model
from .node import Node, apply_op, map_nodes
from .recipe import DistributionRecipe, holds_model_values

__all__ = ["RandomVariable", "ImputationWarning", "as_data_tensor", "UNSET"]

UNSET: Any = type("Unset", (), {"__repr__": lambda self: "UNSET"})()
DEFAULT_DTYPE = torch.float64


class ImputationWarning(UserWarning):
    """Observed data had missing entries, which became a free variable."""


def as_data_tensor(value, dtype: torch.dtype, name: str) -> Tensor:
    """numpy, pandas, lists and tensors as a tensor of ``dtype`` (integers stay integers
    only when ``dtype`` is None)."""
    if hasattr(value, "to_numpy"):  # pandas Series / DataFrame
        value = value.to_numpy()
    if isinstance(value, np.ma.MaskedArray):
        value = value.astype(float).filled(np.nan)
    if isinstance(value, Tensor):
        tensor = value
    else:
        # a copy: later edits of the user's array must not change the model (and torch cannot
        # share the read-only arrays pandas hands out)
        tensor = torch.as_tensor(np.array(value))
    if tensor.dtype == torch.bool or not (tensor.is_floating_point() or tensor.dtype.is_complex
                                          or tensor.dtype in (torch.int8, torch.int16, torch.int32,
                                                              torch.int64, torch.uint8)):
        tensor = tensor.to(torch.int64)
    return tensor.to(dtype) if dtype is not None else tensor


def _shape_hint(observed, shape, dims) -> torch.Size | None:
    """The variable's shape as far as it is known before its family is built."""
    if shape is not None:
        return torch.Size((shape,) if isinstance(shape, int) else shape)
    if dims is not None:
        model = current_model()
        names = (dims,) if isinstance(dims, str) else tuple(dims)
        if model is not None and all(name in model.coords for name in names):
            return torch.Size(len(model.coords[name]) for name in names)
    if observed is not None and not isinstance(observed, Node):
        return torch.Size(observed.shape if hasattr(observed, "shape") else np.shape(observed))
    return None


def _has_dependent_support(family: type[Distribution]) -> bool:
    return isinstance(inspect.getattr_static(family, "support"), _DependentProperty)


class RandomVariable(nn.Module, Node):
    """A named random variable of a model.

    Call a front door with a name inside a model (``tb.Normal("z", 0.0, 5.0)``), or assign one
    without a name to an attribute of a ``tb.Model`` subclass (``self.z = tb.Normal(0.0, 5.0)``).

    Parameters
    ----------
    name : str, optional
        First positional argument when a string.
    *args, **kwargs
        The family's parameters, PyMC's names (``mu``, ``sigma``, ...): numbers, arrays,
        tensors or other variables and expressions.
    observed : array-like, optional
        Data: makes the variable observed.
    shape, dims : optional
        The variable's shape, or names of the model's coords giving it.
    transform : Transform or None, optional
        Overrides the default bijector onto the support; ``None`` samples the constrained value.
    initval : array-like, optional
        Initial value (constrained space).

    Examples
    --------
    >>> import torchbayes as tb
    >>> with tb.Model() as m:
    ...     z = tb.Normal("z", mu=0.0, sigma=5.0)
    >>> float(tb.logp(z, 2.5))
    -2.65337645...
    """

    family: type[Distribution]

    def __new__(cls, *args, **kwargs):
        # Inside a forward() evaluation a named variable already exists: hand it back, so
        # that its __init__ adds this evaluation's log density term instead of a new variable.
        evaluation = active_evaluation()
        if evaluation is not None and evaluation.model is not None and args \
                and isinstance(args[0], str) and args[0] in evaluation.model.named_vars:
            return evaluation.model.named_vars[args[0]]
        return super().__new__(cls)

    def __init__(self, *args, observed=None, shape=None, dims=None, transform=UNSET,
                 initval=None, total_size=None, **kwargs):
        if getattr(self, "_recorded", False):
            self._add_term_in_forward(args[1:], kwargs, observed)
            return
        super().__init__()
        name = args[0] if args and isinstance(args[0], str) else None
        args = args[1:] if name is not None else args
        model = current_model()
        self.name = name
        self._model_ref = None
        self.dims = (dims,) if isinstance(dims, str) else tuple(dims) if dims is not None else None
        self.total_size = total_size
        self._shape_hint = _shape_hint(observed, shape, dims)
        dtype = model.dtype if model is not None else DEFAULT_DTYPE
        self._params = self._bind_parameters(args, kwargs, dtype)
        distribution = self.build_distribution()
        self.event_shape = distribution.event_shape
        self.is_discrete = bool(getattr(self.family, "is_discrete", False)
                                or distribution.support.is_discrete)
        self.observed_node = None
        if observed is not None:
            self._init_observed(observed, distribution, shape, dtype)
        else:
            self._init_free(distribution, shape, transform, initval, dtype, model)
        self._recorded = True
        # Declared inside forward(): forward() adds its log density term at each evaluation.
        self.in_forward = active_evaluation() is not None
        if model is not None and name is not None:
            model.register(self)

    # -- building --------------------------------------------------------------------------
    def _bind_parameters(self, args, kwargs, dtype) -> dict[str, Any]:
        signature = inspect.signature(self.family.__init__)
        try:
            bound = signature.bind(None, *args, **kwargs)
        except TypeError as error:
            raise TypeError(f'{self.family.__name__} "{self.name}": {error}') from None
        params = dict(list(bound.arguments.items())[1:])
        params.pop("validate_args", None)
        for key in [k for k, p in signature.parameters.items() if p.kind == p.VAR_KEYWORD]:
            params.update(params.pop(key, {}))
        if hasattr(self.family, "support_shape_from_shape") \
                and params.get("support_shape") is None and self._shape_hint is not None:
            # The family cannot see shape= (ZeroSumNormal's K); it reads it from the shape.
            params["support_shape"] = self.family.support_shape_from_shape(self._shape_hint,
                                                                           params)
        constraints = self.family.arg_constraints
        converted = {}
        for key, value in params.items():
            if isinstance(value, Node) or key not in constraints or value is None:
                converted[key] = value
            elif isinstance(value, Number) and not isinstance(value, bool):
                converted[key] = torch.tensor(value, dtype=dtype)
            else:
                converted[key] = as_data_tensor(value, dtype, key)
        check_parameters(self.name or "?", self.family.__name__,
                         {k: v for k, v in converted.items() if isinstance(v, Tensor)},
                         constraints)
        for key, value in converted.items():
            if isinstance(value, Tensor):
                self.register_buffer(f"param_{key}", value, persistent=False)
        return converted

    def parameter_values(self, value_of=None) -> dict[str, Any]:
        """The family's parameters, nodes replaced by ``value_of(node)`` (default: build values)."""
        value_of = value_of or (lambda node: node.build_value)
        return {key: (getattr(self, f"param_{key}") if isinstance(value, Tensor)
                      else map_nodes(value, value_of))
                for key, value in self._params.items()}

    def parent_nodes(self) -> list[tuple[str, Node]]:
        return [(key, value) for key, value in self._params.items() if isinstance(value, Node)]

    def build_distribution(self, value_of=None) -> Distribution:
        params = self.parameter_values(value_of)
        try:
            return self.family(**params)
        except (ValueError, RuntimeError, TypeError) as error:
            shapes = ", ".join(f"{key} {tuple(value.shape)}" for key, value in params.items()
                               if isinstance(value, Tensor))
            raise type(error)(f'{self.family.__name__} "{self.name}" (parameters {shapes}): '
                              f'{error}') from None

    def _resolve_shape(self, distribution, shape) -> torch.Size:
        natural = distribution.batch_shape + distribution.event_shape
        if shape is None and self.dims is not None:
            model = current_model()
            if model is None:
                raise ValueError(f'{self.family.__name__} "{self.name or "?"}": dims= needs the '
                                 "model's coords: create the variable inside `with "
                                 "tb.Model(coords=...)`, or in a Model subclass inside `with self:`")
            unknown = [d for d in self.dims if d not in model.coords]
            if unknown:
                raise ValueError(f'{self.family.__name__} "{self.name}": dims names {unknown}, '
                                 f"which are not in the model's coords {list(model.coords)}")
            shape = tuple(len(model.coords[d]) for d in self.dims)
        if shape is None:
            return natural
        shape = torch.Size((shape,) if isinstance(shape, int) else shape)
        try:
            ok = torch.broadcast_shapes(natural, shape) == shape
        except RuntimeError:
            ok = False
        if not ok:
            raise ValueError(f'{self.family.__name__} "{self.name}": shape {tuple(shape)} does not '
                             f'broadcast with the parameters\' shape {tuple(natural)}')
        return shape

    def _init_observed(self, observed, distribution, shape, dtype) -> None:
        label = f'{self.family.__name__} "{self.name}"'
        if isinstance(observed, Node) and not hasattr(observed, "set_value"):
            raise TypeError(f"{label}: observed= takes data (numpy, torch, pandas or a tb.Data "
                            f"container), not the model node {observed!r}")
        if isinstance(observed, Node):  # a tb.Data container: set_data can replace it
            object.__setattr__(self, "observed_node", observed)
            observed = observed.data
        data = as_data_tensor(observed, dtype, self.name)
        missing = torch.isnan(data) if data.is_floating_point() else torch.zeros_like(data).bool()
        self.imputed = None
        if bool(missing.any()):
            if self.event_shape:
                raise ValueError(f"{label}: observed data contains NaN; automatic imputation "
                                 "covers univariate families only, drop those rows")
            data = self._init_imputation(data, missing, label)
        natural = self._resolve_shape(distribution, shape)
        try:
            ok = torch.broadcast_shapes(natural, data.shape) == data.shape
        except RuntimeError:
            ok = False
        if not ok:
            raise ValueError(f"{label}: observed shape {tuple(data.shape)} does not broadcast "
                             f"with the distribution's shape {tuple(natural)}")
        inside = distribution.support.check(data)
        if self.imputed is not None:  # univariate only, so the mask has the check's shape
            inside = inside | missing
        if not bool(inside.all()):
            bad = data[~inside] if inside.shape == data.shape else data
            raise ValueError(f"{label}: observed value outside the support "
                             f"({distribution.support}): {bad.flatten()[:5].tolist()}")
        self.register_buffer("observed", data)
        self.transform = None
        self.dynamic_transform = False
        self.build_value = data

    def _init_imputation(self, data: Tensor, missing: Tensor, label: str) -> Tensor:
        """Split data with missing entries: a free variable ``<name>_unobserved`` holds them."""
        warnings.warn(f"{label}: observed data contains {int(missing.sum())} missing values; "
                      f'they are imputed as the free variable "{self.name}_unobserved"',
                      ImputationWarning, stacklevel=4)
        params = {}
        for key, value in self._params.items():
            if isinstance(value, Node):
                value = apply_op(torch.broadcast_to, (value, tuple(data.shape)))[missing]
            elif isinstance(value, Tensor):
                value = torch.broadcast_to(value, data.shape)[missing]
            params[key] = value
        # Held outside nn.Module's registry: the model owns the new variable, not this one.
        object.__setattr__(self, "imputed", type(self)(f"{self.name}_unobserved", **params))
        self.register_buffer("observed_mask", ~missing)
        return torch.where(missing, torch.zeros_like(data), data)

    def _init_free(self, distribution, shape, transform, initval, dtype, model) -> None:
        shape = self._resolve_shape(distribution, shape)
        # a discrete variable is sampled untransformed, whatever its (dependent) support
        self.dynamic_transform = transform is UNSET and not self.is_discrete \
            and _has_dependent_support(self.family) and bool(self.parent_nodes())
        if transform is UNSET:
            transform = None if self.is_discrete else biject_to(distribution.support)
        self.transform = transform
        value = self._initial_value(distribution, shape, initval, dtype)
        unconstrained = value if transform is None else transform.inv(value)
        self.unconstrained = nn.Parameter(unconstrained.detach().clone())
        self.build_value = value.detach()

    def _initial_value(self, distribution, shape, initval, dtype) -> Tensor:
        if initval is not None:
            return as_data_tensor(initval, dtype, self.name).expand(shape).clone()
        support = distribution.support
        try:
            candidate = distribution.mean.to(dtype).expand(shape)
            if bool(torch.isfinite(candidate).all()) and bool(support.check(candidate).all()):
                return candidate.round() if self.is_discrete else candidate.clone()
        except (NotImplementedError, RuntimeError, AttributeError):
            pass
        if self.is_discrete:
            return torch.zeros(shape, dtype=dtype)
        transform = biject_to(support)
        unconstrained_shape = transform.inverse_shape(shape)
        return transform(torch.zeros(unconstrained_shape, dtype=dtype))

    # -- what a graph needs --------------------------------------------------------------
    @property
    def model_ref(self):
        """The model this variable belongs to (held weakly: a model owns its variables)."""
        return self._model_ref() if self._model_ref is not None else None

    @property
    def is_observed(self) -> bool:
        return "observed" in self._buffers

    @property
    def unconstrained_shape(self) -> torch.Size:
        return self.unconstrained.shape

    @property
    def observed_value(self) -> Tensor:
        """The observed data: the tb.Data container's current value when observed= was one."""
        return self.observed if self.observed_node is None else self.observed_node.data

    def dependencies(self) -> list[Node]:
        parents = [node for _, node in self.parent_nodes()]
        if getattr(self, "imputed", None) is not None:
            parents.append(self.imputed)
        if getattr(self, "observed_node", None) is not None:
            parents.append(self.observed_node)
        return parents

    def evaluate(self, evaluation) -> Tensor:
        if self.is_observed and getattr(self, "imputed", None) is not None:
            from .node import _value_in
            return self.fill_missing(self.observed, _value_in(evaluation, self.imputed))
        if self.is_observed:
            return self.observed_value
        if self.transform is None:
            return self.unconstrained
        transform = self.current_transform(evaluation)
        return transform(self.unconstrained)

    def fill_missing(self, observed: Tensor, imputed: Tensor) -> Tensor:
        """The full value: ``observed`` (C, *shape) or (*shape) with the missing entries
        replaced by ``imputed`` (C, n_missing) or (n_missing,)."""
        missing = ~self.observed_mask
        if imputed.dim() == 1:
            return observed.masked_scatter(missing, imputed)
        full = observed.expand((imputed.shape[0],) + tuple(observed.shape))
        return full.masked_scatter(missing.expand(full.shape), imputed)

    def current_transform(self, evaluation=None) -> Transform:
        if not self.dynamic_transform:
            return self.transform
        from .node import _value_in
        value_of = (lambda node: _value_in(evaluation, node)) if evaluation else None
        return biject_to(self.build_distribution(value_of).support)

    def log_prob_of(self, value: Tensor, params: dict[str, Any]) -> Tensor:
        """Elementwise log density of ``value`` under the family with ``params``."""
        return self.family(**params).log_prob(value)

    # -- inside a forward() evaluation ---------------------------------------------------
    def _add_term_in_forward(self, args, kwargs, observed) -> None:
        from .node import _value_in
        evaluation = active_evaluation()
        signature = inspect.signature(self.family.__init__)
        bound = signature.bind(None, *args, **kwargs)
        params = dict(list(bound.arguments.items())[1:])
        params.pop("validate_args", None)
        params = map_nodes(params, lambda node: _value_in(evaluation, node))
        if observed is not None:
            value = as_data_tensor(observed, self.observed.dtype, self.name).to(
                self.observed.device)
            evaluation.values[id(self)] = value
        value = _value_in(evaluation, self)
        evaluation.terms.append((self.name, self.family(**params).log_prob(value).sum()))

    @property
    def value(self) -> Tensor:
        """The constrained value at the current parameters (observed data if observed)."""
        from .context import Evaluation, evaluating
        with evaluating(Evaluation(model=None)) as evaluation:
            return self.evaluate(evaluation)

    def forward(self) -> Tensor:
        return self.value

    def logp(self, point: dict | None = None, jacobian: bool = False) -> Tensor:
        """This variable's log density term at ``point`` (constrained values by name).

        Examples
        --------
        >>> import torchbayes as tb
        >>> with tb.Model():
        ...     z = tb.Normal("z", 0.0, 5.0)
        ...     x = tb.Normal("x", mu=z, sigma=1.0, observed=5.0)
        >>> float(x.logp({"z": 2.5}))
        -4.0439385...
        """
        model = self.model_ref
        if model is None:
            raise ValueError(f'"{self.name}" belongs to no model')
        return model.logp(point, jacobian=jacobian, sum=False)[self.name]

    def extra_repr(self) -> str:
        kind = "observed" if self.is_observed else "free"
        return f'"{self.name}" {self.family.__name__} {kind}, shape={tuple(self.shape)}'

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other):  # tensor semantics would make == elementwise; identity is clearer
        return self is other

    @classmethod
    def dist(cls, *args, **kwargs) -> Distribution:
        """A bare distribution with this family, as PyMC's ``.dist``.

        With a model variable among the arguments it is a :class:`~.recipe.DistributionRecipe`
        instead, for families that take distributions (``Mixture``, ``Truncated``, ...) to
        rebuild at each evaluation.

        Examples
        --------
        >>> import torchbayes as tb
        >>> tb.Normal.dist(0.0, 1.0).log_prob(torch.tensor(5.0))
        tensor(-13.4189)
        """
        if holds_model_values((args, kwargs)):
            return DistributionRecipe(cls.family, args, kwargs)
        return cls.family(*args, **kwargs)
