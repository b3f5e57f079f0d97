"""Unconstrained vectors onto correlation matrices given by their packed upper triangle.

``LKJCorr``'s value is the ``m = n (n - 1) / 2`` correlations above the diagonal of a
positive definite ``n x n`` correlation matrix ``C`` (row-major, ``torch.triu_indices(n, n, 1)``).
The bijection goes through the Cholesky factor: ``x -> L`` by torch's ``CorrCholeskyTransform``,
then ``C = L L^T`` and its upper triangle. Every ``x`` lands on a positive definite matrix.

Example
-------
>>> import torch
>>> PackedCorrelationTransform()(torch.zeros(3))
tensor([0., 0., 0.])
"""
import math
from functools import lru_cache

import torch
from torch import Tensor
from torch.distributions.transforms import CorrCholeskyTransform, Transform

from ..distributions import constraints

__all__ = ["PackedCorrelationTransform"]


@lru_cache(maxsize=64)
def _upper(size: int, device: torch.device) -> tuple[Tensor, Tensor]:
    rows, columns = torch.triu_indices(size, size, 1, device=device)
    return rows, columns


def _size(packed_length: int) -> int:
    # m = n (n - 1) / 2  ->  n = (1 + sqrt(8 m + 1)) / 2
    size = (1 + math.isqrt(8 * packed_length + 1)) // 2
    if size * (size - 1) // 2 != packed_length:
        raise ValueError(f"a packed correlation matrix has n (n - 1) / 2 entries, got "
                         f"{packed_length}; give 1, 3, 6, 10, ... entries")
    return size


class PackedCorrelationTransform(Transform):
    r"""Maps ``R^(n(n-1)/2)`` onto the packed upper triangles of ``n x n`` correlation matrices.

    ``y = upper(L L^T)`` with ``L = CorrCholeskyTransform()(x)``; the inverse unpacks ``y``,
    takes its Cholesky factor and inverts torch's transform.

    Notes
    -----
    On ``L``'s strictly lower entries (``C``'s diagonal is fixed, row ``i`` of ``L`` has unit
    norm), the map ``L -> C`` has :math:`|\det J| = \prod_i L_{ii}^{\,n - 1 - i}` (0-based
    ``i``; the difference between the LKJ densities on ``L`` and on ``C``), so

    .. math:: \log |\det J| = \log |\det J_{CorrCholesky}(x)|
              + \sum_i (n - 1 - i) \log L_{ii}.

    References
    ----------
    Lewandowski, Kurowicka and Joe (2009), Generating random correlation matrices based on
    vines and extended onion method, Journal of Multivariate Analysis 100. Stan Development
    Team, *Stan Reference Manual*, "Correlation matrices".

    Example
    -------
    >>> transform = PackedCorrelationTransform()
    >>> x = torch.tensor([0.3, -0.2, 0.5])
    >>> torch.allclose(transform.inv(transform(x)), x)
    True
    """

    domain = constraints.real_vector
    codomain = constraints.packed_correlation
    bijective = True

    def __init__(self, cache_size: int = 0):
        super().__init__(cache_size=cache_size)
        self._cholesky = CorrCholeskyTransform()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PackedCorrelationTransform)

    def __hash__(self) -> int:
        return hash(type(self))

    def _call(self, x: Tensor) -> Tensor:
        factor = self._cholesky(x)
        rows, columns = _upper(factor.shape[-1], x.device)
        return (factor @ factor.transpose(-1, -2))[..., rows, columns]

    def _inverse(self, y: Tensor) -> Tensor:
        size = _size(y.shape[-1])
        rows, columns = _upper(size, y.device)
        upper = y.new_zeros(y.shape[:-1] + (size, size))
        upper[..., rows, columns] = y
        eye = torch.eye(size, dtype=y.dtype, device=y.device)
        return self._cholesky.inv(torch.linalg.cholesky(upper + upper.transpose(-1, -2) + eye))

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        factor = self._cholesky(x)
        size = factor.shape[-1]
        powers = torch.arange(size - 1, -1, -1, dtype=x.dtype, device=x.device)
        correlation_part = (powers * factor.diagonal(dim1=-2, dim2=-1).log()).sum(-1)
        return self._cholesky.log_abs_det_jacobian(x, factor) + correlation_part
