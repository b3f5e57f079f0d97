"""The No-U-Turn Sampler, iterative and batched over chains.

Each transition draws a momentum per chain and doubles a trajectory until it U-turns,
diverges or reaches ``max_treedepth``. Each chain has its own direction per doubling, its own
termination and its own depth; all chains integrate in lockstep and a finished chain is
masked (its sample frozen). The only host synchronisation is one ``any chain still going?``
per doubling (:func:`_any_active`). The parts are in :mod:`.hamiltonian`:
leaves and subtrees in ``trajectory``, the criterion in ``termination``, multinomial and
progressive sampling in ``proposal``. See docs/notes/nuts.md.

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
from .hamiltonian.trajectory import Trajectory, build_subtree, leaf_statistics
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


def _any_active(active: Tensor) -> bool:
    """The one host synchronisation of a doubling: is any chain still building?"""
    return bool(active.any())


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
        Larger blocks cost fewer operations per leaf and ``block_size`` leaves of memory.

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
                 block_size: int = 16):
        if max_treedepth < 1:
            raise ValueError(f"NUTS: max_treedepth must be >= 1, got {max_treedepth}")
        if block_size < 1 or block_size & (block_size - 1):
            raise ValueError(f"NUTS: block_size must be a power of two, got {block_size}")
        self.max_treedepth = max_treedepth
        self.max_energy_error = max_energy_error
        self.block_size = block_size

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
        position, logp, logp_grad = state
        chains, device = position.shape[0], position.device
        inverse_mass_matrix = params.inverse_mass_matrix
        momentum = sample_momentum(inverse_mass_matrix, position, generator)
        initial_energy = (kinetic_energy(momentum, velocity(inverse_mass_matrix, momentum))
                          - logp.to(torch.float64))

        # every random number a doubling needs, drawn up front: direction, biased merge
        draws = torch.rand((2, self.max_treedepth, chains), generator=generator,
                           dtype=torch.float64, device=device)
        forward = draws[0] < 0.5
        step_size = params.step_size.to(position.dtype)
        signed_steps = torch.where(forward, step_size, -step_size).unsqueeze(-1)  # (D, C, 1)
        half_steps = (0.5 * signed_steps).unbind(0)
        signed_steps = signed_steps.unbind(0)
        forward = forward.view(self.max_treedepth, chains, 1, 1).unbind(0)

        # the trajectory's two ends in time, each (C, 3, d): position, momentum, gradient
        left = right = torch.stack((position, momentum, logp_grad), 1)
        rho = momentum
        active = torch.ones(chains, dtype=torch.bool, device=device)
        # per subtree, the initial point first: its sample, log weight, and whether it joined
        zero = torch.zeros_like(initial_energy)
        samples = [(position, logp, logp_grad, zero)]
        log_weights = [zero]
        joined = [active]
        records = []
        for level in range(self.max_treedepth):
            is_forward = forward[level]
            near_position, near_momentum, near_grad = torch.where(
                is_forward, right, left).unbind(1)
            far_momentum = torch.where(is_forward, left, right).select(1, 1)
            subtree = build_subtree(
                near_position, near_momentum, near_grad, signed_steps[level], half_steps[level],
                inverse_mass_matrix, density, level, self.block_size, initial_energy,
                self.max_energy_error, active,
                Trajectory(rho, near_momentum, far_momentum, single_point=level == 0),
                generator)
            span = subtree.span
            grows = active & span.ok
            active = grows & subtree.keep_going
            rho = subtree.rho
            samples.append(span[:4])
            log_weights.append(span.log_weight)
            joined.append(grows)
            records += subtree.records
            new_end = torch.stack(subtree.end, 1)
            left = torch.where(is_forward, left, new_end)
            right = torch.where(is_forward, new_end, right)
            if level + 1 < self.max_treedepth and not _any_active(active):
                break

        joined = torch.stack(joined)
        chosen = progressive_choice(torch.stack(log_weights).where(joined, -torch.inf),
                                    draws[1, :len(samples) - 1].log())
        new_position, new_logp, new_grad, sample_log_weight = _take(samples, chosen)
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
            lp=new_logp)
        return NUTSState(new_position, new_logp, new_grad), info


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
