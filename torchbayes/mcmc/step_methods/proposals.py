"""Zero-centred proposal distributions for Metropolis and DEMetropolisZ (PyMC's classes).

``Proposal(S)`` is built with a scale ``S`` (a float, a ``(k,)`` vector, or a ``(k, k)``
covariance for :class:`MultivariateNormalProposal`); ``proposal.sample(like, generator)``
returns deviates shaped like ``like`` ``(C, k)``, which the step multiplies by its tuned scale.
All are symmetric, so the Metropolis ratio needs no proposal term.

References
----------
PyMC, ``pymc/step_methods/metropolis.py`` (``NormalProposal`` ... ``MultivariateNormalProposal``).
"""
from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["CauchyProposal", "LaplaceProposal", "MultivariateNormalProposal", "NormalProposal",
           "PoissonProposal", "Proposal", "UniformProposal"]


class Proposal:
    """Base class: ``s`` is the scale, broadcast against the ``(C, k)`` deviates."""

    def __init__(self, s=1.0):
        self.s = torch.as_tensor(s, dtype=torch.float64)

    def _scale(self, like: Tensor) -> Tensor:
        return self.s.to(dtype=like.dtype, device=like.device)

    def sample(self, like: Tensor, generator) -> Tensor:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(s={self.s.tolist()})"


def _standard(shape, like: Tensor, generator, kind: str) -> Tensor:
    options = dict(generator=generator, dtype=like.dtype, device=like.device)
    return torch.randn(shape, **options) if kind == "normal" else torch.rand(shape, **options)


class NormalProposal(Proposal):
    """``N(0, s)`` deviates.

    Examples
    --------
    >>> NormalProposal(2.0).sample(torch.zeros(3, 2), torch.Generator().manual_seed(0)).shape
    torch.Size([3, 2])
    """

    def sample(self, like: Tensor, generator) -> Tensor:
        return _standard(like.shape, like, generator, "normal") * self._scale(like)


class UniformProposal(Proposal):
    """``U(-s, s)`` deviates."""

    def sample(self, like: Tensor, generator) -> Tensor:
        return (2.0 * _standard(like.shape, like, generator, "uniform") - 1.0) * self._scale(like)


class CauchyProposal(Proposal):
    """Cauchy deviates with scale ``s`` (inverse CDF of a uniform)."""

    def sample(self, like: Tensor, generator) -> Tensor:
        uniform = _standard(like.shape, like, generator, "uniform")
        return torch.tan(torch.pi * (uniform - 0.5)) * self._scale(like)


class LaplaceProposal(Proposal):
    """Laplace deviates with scale ``s``: the difference of two standard exponentials."""

    def sample(self, like: Tensor, generator) -> Tensor:
        uniform = _standard((2,) + tuple(like.shape), like, generator, "uniform")
        exponential = -torch.log1p(-uniform)
        return (exponential[0] - exponential[1]) * self._scale(like)


class PoissonProposal(Proposal):
    """Integer deviates: the difference of two ``Poisson(s / 2)`` draws (variance ``s``).

    PyMC draws ``Poisson(s) - s``, which is not symmetric, so its Metropolis ratio is off by
    the proposal ratio; the Skellam difference is symmetric and integer-valued, which is what
    a Metropolis step on a count variable needs.
    """

    def sample(self, like: Tensor, generator) -> Tensor:
        rate = (0.5 * self._scale(like)).expand((2,) + tuple(like.shape))
        counts = torch.poisson(rate.contiguous(), generator=generator)
        return counts[0] - counts[1]


class MultivariateNormalProposal(Proposal):
    """``N(0, S)`` deviates for a ``(k, k)`` covariance ``S`` (Cholesky factor times normals)."""

    def __init__(self, s):
        s = torch.as_tensor(s, dtype=torch.float64)
        if s.dim() != 2 or s.shape[0] != s.shape[1]:
            raise ValueError(f"MultivariateNormalProposal: S must be a square matrix, "
                             f"got shape {tuple(s.shape)}")
        super().__init__(s)
        self.cholesky = torch.linalg.cholesky(s)

    def sample(self, like: Tensor, generator) -> Tensor:
        normal = _standard(like.shape, like, generator, "normal")
        return normal @ self.cholesky.to(dtype=like.dtype, device=like.device).mT
