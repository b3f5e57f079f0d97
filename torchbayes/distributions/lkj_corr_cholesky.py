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

    # n is structural (it sets the shapes): left out of arg_constraints, so a model
    # passes it unconverted, as RandomWalk's steps; the constructor checks it.
    arg_constraints = {"eta": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(self, n: int, eta=1.0, *, validate_args=False):
        if int(n) < 2:
            raise ValueError(f"LKJCorrCholesky: n must be >= 2, got {n}")
        self.n = int(n)
        (self.eta,) = broadcast_parameters(eta)
        # Density delegated to torch; its onion sampler is not (see ``sample``).
        self._torch = torch.distributions.LKJCholesky(self.n, self.eta, validate_args=False)
        super().__init__(self.eta.shape, torch.Size([self.n, self.n]),
                         validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        raise NotImplementedError("LKJCorrCholesky has no closed-form mean of the factor")

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        """Onion method (LKJ 2009, section 3.2) on the Cholesky factor, all rows at once.

        Row ``k`` (``k = 1 .. n - 1`` free entries) is ``sqrt(y) u`` with ``u`` uniform on the
        sphere and ``y ~ Beta(k / 2, eta + (n - 2) / 2 - (k - 1) / 2)``. torch 2.13's
        ``LKJCholesky.sample`` uses ``k - 1/2`` as the first shape, wrong for ``n >= 3``.
        """
        shape = torch.Size(sample_shape) + self.batch_shape
        free = torch.arange(1, self.n, dtype=self.eta.dtype, device=self.eta.device)
        first = (0.5 * free).expand(shape + free.shape)
        second = (self.eta.unsqueeze(-1) + 0.5 * (self.n - 2) - 0.5 * (free - 1)).expand_as(first)
        with torch.no_grad():
            gamma_first = torch._standard_gamma(first)
            y = gamma_first / (gamma_first + torch._standard_gamma(second))
            direction = torch.randn(shape + (self.n - 1, self.n - 1), dtype=self.eta.dtype,
                                    device=self.eta.device).tril()
            rows = direction / torch.linalg.vector_norm(direction, dim=-1, keepdim=True)
            rows = rows * y.sqrt().unsqueeze(-1)
            factor = torch.zeros(shape + (self.n, self.n), dtype=self.eta.dtype,
                                 device=self.eta.device)
            factor[..., 1:, :-1] = rows
            squared = (factor ** 2).sum(-1)
            tiny = torch.finfo(factor.dtype).tiny
            factor = factor + torch.diag_embed((1 - squared).clamp(min=tiny).sqrt())
        return factor

    def log_prob(self, value: Tensor) -> Tensor:
        diagonal = value.diagonal(dim1=-2, dim2=-1)
        inside = (diagonal > 0).all(-1)
        safe = torch.where(inside[..., None, None], value,
                           torch.eye(self.n, dtype=value.dtype, device=value.device))
        return torch.where(inside, self._torch.log_prob(safe), -math.inf)
