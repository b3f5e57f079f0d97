"""DEMetropolisZ: differential-evolution Metropolis that draws its jumps from the past.

The proposal is ``x + lambda * (z1 - z2) + epsilon`` where ``z1 != z2`` are two draws from
this chain's own history and ``epsilon = scaling * deviate`` is a small noise. The history
grows by the accepted point every step; at the end of warm-up its oldest
``tune_drop_fraction`` is dropped so that later jumps do not come from unconverged positions.
``scaling`` (or ``lambda``) is tuned with PyMC's rule every ``tune_interval`` steps.

The history is the step's adaptation (it is what the proposal learns from): it lives in the
adaptation state, a ``(C, capacity, k)`` buffer whose fill level is a host fact of the
iteration, so no step reads a device value.

References
----------
ter Braak, C. J. F. & Vrugt, J. A. (2008). Differential Evolution Markov Chain with snooker
updater and fewer chains. Statistics and Computing 18, 435-446.
PyMC, ``pymc/step_methods/metropolis.py`` (``DEMetropolisZ``).
"""
from __future__ import annotations

import math
from typing import NamedTuple, Optional

import torch
from torch import Tensor

from ..kernel import Density
from .block import Competence, StepMethod, VariableFacts, log_density, metropolis_accept
from .metropolis import MetropolisState, acceptance_probability
from .proposals import NormalProposal
from .tuning import tune_scale

__all__ = ["DEMetropolisZ", "DEMetropolisZInfo", "DEMetropolisZParams", "DEMetropolisZTuning"]

_TARGETS = (None, "scaling", "lambda")


class DEMetropolisZInfo(NamedTuple):
    """PyMC's statistics, ``(C,)``; ``lamb`` is reported as ``lambda`` (a Python keyword)."""

    accept: Tensor      # float64 acceptance probability min(1, ratio)
    accepted: Tensor    # bool
    scaling: Tensor     # float64 mean noise scale
    lamb: Tensor        # float64 jump factor


class DEMetropolisZParams(NamedTuple):
    scaling: Tensor     # (C, k) float64
    lamb: Tensor        # (C,) float64
    history: Tensor     # (C, capacity, k) past positions of each chain
    count: Tensor       # (C,) long: filled rows of ``history``


class DEMetropolisZTuningState(NamedTuple):
    scaling: Tensor
    lamb: Tensor
    accepted_sum: Tensor    # (C, 1) accepted steps this interval
    history: Tensor
    params: DEMetropolisZParams


class DEMetropolisZTuning:
    """Scale (or lambda) tuning plus the per-chain history of DEMetropolisZ."""

    def __init__(self, tune: int, tune_interval: int, scaling, lamb: Optional[float],
                 tune_target: Optional[str], tune_drop_fraction: float):
        self.tune, self.tune_interval = int(tune), int(tune_interval)
        self.scaling, self.lamb = scaling, lamb
        self.tune_target, self.tune_drop_fraction = tune_target, float(tune_drop_fraction)

    def _length_after(self, iteration: int) -> int:
        """Rows of history after the update of ``iteration`` (-1: none yet)."""
        if iteration < self.tune - 1:
            return iteration + 1
        kept = self.tune - int(self.tune_drop_fraction * self.tune) if self.tune > 0 else 0
        return kept + iteration - (self.tune - 1)

    def init(self, kernel_state: MetropolisState) -> DEMetropolisZTuningState:
        position = kernel_state.position
        chains, size = position.shape
        options = dict(dtype=torch.float64, device=position.device)
        scaling = torch.as_tensor(self.scaling, **options).expand(chains, size).clone()
        # PyMC's default is optimal for a Gaussian target: 2.38 / sqrt(2 d)
        lamb = 2.38 / math.sqrt(2 * size) if self.lamb is None else self.lamb
        lamb = torch.full((chains,), float(lamb), **options)
        history = torch.zeros(chains, max(self.tune, 64), size, dtype=position.dtype,
                              device=position.device)
        accepted_sum = torch.zeros(chains, 1, **options)
        return self._state(scaling, lamb, accepted_sum, history, 0)

    def _state(self, scaling, lamb, accepted_sum, history, length: int):
        count = torch.full((history.shape[0],), length, dtype=torch.long, device=history.device)
        params = DEMetropolisZParams(scaling, lamb, history, count)
        return DEMetropolisZTuningState(scaling, lamb, accepted_sum, history, params)

    def update(self, state: DEMetropolisZTuningState, kernel_state: MetropolisState, info,
               iteration: int) -> DEMetropolisZTuningState:
        length = self._length_after(iteration - 1)
        history = state.history
        if length == history.shape[1]:                    # full: double the buffer
            history = torch.cat((history, torch.zeros_like(history)), 1)
        # Rows at and beyond ``length`` are unused, so writing in place never alters what a
        # checkpoint taken earlier holds (its rows below its own length).
        history[:, length] = kernel_state.position
        scaling, lamb, accepted_sum = state.scaling, state.lamb, state.accepted_sum
        if iteration < self.tune:
            accepted_sum = accepted_sum + kernel_state.accepted
            if (iteration + 1) % self.tune_interval == 0 and iteration + 1 < self.tune:
                rate = accepted_sum / self.tune_interval
                if self.tune_target == "scaling":
                    scaling = tune_scale(scaling, rate)
                elif self.tune_target == "lambda":
                    lamb = tune_scale(lamb, rate[:, 0])
                accepted_sum = torch.zeros_like(accepted_sum)
            if iteration == self.tune - 1:                # drop the oldest warm-up positions
                history = history[:, length + 1 - self._length_after(iteration):].clone()
        return self._state(scaling, lamb, accepted_sum, history, self._length_after(iteration))

    def params(self, state: DEMetropolisZTuningState) -> DEMetropolisZParams:
        return state.params


class DEMetropolisZ(StepMethod):
    """Differential Evolution Metropolis with a history of past draws (PyMC's ``DEMetropolisZ``).

    Parameters
    ----------
    vars : list of variables or names, optional
        Continuous variables (default: every continuous variable no other step takes).
    S : float or array, optional
        Scale of ``proposal_dist`` for the noise (default 1).
    proposal_dist : Proposal class, optional
        Default :class:`~.proposals.NormalProposal`.
    lamb : float, optional
        Jump factor; default ``2.38 / sqrt(2 k)`` for a block of ``k`` coordinates.
    scaling : float
        Initial noise scale (PyMC's default 0.001).
    tune : {"scaling", "lambda", None}
        Which of the two is tuned during warm-up.
    tune_interval : int
    tune_drop_fraction : float
        Fraction of the warm-up history dropped when warm-up ends.

    Examples
    --------
    >>> import torchbayes as tb
    >>> with tb.Model():
    ...     x = tb.Normal("x", 0.0, 1.0, shape=2)
    ...     idata = tb.sample(draws=50, tune=50, chains=2, step=DEMetropolisZ(),
    ...                       random_seed=1, progressbar=False)
    >>> idata.sample_stats["lambda"].shape
    (2, 50)

    References
    ----------
    ter Braak & Vrugt (2008); PyMC ``DEMetropolisZ``.
    """

    Info = DEMetropolisZInfo

    def __init__(self, vars=None, *, S=None, proposal_dist=None, lamb: Optional[float] = None,
                 scaling=0.001, tune: Optional[str] = "scaling", tune_interval: int = 100,
                 tune_drop_fraction: float = 0.9, blocked: Optional[bool] = None):
        super().__init__(vars, blocked=blocked)
        if tune not in _TARGETS:
            raise ValueError(f'DEMetropolisZ: tune must be one of {_TARGETS}, got {tune!r}')
        scale = 1.0 if S is None else S
        self.proposal = (proposal_dist or NormalProposal)(scale)
        self.lamb, self.scaling, self.tune = lamb, scaling, tune
        self.tune_interval, self.tune_drop_fraction = int(tune_interval), float(tune_drop_fraction)

    @staticmethod
    def competence(variable: VariableFacts) -> Competence:
        return Competence.INCOMPATIBLE if variable.discrete else Competence.COMPATIBLE

    def adaptation(self, tune: int, **sampler_settings) -> DEMetropolisZTuning:
        return DEMetropolisZTuning(tune, self.tune_interval, self.scaling, self.lamb, self.tune,
                                   self.tune_drop_fraction)

    def init(self, position: Tensor, density: Density) -> MetropolisState:
        accepted = torch.zeros(position.shape[0], 1, dtype=torch.float64, device=position.device)
        return MetropolisState(position, log_density(density, position), accepted)

    def step(self, state: MetropolisState, params: DEMetropolisZParams, density: Density,
             generator) -> tuple[MetropolisState, DEMetropolisZInfo]:
        position, logp = state.position, state.logp
        chains, size = position.shape
        noise = self.proposal.sample(position, generator) * params.scaling.to(position.dtype)
        count = params.count
        uniforms = torch.rand(2, chains, generator=generator, dtype=torch.float64,
                              device=position.device)
        # two distinct rows of this chain's history: the second skips over the first
        first = (uniforms[0] * count).long()
        second = (uniforms[1] * (count - 1).clamp(min=0)).long()
        second = second + (second >= first).long()
        last = params.history.shape[1] - 1
        rows = torch.stack((first, second), 1).clamp(max=last)[:, :, None].expand(-1, -1, size)
        picked = params.history.gather(1, rows)                              # (C, 2, k)
        jump = params.lamb.to(position.dtype)[:, None] * (picked[:, 0] - picked[:, 1])
        jump = torch.where((count > 1)[:, None], jump, 0.0)   # noise only until two rows exist
        proposal = position + jump + noise
        proposed_logp = log_density(density, proposal)
        log_ratio = proposed_logp - logp
        accept = metropolis_accept(log_ratio, generator, position)
        position = torch.where(accept[:, None], proposal, position)
        logp = torch.where(accept, proposed_logp, logp)
        info = DEMetropolisZInfo(acceptance_probability(log_ratio), accept,
                                 params.scaling.mean(1), params.lamb)
        return MetropolisState(position, logp, accept[:, None].to(torch.float64)), info
