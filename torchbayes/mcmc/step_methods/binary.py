"""Steps for binary (0/1) variables: BinaryMetropolis and BinaryGibbsMetropolis.

``BinaryMetropolis`` flips each coordinate with probability ``p_jump = 1 - 0.5 ** scaling``
and accepts the whole flip pattern at once (one density call). ``BinaryGibbsMetropolis``
visits the coordinates one at a time (a random order per chain by default) and proposes the
flip with probability ``transit_p``; each visit is one density call for all chains.

References
----------
PyMC, ``pymc/step_methods/metropolis.py`` (``BinaryMetropolis``, ``BinaryGibbsMetropolis``).
"""
from __future__ import annotations

from typing import NamedTuple, Optional

import torch
from torch import Tensor

from ..kernel import Density
from .block import (Competence, StepBlock, StepMethod, VariableFacts, check_order, log_density,
                    metropolis_accept, visiting_order)
from .metropolis import MetropolisState, acceptance_probability
from .tuning import ScaleParams, ScaleTuning

__all__ = ["BinaryGibbsMetropolis", "BinaryGibbsMetropolisInfo", "BinaryGibbsMetropolisState",
           "BinaryMetropolis", "BinaryMetropolisInfo"]


class BinaryMetropolisInfo(NamedTuple):
    """PyMC's statistics, ``(C,)`` float64."""

    accept: Tensor      # acceptance probability min(1, ratio)
    p_jump: Tensor      # mean flip probability of a coordinate


class BinaryMetropolis(StepMethod):
    """Metropolis for binary variables: flip coordinates at random, accept jointly.

    Parameters
    ----------
    vars : list of variables or names
    scaling : float
        ``p_jump = 1 - 0.5 ** scaling``; tuned during warm-up when ``tune``.
    tune : bool
        Tune ``scaling`` every ``tune_interval`` steps with PyMC's rule (PyMC declares this
        setting but leaves ``scaling`` unchanged; here it is applied).
    tune_interval : int

    Examples
    --------
    >>> density = lambda x: ((x * 0.5).sum(-1), torch.zeros_like(x))
    >>> step = BinaryMetropolis()
    >>> state = step.init(torch.zeros(4, 3, dtype=torch.float64), density)
    >>> params = ScaleParams(torch.ones(4, 3, dtype=torch.float64))
    >>> state, info = step.step(state, params, density, torch.Generator().manual_seed(0))
    >>> sorted(set(state.position.flatten().tolist())) in ([0.0], [1.0], [0.0, 1.0])
    True
    """

    Info = BinaryMetropolisInfo

    def __init__(self, vars=None, *, scaling: float = 1.0, tune: bool = True,
                 tune_interval: int = 100, blocked: Optional[bool] = None):
        super().__init__(vars, blocked=blocked)
        self.scaling, self.tune, self.tune_interval = scaling, bool(tune), int(tune_interval)

    @staticmethod
    def competence(variable: VariableFacts) -> Competence:
        return Competence.COMPATIBLE if variable.binary else Competence.INCOMPATIBLE

    def adaptation(self, tune: int, **sampler_settings) -> ScaleTuning:
        return ScaleTuning(tune, self.tune_interval, self.scaling, enabled=self.tune)

    def init(self, position: Tensor, density: Density) -> MetropolisState:
        accepted = torch.zeros(position.shape[0], 1, dtype=torch.float64, device=position.device)
        return MetropolisState(position, log_density(density, position), accepted)

    def step(self, state: MetropolisState, params: ScaleParams, density: Density,
             generator) -> tuple[MetropolisState, BinaryMetropolisInfo]:
        position, logp = state.position, state.logp
        p_jump = 1.0 - 0.5 ** params.scaling.to(position.dtype)          # (C, k)
        flip = torch.rand(position.shape, generator=generator, dtype=position.dtype,
                          device=position.device) < p_jump
        proposal = torch.where(flip, 1.0 - position, position)
        proposed_logp = log_density(density, proposal)
        log_ratio = proposed_logp - logp
        accept = metropolis_accept(log_ratio, generator, position)
        position = torch.where(accept[:, None], proposal, position)
        logp = torch.where(accept, proposed_logp, logp)
        info = BinaryMetropolisInfo(acceptance_probability(log_ratio),
                                    p_jump.to(torch.float64).mean(1))
        return MetropolisState(position, logp, accept[:, None].to(torch.float64)), info


class BinaryGibbsMetropolisState(NamedTuple):
    position: Tensor    # (C, k)
    logp: Tensor        # (C,)


class BinaryGibbsMetropolisInfo(NamedTuple):
    """PyMC reports no statistics for this step."""


class BinaryGibbsMetropolis(StepMethod):
    """Metropolis-within-Gibbs for binary variables, one coordinate at a time.

    Parameters
    ----------
    vars : list of variables or names
    order : "random" or list of int
        Visiting order of the coordinates; ``"random"`` draws a permutation per chain and step.
    transit_p : float
        Probability of proposing the flip at a visit (PyMC's default 0.8; above 0.5 the moves
        are anticorrelated, which helps).

    Examples
    --------
    >>> density = lambda x: ((x * 2.0).sum(-1), torch.zeros_like(x))
    >>> step = BinaryGibbsMetropolis()
    >>> state = step.init(torch.zeros(4, 2, dtype=torch.float64), density)
    >>> state, info = step.step(state, None, density, torch.Generator().manual_seed(0))
    >>> state.position.shape
    torch.Size([4, 2])

    References
    ----------
    PyMC ``BinaryGibbsMetropolis``.
    """

    Info = BinaryGibbsMetropolisInfo

    def __init__(self, vars=None, *, order="random", transit_p: float = 0.8,
                 blocked: Optional[bool] = None):
        super().__init__(vars, blocked=blocked)
        if not 0.0 <= transit_p <= 1.0:
            raise ValueError(f"BinaryGibbsMetropolis: transit_p must be in [0, 1], got {transit_p}")
        order = order if isinstance(order, str) else [int(i) for i in order]
        check_order(order, 0 if isinstance(order, str) else len(order), "BinaryGibbsMetropolis")
        self.order, self.transit_p = order, float(transit_p)

    @staticmethod
    def competence(variable: VariableFacts) -> Competence:
        return Competence.IDEAL if variable.binary else Competence.INCOMPATIBLE

    def bind(self, block: StepBlock, vars):
        check_order(self.order, block.indices.numel(), "BinaryGibbsMetropolis")
        return super().bind(block, vars)

    def init(self, position: Tensor, density: Density) -> BinaryGibbsMetropolisState:
        return BinaryGibbsMetropolisState(position, log_density(density, position))

    def step(self, state: BinaryGibbsMetropolisState, params, density: Density,
             generator) -> tuple[BinaryGibbsMetropolisState, BinaryGibbsMetropolisInfo]:
        position, logp = state.position, state.logp
        chains, size = position.shape
        order = visiting_order(self.order, chains, size, generator, position)
        uniforms = torch.rand(2, chains, size, generator=generator, dtype=position.dtype,
                              device=position.device)
        propose = uniforms[0] < self.transit_p
        log_uniform = uniforms[1].log()
        for j in range(size):
            index = order[:, j:j + 1]
            candidate = position.scatter(1, index, 1.0 - position.gather(1, index))
            candidate_logp = log_density(density, candidate)
            accept = propose[:, j] & (log_uniform[:, j] < candidate_logp - logp)
            position = torch.where(accept[:, None], candidate, position)
            logp = torch.where(accept, candidate_logp, logp)
        return BinaryGibbsMetropolisState(position, logp), BinaryGibbsMetropolisInfo()
