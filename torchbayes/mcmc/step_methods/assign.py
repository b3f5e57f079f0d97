"""Automatic assignment: every free variable goes to the most competent step method.

``assign_step_methods(model, step)`` binds the user's steps (a step, a list, a CompoundStep or
``None``) to their variables' flat blocks, then gives each remaining variable the method with
the highest :class:`~.block.Competence` (PyMC's rule and order: NUTS for continuous,
BinaryGibbsMetropolis for Bernoulli, CategoricalGibbsMetropolis for Categorical, Metropolis for
other discrete variables) and returns one :class:`~.compound.CompoundStep` in sweep order:
the user's steps first, then the assigned ones grouped by method. This module is where names
meet blocks; below it, step methods see only index tensors.

References
----------
PyMC, ``pymc/sampling/mcmc.py`` (``assign_step_methods``, ``instantiate_steppers``).
"""
from __future__ import annotations

import math
from typing import Any, Optional, Sequence

import torch

from ...distributions import Bernoulli, Categorical
from ...model.layout import free_layout
from .binary import BinaryGibbsMetropolis, BinaryMetropolis
from .block import Competence, StepBlock, StepMethod, VariableFacts
from .categorical import CategoricalGibbsMetropolis
from .compound import CompoundStep
from .hamiltonian import HMC, NUTS
from .metropolis import Metropolis
from .slice import Slice

__all__ = ["STEP_METHODS", "assign_step_methods", "describe_steps", "variable_facts"]

#: Candidates of automatic assignment, in PyMC's order (ties go to the earlier one).
STEP_METHODS = (NUTS, HMC, Metropolis, BinaryMetropolis, BinaryGibbsMetropolis, Slice,
                CategoricalGibbsMetropolis)


def variable_facts(rv) -> VariableFacts:
    """What competence needs to know about a free variable.

    Examples
    --------
    >>> import torchbayes as tb
    >>> with tb.Model():
    ...     k = tb.Categorical("k", p=torch.ones(4) / 4, shape=2)
    >>> variable_facts(k)
    VariableFacts(name='k', discrete=True, n_categories=4, binary=False, event_ndim=0, size=2)
    """
    distribution = rv.build_distribution()
    n_categories = 0
    if isinstance(distribution, Categorical):
        n_categories = int(distribution.n_categories)
    elif isinstance(distribution, Bernoulli):
        n_categories = 2
    return VariableFacts(name=rv.name, discrete=bool(rv.is_discrete), n_categories=n_categories,
                         binary=n_categories == 2, event_ndim=len(rv.event_shape),
                         size=math.prod(rv.unconstrained_shape))


def _user_steps(step) -> list[StepMethod]:
    if step is None:
        return []
    steps = step if isinstance(step, (list, tuple)) else [step]
    flat = []
    for item in steps:
        if isinstance(item, type):
            raise TypeError(f"step: {item.__name__} is a class; pass an instance such as "
                            f"{item.__name__}([...])")
        if isinstance(item, CompoundStep):
            flat.extend(item.methods)
        elif isinstance(item, StepMethod):
            flat.append(item)
        else:
            raise TypeError(f"step: {item!r} is not a step method; use the classes of "
                            "torchbayes.mcmc.step_methods (NUTS, Metropolis, Slice, ...)")
    return flat


def _names(model, variables: Sequence[Any], step: StepMethod) -> list[str]:
    free = {rv.name for rv in model.free_RVs}
    names = []
    for variable in variables:
        name = variable if isinstance(variable, str) else getattr(variable, "name", None)
        if name not in free:
            raise ValueError(f"{type(step).__name__}: {variable!r} is not a free variable of the "
                             f"model; its free variables are {sorted(free)}")
        names.append(name)
    return names


def _block(model, layout, facts: dict, names: list[str]) -> StepBlock:
    by_name = {block.variable.name: block for block in layout.blocks}
    device = model.device
    pieces = [torch.arange(by_name[n].start, by_name[n].stop, device=device) for n in names]
    sizes = [facts[n].size for n in names]
    discrete = torch.tensor(sum(([facts[n].discrete] * s for n, s in zip(names, sizes)), []),
                            dtype=torch.bool, device=device)
    categories = torch.tensor(sum(([facts[n].n_categories] * s for n, s in zip(names, sizes)), []),
                              dtype=torch.long, device=device)
    multivariate_discrete = any(facts[n].discrete and facts[n].event_ndim > 0 for n in names)
    indices = torch.cat(pieces) if pieces else torch.zeros(0, dtype=torch.long, device=device)
    return StepBlock(indices, discrete, categories, multivariate_discrete, tuple(names))


def _bind(model, layout, facts, step: StepMethod, names: list[str]) -> list[StepMethod]:
    for name in names:
        if step.competence(facts[name]) == Competence.INCOMPATIBLE:
            raise ValueError(f'{type(step).__name__} cannot sample "{name}"; pick a step method '
                             f"whose competence covers it, or leave it to automatic assignment")
    groups = [names] if step.blocked else [[name] for name in names]
    return [step.bind(_block(model, layout, facts, group), [model[n] for n in group])
            for group in groups if group]


def assign_step_methods(model, step=None, *, methods: Sequence[type] = STEP_METHODS,
                        step_kwargs: Optional[dict[str, dict]] = None) -> CompoundStep:
    """Bind the given step methods and assign the remaining free variables.

    Parameters
    ----------
    model : Model
    step : step method, list of them, CompoundStep, or None
        Steps chosen by the user; ``vars=None`` means every free variable the method can
        sample and no other given step names.
    methods : sequence of step method classes
        Candidates for the remaining variables; the highest competence wins.
    step_kwargs : dict, optional
        Settings of assigned methods by lower-case class name, e.g. ``{"nuts":
        {"max_treedepth": 12}}`` (PyMC's ``step_kwargs``).

    Returns
    -------
    CompoundStep
        Every member bound to its block; members in sweep order.

    Examples
    --------
    >>> import torchbayes as tb
    >>> with tb.Model() as m:
    ...     p = tb.Beta("p", alpha=1.0, beta=1.0)
    ...     z = tb.Bernoulli("z", p=p, shape=3)
    >>> print(describe_steps(assign_step_methods(m)))
    CompoundStep
    >NUTS: [p]
    >BinaryGibbsMetropolis: [z]
    """
    free = model.free_RVs
    layout = free_layout(free)
    facts = {rv.name: variable_facts(rv) for rv in free}
    provided = _user_steps(step)
    named = {n for s in provided if s.vars is not None for n in _names(model, s.vars, s)}
    bound, taken = [], set()
    for user_step in provided:
        if user_step.vars is not None:
            names = _names(model, user_step.vars, user_step)
        else:
            names = [rv.name for rv in free if rv.name not in named and rv.name not in taken
                     and user_step.competence(facts[rv.name]) > Competence.INCOMPATIBLE]
        twice = sorted(taken.intersection(names))
        if twice:
            raise ValueError(f"{twice} are given to more than one step method")
        taken.update(names)
        bound += _bind(model, layout, facts, user_step, names)
    selected: dict[type, list[str]] = {}
    for rv in free:
        if rv.name in taken:
            continue
        best = max(methods, key=lambda method: method.competence(facts[rv.name]))
        if best.competence(facts[rv.name]) == Competence.INCOMPATIBLE:
            raise ValueError(f'no step method can sample "{rv.name}"')
        selected.setdefault(best, []).append(rv.name)
    step_kwargs = step_kwargs or {}
    for method, names in selected.items():
        bound += _bind(model, layout, facts, method(**step_kwargs.get(method.__name__.lower(), {})),
                       names)
    return CompoundStep(bound)


def describe_steps(compound: CompoundStep) -> str:
    """PyMC's printout: ``NUTS: [mu, tau]`` for one step, else ``CompoundStep`` and ``>``
    lines.

    Examples
    --------
    >>> import torchbayes as tb
    >>> with tb.Model() as m:
    ...     mu = tb.Normal("mu", 0.0, 1.0)
    >>> describe_steps(assign_step_methods(m))
    'NUTS: [mu]'
    """
    if len(compound.methods) == 1:
        return repr(compound.methods[0])
    return repr(compound)
