"""Random variables of families whose parameters hold distributions (and CustomDist's ``*args``).

``Mixture(w, comp_dists)``, ``Truncated(dist, ...)``, ``RandomWalk(init_dist, ...)`` take
distributions as parameters. The model's density program aligns and batches *named tensor*
parameters, so a :class:`ComposedVariable` flattens what those distributions (or their
recipes, :mod:`.recipe`) are made of into named parameters of its own: the weights stay ``w``,
component 0's ``mu`` becomes ``comp_dists_0_mu``, a ``Truncated`` base's ``sigma`` becomes
``dist_sigma``, ``CustomDist``'s positional parameters ``dist_params_0``, .... Its ``family``
is then a :class:`ComposedFamily` for this variable: a callable that rebuilds the nested
distributions from those parameters and calls the real family. Bare distributions without
model variables stay constants.

A family opts in with class attributes read here and by ``scripts/generate_front_doors.py``:

``nested_params``
    ``{name: extra}``: the parameters that hold a distribution or a sequence of them (or of
    tensors). ``extra`` is how many trailing batch axes a *single* distribution there has beyond
    the family's batch (``Mixture``'s one batched component: 1, the component axis); its
    parameters count them as event dimensions, so a chain axis goes in front of them, and one
    without them (a scale shared by the components) gets them as singletons. The items of a
    sequence of tensors (``KroneckerNormal``'s ``covs``) each take the constraint the family
    declares for ``name``.
``parameter_constraints(params)`` (classmethod, optional)
    Constraints of parameters the class cannot list (``CustomDist``'s ``dist_params_<i>``,
    a wrapped torch family's names): their event dimensions place the chain axis.
``steps_from_shape(shape, params)`` (classmethod, optional)
    ``steps`` of a time series read from the variable's ``shape``, ``dims`` or ``observed``
    when the user gives none, as PyMC does.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from numbers import Number
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ..distributions import check_parameters, constraints
from .context import active_evaluation
from .node import Node, _value_in, map_nodes
from .random_variable import RandomVariable, as_data_tensor
from .recipe import DistributionRecipe, bind_arguments

__all__ = ["ComposedFamily", "ComposedVariable"]


@dataclass(frozen=True)
class _Slot:
    """A flattened parameter, read by name."""
    key: str


@dataclass(frozen=True)
class _Built:
    """``family(*positional, **keywords)`` with slots and nested builds inside."""
    family: type
    positional: tuple
    keywords: dict


def _build(template: Any, params: dict[str, Any]) -> Any:
    if isinstance(template, _Slot):
        return params[template.key]
    if isinstance(template, _Built):
        return template.family(*(_build(t, params) for t in template.positional),
                               **{k: _build(t, params) for k, t in template.keywords.items()})
    if isinstance(template, (list, tuple)):
        built = [_build(t, params) for t in template]
        return built if isinstance(template, list) else tuple(built)
    return template


def _rank(value: Any) -> int:
    if isinstance(value, (Node, Tensor)):
        return value.dim()
    return 0 if isinstance(value, Number) else int(np.ndim(value))


class ComposedFamily:
    """One variable's family: flat named parameters -> the nested distributions -> the family.

    Has what the model layer reads from a family class: ``__name__``, ``arg_constraints``
    (the class's plus the flattened ones, event dimensions included), ``support``,
    ``is_discrete``, ``has_rsample``; calling it builds the distribution.
    """

    def __init__(self, family: type, template: _Built, arg_constraints: dict):
        self.family, self.template = family, template
        self.arg_constraints = arg_constraints
        self.__name__ = family.__name__
        self.support = inspect.getattr_static(family, "support", None)
        self.is_discrete = getattr(family, "is_discrete", False)
        self.has_rsample = getattr(family, "has_rsample", False)

    def __call__(self, **params):
        return _build(self.template, params)

    def __repr__(self) -> str:
        return f"ComposedFamily({self.__name__}, {sorted(self.arg_constraints)})"


class _Flattener:
    """Walks a family's arguments, collecting flat parameters, their constraints and labels."""

    def __init__(self, variable: str, family_name: str, dtype: torch.dtype):
        self.variable, self.family_name, self.dtype = variable, family_name, dtype
        self.params: dict[str, Any] = {}
        self.constraints: dict[str, constraints.Constraint] = {}

    def family(self, family: type, positional: list, keywords: dict, prefix: str, label: str,
               extra: int) -> _Built:
        known = dict(family.arg_constraints)
        if hasattr(family, "parameter_constraints"):
            known.update(family.parameter_constraints(_bound_values(positional, keywords)))
        nested = getattr(family, "nested_params", {})
        args = tuple(self.slot(value, prefix + name, label + name, known.get(name), extra,
                               ints_allowed=True) for name, value in positional)
        kwargs = {}
        for name, value in keywords.items():
            if name in nested:
                kwargs[name] = self.nested(value, prefix + name, label + name,
                                           extra + nested[name], known.get(name))
            else:
                kwargs[name] = self.slot(value, prefix + name, label + name, known.get(name),
                                         extra)
        return _Built(family, args, kwargs)

    def nested(self, value: Any, key: str, label: str, extra: int, constraint=None) -> Any:
        """``constraint``: the family's for this parameter (of each item of a sequence of
        tensors, such as KroneckerNormal's ``covs``); ``real`` when it declares none."""
        if isinstance(value, DistributionRecipe):
            positional, keywords, _ = bind_arguments(value.family, value.args, value.kwargs)
            return self.family(value.family, positional, keywords, key + "_", label + ".",
                               extra)
        if isinstance(value, (list, tuple)):  # items of a sequence carry no extra axis
            items = [self.nested(item, f"{key}_{i}", f"{label}[{i}]", 0, constraint)
                     for i, item in enumerate(value)]
            return items if isinstance(value, list) else tuple(items)
        if isinstance(value, (Node, Tensor, Number, np.ndarray)) and not isinstance(value, bool):
            return self.slot(value, key, label, constraint or constraints.real, extra)
        if isinstance(value, torch.distributions.Distribution):
            return _in_dtype(value, self.dtype)
        return value  # anything else: a constant

    def slot(self, value: Any, key: str, label: str, constraint, extra: int,
             ints_allowed: bool = False) -> _Slot:
        if isinstance(value, Node) or value is None or constraint is None:
            tensor = value
        elif isinstance(value, Number) and not isinstance(value, bool):
            tensor = torch.tensor(value, dtype=self.dtype)
        else:
            tensor = as_data_tensor(value, None, key)
            if tensor.is_floating_point() or not ints_allowed:
                tensor = tensor.to(self.dtype)
        if isinstance(tensor, Tensor):
            check_parameters(self.variable, self.family_name, {label: tensor},
                             {label: constraint})
        if constraint is not None:
            event_dim = getattr(constraint, "event_dim", 0)
            if extra and tensor is not None:
                # A parameter without the extra axes (one scale shared by all components)
                # gets them as singletons, so its chain axis and its draws line up with the
                # others' in the density and in forward sampling alike.
                missing = extra - max(_rank(tensor) - event_dim, 0)
                for _ in range(missing):
                    tensor = torch.unsqueeze(tensor, -1 - event_dim)  # records on a node
            self.constraints[key] = constraints.independent(constraint, extra) if extra \
                else constraint
        self.params[key] = tensor
        return _Slot(key)


def _in_dtype(distribution, dtype: torch.dtype):
    """A bare distribution (a constant of the model) with its floating tensors in ``dtype``.

    ``tb.Normal.dist(0.0, 1.0)`` is built in torch's default float32; a float64 model would
    otherwise mix precisions silently. The copy is shallow, nested distributions are cast too.
    """
    attributes = vars(distribution)
    if not any(isinstance(v, Tensor) and v.is_floating_point() and v.dtype != dtype
               or isinstance(v, torch.distributions.Distribution) for v in attributes.values()):
        return distribution
    copy = object.__new__(type(distribution))
    for name, value in attributes.items():
        if isinstance(value, Tensor) and value.is_floating_point():
            value = value.to(dtype)
        elif isinstance(value, torch.distributions.Distribution):
            value = _in_dtype(value, dtype)
        elif isinstance(value, list) and all(isinstance(v, torch.distributions.Distribution)
                                             for v in value):
            value = [_in_dtype(v, dtype) for v in value]
        object.__setattr__(copy, name, value)
    return copy


def _bound_values(positional: list, keywords: dict) -> dict:
    """Arguments by name for the hooks; ``*args`` items are also gathered under their name."""
    values = dict(keywords)
    for name, value in positional:
        values[name] = value
        head, _, index = name.rpartition("_")
        if index.isdigit():
            values.setdefault(head, ())
            values[head] = values[head] + (value,)
    return values


class ComposedVariable(RandomVariable):
    """A random variable whose family takes distributions as parameters (see the module).

    Front doors of such families are two-line subclasses, as for every family.

    Examples
    --------
    >>> import torch, torchbayes as tb
    >>> with tb.Model() as m:
    ...     mu = tb.Normal("mu", 0.0, 1.0, shape=2)
    ...     y = tb.Mixture("y", w=torch.tensor([0.5, 0.5]),
    ...                    comp_dists=[tb.Normal.dist(mu[0], 1.0), tb.Normal.dist(mu[1], 1.0)],
    ...                    observed=[0.1, 2.0])
    >>> sorted(y.family.arg_constraints)
    ['comp_dists_0_mu', 'comp_dists_0_sigma', 'comp_dists_1_mu', 'comp_dists_1_sigma', 'w']
    """

    def _bind_parameters(self, args, kwargs, dtype) -> dict[str, Any]:
        family = type(self).family
        positional, keywords, _ = bind_arguments(family, args, kwargs, f' "{self.name}"')
        self._infer_steps(family, positional, keywords)
        flattener = _Flattener(self.name or "?", family.__name__, dtype)
        template = flattener.family(family, positional, keywords, "", "", 0)
        for key, value in flattener.params.items():
            if isinstance(value, Tensor):
                self.register_buffer(f"param_{key}", value, persistent=False)
        self.family = ComposedFamily(family, template,
                                     {**family.arg_constraints, **flattener.constraints})
        return flattener.params

    def _infer_steps(self, family, positional: list, keywords: dict) -> None:
        if not hasattr(family, "steps_from_shape") or keywords.get("steps") is not None \
                or self._shape_hint is None:
            return
        values = _bound_values(positional, keywords)
        build_values = map_nodes(values, lambda node: node.build_value)
        build_values = {key: value.build(lambda node: node.build_value)
                        if isinstance(value, DistributionRecipe) else value
                        for key, value in build_values.items()}
        keywords["steps"] = family.steps_from_shape(self._shape_hint, build_values)

    def _init_imputation(self, data, missing, label):
        raise ValueError(f"{label}: observed data contains NaN; automatic imputation does not "
                         "cover families built from other distributions, drop those entries")

    def _add_term_in_forward(self, args, kwargs, observed) -> None:
        evaluation = active_evaluation()
        family = type(self).family

        def value_of(node):
            return _value_in(evaluation, node)
        positional, keywords, _ = bind_arguments(family, args, kwargs, f' "{self.name}"')
        values = [_resolve(v, value_of) for _, v in positional]
        named = {k: _resolve(v, value_of) for k, v in keywords.items()}
        if observed is not None:
            evaluation.values[id(self)] = as_data_tensor(
                observed, self.observed.dtype, self.name).to(self.observed.device)
        value = _value_in(evaluation, self)
        distribution = family(*values, **named)
        evaluation.terms.append((self.name, distribution.log_prob(value).sum()))


def _resolve(structure: Any, value_of) -> Any:
    """Nodes replaced by values and recipes built, inside nested lists, tuples and dicts."""
    if isinstance(structure, DistributionRecipe):
        return structure.build(value_of)
    if isinstance(structure, (list, tuple)):
        items = [_resolve(item, value_of) for item in structure]
        return items if isinstance(structure, list) else tuple(items)
    return map_nodes(structure, value_of)
