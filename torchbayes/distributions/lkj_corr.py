"""LKJ distribution over correlation matrices, PyMC's ``LKJCorr(n, eta)`` (packed values)."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Continuous
from .lkj_corr_cholesky import LKJCorrCholesky

__all__ = ["LKJCorr"]


class LKJCorr(Continuous):
    r"""The LKJ prior on an ``n x n`` correlation matrix, stated on its packed upper triangle.

    As PyMC's ``LKJCorr`` (5.x), the value is the vector of the ``n (n - 1) / 2`` correlations
    above the diagonal in row-major order (``numpy.triu_indices(n, 1)``), and the density is
    with respect to Lebesgue measure on that vector:

    .. math:: \log p(c) = (\eta - 1) \log\det C(c) - \log Z(\eta, n), \quad
              \log Z = \sum_{k=1}^{n-1} \bigl[\tfrac{k}{2}\log\pi
              + \log\Gamma\bigl(\eta + \tfrac{n - 1 - k}{2}\bigr)\bigr]
              - (n - 1) \log\Gamma\bigl(\eta + \tfrac{n - 1}{2}\bigr)

    ``-inf`` where ``C(c)`` is not positive definite. The support is
    ``constraints.packed_correlation``, whose default transform goes through the Cholesky
    factor (:class:`~torchbayes.transforms.PackedCorrelationTransform`), so every
    unconstrained point is a positive definite matrix. :meth:`matrix` unpacks values.

    Parameters
    ----------
    n : int
        Dimension of the correlation matrix, ``>= 2``.
    eta : float or Tensor
        Concentration, ``> 0``; ``eta = 1`` is uniform over correlation matrices.

    References
    ----------
    Lewandowski, Kurowicka and Joe (2009), Generating random correlation matrices based on
    vines and extended onion method, Journal of Multivariate Analysis 100.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import LKJCorr
    >>> LKJCorr(2, 1.0).log_prob(torch.tensor([0.3]))
    tensor(-0.6931)
    """

    # n is structural (it sets the shapes): left out of arg_constraints, so a model
    # passes it unconverted, as RandomWalk's steps; the constructor checks it.
    arg_constraints = {"eta": constraints.positive}
    support = constraints.packed_correlation

    def __init__(self, n: int, eta=1.0, *, validate_args=False):
        if int(n) < 2:
            raise ValueError(f"LKJCorr: n must be >= 2, got {n}")
        self.n = int(n)
        (self.eta,) = broadcast_parameters(eta)
        rows, columns = torch.triu_indices(self.n, self.n, 1)
        self._rows, self._columns = rows.tolist(), columns.tolist()
        super().__init__(self.eta.shape, torch.Size([len(self._rows)]),
                         validate_args=validate_args)

    def matrix(self, value: Tensor) -> Tensor:
        """The correlation matrices ``(..., n, n)`` of packed values ``(..., n (n - 1) / 2)``."""
        upper = value.new_zeros(value.shape[:-1] + (self.n, self.n))
        upper[..., self._rows, self._columns] = value
        eye = torch.eye(self.n, dtype=value.dtype, device=value.device)
        return upper + upper.transpose(-1, -2) + eye

    def _log_normaliser(self) -> Tensor:
        k = torch.arange(1, self.n, dtype=self.eta.dtype, device=self.eta.device)
        eta = self.eta.unsqueeze(-1)
        log_z = (0.5 * k * math.log(math.pi) + torch.lgamma(eta + 0.5 * (self.n - 1 - k))).sum(-1)
        return log_z - (self.n - 1) * torch.lgamma(self.eta + 0.5 * (self.n - 1))

    @property
    def mean(self) -> Tensor:
        return torch.zeros(self.batch_shape + self.event_shape, dtype=self.eta.dtype,
                           device=self.eta.device)

    @property
    def variance(self) -> Tensor:
        # Each correlation r has (r + 1) / 2 ~ Beta(b, b), b = eta - 1 + n / 2.
        return (1 / (2 * self.eta + self.n - 1)).unsqueeze(-1).expand(
            self.batch_shape + self.event_shape)

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        factor = LKJCorrCholesky(self.n, self.eta).sample(sample_shape)
        correlation = factor @ factor.transpose(-1, -2)
        return correlation[..., self._rows, self._columns].clamp(-1, 1)

    def log_prob(self, value: Tensor) -> Tensor:
        correlation = self.matrix(value)
        factor, info = torch.linalg.cholesky_ex(correlation)
        inside = (info == 0) & (value.abs() <= 1).all(-1)
        diagonal = torch.where(inside.unsqueeze(-1), factor.diagonal(dim1=-2, dim2=-1), 1.0)
        log_det = 2 * diagonal.log().sum(-1)
        logp = (self.eta - 1) * log_det - self._log_normaliser()
        return torch.where(inside, logp, -math.inf)
