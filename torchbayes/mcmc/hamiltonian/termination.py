"""The generalised no-U-turn criterion, with Stan's checks across merged subtrees.

A span of leaves with momentum sum ``rho`` keeps going while both of its end velocities
(``p_sharp = M^{-1} p``) still point along ``rho``: ``v_first . rho > 0`` and
``v_last . rho > 0`` (Betancourt 2017, A.4.2). Since Stan 2.26 a merge of two spans ``a`` then
``b`` (in build order) is also checked on ``a`` plus the first leaf of ``b`` and on the last
leaf of ``a`` plus ``b``, which catches U-turns that fall between two subtrees. The criterion
is symmetric in its two ends, so build order works for either direction in time.

Inside a block of leaves integrated in lockstep, every check of every complete sub-span is
known ahead (it depends on the leaf index only), so :func:`block_plan` lists them once on the
host and :func:`block_checks` evaluates all of them in a handful of batched operations. When
a block is a whole subtree, the checks of its merge with the trajectory join the same batch.

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

__all__ = ["BlockPlan", "block_checks", "block_plan", "merged_no_u_turn"]


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
    """Every U-turn check of a block of ``L`` leaves, as matrices and index tensors.

    The rows a plan acts on are the block's leaf momenta, then (when the block is a whole
    subtree joining the trajectory) three pseudo-leaves: the trajectory's momentum sum, its
    momentum at the end the subtree grows from ("near") and at the other end ("far").

    Attributes
    ----------
    spans : Tensor
        ``(K + 1, rows)`` 0/1: row ``k < K`` sums the momenta of check ``k``'s span; the last
        row is the momentum sum of the block (of the merged trajectory with ``top``).
    ends : Tensor
        ``(2K,)`` row index of each check's first end, then of each check's last end.
    event_leaf : Tensor
        ``(K + L, 1)`` the leaf each check, then each divergence test, ends the chain at
        (``L``, never, for the merge checks); ``(L, 1)`` without inside checks.
    leaves : Tensor
        ``(L, 1)`` the leaf indices.
    n_inside : int
        Checks inside the block (the first ``n_inside`` of the ``K``); the rest are the
        checks of the merge with the trajectory.
    n_checks : int
        ``K``.
    """

    spans: Tensor
    ends: Tensor
    event_leaf: Tensor
    leaves: Tensor
    n_inside: int
    n_checks: int


@functools.lru_cache(maxsize=128)
def block_plan(n_leaves: int, top_checks: int, dtype: torch.dtype,
               device: torch.device) -> BlockPlan:
    """The checks of every complete power-of-two span inside a block of ``n_leaves``.

    After leaf ``n`` (odd), the spans that end there have sizes ``2, 4, ..., 2^t`` where
    ``t`` counts the trailing one bits of ``n`` (7 = 0b111 closes spans of 2, 4 and 8).
    A span ``[s, n]`` whose halves meet at ``m`` is checked on ``[s, n]``, and when its halves
    are longer than one leaf also on ``[s, m]`` and ``[m - 1, n]``.

    Parameters
    ----------
    n_leaves : int
        ``L``, a power of two.
    top_checks : int
        0 for a block inside a larger subtree; 1 or 3 when the block is a whole subtree that
        joins the trajectory: the merged span, and (3) the trajectory plus the subtree's
        first leaf and the trajectory's near end plus the subtree. With a one-point
        trajectory (the first doubling) the three coincide and 1 suffices.

    Examples
    --------
    >>> plan = block_plan(4, 0, torch.float64, torch.device("cpu"))
    >>> plan.event_leaf.flatten().tolist()
    [1, 3, 3, 3, 3, 0, 1, 2, 3]
    """
    trajectory, near, far = n_leaves, n_leaves + 1, n_leaves + 2
    rows = n_leaves + (3 if top_checks else 0)
    spans, firsts, lasts, leaves = [], [], [], []

    def check(members: list[int], first: int, last: int) -> None:
        spans.append(members)
        firsts.append(first)
        lasts.append(last)

    for n in range(1, n_leaves, 2):
        size = 2
        while (n + 1) % size == 0:
            s, m = n - size + 1, n - size // 2 + 1
            check(list(range(s, n + 1)), s, n)
            leaves.append(n)
            if size > 2:
                check(list(range(s, m + 1)), s, m)
                check(list(range(m - 1, n + 1)), m - 1, n)
                leaves += [n, n]
            size *= 2
    n_inside = len(leaves)
    everything = list(range(n_leaves))
    if top_checks:
        check([trajectory] + everything, far, n_leaves - 1)
    if top_checks == 3:
        check([trajectory, 0], far, 0)
        check([near] + everything, near, n_leaves - 1)
    spans.append(([trajectory] if top_checks else []) + everything)
    matrix = torch.zeros(len(spans), rows, dtype=dtype)
    for k, members in enumerate(spans):
        matrix[k, members] = 1.0
    n_checks = len(firsts)
    events = leaves + [n_leaves] * (n_checks - n_inside) if n_inside else []
    return BlockPlan(matrix.to(device),
                     torch.tensor(firsts + lasts, dtype=torch.long, device=device),
                     torch.tensor(events + everything, device=device).unsqueeze(1),
                     torch.tensor(everything, device=device).unsqueeze(1),
                     n_inside, n_checks)


def block_checks(momenta: Tensor, velocities: Tensor, plan: BlockPlan
                 ) -> tuple[Tensor, Tensor]:
    """Evaluate every check of a plan at once.

    Parameters
    ----------
    momenta, velocities : Tensor
        ``(rows, C, d)`` per the plan's row layout (leaves in build order, then the
        trajectory's pseudo-leaves if any).

    Returns
    -------
    keep_going : Tensor
        ``(K, C)`` bool per check, False on a U-turn or a NaN.
    rho : Tensor
        ``(C, d)`` momentum sum of the block (of the merged trajectory with top checks).

    Examples
    --------
    >>> p = torch.tensor([1.0, 1.0, -1.0, -1.0]).reshape(4, 1, 1)
    >>> block_checks(p, p, block_plan(4, 0, p.dtype, p.device))[0].flatten().tolist()
    [True, True, False, False, False]
    """
    n_rows, chains, dimension = momenta.shape
    sums = (plan.spans @ momenta.view(n_rows, -1)).view(-1, chains, dimension)
    checks, rho = sums.split((plan.n_checks, 1))
    ends = velocities.index_select(0, plan.ends).view(2, plan.n_checks, chains, dimension)
    # amin keeps a NaN, and NaN > 0 is False: a NaN trajectory stops
    return torch.linalg.vecdot(ends, checks).amin(0) > 0, rho[0]
