"""Gradient-based diagonal mass matrix (nutpie): minimise the Fisher divergence.

For a diagonal affine preconditioner the Fisher divergence between the transformed posterior
and a standard normal is minimised by ``inverse_mass_matrix = sqrt(var(draws) / var(grads))``,
where ``grads`` are the log-density gradients at the draws. For a Gaussian target both
variances are exact functions of the scale (``var(x) = s^2``, ``var(grad) = 1 / s^2``), so the
estimate converges much faster than ``var(draws)`` alone. Two estimates run side by side: the
foreground sets the mass matrix; the background, younger one replaces it on the schedule's
``window_end`` iterations so early transients are forgotten. See ``docs/notes/adaptation.md``.

References
----------
Seyboldt, A., Carlson, E. L., Carpenter, B. (2026). Preconditioning Hamiltonian Monte Carlo by
minimizing Fisher divergence. arXiv:2603.18845; nutpie / nuts-rs ``mass_matrix/adapt.rs``.
"""
from __future__ import annotations

from typing import NamedTuple, Optional

import torch
from torch import Tensor

from .welford import WelfordState, welford_final, welford_init, welford_update

__all__ = ["FisherState", "fisher_init", "fisher_update", "fisher_switch", "fisher_final",
           "fisher_initial_inverse_mass_matrix"]

# nutpie clamps the estimate to [1e-20, 1e20]; non-finite entries keep their previous value.
_LOWER, _UPPER = 1e-20, 1e20


class FisherState(NamedTuple):
    """Foreground and background running variances of draws and gradients (float64)."""

    draws: WelfordState
    grads: WelfordState
    background_draws: WelfordState
    background_grads: WelfordState


def fisher_initial_inverse_mass_matrix(logp_grad: Tensor) -> Tensor:
    """nutpie's starting point ``1 / |grad|``, shape ``(C, d)`` float64, clamped, 1 where the
    gradient is 0 or non-finite.

    Examples
    --------
    >>> fisher_initial_inverse_mass_matrix(torch.tensor([[2.0, 0.0]]))
    tensor([[0.5000, 1.0000]], dtype=torch.float64)
    """
    magnitude = logp_grad.to(torch.float64).abs()
    scale = magnitude.reciprocal()
    valid = torch.isfinite(magnitude) & (magnitude > 0)
    return torch.where(valid, scale.clamp(_LOWER, _UPPER), torch.ones_like(scale))


def fisher_init(position: Tensor, logp_grad: Tensor) -> FisherState:
    """Estimators seeded with the initial point, as nutpie does.

    Parameters
    ----------
    position, logp_grad : Tensor, shape (C, d)

    Examples
    --------
    >>> fisher_init(torch.zeros(4, 3), torch.ones(4, 3)).draws.count
    tensor([1., 1., 1., 1.], dtype=torch.float64)
    """
    chains, dim = position.shape
    empty = welford_init(chains, dim, device=position.device)
    draws = welford_update(empty, position)
    grads = welford_update(empty, logp_grad)
    return FisherState(draws, grads, draws, grads)


def fisher_update(state: FisherState, position: Tensor, logp_grad: Tensor,
                  mask: Optional[Tensor] = None) -> FisherState:
    """Add one draw and its gradient per chain to both estimates.

    Parameters
    ----------
    position, logp_grad : Tensor, shape (C, d)
    mask : Tensor, shape (C,), bool, optional
        Chains to update (the driver leaves out divergent or non-finite transitions).

    Examples
    --------
    >>> state = fisher_init(torch.zeros(1, 2), torch.ones(1, 2))
    >>> fisher_update(state, torch.ones(1, 2), -torch.ones(1, 2)).background_draws.count
    tensor([2.], dtype=torch.float64)
    """
    return FisherState(
        welford_update(state.draws, position, mask),
        welford_update(state.grads, logp_grad, mask),
        welford_update(state.background_draws, position, mask),
        welford_update(state.background_grads, logp_grad, mask),
    )


def fisher_switch(state: FisherState) -> FisherState:
    """Promote the background estimate to the foreground and start an empty background.

    Examples
    --------
    >>> state = fisher_switch(fisher_init(torch.zeros(2, 3), torch.ones(2, 3)))
    >>> state.background_draws.count
    tensor([0., 0.], dtype=torch.float64)
    """
    chains, dim = state.draws.mean.shape
    empty = welford_init(chains, dim, device=state.draws.mean.device)
    return FisherState(state.background_draws, state.background_grads, empty, empty)


def fisher_final(state: FisherState, previous: Tensor, min_count: int = 3) -> Tensor:
    """``sqrt(var(draws) / var(grads))`` of the foreground, shape ``(C, d)`` float64.

    Chains with fewer than ``min_count`` draws in the foreground, and entries that are not
    finite and positive, keep ``previous``.

    Examples
    --------
    >>> x = torch.tensor([[-2.0], [0.0], [2.0]])          # draws of N(0, 2^2): grad = -x / 4
    >>> state = fisher_init(x[:1], -x[:1] / 4)
    >>> for row in x[1:]:
    ...     state = fisher_update(state, row[None], -row[None] / 4)
    >>> fisher_final(state, torch.ones(1, 1, dtype=torch.float64))
    tensor([[4.]], dtype=torch.float64)
    """
    draw_var = welford_final(state.draws, regularize=False)
    grad_var = welford_final(state.grads, regularize=False)
    estimate = (draw_var / grad_var).sqrt()
    valid = torch.isfinite(estimate) & (estimate > 0) & (state.draws.count >= min_count)[:, None]
    return torch.where(valid, estimate.clamp(_LOWER, _UPPER), previous)
