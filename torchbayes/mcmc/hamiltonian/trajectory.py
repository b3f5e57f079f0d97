"""Building a NUTS subtree iteratively, in lockstep over chains.

A subtree of ``2^k`` leaves is integrated in blocks of ``L = min(2^k, block_size)`` leaves.
Inside a block the leapfrog is the only per-leaf work (four tensor operations and the
density); everything NUTS needs from the leaves is then computed once per block, batched over
the leaf axis: energies, divergences, every U-turn check of every complete sub-span
(:mod:`.termination`), the multinomial sample (:mod:`.proposal`), the acceptance statistic.
Blocks of one subtree merge through a binary counter, as Stan's recursion would merge them,
with uniform progressive sampling and the U-turn checks across the merged halves. Memory is
``O(block_size)`` leaves, whatever the depth.

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
from .metrics import kinetic_energy, velocity
from .proposal import choose_later, multinomial_leaf
from .termination import block_plan, first_turning_leaf, merged_no_u_turn

__all__ = ["Span", "TreeStats", "build_subtree", "merge_spans", "tree_stats_init"]


class Span(NamedTuple):
    """A built span of leaves, summarised for merging; ends are in build order."""

    position: Tensor            # (C, d) the span's multinomial sample
    logp: Tensor                # (C,)
    logp_grad: Tensor           # (C, d)
    sample_log_weight: Tensor   # (C,) float64, H0 - H at the sample
    log_weight: Tensor          # (C,) float64, log sum of the leaves' exp(H0 - H)
    rho: Tensor                 # (C, d) sum of the leaves' momenta
    first_momentum: Tensor      # (C, d)
    first_velocity: Tensor      # (C, d) M^{-1} p at the first leaf (Stan's p_sharp)
    last_momentum: Tensor       # (C, d)
    last_velocity: Tensor       # (C, d)
    ok: Tensor                  # (C,) bool: no divergence and no U-turn inside


class TreeStats(NamedTuple):
    """What a transition accumulates over the leaves each chain integrated while alive."""

    n_steps: Tensor             # (C,) long
    acceptance_sum: Tensor      # (C,) float64, sum of min(1, exp(H0 - H))
    diverging: Tensor           # (C,) bool
    log_weight_min: Tensor      # (C,) float64, NaN counted as -inf
    log_weight_max: Tensor      # (C,) float64


def tree_stats_init(chains: int, device: torch.device) -> TreeStats:
    """Empty accumulators for ``chains`` chains."""
    zeros = torch.zeros(chains, dtype=torch.float64, device=device)
    return TreeStats(torch.zeros(chains, dtype=torch.long, device=device), zeros,
                     torch.zeros(chains, dtype=torch.bool, device=device), zeros, zeros)


@functools.lru_cache(maxsize=64)
def _arange(n: int, device: torch.device) -> Tensor:
    return torch.arange(n, device=device)


def _integrate_block(position, momentum, logp_grad, step_size, half_step_size,
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


def _block_stats(stats: TreeStats, log_weights: Tensor, death: Tensor, diverged: Tensor,
                 alive: Tensor) -> TreeStats:
    """Accumulate the leaves ``l <= death`` of the chains alive when the block began."""
    n_leaves = log_weights.shape[0]
    last_counted = torch.where(alive, death, -1)
    counted = _arange(n_leaves, death.device).unsqueeze(1) <= last_counted       # (L, C)
    # min(1, exp(w)); a NaN weight (a divergent leaf) adds nothing, as in Stan
    acceptance = torch.where(counted, log_weights.clamp(max=0.0).exp(), 0.0).nansum(0)
    bounded = torch.where(counted, log_weights, 0.0).nan_to_num(
        nan=-torch.inf, posinf=torch.inf, neginf=-torch.inf)
    return TreeStats(stats.n_steps + counted.sum(0),
                     stats.acceptance_sum + acceptance,
                     stats.diverging | (diverged & alive),
                     torch.minimum(stats.log_weight_min, bounded.amin(0)),
                     torch.maximum(stats.log_weight_max, bounded.amax(0)))


def build_block(position: Tensor, momentum: Tensor, logp_grad: Tensor, step_size: Tensor,
                half_step_size: Tensor, inverse_mass_matrix: Tensor, density: Callable,
                n_leaves: int, initial_energy: Tensor, max_energy_error: float,
                alive: Tensor, stats: TreeStats, generator: torch.Generator | None
                ) -> tuple[Span, tuple[Tensor, Tensor, Tensor], TreeStats]:
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
        ``(C,)`` bool, chains whose leaves count in ``stats``.

    Returns
    -------
    span : Span
    end : tuple of Tensor
        position, momentum and gradient at the block's last leaf.
    stats : TreeStats
    """
    positions, momenta, grads, logps = _integrate_block(
        position, momentum, logp_grad, step_size, half_step_size, inverse_mass_matrix,
        density, n_leaves)
    end = (positions[-1], momenta[-1], grads[-1])
    if n_leaves == 1:
        return _single_leaf_span(end, logps[0], inverse_mass_matrix, initial_energy,
                                 max_energy_error, alive, stats)
    stacked_momenta = torch.stack(momenta)
    velocities = velocity(inverse_mass_matrix, stacked_momenta)
    log_weights = initial_energy + torch.stack(logps).to(torch.float64) - kinetic_energy(
        stacked_momenta, velocities)                                          # (L, C)
    plan = block_plan(n_leaves, stacked_momenta.dtype, stacked_momenta.device)
    turning_leaf = first_turning_leaf(stacked_momenta, velocities, plan)
    # a divergent leaf is marked n_leaves + 1 when there is none, so that `death == divergent`
    # says the chain ended on a divergence
    divergent_leaf = torch.where(log_weights > -max_energy_error, n_leaves + 1,
                                 _arange(n_leaves, log_weights.device).unsqueeze(1)).amin(0)
    death = torch.minimum(turning_leaf, divergent_leaf)
    stats = _block_stats(stats, log_weights, death, death == divergent_leaf, alive)

    chains = log_weights.shape[1]
    flat = torch.add(_arange(chains, log_weights.device),
                     multinomial_leaf(log_weights, generator), alpha=chains)
    span = Span(
        position=torch.stack(positions).flatten(0, 1).index_select(0, flat),
        logp=torch.stack(logps).flatten().index_select(0, flat),
        logp_grad=torch.stack(grads).flatten(0, 1).index_select(0, flat),
        sample_log_weight=log_weights.flatten().index_select(0, flat),
        log_weight=torch.logsumexp(log_weights, 0),
        rho=stacked_momenta.sum(0),
        first_momentum=momenta[0], first_velocity=velocities[0],
        last_momentum=momenta[-1], last_velocity=velocities[-1],
        ok=death == n_leaves)
    return span, end, stats


def _single_leaf_span(end, logp, inverse_mass_matrix, initial_energy, max_energy_error,
                      alive, stats):
    position, momentum, logp_grad = end
    leaf_velocity = velocity(inverse_mass_matrix, momentum)
    log_weight = initial_energy + logp.to(torch.float64) - kinetic_energy(momentum,
                                                                          leaf_velocity)
    ok = log_weight > -max_energy_error
    counted = log_weight.where(alive, 0.0).nan_to_num(nan=-torch.inf, posinf=torch.inf,
                                                      neginf=-torch.inf)
    stats = TreeStats(stats.n_steps + alive,
                      stats.acceptance_sum + torch.where(alive, counted.clamp(max=0.0).exp(),
                                                         0.0),
                      stats.diverging | (alive & ~ok),
                      torch.minimum(stats.log_weight_min, counted),
                      torch.maximum(stats.log_weight_max, counted))
    span = Span(position, logp, logp_grad, log_weight, log_weight, momentum, momentum,
                leaf_velocity, momentum, leaf_velocity, ok)
    return span, end, stats


def merge_spans(a: Span, b: Span, log_uniform: Tensor, biased: bool) -> Span:
    """Span ``a`` followed by span ``b`` (build order): progressive sampling and U-turn checks.

    The merged ``ok`` is ``a.ok & b.ok`` and the three U-turn checks of
    :func:`.termination.merged_no_u_turn`. With ``biased`` the sample moves to ``b`` with
    probability ``min(1, W_b / W_a)``, else ``W_b / (W_a + W_b)``; the caller masks chains
    whose ``b`` is not ok.
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
                  max_energy_error: float, alive: Tensor, stats: TreeStats,
                  generator: torch.Generator | None
                  ) -> tuple[Span, tuple[Tensor, Tensor, Tensor], TreeStats]:
    """A subtree of ``2^depth`` leaves continuing from a point, built block by block.

    Blocks merge like a binary counter: after block ``j`` the stack holds one span per set
    bit of ``j + 1``, and two spans of equal size merge as soon as both exist (as Stan's
    recursion would), so memory stays ``O(depth)`` spans beyond the block being built.

    Returns
    -------
    span : Span
        The subtree; ``span.ok`` is False where any part of it diverged or turned.
    end : tuple of Tensor
        Position, momentum and gradient at its last leaf.
    stats : TreeStats
    """
    n_leaves = 2 ** depth
    leaves_per_block = min(n_leaves, block_size)
    n_blocks = n_leaves // leaves_per_block
    if n_blocks > 1:
        log_uniforms = torch.rand((n_blocks - 1, position.shape[0]), generator=generator,
                                  dtype=torch.float64, device=position.device).log()
    stack: list[Span] = []
    merges = 0
    for block in range(n_blocks):
        span, (position, momentum, logp_grad), stats = build_block(
            position, momentum, logp_grad, step_size, half_step_size, inverse_mass_matrix,
            density, leaves_per_block, initial_energy, max_energy_error, alive, stats,
            generator)
        alive = alive & span.ok
        # after block j, merge once per trailing zero bit of j + 1 (4 = 0b100: twice)
        count = block + 1
        while count % 2 == 0:
            span = merge_spans(stack.pop(), span, log_uniforms[merges], biased=False)
            alive = alive & span.ok
            merges += 1
            count //= 2
        stack.append(span)
    return stack[0], (position, momentum, logp_grad), stats
