"""LKJ prior on a covariance's Cholesky factor, PyMC's ``LKJCholeskyCov(eta, n, sd_dist)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Continuous, Distribution
from .lkj_corr_cholesky import LKJCorrCholesky

__all__ = ["LKJCholeskyCov"]


class LKJCholeskyCov(Continuous):
    r"""Distribution of ``L = diag(sd) C``: standard deviations times an LKJ correlation factor.

    ``sd ~ sd_dist`` (``n`` independent draws) and ``C ~ LKJCorrCholesky(n, eta)``; the value is
    the lower Cholesky factor ``L`` of the covariance ``L L^T``. Given ``L``, ``sd_i`` is the
    norm of row ``i`` and ``C = diag(1 / sd) L``. Row ``i`` of ``L`` is ``sd_i`` times a point
    of the upper half of the unit sphere in :math:`\mathbb{R}^{i+1}` whose first ``i`` entries
    are ``C``'s free entries, so (polar coordinates, and the sphere's area element over its
    first ``i`` coordinates, ``dc / C_ii``) :math:`dL_i = sd_i^{\,i} / C_{ii} \, d sd_i \, dc_i`:

    .. math:: \log p(L) = \log p_{LKJ}(C) + \sum_i \log p_{sd}(sd_i)
              + \sum_i \bigl(\log C_{ii} - i \log sd_i\bigr)

    Parameters
    ----------
    eta : float or Tensor
        LKJ concentration, ``> 0``.
    n : int
        Dimension, ``>= 2``.
    sd_dist : Distribution
        Prior of the standard deviations (positive support), of batch shape ``()`` (one prior
        for all ``n``) or ending in ``n`` (or 1), e.g. ``Exponential(torch.ones(n))``. In a
        model its parameters may be model variables (``tb.Exponential.dist(lam)``).

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import Exponential, LKJCholeskyCov
    >>> prior = LKJCholeskyCov(eta=2.0, n=2, sd_dist=Exponential(1.0))
    >>> prior.log_prob(torch.eye(2))
    tensor(-2.2877)
    """

    # n is structural (it sets the shapes): left out of arg_constraints, so a model
    # passes it unconverted, as RandomWalk's steps; the constructor checks it.
    arg_constraints = {"eta": constraints.positive,
                       "sd_dist": constraints.dependent(is_discrete=False, event_dim=1)}
    # sd_dist's trailing axis (n, or 1 when shared) lies beyond this family's batch.
    nested_params = {"sd_dist": 1}
    support = constraints.lower_cholesky

    def __init__(self, eta, n: int, sd_dist: Distribution, *, validate_args=False):
        self.n = int(n)
        sd_batch = sd_dist.batch_shape
        if len(sd_batch) > 0 and sd_batch[-1] not in (1, self.n):
            raise ValueError(f"LKJCholeskyCov: sd_dist must have batch shape () or ending in "
                             f"n={self.n} (or 1), got {tuple(sd_batch)}")
        self.sd_dist = sd_dist
        (eta,) = broadcast_parameters(eta)
        batch_shape = torch.broadcast_shapes(eta.shape, sd_batch[:-1])
        self.eta = eta.expand(batch_shape)
        self.correlation = LKJCorrCholesky(self.n, self.eta)
        super().__init__(batch_shape, torch.Size([self.n, self.n]), validate_args=validate_args)

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        sample_shape = torch.Size(sample_shape)
        target = sample_shape + self.batch_shape + (self.n,)
        leading = target[:len(target) - len(self.sd_dist.batch_shape)]
        with torch.no_grad():
            sd = self.sd_dist.sample(leading).expand(target)
            correlation = self.correlation.sample(sample_shape)
        return sd.unsqueeze(-1) * correlation

    def log_prob(self, value: Tensor) -> Tensor:
        diagonal = value.diagonal(dim1=-2, dim2=-1)
        inside = (diagonal > 0).all(-1)
        safe = torch.where(inside[..., None, None], value,
                           torch.eye(self.n, dtype=value.dtype, device=value.device))
        sd = torch.linalg.vector_norm(safe, dim=-1)
        correlation = safe / sd.unsqueeze(-1)
        row = torch.arange(self.n, dtype=value.dtype, device=value.device)
        log_jacobian = (correlation.diagonal(dim1=-2, dim2=-1).log() - row * sd.log()).sum(-1)
        logp = (self.correlation.log_prob(correlation) + self.sd_dist.log_prob(sd).sum(-1)
                + log_jacobian)
        return torch.where(inside, logp, -math.inf)

    def standard_deviations(self, value: Tensor) -> Tensor:
        """The standard deviations ``sd`` of a factor ``L`` (its row norms), shape ``(..., n)``."""
        return torch.linalg.vector_norm(value, dim=-1)

    def correlation_cholesky(self, value: Tensor) -> Tensor:
        """The correlation Cholesky factor ``diag(1 / sd) L`` of a factor ``L``."""
        return value / self.standard_deviations(value).unsqueeze(-1)
