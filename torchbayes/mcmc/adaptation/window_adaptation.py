"""Window adaptation: the step size and inverse mass matrix that the driver hands a kernel.

Combines :mod:`dual_averaging` (step size) with a mass-matrix estimator on a schedule from
:mod:`schedule`: Stan's windowed variance (``metric="diag"``) or covariance (``"dense"``), or
nutpie's gradient-based diagonal (``"fisher"``). Settings are frozen on the object; everything
that changes is in :class:`WindowAdaptationState`, so a checkpoint is that tuple. ``update`` is
pure tensor arithmetic (float64) and branches only on the host-side schedule. See
``docs/notes/adaptation.md``.

References
----------
Stan Reference Manual, "HMC algorithm parameters"; ``stan/mcmc/hmc/nuts/adapt_diag_e_nuts.hpp``.
BlackJAX ``window_adaptation``. Seyboldt et al. (2026), arXiv:2603.18845 (nutpie).
"""
from __future__ import annotations

from typing import NamedTuple, Optional, Union

import torch
from torch import Tensor

from ..hamiltonian.metrics import HMCParams
from .dual_averaging import (DualAveragingState, dual_averaging_init, dual_averaging_restart,
                             dual_averaging_update)
from .fisher import (FisherState, fisher_final, fisher_init, fisher_initial_inverse_mass_matrix,
                     fisher_switch, fisher_update)
from .schedule import AdaptationSchedule, fisher_schedule, stan_schedule
from .welford import WelfordState, welford_final, welford_init, welford_pool, welford_update

__all__ = ["WindowAdaptation", "WindowAdaptationState"]

_METRICS = ("diag", "dense", "fisher")


class WindowAdaptationState(NamedTuple):
    """Everything window adaptation changes while tuning."""

    dual_averaging: DualAveragingState
    estimator: Union[WelfordState, FisherState]
    inverse_mass_matrix: Tensor   # float64, (C, d) or (C, d, d)
    params: HMCParams             # step size and inverse mass matrix in the model's dtype


class WindowAdaptation:
    """Stan-style warm-up of step size and mass matrix for Hamiltonian kernels.

    Parameters
    ----------
    tune : int
        Number of tuning iterations; ``update`` is a no-op from iteration ``tune`` on.
    metric : {"diag", "dense", "fisher"}
        Stan's windowed variance, windowed covariance, or nutpie's gradient-based diagonal.
    target_accept : float
        Acceptance statistic that dual averaging aims for.
    initial_step_size : float or Tensor (C,), optional
        Defaults to PyMC's ``0.25 / d ** 0.25``.
    init_buffer, term_buffer, base_window : int
        Stan's window settings (used by ``"diag"`` and ``"dense"``).
    pool_chains : bool, optional
        Estimate the mass matrix from the draws of all chains together (one metric for the
        batch) instead of each chain's own. Default: pooled for ``"dense"``, where one chain's
        short window cannot estimate a d x d covariance (rank-deficient below d draws), and
        per chain for ``"diag"``, as Stan does.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> adaptation = WindowAdaptation(tune=100)
    >>> kernel_state = SimpleNamespace(position=torch.zeros(4, 2), logp_grad=torch.zeros(4, 2))
    >>> state = adaptation.init(kernel_state)
    >>> info = SimpleNamespace(acceptance_rate=torch.full((4,), 0.9), diverging=torch.zeros(4, dtype=torch.bool))
    >>> state = adaptation.update(state, kernel_state, info, iteration=0)
    >>> adaptation.params(state).inverse_mass_matrix.shape
    torch.Size([4, 2])
    """

    def __init__(self, tune: int, *, metric: str = "diag", target_accept: float = 0.8,
                 initial_step_size: Optional[Union[float, Tensor]] = None,
                 init_buffer: int = 75, term_buffer: int = 50, base_window: int = 25,
                 pool_chains: Optional[bool] = None):
        if metric not in _METRICS:
            raise ValueError(f"metric must be one of {_METRICS}, got {metric!r}")
        if not 0.0 < target_accept < 1.0:
            raise ValueError(f"target_accept must be in (0, 1), got {target_accept}")
        self.tune = int(tune)
        self.metric = metric
        self.target_accept = float(target_accept)
        self.initial_step_size = initial_step_size
        self.pool_chains = metric == "dense" if pool_chains is None else bool(pool_chains)
        if metric == "fisher":
            self.schedule: AdaptationSchedule = fisher_schedule(self.tune)
        else:
            self.schedule = stan_schedule(self.tune, init_buffer=init_buffer,
                                          term_buffer=term_buffer, base_window=base_window)
        # Python lists: the driver's per-iteration branch must not touch a tensor.
        self._slow = self.schedule.slow.tolist()
        self._window_end = self.schedule.window_end.tolist()

    def init(self, kernel_state) -> WindowAdaptationState:
        """Initial step size, unit (or nutpie's ``1/|grad|``) inverse mass matrix, empty estimators.

        Parameters
        ----------
        kernel_state : NamedTuple with ``position`` (C, d) and ``logp_grad`` (C, d)
        """
        position = kernel_state.position
        chains, dim = position.shape
        device, dtype = position.device, position.dtype
        if self.initial_step_size is None:
            step_size = torch.full((chains,), 0.25 / dim ** 0.25, dtype=torch.float64, device=device)
        else:
            step_size = torch.as_tensor(self.initial_step_size, dtype=torch.float64,
                                        device=device).expand(chains).clone()
        if self.metric == "fisher":
            inverse_mass_matrix = fisher_initial_inverse_mass_matrix(kernel_state.logp_grad)
            estimator = fisher_init(position, kernel_state.logp_grad)
        else:
            dense = self.metric == "dense"
            ones = torch.ones(chains, dim, dtype=torch.float64, device=device)
            inverse_mass_matrix = torch.diag_embed(ones) if dense else ones
            estimator = welford_init(chains, dim, dense=dense, device=device)
        return WindowAdaptationState(
            dual_averaging=dual_averaging_init(step_size),
            estimator=estimator,
            inverse_mass_matrix=inverse_mass_matrix,
            params=HMCParams(step_size.to(dtype), inverse_mass_matrix.to(dtype)),
        )

    def update(self, state: WindowAdaptationState, kernel_state, info,
               iteration: int) -> WindowAdaptationState:
        """Learn from transition ``iteration`` (0-based); returns ``state`` itself once tuned.

        Parameters
        ----------
        state : WindowAdaptationState
        kernel_state : NamedTuple with ``position`` and ``logp_grad``, shape (C, d)
        info : NamedTuple with ``acceptance_rate`` (C,) (and ``diverging`` for ``"fisher"``)
        iteration : int
        """
        if iteration >= self.tune:
            return state
        dual_averaging = dual_averaging_update(state.dual_averaging, info.acceptance_rate,
                                               self.target_accept)
        estimator, inverse_mass_matrix = state.estimator, state.inverse_mass_matrix
        if self.metric == "fisher":
            estimator, inverse_mass_matrix = self._fisher(estimator, inverse_mass_matrix,
                                                          kernel_state, info, iteration)
        else:
            if self._slow[iteration]:
                estimator = welford_update(estimator, kernel_state.position)
            if self._window_end[iteration]:
                inverse_mass_matrix = welford_final(
                    welford_pool(estimator) if self.pool_chains else estimator)
                chains, dim = kernel_state.position.shape
                estimator = welford_init(chains, dim, dense=self.metric == "dense",
                                         device=inverse_mass_matrix.device)
                # Stan restarts dual averaging with mu = log(10 * step size) for the new
                # metric; without its doubling heuristic we restart from the running average.
                dual_averaging = dual_averaging_restart(
                    dual_averaging, dual_averaging.log_step_size_bar.exp())
        if iteration == self.tune - 1:
            step_size = dual_averaging.log_step_size_bar.exp()
        else:
            step_size = dual_averaging.log_step_size.exp()
        dtype = state.params.step_size.dtype
        params = HMCParams(step_size.to(dtype), inverse_mass_matrix.to(dtype))
        return WindowAdaptationState(dual_averaging, estimator, inverse_mass_matrix, params)

    def _fisher(self, estimator: FisherState, inverse_mass_matrix: Tensor, kernel_state, info,
                iteration: int) -> tuple[FisherState, Tensor]:
        if not self._slow[iteration]:
            return estimator, inverse_mass_matrix
        # Divergent or non-finite transitions would poison both variances; nutpie skips them.
        good = torch.isfinite(kernel_state.logp_grad).all(-1) & torch.isfinite(
            kernel_state.position).all(-1) & ~info.diverging.to(torch.bool)
        estimator = fisher_update(estimator, kernel_state.position, kernel_state.logp_grad, good)
        if self._window_end[iteration]:
            estimator = fisher_switch(estimator)
        # nutpie refreshes the diagonal after every draw from the (growing) foreground estimate.
        return estimator, fisher_final(estimator, inverse_mass_matrix)

    def params(self, state: WindowAdaptationState) -> HMCParams:
        """The kernel's tuned parameters (model dtype)."""
        return state.params

    def step_size_bar(self, state: WindowAdaptationState) -> Tensor:
        """The dual-averaging average ``exp(log_step_size_bar)``, shape ``(C,)`` float64."""
        return state.dual_averaging.log_step_size_bar.exp()
