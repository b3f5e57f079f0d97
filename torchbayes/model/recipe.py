"""Distributions whose parameters are model variables: recorded as recipes, built per evaluation.

``tb.Normal.dist(mu, sigma)`` is a distribution object, its parameters fixed when it is made.
When a parameter is a model variable (``mu`` a ``tb.Normal`` of the model), no fixed object
can follow its value, so ``.dist`` returns a :class:`DistributionRecipe` instead: the family
and its arguments. A family that takes distributions as parameters (``Mixture``'s components,
``Truncated``'s base, a random walk's ``init_dist``) flattens each recipe's parameters into its
own (see :mod:`.composed`) and rebuilds the distribution from their values at every
evaluation, batched over chains like any parameter.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable

from .node import Node, map_nodes

__all__ = ["DistributionRecipe", "bind_arguments", "holds_model_values"]


def holds_model_values(structure: Any) -> bool:
    """Whether ``structure`` (nested lists, tuples, dicts) holds a model node or a recipe."""
    if isinstance(structure, (Node, DistributionRecipe)):
        return True
    if isinstance(structure, (list, tuple)):
        return any(holds_model_values(item) for item in structure)
    if isinstance(structure, dict):
        return any(holds_model_values(item) for item in structure.values())
    return False


def bind_arguments(family: type, args: tuple, kwargs: dict, label: str = ""
                   ) -> tuple[list, dict, str | None]:
    """``family(*args, **kwargs)``'s arguments by kind: positional-only and ``*args`` values,
    the named ones (``**kwargs`` merged in, ``validate_args`` dropped), and the ``*args`` name.

    Examples
    --------
    >>> from torchbayes.distributions import Normal
    >>> bind_arguments(Normal, (0.0, 1.0), {})
    ([], {'mu': 0.0, 'sigma': 1.0}, None)
    """
    signature = inspect.signature(family.__init__)
    try:
        bound = signature.bind(None, *args, **kwargs)
    except TypeError as error:
        raise TypeError(f'{family.__name__}{label}: {error}') from None
    positional, keywords, var_positional = [], {}, None
    for name, value in list(bound.arguments.items())[1:]:
        kind = signature.parameters[name].kind
        if kind is inspect.Parameter.POSITIONAL_ONLY:
            positional.append((name, value))
        elif kind is inspect.Parameter.VAR_POSITIONAL:
            var_positional = name
            positional.extend((f"{name}_{i}", item) for i, item in enumerate(value))
        elif kind is inspect.Parameter.VAR_KEYWORD:
            keywords.update(value)
        elif name != "validate_args":
            keywords[name] = value
    return positional, keywords, var_positional


class DistributionRecipe:
    """A family and its arguments, some of them model nodes: a distribution to be built.

    Examples
    --------
    >>> import torchbayes as tb
    >>> with tb.Model():
    ...     mu = tb.Normal("mu", 0.0, 1.0)
    ...     recipe = tb.Normal.dist(mu, 2.0)
    >>> recipe
    DistributionRecipe(Normal, mu=<mu>, sigma=2.0)
    """

    def __init__(self, family: type, args: tuple, kwargs: dict):
        self.family, self.args, self.kwargs = family, tuple(args), dict(kwargs)
        bind_arguments(family, self.args, self.kwargs)  # fail where the user wrote it

    def build(self, value_of: Callable[[Node], Any]):
        """The distribution, every node replaced by ``value_of(node)`` (recipes built too)."""
        def resolve(structure):
            return map_nodes(_build_recipes(structure, value_of), value_of)
        return self.family(*resolve(self.args), **resolve(self.kwargs))

    def __repr__(self) -> str:
        def show(value) -> str:
            if isinstance(value, Node):
                return f"<{getattr(value, 'name', None) or type(value).__name__}>"
            return repr(value)
        positional, keywords, _ = bind_arguments(self.family, self.args, self.kwargs)
        parts = [show(v) for _, v in positional] + [f"{k}={show(v)}" for k, v in keywords.items()]
        return f"DistributionRecipe({self.family.__name__}, {', '.join(parts)})"


def _build_recipes(structure: Any, value_of: Callable[[Node], Any]) -> Any:
    if isinstance(structure, DistributionRecipe):
        return structure.build(value_of)
    if isinstance(structure, (list, tuple)):
        built = [_build_recipes(item, value_of) for item in structure]
        return built if isinstance(structure, list) else tuple(built)
    if isinstance(structure, dict):
        return {key: _build_recipes(item, value_of) for key, item in structure.items()}
    return structure
