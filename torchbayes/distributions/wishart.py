"""Wishart distribution, PyMC's ``Wishart(nu, V)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import promote_parameters
from .distribution import Continuous

__all__ = ["Wishart"]


def _log_multivariate_gamma(a: Tensor, p: int) -> Tensor:
    """``log Gamma_p(a)`` without torch.mvlgamma's argument check (a host sync)."""
    j = torch.arange(p, dtype=a.dtype, device=a.device)
    return 0.25 * p * (p - 1) * math.log(math.pi) + torch.lgamma(a.unsqueeze(-1) - 0.5 * j).sum(-1)


class Wishart(Continuous):
    r"""Wishart distribution over ``p x p`` positive definite matrices: ``sum_i z_i z_i^T``,
    ``z_i ~ N(0, V)``, for ``nu`` degrees of freedom.

    .. math:: \log p(X) = \tfrac12\bigl[(\nu - p - 1)\log|X| - \operatorname{tr}(V^{-1}X)
              - \nu p \log 2 - \nu \log|V|\bigr] - \log\Gamma_p(\nu / 2)

    PyMC warns that a Wishart is hard to sample with MCMC; :class:`LKJCholeskyCov` is the
    usual prior for a covariance. Here the default transform maps onto positive definite
    matrices, so a free Wishart variable can be sampled.

    Parameters
    ----------
    nu : float or Tensor
        Degrees of freedom, ``> p - 1``.
    V : Tensor, shape ``(..., p, p)``
        Scale matrix, positive definite.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import Wishart
    >>> Wishart(3.0, torch.eye(2)).log_prob(torch.eye(2))
    tensor(-3.5310)
    """

    arg_constraints = {"nu": constraints.positive, "V": constraints.positive_definite}
    support = constraints.positive_definite
    has_rsample = True

    def __init__(self, nu, V, *, validate_args=False):
        nu, V = promote_parameters(nu, V)
        size = V.shape[-1]
        batch_shape = torch.broadcast_shapes(nu.shape, V.shape[:-2])
        self.nu = nu.expand(batch_shape)
        self.V = V.expand(batch_shape + (size, size))
        self.chol = torch.linalg.cholesky(self.V)
        super().__init__(batch_shape, torch.Size([size, size]), validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.nu[..., None, None] * self.V

    @property
    def variance(self) -> Tensor:
        diagonal = self.V.diagonal(dim1=-2, dim2=-1)
        outer = diagonal.unsqueeze(-1) * diagonal.unsqueeze(-2)
        return self.nu[..., None, None] * (self.V ** 2 + outer)

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        """Bartlett decomposition: ``X = L A A^T L^T``, ``A`` lower triangular with
        ``A_ii^2 ~ chi2(nu - i)`` and standard normal entries below the diagonal."""
        shape = self._extended_shape(torch.Size(sample_shape))
        size = shape[-1]
        below = torch.randn(shape, dtype=self.V.dtype, device=self.V.device).tril(-1)
        offsets = torch.arange(size, dtype=self.V.dtype, device=self.V.device)
        half_df = (0.5 * (self.nu.unsqueeze(-1) - offsets)).expand(shape[:-1])
        bartlett = below + torch.diag_embed((2 * torch._standard_gamma(half_df)).sqrt())
        factor = self.chol @ bartlett
        return factor @ factor.transpose(-1, -2)

    def log_prob(self, value: Tensor) -> Tensor:
        size = self.event_shape[0]
        factor, info = torch.linalg.cholesky_ex(value)
        tolerance = 1e3 * torch.finfo(value.dtype).eps * value.abs().amax((-2, -1))
        symmetric = ((value - value.transpose(-1, -2)).abs().amax((-2, -1)) <= tolerance)
        inside = (info == 0) & symmetric
        eye = torch.eye(size, dtype=value.dtype, device=value.device)
        factor = torch.where(inside[..., None, None], factor, eye)
        chol = self.chol.expand(factor.shape)
        log_det_value = 2 * factor.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        log_det_scale = 2 * self.chol.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        trace = torch.linalg.solve_triangular(chol, factor, upper=False).pow(2).sum((-2, -1))
        logp = (0.5 * ((self.nu - size - 1) * log_det_value - trace
                       - self.nu * size * math.log(2) - self.nu * log_det_scale)
                - _log_multivariate_gamma(0.5 * self.nu, size))
        return torch.where(inside, logp, -math.inf)
