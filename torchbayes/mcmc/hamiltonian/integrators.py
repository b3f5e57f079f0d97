"""Symplectic integrators with their coefficients as data.

A palindromic splitting integrator alternates momentum and position updates; its
coefficients, read left to right, are the fractions of the step each update takes:
``LEAPFROG = (0.5, 1.0, 0.5)`` is a momentum half-step, a position step, a momentum
half-step (velocity Verlet). The last momentum update and the next step's first one use the
same gradient, so one step costs one density evaluation.

References
----------
Leimkuhler, B. & Reich, S. (2004). Simulating Hamiltonian Dynamics. Cambridge University Press.
Blanes, S., Casas, F. & Sanz-Serna, J. M. (2014). Numerical integrators for the Hybrid Monte
Carlo method. SIAM J. Sci. Comput. 36(4).
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

from .metrics import velocity

__all__ = ["LEAPFROG", "MCLACHLAN", "integrate", "leapfrog"]

LEAPFROG = (0.5, 1.0, 0.5)
#: Two-stage minimum-error splitting (Blanes et al. 2014), two gradients per step.
MCLACHLAN = (0.1932, 0.5, 0.6136, 0.5, 0.1932)


def leapfrog(position: Tensor, momentum: Tensor, logp_grad: Tensor, step_size: Tensor,
             half_step_size: Tensor, inverse_mass_matrix: Tensor,
             density: Callable[[Tensor], tuple[Tensor, Tensor]]
             ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """One velocity-Verlet step of every chain: four tensor operations and one density call.

    Parameters
    ----------
    position, momentum, logp_grad : Tensor
        ``(C, d)`` the current point and the log density gradient there.
    step_size, half_step_size : Tensor
        ``(C, 1)`` signed step per chain (negative integrates backwards in time) and its half.
    inverse_mass_matrix : Tensor
        ``(C, d)`` or ``(C, d, d)``.
    density : callable
        ``position (C, d) -> (logp (C,), logp_grad (C, d))``.

    Returns
    -------
    position, momentum, logp_grad, logp

    Examples
    --------
    >>> density = lambda x: (-0.5 * (x * x).sum(-1), -x)
    >>> x, p = torch.ones(1, 1), torch.zeros(1, 1)
    >>> h = torch.full((1, 1), 0.1)
    >>> leapfrog(x, p, -x, h, h / 2, torch.ones(1, 1), density)[0]
    tensor([[0.9950]])
    """
    momentum = torch.addcmul(momentum, half_step_size, logp_grad)
    position = torch.addcmul(position, step_size, velocity(inverse_mass_matrix, momentum))
    logp, logp_grad = density(position)
    momentum = torch.addcmul(momentum, half_step_size, logp_grad)
    return position, momentum, logp_grad, logp


def integrate(position: Tensor, momentum: Tensor, logp_grad: Tensor, step_sizes: Tensor,
              inverse_mass_matrix: Tensor, density: Callable[[Tensor], tuple[Tensor, Tensor]],
              coefficients: tuple[float, ...] = LEAPFROG
              ) -> tuple[Tensor, Tensor, Tensor, Tensor | None]:
    """Steps of the splitting integrator given by ``coefficients``, one row of steps each.

    The last momentum update of a step and the first of the next use the same gradient and
    merge into one, so a leapfrog trajectory of ``n`` steps costs ``n`` density calls and
    ``2n + 1`` momentum and position updates.

    Parameters
    ----------
    position, momentum, logp_grad : Tensor
        ``(C, d)``.
    step_sizes : Tensor
        ``(n_steps, C)`` signed step of each chain at each step; a step of 0 leaves a chain
        where it is (how chains with shorter paths wait for the others).
    inverse_mass_matrix : Tensor
        ``(C, d)`` or ``(C, d, d)``.
    coefficients : tuple of float
        Odd-length palindrome starting with a momentum update, e.g. :data:`LEAPFROG`.

    Returns
    -------
    position, momentum, logp_grad, logp
        ``logp`` is ``None`` when there are no steps.

    Examples
    --------
    >>> density = lambda x: (-0.5 * (x * x).sum(-1), -x)
    >>> x = torch.ones(1, 1)
    >>> out = integrate(x, torch.zeros(1, 1), -x, torch.full((10, 1), 0.1), torch.ones(1, 1),
    ...                 density)
    >>> out[0]                                     # cos(1) = 0.5403
    tensor([[0.5400]])
    """
    if coefficients[0] != coefficients[-1] or len(coefficients) % 2 == 0:
        raise ValueError(f"integrate: coefficients must be a palindrome of odd length that "
                         f"starts with a momentum update, got {coefficients}")
    steps = step_sizes.to(position.dtype).unsqueeze(-1)                   # (n, C, 1)
    n_steps = steps.shape[0]
    scaled = [c * steps for c in coefficients]
    merged = scaled[-1][:-1] + scaled[0][1:]
    logp = None
    for i in range(n_steps):
        first = scaled[0][0] if i == 0 else merged[i - 1]
        momentum = torch.addcmul(momentum, first, logp_grad)
        for j in range(1, len(coefficients) - 1):
            if j % 2 == 1:
                position = torch.addcmul(position, scaled[j][i],
                                         velocity(inverse_mass_matrix, momentum))
                logp, logp_grad = density(position)
            else:
                momentum = torch.addcmul(momentum, scaled[j][i], logp_grad)
    if n_steps > 0:
        momentum = torch.addcmul(momentum, scaled[-1][-1], logp_grad)
    return position, momentum, logp_grad, logp
