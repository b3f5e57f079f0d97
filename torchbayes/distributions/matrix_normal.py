"""Matrix normal distribution, PyMC's ``MatrixNormal(mu, rowcov | rowchol, colcov | colchol)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import promote_parameters
from .distribution import Continuous

__all__ = ["MatrixNormal"]

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class MatrixNormal(Continuous):
    r"""Normal distribution over ``m x n`` matrices with covariance ``colcov (x) rowcov``.

    Row ``i`` and column ``j`` covariances factor: ``Cov(X_ij, X_kl) = U_ik V_jl`` with
    ``U = rowcov`` (``m x m``) and ``V = colcov`` (``n x n``).

    .. math:: \log p(X) = -\tfrac12 \operatorname{tr}\bigl[V^{-1}(X - M)^\top U^{-1}(X - M)\bigr]
              - \tfrac{n}{2}\log|U| - \tfrac{m}{2}\log|V| - \tfrac{mn}{2}\log 2\pi

    Parameters
    ----------
    mu : Tensor, shape ``(..., m, n)``
        Mean matrix (broadcast to ``m x n``).
    rowcov, rowchol : Tensor, shape ``(..., m, m)``
        Among-row covariance or its lower Cholesky factor (exactly one).
    colcov, colchol : Tensor, shape ``(..., n, n)``
        Among-column covariance or its lower Cholesky factor (exactly one).

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import MatrixNormal
    >>> MatrixNormal(torch.zeros(2, 3), rowcov=torch.eye(2), colcov=torch.eye(3)).log_prob(
    ...     torch.zeros(2, 3))
    tensor(-5.5136)
    """

    arg_constraints = {"mu": constraints.independent(constraints.real, 2),
                       "rowcov": constraints.positive_definite,
                       "rowchol": constraints.lower_cholesky,
                       "colcov": constraints.positive_definite,
                       "colchol": constraints.lower_cholesky}
    support = constraints.independent(constraints.real, 2)
    has_rsample = True

    def __init__(self, mu, rowcov=None, rowchol=None, colcov=None, colchol=None, *,
                 validate_args=False):
        if (rowcov is None) == (rowchol is None) or (colcov is None) == (colchol is None):
            raise ValueError("MatrixNormal: give one of rowcov or rowchol and one of colcov or "
                             "colchol")
        mu, row, column = promote_parameters(mu, rowchol if rowcov is None else rowcov,
                                             colchol if colcov is None else colcov)
        rowchol = row if rowcov is None else torch.linalg.cholesky(row)
        colchol = column if colcov is None else torch.linalg.cholesky(column)
        rows, columns = rowchol.shape[-1], colchol.shape[-1]
        batch_shape = torch.broadcast_shapes(mu.shape[:-2], rowchol.shape[:-2], colchol.shape[:-2])
        self.mu = mu.expand(batch_shape + (rows, columns))
        self.rowchol = rowchol.expand(batch_shape + (rows, rows))
        self.colchol = colchol.expand(batch_shape + (columns, columns))
        super().__init__(batch_shape, torch.Size([rows, columns]), validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.mu

    @property
    def variance(self) -> Tensor:
        row = (self.rowchol ** 2).sum(-1)
        column = (self.colchol ** 2).sum(-1)
        return row.unsqueeze(-1) * column.unsqueeze(-2)

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        eps = torch.randn(shape, dtype=self.mu.dtype, device=self.mu.device)
        return self.mu + self.rowchol @ eps @ self.colchol.transpose(-1, -2)

    def log_prob(self, value: Tensor) -> Tensor:
        difference = value - self.mu
        batch = difference.shape[:-2]
        rowchol = self.rowchol.expand(batch + self.rowchol.shape[-2:])
        colchol = self.colchol.expand(batch + self.colchol.shape[-2:])
        # U^{-1/2} (X - M) V^{-T/2}: solve by the row factor, then the column factor.
        whitened = torch.linalg.solve_triangular(rowchol, difference, upper=False)
        whitened = torch.linalg.solve_triangular(colchol, whitened.transpose(-1, -2), upper=False)
        rows, columns = self.event_shape
        half_log_det = (columns * self.rowchol.diagonal(dim1=-2, dim2=-1).log().sum(-1)
                        + rows * self.colchol.diagonal(dim1=-2, dim2=-1).log().sum(-1))
        return (-0.5 * whitened.pow(2).sum((-2, -1)) - half_log_det
                - rows * columns * _HALF_LOG_2PI)
