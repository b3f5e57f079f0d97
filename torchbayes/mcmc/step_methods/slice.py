"""Univariate slice sampling, coordinate by coordinate, batched over chains.

For each coordinate: draw the slice level ``y = logp - Exp(1)``, place an interval of width
``w`` at random around the point, step out each end until it leaves the slice, then draw
uniformly inside and shrink towards the point until the draw lands in the slice. Chains step
out and shrink for different numbers of rounds: every round is one density call for all
chains (both ends together while stepping out), finished chains are masked, and the only host
read is "is any chain still going?" once per round. During warm-up ``w`` becomes the running
mean of the final interval widths (PyMC's tuning).

References
----------
Neal, R. M. (2003). Slice sampling. Annals of Statistics 31(3), 705-767 (figures 3 and 5).
PyMC, ``pymc/step_methods/slicer.py``.
"""
from __future__ import annotations

import math
from typing import NamedTuple, Optional

import torch
from torch import Tensor

from ..kernel import Density
from .block import Competence, StepMethod, VariableFacts, log_density

__all__ = ["Slice", "SliceInfo", "SliceParams", "SliceState", "SliceTuning"]


class SliceState(NamedTuple):
    position: Tensor         # (C, k)
    logp: Tensor             # (C,)
    interval_width: Tensor   # (C, k) final bracket width of the last step, per coordinate


class SliceInfo(NamedTuple):
    """PyMC's statistics, ``(C,)`` long, summed over the coordinates."""

    nstep_out: Tensor        # stepping-out expansions
    nstep_in: Tensor         # shrinkage rejections


class SliceParams(NamedTuple):
    width: Tensor            # (C, k) initial interval width w


class SliceTuningState(NamedTuple):
    width: Tensor            # (C, k) float64
    params: SliceParams


class SliceTuning:
    """``w`` becomes the running mean of the final interval widths over warm-up."""

    def __init__(self, tune: int, width=1.0, enabled: bool = True):
        self.tune, self.width, self.enabled = int(tune), width, bool(enabled)

    def init(self, kernel_state: SliceState) -> SliceTuningState:
        position = kernel_state.position
        width = torch.as_tensor(self.width, dtype=torch.float64, device=position.device)
        width = width.expand(position.shape).clone()
        return SliceTuningState(width, SliceParams(width))

    def update(self, state: SliceTuningState, kernel_state: SliceState, info,
               iteration: int) -> SliceTuningState:
        if not self.enabled or iteration >= self.tune:
            return state
        # PyMC: w = w * n / (n + 1) + width / (n + 1) after n tuned steps
        width = (state.width * iteration + kernel_state.interval_width) / (iteration + 1)
        return SliceTuningState(width, SliceParams(width))

    def params(self, state: SliceTuningState) -> SliceParams:
        return state.params


def _any(mask: Tensor) -> bool:
    """The one host read of a stepping-out or shrinking round."""
    return bool(mask.any())


class Slice(StepMethod):
    """Univariate slice sampler with stepping out and shrinkage (PyMC's ``Slice``).

    Parameters
    ----------
    vars : list of variables or names, optional
        Continuous variables (default: every continuous variable no other step takes).
    w : float or array
        Initial interval width.
    tune : bool
        Tune ``w`` during warm-up.
    iter_limit : float
        Most rounds of stepping out or shrinking per coordinate before raising.

    Examples
    --------
    >>> density = lambda x: (-0.5 * (x * x).sum(-1), -x)
    >>> step = Slice()
    >>> state = step.init(torch.zeros(4, 2, dtype=torch.float64), density)
    >>> params = SliceParams(torch.ones(4, 2, dtype=torch.float64))
    >>> state, info = step.step(state, params, density, torch.Generator().manual_seed(0))
    >>> info._fields
    ('nstep_out', 'nstep_in')

    References
    ----------
    Neal (2003); PyMC ``Slice``.
    """

    Info = SliceInfo
    default_blocked = False

    def __init__(self, vars=None, *, w=1.0, tune: bool = True, iter_limit: float = math.inf,
                 blocked: Optional[bool] = None):
        super().__init__(vars, blocked=blocked)
        self.w, self.tune, self.iter_limit = w, bool(tune), iter_limit

    @staticmethod
    def competence(variable: VariableFacts) -> Competence:
        return Competence.INCOMPATIBLE if variable.discrete else Competence.COMPATIBLE

    def adaptation(self, tune: int, **sampler_settings) -> SliceTuning:
        return SliceTuning(tune, self.w, enabled=self.tune)

    def init(self, position: Tensor, density: Density) -> SliceState:
        width = torch.zeros(position.shape, dtype=torch.float64, device=position.device)
        return SliceState(position, log_density(density, position), width)

    def step(self, state: SliceState, params: SliceParams, density: Density,
             generator) -> tuple[SliceState, SliceInfo]:
        position, logp = state.position, state.logp
        chains, size = position.shape
        long = dict(dtype=torch.long, device=position.device)
        nstep_out, nstep_in = torch.zeros(chains, **long), torch.zeros(chains, **long)
        widths = []
        for i in range(size):
            width = params.width[:, i].to(position.dtype)
            level = logp - torch.empty_like(logp).exponential_(generator=generator)
            left, right, steps_out = self._step_out(position, i, width, level, density, generator)
            position, logp, left, right, steps_in = self._shrink(position, i, left, right, level,
                                                                density, generator)
            nstep_out, nstep_in = nstep_out + steps_out, nstep_in + steps_in
            widths.append(right - left)
        interval_width = torch.stack(widths, 1).to(torch.float64)
        return SliceState(position, logp, interval_width), SliceInfo(nstep_out, nstep_in)

    def _at(self, position: Tensor, i: int, value: Tensor) -> Tensor:
        """``position`` with coordinate ``i`` set to ``value`` (``(..., C)``)."""
        full = position.expand(value.shape + position.shape[-1:]).clone()
        full[..., i] = value
        return full

    def _check_rounds(self, rounds: int) -> None:
        if rounds > self.iter_limit:
            raise RuntimeError(f"Slice: max slicer iters {self.iter_limit} exceeded; raise "
                               "iter_limit or check that the density is proper")

    def _step_out(self, position, i, width, level, density, generator):
        start = position[:, i]
        left = start - torch.rand(start.shape, generator=generator, dtype=start.dtype,
                                  device=start.device) * width
        right = left + width
        going = torch.ones(2, start.shape[0], dtype=torch.bool, device=start.device)
        steps = torch.zeros(start.shape[0], dtype=torch.long, device=start.device)
        rounds = 0
        while True:
            # both ends in one call; <= keeps stepping through flat regions (PyMC)
            ends_logp = log_density(density, self._at(position, i, torch.stack((left, right))))
            going = going & (level <= ends_logp)
            if not _any(going):
                return left, right, steps
            rounds += 1
            self._check_rounds(rounds)
            left = torch.where(going[0], left - width, left)
            right = torch.where(going[1], right + width, right)
            steps = steps + going.sum(0)

    def _shrink(self, position, i, left, right, level, density, generator):
        start = position[:, i]
        value, logp = start, level       # placeholders, overwritten where a draw lands
        searching = torch.ones(start.shape[0], dtype=torch.bool, device=start.device)
        steps = torch.zeros(start.shape[0], dtype=torch.long, device=start.device)
        rounds = 0
        while True:
            uniform = torch.rand(start.shape, generator=generator, dtype=start.dtype,
                                 device=start.device)
            draw = left + uniform * (right - left)
            draw_logp = log_density(density, self._at(position, i, draw))
            landed = searching & (draw_logp >= level)
            value = torch.where(landed, draw, value)
            logp = torch.where(landed, draw_logp, logp)
            searching = searching & ~landed
            if not _any(searching):
                return self._at(position, i, value), logp, left, right, steps
            rounds += 1
            self._check_rounds(rounds)
            steps = steps + searching
            right = torch.where(searching & (draw > start), draw, right)
            left = torch.where(searching & (draw < start), draw, left)
