"""Packed vectors onto Cholesky factors and covariance matrices.

A packed vector holds the ``m = n (n + 1) / 2`` lower-triangular entries of an ``n x n``
matrix in row-major order (``torch.tril_indices``), diagonal entries on the log scale.

Example
-------
>>> import torch
>>> CholeskyCovTransform()(torch.tensor([0.0, 2.0, 0.0]))
tensor([[1., 0.],
        [2., 1.]])
"""
import math
from functools import lru_cache

import torch
from torch import Tensor
from torch.distributions import constraints
from torch.distributions.transforms import Transform

__all__ = ["CholeskyCovTransform", "CovarianceTransform"]


def _matrix_size(packed_length: int) -> int:
    # m = n (n + 1) / 2  ->  n = (sqrt(8 m + 1) - 1) / 2
    size = (math.isqrt(8 * packed_length + 1) - 1) // 2
    if size * (size + 1) // 2 != packed_length:
        raise ValueError(
            f"a packed lower triangle has n (n + 1) / 2 entries, got {packed_length}; "
            "give 1, 3, 6, 10, ... entries"
        )
    return size


def _square_shape(packed_shape: torch.Size) -> torch.Size:
    size = _matrix_size(packed_shape[-1])
    return torch.Size(packed_shape[:-1]) + (size, size)


def _packed_shape(square_shape: torch.Size) -> torch.Size:
    size = square_shape[-1]
    return torch.Size(square_shape[:-2]) + (size * (size + 1) // 2,)


@lru_cache(maxsize=64)
def _layout(size: int, device: torch.device) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Index tensors for an ``n x n`` lower triangle: rows, columns, flat and diagonal slots."""
    rows, columns = torch.tril_indices(size, size, device=device)
    flat = rows * size + columns
    # Row i starts at i (i + 1) / 2 in the packed vector; its diagonal entry is i further on.
    steps = torch.arange(size, device=device)
    diagonal = steps * (steps + 1) // 2 + steps
    return rows, columns, flat, diagonal


def _unpack(x: Tensor) -> Tensor:
    """Packed ``(..., m)`` with log-diagonal -> lower-triangular ``(..., n, n)``, exp diagonal."""
    size = _matrix_size(x.shape[-1])
    _, _, flat, diagonal = _layout(size, x.device)
    entries = x.index_copy(-1, diagonal, x.index_select(-1, diagonal).exp())
    matrix = x.new_zeros(x.shape[:-1] + (size * size,)).index_copy(-1, flat, entries)
    return matrix.unflatten(-1, (size, size))


def _pack(matrix: Tensor) -> Tensor:
    """Lower-triangular ``(..., n, n)`` with positive diagonal -> packed ``(..., m)``."""
    rows, columns, _, diagonal = _layout(matrix.shape[-1], matrix.device)
    log_diagonal = matrix.diagonal(dim1=-2, dim2=-1).log()
    return matrix[..., rows, columns].index_copy(-1, diagonal, log_diagonal)


class CholeskyCovTransform(Transform):
    r"""Maps a packed vector ``R^(n(n+1)/2)`` onto lower-triangular ``n x n`` matrices with a
    positive diagonal (Cholesky factors of covariance matrices).

    Off-diagonal entries are copied; diagonal entries are exponentiated. This is PyMC's
    ``CholeskyCovPacked`` and Stan's ``cholesky_factor_cov`` (square case).

    Notes
    -----
    The Jacobian on the lower-triangular entries is diagonal, so
    :math:`\log |\det J| = \sum_i x_{ii}`, the packed log-diagonal entries. Shapes:
    ``(..., m) <-> (..., n, n)``.

    References
    ----------
    Stan Development Team, *Stan Reference Manual*, "Cholesky factors of covariance matrices".

    Example
    -------
    >>> transform = CholeskyCovTransform()
    >>> x = torch.tensor([0.5, 0.3, -0.2])
    >>> transform.log_abs_det_jacobian(x, transform(x))
    tensor(0.3000)
    >>> transform.forward_shape((4, 6)), transform.inverse_shape((4, 3, 3))
    (torch.Size([4, 3, 3]), torch.Size([4, 6]))
    """

    domain = constraints.real_vector
    codomain = constraints.lower_cholesky
    bijective = True

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def forward_shape(self, shape: torch.Size) -> torch.Size:
        return _square_shape(shape)

    def inverse_shape(self, shape: torch.Size) -> torch.Size:
        return _packed_shape(shape)

    def _call(self, x: Tensor) -> Tensor:
        return _unpack(x)

    def _inverse(self, y: Tensor) -> Tensor:
        return _pack(y)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        _, _, _, diagonal = _layout(y.shape[-1], x.device)
        return x.index_select(-1, diagonal).sum(dim=-1)


class CovarianceTransform(CholeskyCovTransform):
    r"""Maps a packed vector ``R^(n(n+1)/2)`` onto ``n x n`` positive definite matrices.

    The vector becomes a Cholesky factor ``L`` as in :class:`CholeskyCovTransform` (whose
    shapes and equality it inherits), and the result is ``L @ L.T``; the inverse takes a
    Cholesky decomposition.

    Notes
    -----
    On the lower-triangular entries, ``L -> L L^T`` has a triangular Jacobian with diagonal
    ``2 L_jj`` (for ``Sigma_jj``) and ``L_jj`` (for ``Sigma_ij``, ``i > j``), so with
    0-based ``j`` and :math:`L_{jj} = e^{x_{jj}}`:

    .. math:: \log |\det J| = n \log 2 + \sum_j (n - j + 1)\, x_{jj}.

    References
    ----------
    Stan Development Team, *Stan Reference Manual*, "Covariance matrices".

    Example
    -------
    >>> transform = CovarianceTransform()
    >>> transform(torch.tensor([0.0, 2.0, 0.0]))
    tensor([[1., 2.],
            [2., 5.]])
    >>> transform.log_abs_det_jacobian(torch.zeros(3), transform(torch.zeros(3)))
    tensor(1.3863)
    """

    codomain = constraints.positive_definite

    def _call(self, x: Tensor) -> Tensor:
        factor = _unpack(x)
        return factor @ factor.mT

    def _inverse(self, y: Tensor) -> Tensor:
        return _pack(torch.linalg.cholesky(y))

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        size = y.shape[-1]
        _, _, _, diagonal = _layout(size, x.device)
        powers = torch.arange(size + 1, 1, -1, dtype=x.dtype, device=x.device)
        return size * math.log(2.0) + (x.index_select(-1, diagonal) * powers).sum(dim=-1)
