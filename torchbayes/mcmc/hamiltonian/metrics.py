"""Euclidean metrics: momentum draws, velocity ``M^{-1} p`` and kinetic energy.

The inverse mass matrix comes per chain, diagonal ``(C, d)`` or dense ``(C, d, d)``; which
one is a host fact (its number of dimensions), so the branch costs no synchronisation.
Diagonal metrics are elementwise, dense ones a batched matmul.

References
----------
Betancourt, M. (2017). A Conceptual Introduction to Hamiltonian Monte Carlo. arXiv:1701.02434.
"""
from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

__all__ = ["HMCParams", "kinetic_energy", "sample_momentum", "velocity"]


class HMCParams(NamedTuple):
    """Tuned parameters of a Hamiltonian kernel, written by adaptation.

    Attributes
    ----------
    step_size : Tensor
        ``(C,)`` leapfrog step size per chain.
    inverse_mass_matrix : Tensor
        ``(C, d)`` diagonal or ``(C, d, d)`` dense inverse mass matrix per chain.
    """

    step_size: Tensor
    inverse_mass_matrix: Tensor


def velocity(inverse_mass_matrix: Tensor, momentum: Tensor) -> Tensor:
    """``M^{-1} p`` (Stan's ``p_sharp``) for momenta ``(..., C, d)``.

    Examples
    --------
    >>> velocity(torch.full((2, 3), 2.0), torch.ones(2, 3))
    tensor([[2., 2., 2.],
            [2., 2., 2.]])
    """
    if inverse_mass_matrix.dim() == 2:
        return inverse_mass_matrix * momentum
    # symmetric matrix: p^T M^{-1} is (M^{-1} p)^T, a row-vector matmul that broadcasts leaves
    return (momentum.unsqueeze(-2) @ inverse_mass_matrix).squeeze(-2)


def kinetic_energy(momentum: Tensor, velocity: Tensor) -> Tensor:
    """``p^T M^{-1} p / 2`` in float64 from a momentum and its velocity ``(..., C, d)``.

    Examples
    --------
    >>> kinetic_energy(torch.ones(1, 2), torch.ones(1, 2))
    tensor([1.], dtype=torch.float64)
    """
    return 0.5 * torch.linalg.vecdot(momentum, velocity).to(torch.float64)


def sample_momentum(inverse_mass_matrix: Tensor, like: Tensor,
                    generator: torch.Generator | None) -> Tensor:
    """Draw ``p ~ N(0, M)`` per chain, shaped and typed like ``like`` ``(C, d)``.

    A diagonal metric scales a standard normal by ``M^{1/2} = (M^{-1})^{-1/2}``; a dense one
    solves ``L^T p = z`` with ``L L^T = M^{-1}``, so that ``Cov(p) = L^{-T} L^{-1} = M``.

    Examples
    --------
    >>> g = torch.Generator().manual_seed(0)
    >>> sample_momentum(torch.ones(4, 3), torch.zeros(4, 3), g).shape
    torch.Size([4, 3])
    """
    noise = torch.randn(like.shape, generator=generator, dtype=like.dtype, device=like.device)
    if inverse_mass_matrix.dim() == 2:
        return noise * inverse_mass_matrix.rsqrt()
    cholesky = torch.linalg.cholesky(inverse_mass_matrix)
    return torch.linalg.solve_triangular(cholesky.mT, noise.unsqueeze(-1), upper=True).squeeze(-1)
