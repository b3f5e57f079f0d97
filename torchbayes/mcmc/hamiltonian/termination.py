"""The generalised no-U-turn criterion, with Stan's checks across merged subtrees.

A span of leaves with momentum sum ``rho`` keeps going while both of its end velocities
(``p_sharp = M^{-1} p``) still point along ``rho``: ``v_first . rho > 0`` and
``v_last . rho > 0`` (Betancourt 2017, A.4.2). Since Stan 2.26 a merge of two spans ``a`` then
``b`` (in build order) is also checked on ``a`` plus the first leaf of ``b`` and on the last
leaf of ``a`` plus ``b``, which catches U-turns that fall between two subtrees. The criterion
is symmetric in its two ends, so build order works for either direction in time.

Inside a block of leaves integrated in lockstep, every check of every complete sub-span is
known ahead (it depends on the leaf index only), so :func:`block_plan` lists them once on the
host and :func:`first_turning_leaf` evaluates all of them in a handful of batched operations.

References
----------
Betancourt, M. (2017). A Conceptual Introduction to Hamiltonian Monte Carlo. arXiv:1701.02434.
Stan Development Team. ``stan/mcmc/hmc/nuts/base_nuts.hpp`` (``compute_criterion``, the
extra checks added in Stan 2.26).
"""
from __future__ import annotations

import functools
from typing import NamedTuple

import torch
from torch import Tensor

__all__ = ["BlockPlan", "block_plan", "first_turning_leaf", "merged_no_u_turn"]


def merged_no_u_turn(first_velocity: Tensor, last_momentum_a: Tensor, last_velocity_a: Tensor,
                     rho_a: Tensor, first_momentum_b: Tensor, first_velocity_b: Tensor,
                     last_velocity_b: Tensor, rho_b: Tensor) -> tuple[Tensor, Tensor]:
    """Whether span ``a`` followed by span ``b`` (build order) still satisfies the criterion.

    Three checks, each on both ends: the merged span; ``a`` plus the first leaf of ``b``;
    the last leaf of ``a`` plus ``b``.

    Parameters
    ----------
    first_velocity : Tensor
        ``(C, d)`` velocity at the first leaf of ``a`` (the merged span's first leaf).
    last_momentum_a, last_velocity_a : Tensor
        ``(C, d)`` momentum and velocity at the last leaf of ``a``.
    rho_a, rho_b : Tensor
        ``(C, d)`` momentum sums of ``a`` and ``b``.
    first_momentum_b, first_velocity_b, last_velocity_b : Tensor
        ``(C, d)`` at the first and last leaves of ``b``.

    Returns
    -------
    keep_going : Tensor
        ``(C,)`` bool, False where a U-turn (or a NaN) was found.
    rho : Tensor
        ``(C, d)`` momentum sum of the merged span.

    Examples
    --------
    >>> one = torch.ones(1, 2)
    >>> merged_no_u_turn(one, one, one, one, one, one, one, one)[0]
    tensor([True])
    """
    rho = rho_a + rho_b
    starts = torch.stack((first_velocity, first_velocity, last_velocity_a))
    ends = torch.stack((last_velocity_b, first_velocity_b, last_velocity_b))
    sums = torch.stack((rho, rho_a + first_momentum_b, rho_b + last_momentum_a))
    both = torch.linalg.vecdot(torch.stack((starts, ends)), sums)     # (2, 3, C)
    # amin keeps a NaN, and NaN > 0 is False: a NaN trajectory stops
    return both.flatten(0, 1).amin(0) > 0, rho


class BlockPlan(NamedTuple):
    """Every U-turn check inside a block of ``L`` leaves, as index tensors.

    Attributes
    ----------
    spans : Tensor
        ``(K, L)`` 0/1 matrix: row ``k`` sums the momenta of check ``k``'s span.
    ends : Tensor
        ``(2K,)`` leaf index of each check's first end, then of each check's last end.
    leaf : Tensor
        ``(K, 1)`` the leaf after which check ``k`` can be made (its span's last leaf).
    """

    spans: Tensor
    ends: Tensor
    leaf: Tensor


@functools.lru_cache(maxsize=64)
def block_plan(n_leaves: int, dtype: torch.dtype, device: torch.device) -> BlockPlan:
    """The checks of every complete power-of-two span inside a block of ``n_leaves``.

    After leaf ``n`` (odd), the spans that end there have sizes ``2, 4, ..., 2^t`` where
    ``t`` counts the trailing one bits of ``n`` (7 = 0b111 closes spans of 2, 4 and 8).
    A span ``[s, n]`` whose halves meet at ``m`` is checked on ``[s, n]``, and when its halves
    are longer than one leaf also on ``[s, m]`` and ``[m - 1, n]``.

    Examples
    --------
    >>> plan = block_plan(4, torch.float64, torch.device("cpu"))
    >>> plan.leaf.flatten().tolist()
    [1, 3, 3, 3, 3]
    """
    starts, stops, firsts, lasts, leaves = [], [], [], [], []

    def check(first: int, last: int, leaf: int) -> None:
        starts.append(first)
        stops.append(last)
        firsts.append(first)
        lasts.append(last)
        leaves.append(leaf)

    for n in range(1, n_leaves, 2):
        size = 2
        while (n + 1) % size == 0:
            s, m = n - size + 1, n - size // 2 + 1
            check(s, n, n)
            if size > 2:
                check(s, m, n)
                check(m - 1, n, n)
            size *= 2
    spans = torch.zeros(len(leaves), n_leaves, dtype=dtype)
    for k, (s, e) in enumerate(zip(starts, stops)):
        spans[k, s:e + 1] = 1.0
    return BlockPlan(spans.to(device),
                     torch.tensor(firsts + lasts, device=device),
                     torch.tensor(leaves, device=device).unsqueeze(1))


def first_turning_leaf(momenta: Tensor, velocities: Tensor, plan: BlockPlan) -> Tensor:
    """The first leaf of a block after which some span U-turns, per chain.

    Parameters
    ----------
    momenta, velocities : Tensor
        ``(L, C, d)`` at the block's leaves, in build order.
    plan : BlockPlan
        ``block_plan(L, ...)``.

    Returns
    -------
    Tensor
        ``(C,)`` long; ``L`` where no span of the block turns.

    Examples
    --------
    >>> p = torch.tensor([1.0, 1.0, -1.0, -1.0]).reshape(4, 1, 1)
    >>> first_turning_leaf(p, p, block_plan(4, p.dtype, p.device))
    tensor([3])
    """
    n_leaves, chains = momenta.shape[:2]
    rho = (plan.spans @ momenta.reshape(n_leaves, -1)).view(-1, chains, momenta.shape[-1])
    ends = velocities.index_select(0, plan.ends).unflatten(0, (2, -1))
    keep_going = torch.linalg.vecdot(ends, rho).amin(0) > 0              # (K, C)
    return torch.where(keep_going, n_leaves, plan.leaf).amin(0)
