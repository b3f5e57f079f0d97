"""PyMC's proposal-scale tuning: every ``tune_interval`` warm-up steps, scale by the
acceptance rate of that interval.

Used by Metropolis and BinaryMetropolis (and, through :func:`tune_scale`, DEMetropolisZ).
The state is per chain; the schedule is a host fact of the iteration, so ``update`` never
reads a device value.

References
----------
PyMC, ``pymc/step_methods/metropolis.py``: ``tune`` and ``Metropolis.astep``.
"""
from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

__all__ = ["ScaleParams", "ScaleTuning", "ScaleTuningState", "tune_scale"]

# (acceptance rate below which, factor) then (above which, factor): PyMC's table.
_SHRINK = ((0.001, 0.1), (0.05, 0.5), (0.2, 0.9))
_GROW = ((0.95, 10.0), (0.75, 2.0), (0.5, 1.1))


def tune_scale(scale: Tensor, acceptance_rate: Tensor) -> Tensor:
    """PyMC's rule: x0.1 below 0.1% acceptance, x0.5 below 5%, x0.9 below 20%, x1.1 above
    50%, x2 above 75%, x10 above 95%; unchanged in between.

    Examples
    --------
    >>> tune_scale(torch.ones(4), torch.tensor([0.0, 0.1, 0.3, 0.99]))
    tensor([ 0.1000,  0.9000,  1.0000, 10.0000])
    """
    factor = torch.ones_like(acceptance_rate, dtype=scale.dtype)
    for bound, value in reversed(_GROW):       # the most extreme bound is applied last
        factor = torch.where(acceptance_rate > bound, value, factor)
    for bound, value in reversed(_SHRINK):
        factor = torch.where(acceptance_rate < bound, value, factor)
    return scale * factor


class ScaleParams(NamedTuple):
    """The tuned proposal scale, ``(C, k)``."""

    scaling: Tensor


class ScaleTuningState(NamedTuple):
    scaling: Tensor          # (C, k) float64
    accepted_sum: Tensor     # (C, m) accepted proposals this interval, per update group
    params: ScaleParams


class ScaleTuning:
    """Scale tuning of a step whose state has ``position`` (C, k) and ``accepted`` (C, m).

    ``m`` is 1 for a step that accepts its block as a whole and ``k`` for one that updates
    coordinate by coordinate (each coordinate then gets its own scale, as in PyMC).

    Parameters
    ----------
    tune : int
        Warm-up iterations; nothing changes afterwards.
    tune_interval : int
        Steps between two scale updates.
    scaling : float or array
        Initial scale (broadcast to ``(C, k)``).
    enabled : bool
        PyMC's ``tune=`` flag; when False the scale stays at ``scaling``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> tuning = ScaleTuning(tune=10, tune_interval=2, scaling=1.0)
    >>> step = SimpleNamespace(position=torch.zeros(3, 2), accepted=torch.ones(3, 1))
    >>> state = tuning.init(step)
    >>> for i in range(2):
    ...     state = tuning.update(state, step, None, i)
    >>> tuning.params(state).scaling[0]          # all accepted: x10
    tensor([10., 10.], dtype=torch.float64)
    """

    def __init__(self, tune: int, tune_interval: int, scaling=1.0, enabled: bool = True):
        if tune_interval < 1:
            raise ValueError(f"tune_interval must be >= 1, got {tune_interval}")
        self.tune, self.tune_interval = int(tune), int(tune_interval)
        self.scaling, self.enabled = scaling, bool(enabled)

    def init(self, kernel_state) -> ScaleTuningState:
        position, accepted = kernel_state.position, kernel_state.accepted
        scaling = torch.as_tensor(self.scaling, dtype=torch.float64, device=position.device)
        scaling = scaling.expand(position.shape).clone()
        accepted_sum = torch.zeros(accepted.shape, dtype=torch.float64, device=position.device)
        return ScaleTuningState(scaling, accepted_sum, ScaleParams(scaling))

    def update(self, state: ScaleTuningState, kernel_state, info,
               iteration: int) -> ScaleTuningState:
        if not self.enabled or iteration >= self.tune:
            return state
        accepted_sum = state.accepted_sum + kernel_state.accepted
        scaling = state.scaling
        # PyMC tunes at the start of step i when i is a multiple of the interval and warm-up
        # is still on: after step i - 1 here.
        if (iteration + 1) % self.tune_interval == 0 and iteration + 1 < self.tune:
            scaling = tune_scale(scaling, accepted_sum / self.tune_interval)
            accepted_sum = torch.zeros_like(accepted_sum)
        return ScaleTuningState(scaling, accepted_sum, ScaleParams(scaling))

    def params(self, state: ScaleTuningState) -> ScaleParams:
        return state.params
