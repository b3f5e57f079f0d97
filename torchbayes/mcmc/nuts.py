"""The No-U-Turn Sampler, iterative and batched over chains.

Each transition draws a momentum per chain and doubles a trajectory until it U-turns,
diverges or reaches ``max_treedepth``. Each chain has its own direction per doubling, its own
termination and its own depth; all chains integrate in lockstep and a finished chain is
masked (its sample frozen). The only host synchronisation is one "how many chains are still
building?" per doubling (:func:`_count_active`); in a large batch, once at most half are, the
rest of the transition runs on those chains only (exact; see ``compact_min_chains``).
The parts are in :mod:`.hamiltonian`: leaves and subtrees in ``trajectory``, the criterion in
``termination``, multinomial and progressive sampling in ``proposal``. See docs/notes/nuts.md.

References
----------
Hoffman, M. D. & Gelman, A. (2014). The No-U-Turn Sampler. JMLR 15, 1593-1623.
Betancourt, M. (2017). A Conceptual Introduction to Hamiltonian Monte Carlo. arXiv:1701.02434.
Stan Development Team. ``stan/mcmc/hmc/nuts/base_nuts.hpp``.
Phan, D., Pradhan, N. & Jankowiak, M. (2019). Composable Effects for Flexible and Accelerated
Probabilistic Programming in NumPyro. arXiv:1912.11554.
"""
from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from .hamiltonian.metrics import HMCParams, kinetic_energy, sample_momentum, velocity
from .hamiltonian.proposal import progressive_choice
from .hamiltonian.trajectory import LeafRecord, Trajectory, build_subtree, leaf_statistics
from .kernel import Density, Kernel

__all__ = ["NUTS", "NUTSInfo", "NUTSState"]


class NUTSState(NamedTuple):
    """Where each chain is."""

    position: Tensor        # (C, d)
    logp: Tensor            # (C,)
    logp_grad: Tensor       # (C, d)


class NUTSInfo(NamedTuple):
    """Statistics of one transition per chain (PyMC's names), all ``(C,)``."""

    acceptance_rate: Tensor        # float64, mean of min(1, exp(H0 - H)) over the tree
    diverging: Tensor              # bool
    energy: Tensor                 # float64, H at the new point
    energy_error: Tensor           # float64, H(new point) - H0
    max_energy_error: Tensor       # float64, the tree's H - H0 of largest magnitude
    n_steps: Tensor                # long, leapfrog steps this chain needed
    tree_depth: Tensor             # long, accepted doublings
    reached_max_treedepth: Tensor  # bool
    lp: Tensor                     # logp at the new point


def _count_active(active: Tensor) -> int:
    """The one host synchronisation of a doubling: how many chains are still building?"""
    return int(active.sum())


class _Building(NamedTuple):
    """What the next doubling reads, for the chains in the batch (all ``C'`` rows)."""

    left: Tensor                 # (C', 3, d) position, momentum, gradient at the left end
    right: Tensor                # (C', 3, d) ... at the right end (in time)
    rho: Tensor                  # (C', d) momentum sum of the trajectory
    active: Tensor               # (C',) bool, still building
    initial_energy: Tensor       # (C',) float64
    steps: tuple                 # per level, (C', 1) signed step size
    half_steps: tuple            # per level, (C', 1)
    forward: tuple               # per level, (C', 1, 1) bool
    inverse_mass_matrix: Tensor  # (C', d) or (C', d, d)
    index: Tensor | None         # (C',) rows of the full batch; None before any compaction


class _Doubling(NamedTuple):
    """What a doubling leaves for the end of the transition, on the rows of ``index``."""

    index: Tensor | None
    sample: tuple                # position, logp, gradient, log weight of the subtree sample
    log_weight: Tensor           # (C',) float64, the subtree's
    joined: Tensor               # (C',) bool, the subtree joined the trajectory
    records: list                # LeafRecord per block


def _compact(building: _Building, n_active: int) -> _Building:
    """Keep only the chains still building: later doublings cost only what they need."""
    keep = torch.nonzero_static(building.active, size=n_active).squeeze(1)

    def rows(levels: tuple) -> tuple:
        return torch.stack(levels).index_select(1, keep).unbind(0)

    return _Building(
        *(field.index_select(0, keep) for field in building[:5]),
        steps=rows(building.steps), half_steps=rows(building.half_steps),
        forward=rows(building.forward),
        inverse_mass_matrix=building.inverse_mass_matrix.index_select(0, keep),
        index=keep if building.index is None else building.index.index_select(0, keep))


def _expand(value: Tensor, index: Tensor | None, chains: int, fill, dim: int = 0) -> Tensor:
    """``value`` on rows ``index`` of a full batch of ``chains``, ``fill`` elsewhere."""
    if index is None:
        return value
    shape = list(value.shape)
    shape[dim] = chains
    return value.new_full(shape, fill).index_copy(dim, index, value)


class NUTS(Kernel):
    """Multinomial NUTS with the generalised U-turn criterion (Stan's variant).

    Parameters
    ----------
    max_treedepth : int
        At most ``2**max_treedepth - 1`` leapfrog steps per transition.
    max_energy_error : float
        A leaf whose energy exceeds the initial one by more than this is divergent.
    block_size : int
        Leaves integrated before their bookkeeping is done in one batch (a power of two).
        Larger blocks cost fewer operations per leaf; a block holds about
        ``4 * block_size * C * d`` numbers (positions, gradients, momenta, velocities), so
        lower it for thousands of chains of a large model on a GPU.
    compact_min_chains : int or None
        When a batch of at least this many chains has at most half of them still building
        after a doubling, the next doublings run on those chains only (``None``: never).
        Below a few hundred chains on a CPU the gathers cost more than the arithmetic saved;
        see docs/notes/nuts.md.

    Examples
    --------
    >>> density = lambda x: (-0.5 * (x * x).sum(-1), -x)
    >>> kernel = NUTS()
    >>> state = kernel.init(torch.zeros(4, 3, dtype=torch.float64), density)
    >>> params = HMCParams(torch.full((4,), 0.5, dtype=torch.float64),
    ...                    torch.ones(4, 3, dtype=torch.float64))
    >>> state, info = kernel.step(state, params, density, torch.Generator().manual_seed(0))
    >>> info.tree_depth.shape
    torch.Size([4])

    References
    ----------
    Hoffman & Gelman (2014); Betancourt (2017); Stan's ``base_nuts.hpp``; Phan et al. (2019).
    """

    def __init__(self, *, max_treedepth: int = 10, max_energy_error: float = 1000.0,
                 block_size: int = 16, compact_min_chains: int | None = 256):
        if max_treedepth < 1:
            raise ValueError(f"NUTS: max_treedepth must be >= 1, got {max_treedepth}")
        if block_size < 1 or block_size & (block_size - 1):
            raise ValueError(f"NUTS: block_size must be a power of two, got {block_size}")
        self.max_treedepth = max_treedepth
        self.max_energy_error = max_energy_error
        self.block_size = block_size
        self.compact_min_chains = compact_min_chains

    def init(self, position: Tensor, density: Density) -> NUTSState:
        """The state at ``position`` ``(C, d)``: one density evaluation."""
        logp, logp_grad = density(position)
        return NUTSState(position, logp, logp_grad)

    def step(self, state: NUTSState, params: HMCParams, density: Density,
             generator: torch.Generator | None) -> tuple[NUTSState, NUTSInfo]:
        """One NUTS transition of every chain.

        Parameters
        ----------
        state : NUTSState
        params : HMCParams
            ``step_size`` ``(C,)`` and ``inverse_mass_matrix`` ``(C, d)`` or ``(C, d, d)``.
        density : callable
            ``position (C, d) -> (logp (C,), logp_grad (C, d))``.
        generator : torch.Generator
            Source of every random number of the transition.

        Returns
        -------
        state : NUTSState
        info : NUTSInfo
        """
        building, first, log_uniforms = self._start(state, params, generator)
        initial_energy = building.initial_energy
        doublings = [first]
        for level in range(self.max_treedepth):
            doubling, building = self._double(building, level, density, generator)
            doublings.append(doubling)
            if level + 1 == self.max_treedepth:
                break
            n_active = _count_active(building.active)
            if n_active == 0:
                break
            n_batch = building.active.shape[0]
            if (self.compact_min_chains is not None and n_batch >= self.compact_min_chains
                    and 2 * n_active <= n_batch):
                building = _compact(building, n_active)
        return self._finish(doublings, log_uniforms, initial_energy)

    def _start(self, state: NUTSState, params: HMCParams, generator):
        """Momentum, energy, every random number of the doublings, the one-point trajectory."""
        position, logp, logp_grad = state
        chains, device = position.shape[0], position.device
        inverse_mass_matrix = params.inverse_mass_matrix.to(position.dtype)
        momentum = sample_momentum(inverse_mass_matrix, position, generator)
        initial_energy = (kinetic_energy(momentum, velocity(inverse_mass_matrix, momentum))
                          - logp.to(torch.float64))
        draws = torch.rand((2, self.max_treedepth, chains), generator=generator,
                           dtype=torch.float64, device=device)
        forward = draws[0] < 0.5
        step_size = params.step_size.to(position.dtype)
        signed_steps = torch.where(forward, step_size, -step_size).unsqueeze(-1)  # (D, C, 1)
        ends = torch.stack((position, momentum, logp_grad), 1)
        active = torch.ones(chains, dtype=torch.bool, device=device)
        building = _Building(
            ends, ends, momentum, active, initial_energy, signed_steps.unbind(0),
            (0.5 * signed_steps).unbind(0),
            forward.view(self.max_treedepth, chains, 1, 1).unbind(0), inverse_mass_matrix,
            None)
        # the initial point is the first "subtree", of weight exp(H0 - H0) = 1
        zero = torch.zeros_like(initial_energy)
        first = _Doubling(None, (position, logp, logp_grad, zero), zero, active, [])
        return building, first, draws[1].log()

    def _double(self, building: _Building, level: int, density: Density, generator
                ) -> tuple[_Doubling, _Building]:
        """Grow every chain's trajectory by a subtree of ``2**level`` leaves."""
        is_forward = building.forward[level]
        left, right = building.left, building.right
        near_position, near_momentum, near_grad = torch.where(is_forward, right, left).unbind(1)
        far_momentum = torch.where(is_forward, left, right).select(1, 1)
        subtree = build_subtree(
            near_position, near_momentum, near_grad, building.steps[level],
            building.half_steps[level], building.inverse_mass_matrix, density, level,
            self.block_size, building.initial_energy, self.max_energy_error, building.active,
            Trajectory(building.rho, near_momentum, far_momentum, single_point=level == 0),
            generator)
        span = subtree.span
        grows = building.active & span.ok
        new_end = torch.stack(subtree.end, 1)
        building = building._replace(
            left=torch.where(is_forward, left, new_end),
            right=torch.where(is_forward, new_end, right),
            rho=subtree.rho, active=grows & subtree.keep_going)
        return _Doubling(building.index, span[:4], span.log_weight, grows,
                         subtree.records), building

    def _finish(self, doublings: list[_Doubling], log_uniforms: Tensor,
                initial_energy: Tensor) -> tuple[NUTSState, NUTSInfo]:
        """Choose the sample among the subtrees and reduce the statistics, on all chains."""
        chains = initial_energy.shape[0]
        samples, log_weights, joined, records = [], [], [], []
        for doubling in doublings:
            index = doubling.index
            samples.append(tuple(_expand(field, index, chains, 0.0)
                                 for field in doubling.sample))
            log_weights.append(_expand(doubling.log_weight, index, chains, -torch.inf))
            joined.append(_expand(doubling.joined, index, chains, False))
            records += [LeafRecord(_expand(r.log_weight, index, chains, 0.0, dim=1),
                                   _expand(r.counted, index, chains, False, dim=1))
                        for r in doubling.records]
        joined = torch.stack(joined)
        chosen = progressive_choice(torch.stack(log_weights).where(joined, -torch.inf),
                                    log_uniforms[:len(samples) - 1])
        position, logp, logp_grad, sample_log_weight = _take(samples, chosen)
        stats = leaf_statistics(records, self.max_energy_error)
        depth = joined.sum(0) - 1
        info = NUTSInfo(
            acceptance_rate=stats.acceptance_rate,
            diverging=stats.diverging,
            energy=initial_energy - sample_log_weight,
            energy_error=-sample_log_weight,
            max_energy_error=stats.max_energy_error,
            n_steps=stats.n_steps,
            tree_depth=depth,
            reached_max_treedepth=depth >= self.max_treedepth,
            lp=logp)
        return NUTSState(position, logp, logp_grad), info


def _take(samples: list[tuple], chosen: Tensor) -> tuple[Tensor, ...]:
    """Per chain, the fields of ``samples[chosen]`` (a list of per-subtree samples)."""
    chains = chosen.shape[0]
    rows = torch.add(torch.arange(chains, device=chosen.device), chosen, alpha=chains)
    positions, logps, grads, log_weights = zip(*samples)
    n = len(samples)
    position, logp_grad = torch.stack(positions + grads).view(2, n * chains, -1).index_select(
        1, rows).unbind(0)
    return (position, torch.stack(logps).view(-1).index_select(0, rows), logp_grad,
            torch.stack(log_weights).view(-1).index_select(0, rows))
