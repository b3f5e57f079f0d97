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

from .batching import unsqueeze_after_batch
from .containers import Data
from .density import DensityProgram
from .random_variable import RandomVariable

__all__ = ["ForwardProgram"]


def _aligned_for_sampling(family, builder, slots: list, size: int,
                          batch_shape: torch.Size) -> dict[str, Any]:
    """Every tensor parameter broadcast to (size, *batch_shape, *its event shape).

    A parameter that varies with the draws is read as (size, *its own shape) and gets singleton
    dimensions after the draw axis up to ``batch_shape``'s rank: the builder pads to the
    variable's recorded rank, which set_data may have changed.
    """
    params = dict(builder.constants)
    params.update({key: slots[slot] for key, slot, _ in builder.readers})
    varying = {key for key, _, pad in builder.readers if pad is not None}
    out = {}
    for key, value in params.items():
        if isinstance(value, Tensor):
            constraint = family.arg_constraints.get(key)
            event_dim = getattr(constraint, "event_dim", 0) if constraint is not None else 0
            event_shape = value.shape[value.dim() - event_dim:] if event_dim else torch.Size()
            if key in varying:
                value = unsqueeze_after_batch(value, 1 + len(batch_shape) + event_dim
                                              - value.dim())
            value = value.expand((size,) + tuple(batch_shape) + tuple(event_shape))
        out[key] = value
    return out


def _natural_shape(rv: RandomVariable, value_of=None) -> torch.Size:
    """batch_shape + event_shape of ``rv``'s family at the given parameter values."""
    distribution = rv.build_distribution(value_of)
    return distribution.batch_shape + distribution.event_shape


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
        if not rv.is_observed:
            return rv.shape
        natural = _natural_shape(rv, lambda n: self._point_values[id(n)])
        # Recorded expressions keep the values they had when the model was built, so the
        # default build values give the parameters' shape the observed data was matched to.
        # A different shape now means set_data changed it, and then the parameters decide,
        # even where the new shape would broadcast with the old data (one new row, a column).
        # A tb.Data container passed directly as a parameter has no recorded value: there only
        # a shape that no longer broadcasts with the data tells.
        try:
            recorded = _natural_shape(rv)
        except (ValueError, RuntimeError, TypeError):  # recorded and new shapes do not mix
            recorded = None
        if natural != recorded:
            return natural
        try:
            return torch.broadcast_shapes(natural, rv.observed_value.shape)
        except RuntimeError:
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
            params = _aligned_for_sampling(family, distribution, slots, self._size, batch_shape)
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
        # a node that varies with no random variable (data only) has no draw axis yet
        return {name: value if self.batched[id(target)]
                else value.expand((size,) + tuple(value.shape))
                for name, target, value in zip(nodes, targets, values)}
