"""Forward (ancestral) sampling: the model's generative program, batched over draws.

The same prepared program as the density (:class:`~.density.DensityProgram`), with one change
of meaning: a free variable whose values are given (posterior draws) reads them; every other
variable, observed ones included, is drawn from its family with parameters aligned to the batch.
One call draws every sample at once, so shapes are ``(n, *shape)`` by construction.

An observed variable's predictive shape follows its parameters: with the data it was observed
on it is the observed shape; after ``set_data`` gives its parameters another shape (out-of-sample
prediction) it is theirs.
"""
from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import Tensor

from .containers import Data
from .density import DensityProgram
from .random_variable import RandomVariable

__all__ = ["ForwardProgram"]


def _aligned_for_sampling(family, params: dict[str, Any], size: int,
                          batch_shape: torch.Size) -> dict[str, Any]:
    """Broadcast every tensor parameter to (size, *batch_shape, *its event shape)."""
    out = {}
    for key, value in params.items():
        if isinstance(value, Tensor):
            constraint = family.arg_constraints.get(key)
            event_dim = getattr(constraint, "event_dim", 0) if constraint is not None else 0
            event_shape = value.shape[value.dim() - event_dim:] if event_dim else torch.Size()
            value = value.expand((size,) + tuple(batch_shape) + tuple(event_shape))
        out[key] = value
    return out


class ForwardProgram(DensityProgram):
    """Draw the variables of a model given (optionally) values of some free variables.

    Parameters
    ----------
    model : Model
    given : names of free variables whose values are supplied to :meth:`draw`.

    Examples
    --------
    >>> import torchbayes as tb
    >>> with tb.Model() as m:
    ...     mu = tb.Normal("mu", 0.0, 1.0)
    ...     y = tb.Normal("y", mu, 1.0, observed=[0.1, -0.3, 0.2])
    >>> values = ForwardProgram(m).draw(100, ["mu", "y"])
    >>> values["y"].shape
    torch.Size([100, 3])
    """

    def __init__(self, model, given: Sequence[str] = ()):
        self.given = set(given)
        self._size = 0
        super().__init__(model, grad_vars=[], jacobian=False)
        unknown = self.given - {rv.name for rv in self.extra_vars}
        if unknown:
            raise KeyError(f"values given for {sorted(unknown)}, which are not free variables")

    def _batched_flags(self) -> dict[int, bool]:
        flags: dict[int, bool] = {}
        for node in self.order:
            if isinstance(node, RandomVariable):
                flags[id(node)] = True
            elif isinstance(node, Data):
                flags[id(node)] = False
            else:
                flags[id(node)] = any(flags[id(p)] for p in node.dependencies())
        return flags

    def _predictive_shape(self, rv: RandomVariable) -> torch.Size:
        natural_distribution = rv.build_distribution(lambda n: self._point_values[id(n)])
        natural = natural_distribution.batch_shape + natural_distribution.event_shape
        if not rv.is_observed:
            return rv.shape
        try:
            return torch.broadcast_shapes(natural, rv.observed.shape)
        except RuntimeError:  # the data changed (set_data): the parameters decide
            return natural

    def _variable_step(self, rv: RandomVariable):
        if rv.name in self.given:
            values, name = self.extra_values, rv.name
            return lambda slots, u: values[name]
        distribution = self._distribution_builder(rv)
        shape = self._predictive_shape(rv)
        batch_shape = shape[:len(shape) - len(rv.event_shape)]
        family, label = rv.family, f'{rv.family.__name__} "{rv.name}"'

        def draw(slots, u):
            params = _aligned_for_sampling(family, distribution.parameters(slots), self._size,
                                           batch_shape)
            dist = family(**params)
            try:
                return dist.rsample() if dist.has_rsample else dist.sample()
            except NotImplementedError:
                raise NotImplementedError(f"{label}: this family cannot be sampled (an improper "
                                          "prior?); give its values instead") from None
        return draw

    def draw(self, size: int, nodes: Sequence[str], given: dict[str, Tensor] | None = None
             ) -> dict[str, Tensor]:
        """Values of ``nodes`` (names) for ``size`` joint draws; ``given`` holds (size, *shape)
        values of the free variables named at construction."""
        for name in self.given:
            if given is None or name not in given:
                raise KeyError(f'draw: missing the given values of "{name}"')
            self.extra_values[name] = torch.as_tensor(given[name], dtype=self.dtype,
                                                      device=self.device)
        self._size = size
        u = torch.zeros(size, 0, dtype=self.dtype, device=self.device)
        targets = [self.model[name] for name in nodes]
        values = self.values_of(u, targets)
        return {name: value.expand((size,) + tuple(value.shape)) if value.dim() < node_rank
                else value
                for name, value, node_rank in zip(nodes, values,
                                                  [t.dim() + 1 for t in targets])}
