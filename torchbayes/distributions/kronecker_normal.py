"""Multivariate normal with Kronecker-structured covariance, PyMC's ``KroneckerNormal``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import promote_parameters
from .distribution import Continuous

__all__ = ["KroneckerNormal"]

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _kron_apply(factors: list[Tensor], vector: Tensor, apply) -> Tensor:
    """``(F_1 (x) ... (x) F_m) x`` applied factor by factor: ``apply(F_i, Y)`` acts on the rows
    of ``Y`` (``(..., n_i, rest)``), so no ``N x N`` matrix is ever formed."""
    batch = vector.shape[:-1]
    sizes = tuple(factor.shape[-1] for factor in factors)
    tensor = vector.reshape(batch + sizes)
    axis0 = len(batch)
    for axis, factor in enumerate(factors):
        moved = tensor.movedim(axis0 + axis, -1)
        rows = moved.reshape(batch + (-1, sizes[axis])).transpose(-1, -2)
        rows = apply(factor, rows)
        tensor = rows.transpose(-1, -2).reshape(moved.shape).movedim(-1, axis0 + axis)
    return tensor.reshape(vector.shape)


def _kron_diagonal(vectors: list[Tensor]) -> Tensor:
    """The diagonal of ``diag(v_1) (x) ... (x) diag(v_m)``."""
    result = vectors[0]
    for vector in vectors[1:]:
        result = (result.unsqueeze(-1) * vector.unsqueeze(-2)).flatten(-2)
    return result


class KroneckerNormal(Continuous):
    r"""Multivariate normal over vectors of length ``N = n_1 ... n_m`` whose covariance is a
    Kronecker product ``K = K_1 (x) ... (x) K_m`` (plus ``sigma^2 I`` noise when given).

    .. math:: \log p(x) = -\tfrac12 (x - \mu)^\top (K + \sigma^2 I)^{-1} (x - \mu)
              - \tfrac12 \log|K + \sigma^2 I| - \tfrac{N}{2}\log 2\pi

    Without noise the factors' Cholesky factors whiten ``x - mu`` axis by axis; with
    ``sigma`` or ``evds`` their eigendecompositions do (``K + sigma^2 I`` shares the
    eigenvectors of ``K``). Vectors are row-major: the last factor varies fastest.

    Parameters
    ----------
    mu : Tensor, shape ``(..., N)``
        Mean vector.
    covs : list of Tensor, shapes ``(n_i, n_i)``
        Covariance factors. Give exactly one of ``covs``, ``chols``, ``evds``.
    chols : list of Tensor
        Lower Cholesky factors of the covariance factors.
    evds : list of (Tensor, Tensor)
        Eigendecompositions ``(eigenvalues, eigenvectors)`` of the covariance factors.
    sigma : float or Tensor, optional
        Standard deviation of white noise added to the diagonal (PyMC's default is 0).

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import KroneckerNormal
    >>> KroneckerNormal(torch.zeros(6), covs=[torch.eye(2), torch.eye(3)]).log_prob(torch.zeros(6))
    tensor(-5.5136)
    """

    arg_constraints = {"mu": constraints.real_vector, "covs": constraints.positive_definite,
                       "chols": constraints.lower_cholesky,
                       "evds": constraints.dependent(is_discrete=False, event_dim=2),
                       "sigma": constraints.nonnegative}
    # Lists of factors of different sizes: a model keeps them a list, one parameter a factor.
    nested_params = {"covs": 0, "chols": 0, "evds": 0}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, mu, covs=None, chols=None, evds=None, sigma=None, *,
                 validate_args=False):
        if sum(part is not None for part in (covs, chols, evds)) != 1:
            raise ValueError("KroneckerNormal: give exactly one of covs, chols or evds")
        self._eigen = evds is not None or sigma is not None
        noise = 0.0 if sigma is None else sigma
        if evds is not None:
            eigenvalues, vectors = zip(*evds)
            mu, noise, *flat = promote_parameters(mu, noise, *eigenvalues, *vectors)
            eigenvalues, vectors = flat[:len(evds)], flat[len(evds):]
        else:
            # A list, or factors of one size stacked in a tensor (how a model hands them over).
            factors_given = covs if covs is not None else chols
            mu, noise, *matrices = promote_parameters(mu, noise, *factors_given)
            if self._eigen:
                covariances = matrices if covs is not None else [c @ c.transpose(-1, -2)
                                                                 for c in matrices]
                eigenvalues, vectors = zip(*(torch.linalg.eigh(c) for c in covariances))
            else:
                factors = matrices if chols is not None else [torch.linalg.cholesky(c)
                                                              for c in matrices]
        if self._eigen:
            self.sigma, self._factors = noise, list(vectors)
            self._scale = (_kron_diagonal(list(eigenvalues)) + noise.unsqueeze(-1) ** 2).sqrt()
        else:
            self.sigma, self._factors = None, list(factors)
        size = math.prod(factor.shape[-1] for factor in self._factors)
        shapes = [mu.shape[:-1]] + [factor.shape[:-2] for factor in self._factors]
        if self._eigen:
            shapes.append(self._scale.shape[:-1])
        batch_shape = torch.broadcast_shapes(*shapes)
        self.mu = mu.expand(batch_shape + (size,))
        super().__init__(batch_shape, torch.Size([size]), validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.mu

    @property
    def variance(self) -> Tensor:
        if not self._eigen:
            return _kron_diagonal([(f ** 2).sum(-1) for f in self._factors]).expand_as(self.mu)
        # diag(Q S^2 Q^T) factor by factor: (Q_i^2) applied to the squared scales.
        squares = [f ** 2 for f in self._factors]
        return _kron_apply(squares, (self._scale ** 2).expand_as(self.mu), torch.matmul)

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        eps = torch.randn(shape, dtype=self.mu.dtype, device=self.mu.device)
        if self._eigen:
            eps = eps * self._scale
        return self.mu + _kron_apply(self._factors, eps, torch.matmul)

    def log_prob(self, value: Tensor) -> Tensor:
        difference = value - self.mu
        if self._eigen:
            rotated = _kron_apply(self._factors, difference,
                                  lambda q, rows: q.transpose(-1, -2) @ rows)
            whitened = rotated / self._scale
            log_det = 2 * self._scale.log().sum(-1)
        else:
            whitened = _kron_apply(self._factors, difference, lambda chol, rows:
                                   torch.linalg.solve_triangular(chol, rows, upper=False))
            size = self.event_shape[0]
            log_det = sum(2 * size / f.shape[-1] * f.diagonal(dim1=-2, dim2=-1).log().sum(-1)
                          for f in self._factors)
        return -0.5 * whitened.pow(2).sum(-1) - 0.5 * log_det - self.event_shape[0] * _HALF_LOG_2PI
