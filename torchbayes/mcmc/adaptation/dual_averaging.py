"""Dual averaging of the log step size (Hoffman & Gelman 2014, with Stan's constants).

The step size is tuned so that the kernel's mean acceptance statistic approaches
``target_accept``. Every chain has its own step size; all arithmetic is float64 so a float32
model does not drift its adaptation. See ``docs/notes/adaptation.md``.

References
----------
Hoffman, M. D. and Gelman, A. (2014). The No-U-Turn Sampler. JMLR 15, algorithm 5.
Nesterov, Y. (2009). Primal-dual subgradient methods for convex problems.
Stan Reference Manual, "HMC algorithm parameters: step size adaptation".
"""
from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor

__all__ = [
    "DualAveragingState",
    "dual_averaging_init",
    "dual_averaging_update",
    "dual_averaging_restart",
    "dual_averaging_final",
]

# Stan's defaults: gamma (shrinkage towards mu), t0 (early-iteration damping), kappa (decay
# of the weight of new iterates in the running average).
GAMMA = 0.05
T0 = 10.0
KAPPA = 0.75


class DualAveragingState(NamedTuple):
    """Per-chain dual-averaging state; every field is float64 with shape ``(C,)``."""

    log_step_size: Tensor       # x_t: the iterate used for the next transition
    log_step_size_bar: Tensor   # x_bar_t: weighted average of the iterates (the final answer)
    error_bar: Tensor           # H_bar_t: running mean of (target_accept - acceptance)
    mu: Tensor                  # shrinkage point, log(10 * initial step size)
    count: Tensor               # t: updates since the last restart


def dual_averaging_init(step_size: Tensor) -> DualAveragingState:
    """Start dual averaging at ``step_size`` with ``mu = log(10 * step_size)``.

    Parameters
    ----------
    step_size : Tensor, shape (C,)
        Initial step size of each chain (any float dtype; stored as float64).

    Returns
    -------
    DualAveragingState

    Examples
    --------
    >>> da = dual_averaging_init(torch.full((4,), 0.1))
    >>> dual_averaging_final(dual_averaging_update(da, torch.full((4,), 0.9))).shape
    torch.Size([4])
    """
    log_step_size = torch.as_tensor(step_size, dtype=torch.float64).log()
    zeros = torch.zeros_like(log_step_size)
    return DualAveragingState(
        log_step_size=log_step_size,
        log_step_size_bar=zeros,
        error_bar=zeros,
        mu=log_step_size + math.log(10.0),
        count=zeros,
    )


def dual_averaging_restart(state: DualAveragingState, step_size: Tensor) -> DualAveragingState:
    """Restart from ``step_size`` (Stan does this after each mass-matrix update).

    Examples
    --------
    >>> da = dual_averaging_restart(dual_averaging_init(torch.ones(2)), torch.full((2,), 0.5))
    >>> da.count
    tensor([0., 0.], dtype=torch.float64)
    """
    return dual_averaging_init(step_size.to(state.log_step_size))


def dual_averaging_update(
    state: DualAveragingState,
    acceptance_rate: Tensor,
    target_accept: float = 0.8,
    *,
    gamma: float = GAMMA,
    t0: float = T0,
    kappa: float = KAPPA,
) -> DualAveragingState:
    r"""One dual-averaging step from the last transition's acceptance statistic.

    .. math::
        \bar H_t = (1 - \tfrac{1}{t + t_0}) \bar H_{t-1} + \tfrac{1}{t + t_0}(\delta - \alpha_t),\quad
        x_t = \mu - \tfrac{\sqrt t}{\gamma} \bar H_t,\quad
        \bar x_t = t^{-\kappa} x_t + (1 - t^{-\kappa}) \bar x_{t-1}

    Parameters
    ----------
    state : DualAveragingState
    acceptance_rate : Tensor, shape (C,)
        Mean acceptance statistic of the last transition. Values above 1 are clipped and
        non-finite values (a divergence's NaN) count as 0, as in Stan.
    target_accept : float
        The acceptance rate to reach, ``delta``.

    Returns
    -------
    DualAveragingState

    Examples
    --------
    >>> da = dual_averaging_update(dual_averaging_init(torch.ones(1)), torch.zeros(1))
    >>> bool(da.log_step_size < da.mu)  # too few acceptances: the step size shrinks
    True
    """
    accept = acceptance_rate.to(torch.float64)
    accept = torch.where(torch.isfinite(accept), accept, torch.zeros_like(accept)).clamp(0.0, 1.0)
    count = state.count + 1.0
    eta = 1.0 / (count + t0)
    error_bar = (1.0 - eta) * state.error_bar + eta * (target_accept - accept)
    log_step_size = state.mu - error_bar * count.sqrt() / gamma
    weight = count.pow(-kappa)
    log_step_size_bar = weight * log_step_size + (1.0 - weight) * state.log_step_size_bar
    return DualAveragingState(log_step_size, log_step_size_bar, error_bar, state.mu, count)


def dual_averaging_final(state: DualAveragingState) -> Tensor:
    """The tuned step size ``exp(log_step_size_bar)``, shape ``(C,)`` float64.

    Examples
    --------
    >>> da = dual_averaging_update(dual_averaging_init(torch.ones(3)), torch.full((3,), 0.8))
    >>> dual_averaging_final(da).round(decimals=4)  # on target: stays at mu = log(10 * step_size)
    tensor([10., 10., 10.], dtype=torch.float64)
    """
    return state.log_step_size_bar.exp()
