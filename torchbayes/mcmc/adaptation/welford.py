"""Running mean and (co)variance of per-chain draws, batched over chains, in float64.

Welford's update is numerically stable in one pass; Stan regularises the windowed estimate
towards a small multiple of the identity before using it as the inverse mass matrix:
``(n / (n + 5)) * var + 1e-3 * (5 / (n + 5))``. See ``docs/notes/adaptation.md``.

References
----------
Welford, B. P. (1962). Note on a method for calculating corrected sums of squares and products.
Stan: ``stan/math/prim/.../welford_var_estimator.hpp``, ``stan/mcmc/var_adaptation.hpp``.
"""
from __future__ import annotations

from typing import NamedTuple, Optional

import torch
from torch import Tensor

__all__ = ["WelfordState", "welford_init", "welford_update", "welford_pool", "welford_final"]

# Stan's regularisation: shrink towards 1e-3 * I with the weight of 5 pseudo-draws.
_SHRINK_COUNT = 5.0
_SHRINK_TARGET = 1e-3


class WelfordState(NamedTuple):
    """Running moments of each chain's draws, all float64.

    ``m2`` is ``(C, d)`` for a diagonal estimate and ``(C, d, d)`` for a dense one.
    """

    count: Tensor   # (C,)
    mean: Tensor    # (C, d)
    m2: Tensor      # (C, d) or (C, d, d): sum of squared deviations from the running mean


def welford_init(chains: int, dim: int, *, dense: bool = False, device=None) -> WelfordState:
    """An empty estimator for ``chains`` chains of dimension ``dim``.

    Examples
    --------
    >>> welford_init(4, 3, dense=True).m2.shape
    torch.Size([4, 3, 3])
    """
    shape = (chains, dim, dim) if dense else (chains, dim)
    return WelfordState(
        count=torch.zeros(chains, dtype=torch.float64, device=device),
        mean=torch.zeros(chains, dim, dtype=torch.float64, device=device),
        m2=torch.zeros(shape, dtype=torch.float64, device=device),
    )


def welford_update(state: WelfordState, value: Tensor, mask: Optional[Tensor] = None) -> WelfordState:
    """Add one draw per chain.

    Parameters
    ----------
    state : WelfordState
    value : Tensor, shape (C, d)
        Any float dtype; accumulated in float64.
    mask : Tensor, shape (C,), bool, optional
        Chains whose value is added; the others keep their state (used to skip non-finite draws).

    Returns
    -------
    WelfordState

    Examples
    --------
    >>> state = welford_init(1, 2)
    >>> for x in ([0.0, 1.0], [2.0, 3.0]):
    ...     state = welford_update(state, torch.tensor([x]))
    >>> welford_final(state, regularize=False)
    tensor([[2., 2.]], dtype=torch.float64)
    """
    value = value.to(torch.float64)
    count = state.count + 1.0
    delta = value - state.mean
    mean = state.mean + delta / count[:, None]
    delta_after = value - mean
    if state.m2.ndim == 3:
        m2 = state.m2 + delta[:, :, None] * delta_after[:, None, :]
    else:
        m2 = state.m2 + delta * delta_after
    if mask is None:
        return WelfordState(count, mean, m2)
    keep = mask.to(torch.bool)
    return WelfordState(
        count=torch.where(keep, count, state.count),
        mean=torch.where(keep[:, None], mean, state.mean),
        m2=torch.where(keep.view(-1, *([1] * (m2.ndim - 1))), m2, state.m2),
    )


def welford_pool(state: WelfordState) -> WelfordState:
    """Every chain's moments combined into one estimate, given back to each chain.

    Chan et al.'s parallel update: counts add, the means are count-weighted, and the squared
    deviations add with the spread of the chain means about the pooled mean. A batch of C chains
    so estimates a mass matrix from C times the draws of one window, which is what makes dense
    adaptation work in high dimension (a 25-draw window cannot estimate a 100 x 100 covariance).

    Examples
    --------
    >>> state = welford_init(2, 1)
    >>> for x in ([[0.0], [2.0]], [[1.0], [3.0]]):
    ...     state = welford_update(state, torch.tensor(x))
    >>> welford_final(welford_pool(state), regularize=False)   # var of 0, 1, 2, 3
    tensor([[1.6667],
            [1.6667]], dtype=torch.float64)
    """
    chains = state.count.shape[0]
    count = state.count.sum()
    weights = (state.count / count.clamp(min=1.0))[:, None]
    mean = (weights * state.mean).sum(0)
    spread = state.mean - mean
    if state.m2.ndim == 3:
        between = (state.count[:, None, None] * spread[:, :, None] * spread[:, None, :]).sum(0)
    else:
        between = (state.count[:, None] * spread * spread).sum(0)
    m2 = state.m2.sum(0) + between
    return WelfordState(count.expand(chains).clone(), mean.expand(chains, -1).clone(),
                        m2.expand_as(state.m2).clone())


def welford_final(state: WelfordState, *, regularize: bool = True) -> Tensor:
    """The sample variance ``(C, d)`` or covariance ``(C, d, d)`` (denominator ``n - 1``).

    Parameters
    ----------
    state : WelfordState
    regularize : bool
        Apply Stan's shrinkage ``(n / (n + 5)) * var + 1e-3 * (5 / (n + 5))`` (on the diagonal for
        the dense estimate), which keeps the estimate positive definite for short windows.

    Returns
    -------
    Tensor, float64

    Examples
    --------
    >>> state = welford_update(welford_update(welford_init(1, 1), torch.zeros(1, 1)), torch.ones(1, 1))
    >>> welford_final(state)
    tensor([[0.1436]], dtype=torch.float64)
    """
    count = state.count
    expand = (-1,) + (1,) * (state.m2.ndim - 1)
    # With fewer than two draws there is no variance; (n - 1) clamped to 1 gives m2 itself (0).
    estimate = state.m2 / (count - 1.0).clamp(min=1.0).view(expand)
    if not regularize:
        return estimate
    weight = (count / (count + _SHRINK_COUNT)).view(expand)
    shrink = (_SHRINK_TARGET * _SHRINK_COUNT / (count + _SHRINK_COUNT)).view(expand)
    if state.m2.ndim == 3:
        eye = torch.eye(state.m2.shape[-1], dtype=torch.float64, device=state.m2.device)
        return weight * estimate + shrink * eye
    return weight * estimate + shrink
