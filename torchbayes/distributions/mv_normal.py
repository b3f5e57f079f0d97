"""Multivariate normal distribution, PyMC's ``MvNormal(mu, cov | tau | chol)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import promote_parameters
from .distribution import Continuous

__all__ = ["MvNormal"]

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class MvNormal(Continuous):
    r"""Multivariate normal distribution over vectors of length ``k``.

    .. math:: \log p(x) = -\tfrac12 \lVert L^{-1}(x - \mu) \rVert^2 - \sum_i \log L_{ii}
              - \tfrac{k}{2} \log 2\pi, \quad \Sigma = L L^\top

    Parameters
    ----------
    mu : Tensor, shape ``(..., k)``
        Mean vector.
    cov : Tensor, shape ``(..., k, k)``, optional
        Covariance matrix (positive definite). Give exactly one of ``cov``, ``tau``, ``chol``.
    tau : Tensor, shape ``(..., k, k)``, optional
        Precision matrix, the inverse of the covariance.
    chol : Tensor, shape ``(..., k, k)``, optional
        Lower Cholesky factor of the covariance, with a positive diagonal.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import MvNormal
    >>> MvNormal(torch.zeros(2), cov=torch.eye(2)).log_prob(torch.zeros(2))
    tensor(-1.8379)
    """

    arg_constraints = {"mu": constraints.real_vector, "cov": constraints.positive_definite,
                       "tau": constraints.positive_definite, "chol": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, mu, cov=None, *, tau=None, chol=None, validate_args=False):
        if sum(matrix is not None for matrix in (cov, tau, chol)) != 1:
            raise ValueError("MvNormal: give exactly one of cov, tau or chol")
        mu, matrix = promote_parameters(mu, next(m for m in (cov, tau, chol) if m is not None))
        if mu.dim() == 0:
            mu = mu.expand(matrix.shape[-1:])
        if cov is not None:
            chol = torch.linalg.cholesky(matrix)
        elif tau is not None:
            # Sigma = tau^{-1}: invert through tau's own Cholesky factor, then factor again.
            chol = torch.linalg.cholesky(torch.cholesky_inverse(torch.linalg.cholesky(matrix)))
        else:
            chol = matrix
        batch_shape = torch.broadcast_shapes(mu.shape[:-1], chol.shape[:-2])
        size = mu.shape[-1]
        self.mu = mu.expand(batch_shape + (size,))
        self.chol = chol.expand(batch_shape + (size, size))
        super().__init__(batch_shape, torch.Size([size]), validate_args=validate_args)

    @property
    def cov(self) -> Tensor:
        return self.chol @ self.chol.transpose(-1, -2)

    @property
    def tau(self) -> Tensor:
        return torch.cholesky_inverse(self.chol)

    @property
    def mean(self) -> Tensor:
        return self.mu

    @property
    def mode(self) -> Tensor:
        return self.mu

    @property
    def variance(self) -> Tensor:
        return (self.chol ** 2).sum(-1)

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        eps = torch.randn(shape, dtype=self.mu.dtype, device=self.mu.device)
        return self.mu + (self.chol @ eps.unsqueeze(-1)).squeeze(-1)

    def log_prob(self, value: Tensor) -> Tensor:
        difference = value - self.mu
        shape = difference.shape[:-1]
        chol = self.chol.expand(shape + self.chol.shape[-2:])
        whitened = torch.linalg.solve_triangular(chol, difference.unsqueeze(-1), upper=False)
        half_log_det = self.chol.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        return (-0.5 * whitened.squeeze(-1).pow(2).sum(-1) - half_log_det
                - self.event_shape[0] * _HALF_LOG_2PI)

    def entropy(self) -> Tensor:
        half_log_det = self.chol.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        return self.event_shape[0] * (0.5 + _HALF_LOG_2PI) + half_log_det

