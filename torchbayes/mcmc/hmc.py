"""Hamiltonian Monte Carlo with a fixed path, batched over chains.

Every chain integrates the same number of steps in lockstep, so nothing is wasted on
finished chains: the many-chain-friendly counterpart of NUTS. A path length (rather than a
step count) gives each chain ``max(1, floor(path_length / step_size))`` steps; shorter chains
take zero-length steps while the longest finishes (one host read of that longest count per
transition). An optional jitter scales each chain's step size by ``U(1 - j, 1 + j)`` per
transition, which breaks resonances of a fixed path.

References
----------
Neal, R. M. (2011). MCMC using Hamiltonian dynamics. Handbook of Markov Chain Monte Carlo.
Betancourt, M. (2017). A Conceptual Introduction to Hamiltonian Monte Carlo. arXiv:1701.02434.
"""
from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from .hamiltonian.integrators import LEAPFROG, integrate
from .hamiltonian.metrics import HMCParams, kinetic_energy, sample_momentum, velocity
from .kernel import Density, Kernel

__all__ = ["HMC", "HMCInfo", "HMCState"]


class HMCState(NamedTuple):
    """Where each chain is."""

    position: Tensor        # (C, d)
    logp: Tensor            # (C,)
    logp_grad: Tensor       # (C, d)


class HMCInfo(NamedTuple):
    """Statistics of one transition per chain (PyMC's names), all ``(C,)``."""

    acceptance_rate: Tensor    # float64, min(1, exp(H0 - H(proposal)))
    accepted: Tensor           # bool
    diverging: Tensor          # bool, H(proposal) - H0 above max_energy_error or not finite
    energy: Tensor             # float64, H at the new point
    energy_error: Tensor       # float64, H(proposal) - H0
    n_steps: Tensor            # long, leapfrog steps of this chain's path
    lp: Tensor                 # logp at the new point


class HMC(Kernel):
    """Metropolis-corrected HMC with ``n_steps`` leapfrog steps or a fixed ``path_length``.

    Parameters
    ----------
    n_steps : int, optional
        Leapfrog steps per transition, the same for every chain.
    path_length : float, optional
        Integration time per transition instead of ``n_steps`` (PyMC's default is 2).
    step_size_jitter : float
        Each transition scales the step size by ``U(1 - jitter, 1 + jitter)``; in ``[0, 1)``.
    max_energy_error : float
        A proposal whose energy rose more than this is divergent.
    coefficients : tuple of float
        Integrator, :data:`.hamiltonian.integrators.LEAPFROG` by default.

    Examples
    --------
    >>> density = lambda x: (-0.5 * (x * x).sum(-1), -x)
    >>> kernel = HMC(n_steps=10)
    >>> state = kernel.init(torch.zeros(4, 2, dtype=torch.float64), density)
    >>> params = HMCParams(torch.full((4,), 0.2, dtype=torch.float64),
    ...                    torch.ones(4, 2, dtype=torch.float64))
    >>> state, info = kernel.step(state, params, density, torch.Generator().manual_seed(0))
    >>> info.n_steps.tolist()
    [10, 10, 10, 10]
    """

    def __init__(self, *, n_steps: int | None = None, path_length: float | None = None,
                 step_size_jitter: float = 0.0, max_energy_error: float = 1000.0,
                 coefficients: tuple[float, ...] = LEAPFROG):
        if (n_steps is None) == (path_length is None):
            raise ValueError("HMC: give exactly one of n_steps (an int >= 1) or path_length")
        if n_steps is not None and n_steps < 1:
            raise ValueError(f"HMC: n_steps must be >= 1, got {n_steps}")
        if path_length is not None and not path_length > 0:
            raise ValueError(f"HMC: path_length must be > 0, got {path_length}")
        if not 0.0 <= step_size_jitter < 1.0:
            raise ValueError(f"HMC: step_size_jitter must be in [0, 1), got {step_size_jitter}")
        self.n_steps = n_steps
        self.path_length = path_length
        self.step_size_jitter = step_size_jitter
        self.max_energy_error = max_energy_error
        self.coefficients = coefficients

    def init(self, position: Tensor, density: Density) -> HMCState:
        """The state at ``position`` ``(C, d)``: one density evaluation."""
        logp, logp_grad = density(position)
        return HMCState(position, logp, logp_grad)

    def _step_table(self, step_size: Tensor, generator) -> tuple[Tensor, Tensor]:
        """``(n_max, C)`` step of each chain at each step, and each chain's step count."""
        if self.step_size_jitter > 0:
            u = torch.rand(step_size.shape, generator=generator, dtype=step_size.dtype,
                           device=step_size.device)
            step_size = step_size * (1.0 + self.step_size_jitter * (2.0 * u - 1.0))
        if self.n_steps is not None:
            n_steps = torch.full(step_size.shape, self.n_steps, device=step_size.device)
            return step_size.expand(self.n_steps, -1), n_steps
        n_steps = (self.path_length / step_size).floor().clamp(min=1).long()
        longest = int(n_steps.max())                  # the transition's one host read
        moving = torch.arange(longest, device=step_size.device).unsqueeze(1) < n_steps
        return torch.where(moving, step_size, 0.0), n_steps

    def step(self, state: HMCState, params: HMCParams, density: Density,
             generator: torch.Generator | None) -> tuple[HMCState, HMCInfo]:
        """One HMC transition of every chain.

        Parameters
        ----------
        state : HMCState
        params : HMCParams
            ``step_size`` ``(C,)`` and ``inverse_mass_matrix`` ``(C, d)`` or ``(C, d, d)``.
        density : callable
            ``position (C, d) -> (logp (C,), logp_grad (C, d))``.
        generator : torch.Generator

        Returns
        -------
        state : HMCState
        info : HMCInfo
        """
        position, logp, logp_grad = state
        inverse_mass_matrix = params.inverse_mass_matrix.to(position.dtype)
        momentum = sample_momentum(inverse_mass_matrix, position, generator)
        initial_energy = (kinetic_energy(momentum, velocity(inverse_mass_matrix, momentum))
                          - logp.to(torch.float64))
        steps, n_steps = self._step_table(params.step_size.to(position.dtype), generator)
        new_position, new_momentum, new_grad, new_logp = integrate(
            position, momentum, logp_grad, steps, inverse_mass_matrix, density,
            self.coefficients)
        energy = (kinetic_energy(new_momentum, velocity(inverse_mass_matrix, new_momentum))
                  - new_logp.to(torch.float64))
        energy_error = (energy - initial_energy).nan_to_num(nan=torch.inf)
        log_uniform = torch.rand(energy.shape, generator=generator, dtype=torch.float64,
                                 device=energy.device).log()
        diverging = ~(energy_error <= self.max_energy_error)
        accepted = (log_uniform < -energy_error) & ~diverging
        row = accepted.unsqueeze(1)
        new_state = HMCState(torch.where(row, new_position, position),
                             torch.where(accepted, new_logp, logp),
                             torch.where(row, new_grad, logp_grad))
        info = HMCInfo(acceptance_rate=(-energy_error).clamp(max=0.0).exp(),
                       accepted=accepted,
                       diverging=diverging,
                       energy=torch.where(accepted, energy, initial_energy),
                       energy_error=energy_error,
                       n_steps=n_steps,
                       lp=new_state.logp)
        return new_state, info
