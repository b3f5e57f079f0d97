"""The flat layout: where each free variable's unconstrained value sits in one vector.

``dict_to_array`` and ``array_to_dict`` are the bijection between a point (constrained values by
name) and that vector. Samplers only ever see the vector and index blocks.
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple, Sequence

import torch
from torch import Tensor

from .context import Evaluation, evaluating
from .random_variable import RandomVariable

__all__ = ["Block", "Layout", "free_layout", "dict_to_array", "array_to_dict"]


class Block(NamedTuple):
    """One free variable's slice ``[start, stop)`` of the flat vector."""

    variable: RandomVariable
    start: int
    stop: int
    shape: torch.Size  # unconstrained shape


class Layout(NamedTuple):
    blocks: list[Block]
    size: int

    def block_of(self, variable: RandomVariable) -> Block | None:
        for block in self.blocks:
            if block.variable is variable:
                return block
        return None

    @property
    def names(self) -> list[str]:
        return [block.variable.name for block in self.blocks]


def free_layout(variables: Sequence[RandomVariable]) -> Layout:
    """Blocks for ``variables`` in order."""
    blocks, start = [], 0
    for rv in variables:
        size = math.prod(rv.unconstrained_shape)
        blocks.append(Block(rv, start, start + size, rv.unconstrained_shape))
        start += size
    return Layout(blocks, start)


def _check_names(model, point: dict) -> None:
    unknown = [name for name in point if name not in model.named_vars]
    if unknown:
        raise KeyError(f"point names {unknown}, which are not variables of the model; "
                       f"its free variables are {[rv.name for rv in model.free_RVs]}")


def dict_to_array(model, point: dict[str, Any]) -> Tensor:
    """Flat unconstrained vector of a point (constrained values by name).

    Examples
    --------
    >>> import torchbayes as tb
    >>> with tb.Model() as m:
    ...     s = tb.HalfNormal("s", 1.0)
    >>> m.dict_to_array({"s": 1.0})
    tensor([0.], dtype=torch.float64)
    """
    _check_names(model, point)
    free = model.free_RVs
    evaluation = Evaluation(model=None)
    for rv in free:
        if rv.name not in point:
            raise KeyError(f'point is missing the free variable "{rv.name}"')
        value = torch.as_tensor(point[rv.name], dtype=model.dtype, device=model.device)
        if value.shape != rv.shape:
            try:
                value = value.expand(rv.shape)
            except RuntimeError:
                raise ValueError(f'point: "{rv.name}" has shape {tuple(value.shape)}, the '
                                 f"variable has shape {tuple(rv.shape)}") from None
        evaluation.values[id(rv)] = value
    pieces = []
    with evaluating(evaluation):
        for rv in free:
            value = evaluation.values[id(rv)]
            transform = rv.current_transform(evaluation)
            raw = value if transform is None else transform.inv(value)
            pieces.append(raw.reshape(-1))
    if not pieces:
        return torch.zeros(0, dtype=model.dtype, device=model.device)
    return torch.cat(pieces)


def array_to_dict(model, vector: Tensor) -> dict[str, Tensor]:
    """Point (constrained values by name) of a flat unconstrained vector (or a batch (C, d)).

    Examples
    --------
    >>> import torchbayes as tb
    >>> with tb.Model() as m:
    ...     s = tb.HalfNormal("s", 1.0)
    >>> m.array_to_dict(torch.zeros(1, dtype=torch.float64))
    {'s': tensor(1., dtype=torch.float64)}
    """
    from .density import DensityProgram
    program = DensityProgram(model)
    single = vector.dim() == 1
    u = vector.unsqueeze(0) if single else vector
    free = model.free_RVs
    values = program.values_of(u, free)
    return {rv.name: value[0] if single else value for rv, value in zip(free, values)}
