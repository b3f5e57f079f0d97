"""LKJ distribution over Cholesky factors of correlation matrices, ``LKJCorrCholesky(n, eta)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Continuous

__all__ = ["LKJCorrCholesky"]


class LKJCorrCholesky(Continuous):
    r"""The LKJ prior on an ``n x n`` correlation matrix, stated on its lower Cholesky factor.

    For a correlation matrix :math:`\Omega = C C^\top`, LKJ's density is proportional to
    :math:`\det(\Omega)^{\eta - 1}`. On the free (strictly lower) entries of :math:`C` it is

    .. math:: \log p(C) = \sum_{i=1}^{n-1} (n - i - 1 + 2(\eta - 1)) \log C_{ii} - \log Z(\eta, n)

    (0-based ``i``; Stan's ``lkj_corr_cholesky``). PyMC's ``LKJCorr`` is the same prior on the
    packed correlations; ``eta = 1`` is uniform over correlation matrices.

    Parameters
    ----------
    n : int
        Dimension of the correlation matrix, ``>= 2``.
    eta : float or Tensor
        Concentration, ``> 0``; larger values favour the identity.

    References
    ----------
    Lewandowski, Kurowicka and Joe (2009), Generating random correlation matrices based on
    vines and extended onion method, Journal of Multivariate Analysis 100.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import LKJCorrCholesky
    >>> LKJCorrCholesky(2, 2.0).log_prob(torch.eye(2))
    tensor(-0.2877)
    """

    arg_constraints = {"n": constraints.positive_integer, "eta": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(self, n: int, eta=1.0, *, validate_args=False):
        if int(n) < 2:
            raise ValueError(f"LKJCorrCholesky: n must be >= 2, got {n}")
        self.n = int(n)
        (self.eta,) = broadcast_parameters(eta)
        # Delegated: torch's LKJCholesky has this density and the onion-method sampler.
        self._torch = torch.distributions.LKJCholesky(self.n, self.eta, validate_args=False)
        super().__init__(self.eta.shape, torch.Size([self.n, self.n]),
                         validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        raise NotImplementedError("LKJCorrCholesky has no closed-form mean of the factor")

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        with torch.no_grad():
            return self._torch.sample(torch.Size(sample_shape))

    def log_prob(self, value: Tensor) -> Tensor:
        diagonal = value.diagonal(dim1=-2, dim2=-1)
        inside = (diagonal > 0).all(-1)
        safe = torch.where(inside[..., None, None], value,
                           torch.eye(self.n, dtype=value.dtype, device=value.device))
        return torch.where(inside, self._torch.log_prob(safe), -math.inf)
