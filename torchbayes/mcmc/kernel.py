"""The shape every MCMC kernel has: frozen settings, ``init`` and ``step``.

A kernel keeps no sampling state on ``self``: what changes while sampling lives in the
state tuple returned by ``init`` and ``step``; tuned values arrive as ``params``; randomness
comes from an explicit :class:`torch.Generator`. See STYLE.md §3.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

from torch import Tensor

__all__ = ["Density", "Kernel"]

#: The seam with the model layer: ``density(position) -> (logp, logp_grad)`` with
#: position ``(C, d)``, logp ``(C,)``, logp_grad ``(C, d)``; chains on the leading axis.
Density = Callable[[Tensor], "tuple[Tensor, Tensor]"]


class Kernel:
    """Base class of MCMC kernels (a protocol with a docstring).

    Subclasses set their settings in ``__init__`` and never reassign them, and implement

    - ``init(position, density) -> State``: the state at ``position`` (C, d);
    - ``step(state, params, density, generator) -> (State, Info)``: one transition of every
      chain at once. ``Info`` is a NamedTuple of ``(C,)`` tensors with PyMC's statistic names;
      it is the kernel's statistics schema.
    """

    def init(self, position: Tensor, density: Density) -> NamedTuple:
        raise NotImplementedError

    def step(self, state: NamedTuple, params: Any, density: Density,
             generator: Any) -> tuple[NamedTuple, NamedTuple]:
        raise NotImplementedError

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({settings})"
