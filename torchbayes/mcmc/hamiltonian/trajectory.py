"""Building a NUTS subtree iteratively, in lockstep over chains.

A subtree of ``2^k`` leaves is integrated in blocks of ``L = min(2^k, block_size)`` leaves.
Inside a block the leapfrog is the only per-leaf work (four tensor operations and the
density); everything NUTS needs from the leaves is then computed once per block, batched over
the leaf axis: energies, divergences, every U-turn check of every complete sub-span (and,
when the block is the whole subtree, the checks of its merge with the trajectory; see
:mod:`.termination`), and the multinomial sample (:mod:`.proposal`). Blocks of a deeper
subtree merge through a binary counter, as Stan's recursion would merge them. Memory is
``O(block_size)`` leaves, whatever the depth.

Statistics over the leaves (acceptance, divergence, step counts, energy errors) need only
each leaf's log weight and whether its chain was still building when it was integrated, so
each block leaves a :class:`LeafRecord` and :func:`leaf_statistics` reduces all of them once
per transition.

A chain whose span has diverged or turned keeps being integrated with the batch (its results
are masked away); it stops costing once every chain has finished, which the caller checks on
the host once per doubling. See docs/notes/nuts.md.

References
----------
Hoffman, M. D. & Gelman, A. (2014). The No-U-Turn Sampler. JMLR 15.
Betancourt, M. (2017). A Conceptual Introduction to Hamiltonian Monte Carlo. arXiv:1701.02434.
Phan, D., Pradhan, N. & Jankowiak, M. (2019). Composable Effects for Flexible and Accelerated
Probabilistic Programming in NumPyro (iterative NUTS). arXiv:1912.11554.
"""
from __future__ import annotations

import functools
from typing import Callable, NamedTuple

import torch
from torch import Tensor

from .integrators import leapfrog
from .metrics import velocity
from .proposal import choose_later, multinomial_leaf
from .termination import block_checks, block_plan, merged_no_u_turn

__all__ = ["LeafRecord", "Span", "Subtree", "build_block", "build_subtree", "leaf_statistics",
           "merge_spans"]


class Span(NamedTuple):
    """A built span of leaves, summarised for merging; ends are in build order."""

    position: Tensor            # (C, d) the span's multinomial sample
    logp: Tensor                # (C,)
    logp_grad: Tensor           # (C, d)
    sample_log_weight: Tensor   # (C,) float64, H0 - H at the sample
    log_weight: Tensor          # (C,) float64, log sum of the leaves' exp(H0 - H)
    rho: Tensor                 # (C, d) sum of the leaves' momenta
    first_momentum: Tensor      # (C, d)
    first_velocity: Tensor      # (C, d) M^{-1} p at the first leaf (Stan's p_sharp); None
    last_momentum: Tensor       # (C, d)    for a whole subtree, whose merge checks were
    last_velocity: Tensor       # (C, d)    batched with its own
    ok: Tensor                  # (C,) bool: no divergence and no U-turn inside


class LeafRecord(NamedTuple):
    """What the statistics need from a block's leaves."""

    log_weight: Tensor          # (L, C) float64, H0 - H (NaN where the energy is NaN)
    counted: Tensor             # (L, C) bool, integrated while the chain was building


class Subtree(NamedTuple):
    """A subtree joined to the trajectory: its span and the merge's U-turn verdict."""

    span: Span
    keep_going: Tensor          # (C,) bool, the merged trajectory has not turned
    rho: Tensor                 # (C, d) momentum sum of the merged trajectory
    end: tuple                  # position, momentum, gradient at the subtree's last leaf
    records: list               # LeafRecord per block


class Trajectory(NamedTuple):
    """What a subtree needs to know about the trajectory it joins (all ``(C, d)``)."""

    rho: Tensor
    near_momentum: Tensor       # at the end the subtree grows from
    far_momentum: Tensor        # at the other end
    single_point: bool          # the first doubling: the trajectory is the initial point


@functools.lru_cache(maxsize=64)
def _arange(n: int, device: torch.device) -> Tensor:
    return torch.arange(n, device=device)


def _integrate(position, momentum, logp_grad, step_size, half_step_size,
               inverse_mass_matrix, density, n_leaves):
    positions, momenta, grads, logps = [], [], [], []
    for _ in range(n_leaves):
        position, momentum, logp_grad, logp = leapfrog(
            position, momentum, logp_grad, step_size, half_step_size, inverse_mass_matrix,
            density)
        positions.append(position)
        momenta.append(momentum)
        grads.append(logp_grad)
        logps.append(logp)
    return positions, momenta, grads, logps


def build_block(position: Tensor, momentum: Tensor, logp_grad: Tensor, step_size: Tensor,
                half_step_size: Tensor, inverse_mass_matrix: Tensor, density: Callable,
                n_leaves: int, initial_energy: Tensor, max_energy_error: float,
                alive: Tensor, trajectory: Trajectory | None,
                generator: torch.Generator | None
                ) -> tuple[Span, Tensor | None, Tensor, tuple, LeafRecord]:
    """Integrate ``n_leaves`` (a power of two) leaves from a point and summarise them.

    Parameters
    ----------
    position, momentum, logp_grad : Tensor
        ``(C, d)`` the point the block continues from (not itself a leaf of the block).
    step_size, half_step_size : Tensor
        ``(C, 1)`` signed step and half step.
    initial_energy : Tensor
        ``(C,)`` float64 ``H0``, the energy at the start of the transition.
    max_energy_error : float
        A leaf with ``H - H0`` above this (or non-finite) is divergent.
    alive : Tensor
        ``(C,)`` bool, chains still building when the block starts.
    trajectory : Trajectory or None
        When the block is a whole subtree: the trajectory it joins, whose merge checks are
        evaluated with the block's own.

    Returns
    -------
    span : Span
    keep_going : Tensor or None
        ``(C,)`` the merge with ``trajectory`` has not turned (None without one).
    rho : Tensor
        ``(C, d)`` momentum sum of the block, or of the merged trajectory.
    end : tuple of Tensor
        Position, momentum and gradient at the block's last leaf.
    record : LeafRecord
    """
    positions, momenta, grads, logps = _integrate(
        position, momentum, logp_grad, step_size, half_step_size, inverse_mass_matrix,
        density, n_leaves)
    end = (positions[-1], momenta[-1], grads[-1])
    top_checks = 0
    rows = momenta
    if trajectory is not None:
        top_checks = 1 if trajectory.single_point else 3
        rows = momenta + [trajectory.rho, trajectory.near_momentum, trajectory.far_momentum]
    stacked_momenta = torch.stack(rows)
    velocities = velocity(inverse_mass_matrix, stacked_momenta)
    kinetic = torch.linalg.vecdot(stacked_momenta, velocities)
    # H0 - H = H0 + logp - p.v / 2, promoted to float64 by H0
    logp = torch.stack(logps)
    log_weights = torch.add(initial_energy + logp,
                            kinetic[:n_leaves] if top_checks else kinetic, alpha=-0.5)
    finite_energy = log_weights > -max_energy_error       # False for NaN, too

    plan = block_plan(n_leaves, top_checks, stacked_momenta.dtype, stacked_momenta.device)
    keep_going = None
    if plan.n_checks == 0:  # a lone leaf inside a deeper subtree: nothing to check
        events, rho = finite_energy, momenta[0]
    else:
        keep, rho = block_checks(stacked_momenta, velocities, plan)
        events = torch.cat((keep, finite_energy)) if plan.n_inside else finite_energy
        if top_checks:
            keep_going = keep[plan.n_inside:].all(0)
    # the first leaf after which the chain stops building: n_leaves when it does not
    death = torch.where(events, n_leaves, plan.event_leaf).amin(0)
    counted = plan.leaves <= torch.where(alive, death, -1)

    if n_leaves == 1:
        sample = (positions[0], logps[0], grads[0], log_weights[0])
        log_weight = log_weights[0]
    else:
        sample = _multinomial_sample(positions, grads, logp, log_weights, generator)
        log_weight = torch.logsumexp(log_weights, 0)
    ends = (None, None) if top_checks else (velocities[0], velocities[-1])
    span = Span(*sample, log_weight=log_weight, rho=rho,
                first_momentum=momenta[0], first_velocity=ends[0],
                last_momentum=momenta[-1], last_velocity=ends[1],
                ok=death == n_leaves)
    return span, keep_going, rho, end, LeafRecord(log_weights, counted)


def _multinomial_sample(positions, grads, logp, log_weights, generator):
    """The leaf drawn by weight: its position, logp, gradient and log weight."""
    n_leaves, chains = log_weights.shape
    leaf = multinomial_leaf(log_weights, generator)
    flat = torch.add(_arange(chains, leaf.device), leaf, alpha=chains)      # leaf * C + c
    # one gather for position and gradient, stacked as (2, L * C, d)
    position, logp_grad = torch.stack(positions + grads).view(
        2, n_leaves * chains, -1).index_select(1, flat).unbind(0)
    return (position, logp.flatten().index_select(0, flat), logp_grad,
            log_weights.flatten().index_select(0, flat))


def merge_spans(a: Span, b: Span, log_uniform: Tensor, biased: bool) -> Span:
    """Span ``a`` followed by span ``b`` (build order): progressive sampling and U-turn checks.

    The merged ``ok`` is ``a.ok & b.ok`` and the three U-turn checks of
    :func:`.termination.merged_no_u_turn`. With ``biased`` the sample moves to ``b`` with
    probability ``min(1, W_b / W_a)``, else ``W_b / (W_a + W_b)``.
    """
    take = choose_later(a.log_weight, b.log_weight, log_uniform, biased)
    take_row = take.unsqueeze(1)
    keep_going, rho = merged_no_u_turn(a.first_velocity, a.last_momentum, a.last_velocity,
                                       a.rho, b.first_momentum, b.first_velocity,
                                       b.last_velocity, b.rho)
    return Span(
        position=torch.where(take_row, b.position, a.position),
        logp=torch.where(take, b.logp, a.logp),
        logp_grad=torch.where(take_row, b.logp_grad, a.logp_grad),
        sample_log_weight=torch.where(take, b.sample_log_weight, a.sample_log_weight),
        log_weight=torch.logaddexp(a.log_weight, b.log_weight),
        rho=rho,
        first_momentum=a.first_momentum, first_velocity=a.first_velocity,
        last_momentum=b.last_momentum, last_velocity=b.last_velocity,
        ok=a.ok & b.ok & keep_going)


def build_subtree(position: Tensor, momentum: Tensor, logp_grad: Tensor, step_size: Tensor,
                  half_step_size: Tensor, inverse_mass_matrix: Tensor, density: Callable,
                  depth: int, block_size: int, initial_energy: Tensor,
                  max_energy_error: float, alive: Tensor, trajectory: Trajectory,
                  generator: torch.Generator | None) -> Subtree:
    """A subtree of ``2^depth`` leaves continuing from a trajectory's end, and its merge.

    One block when ``2^depth <= block_size``, its merge checks batched with its own. Deeper
    subtrees merge their blocks like a binary counter: after block ``j`` the stack holds one
    span per set bit of ``j + 1``, and two spans of equal size merge as soon as both exist,
    as Stan's recursion merges them; the merge with the trajectory follows.

    Returns
    -------
    Subtree
        ``span.ok`` is False where any part of the subtree diverged or turned.
    """
    n_leaves = 2 ** depth
    if n_leaves <= block_size:
        span, keep_going, rho, end, record = build_block(
            position, momentum, logp_grad, step_size, half_step_size, inverse_mass_matrix,
            density, n_leaves, initial_energy, max_energy_error, alive, trajectory, generator)
        return Subtree(span, keep_going, rho, end, [record])

    n_blocks = n_leaves // block_size
    log_uniforms = torch.rand((n_blocks - 1, position.shape[0]), generator=generator,
                              dtype=torch.float64, device=position.device).log()
    stack: list[Span] = []
    records = []
    merges = 0
    for block in range(n_blocks):
        span, _, _, (position, momentum, logp_grad), record = build_block(
            position, momentum, logp_grad, step_size, half_step_size, inverse_mass_matrix,
            density, block_size, initial_energy, max_energy_error, alive, None, generator)
        records.append(record)
        alive = alive & span.ok
        # after block j, merge once per trailing zero bit of j + 1 (4 = 0b100: twice)
        count = block + 1
        while count % 2 == 0:
            span = merge_spans(stack.pop(), span, log_uniforms[merges], biased=False)
            alive = alive & span.ok
            merges += 1
            count //= 2
        stack.append(span)
    span = stack[0]
    near_velocity, far_velocity = velocity(
        inverse_mass_matrix, torch.stack((trajectory.near_momentum, trajectory.far_momentum)))
    keep_going, rho = merged_no_u_turn(far_velocity, trajectory.near_momentum, near_velocity,
                                       trajectory.rho, span.first_momentum,
                                       span.first_velocity, span.last_velocity, span.rho)
    return Subtree(span, keep_going, rho, (position, momentum, logp_grad), records)


class LeafStatistics(NamedTuple):
    n_steps: Tensor             # (C,) long
    acceptance_rate: Tensor     # (C,) float64
    diverging: Tensor           # (C,) bool
    max_energy_error: Tensor    # (C,) float64


def leaf_statistics(records: list[LeafRecord], max_energy_error: float) -> LeafStatistics:
    """Reduce the transition's leaf records: counts, acceptance, divergence, worst error.

    Stan's acceptance statistic is the mean over the integrated leaves of
    ``min(1, exp(H0 - H))``; a NaN energy counts as 0. ``max_energy_error`` is PyMC's: the
    ``H - H0`` of largest magnitude, ``+inf`` for a NaN energy.
    """
    log_weights = torch.cat([r.log_weight for r in records])
    counted = torch.cat([r.counted for r in records])
    n_steps = counted.sum(0)
    acceptance = torch.where(counted, log_weights.clamp(max=0.0).exp(), 0.0).nansum(0)
    diverging = (counted & ~(log_weights > -max_energy_error)).any(0)
    bounded = torch.where(counted, log_weights, 0.0)
    # amin and amax keep a NaN: a NaN energy is the worst error there is, +inf
    worst_high = -bounded.amin(0).nan_to_num(nan=-torch.inf)
    worst_low = -bounded.amax(0)
    return LeafStatistics(n_steps, acceptance / n_steps, diverging,
                          torch.where(worst_high < -worst_low, worst_low, worst_high))
