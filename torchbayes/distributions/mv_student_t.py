"""Multivariate Student-t distribution, PyMC's ``MvStudentT(nu, mu, scale | cov | tau | chol)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import promote_parameters
from .distribution import Continuous

__all__ = ["MvStudentT"]


class MvStudentT(Continuous):
    r"""Multivariate Student-t over vectors of length ``k``: a normal over ``sqrt(chi2_nu / nu)``.

    .. math:: \log p(x) = \log\Gamma\bigl(\tfrac{\nu + k}{2}\bigr)
              - \log\Gamma\bigl(\tfrac{\nu}{2}\bigr) - \tfrac{k}{2}\log(\nu\pi)
              - \tfrac12\log|\Sigma|
              - \tfrac{\nu + k}{2}\log\bigl(1 + \delta^\top\Sigma^{-1}\delta / \nu\bigr)

    Parameters
    ----------
    nu : float or Tensor
        Degrees of freedom, ``> 0``.
    mu : Tensor, shape ``(..., k)``
        Location vector (default 0, then ``k`` comes from the matrix).
    scale : Tensor, shape ``(..., k, k)``, optional
        Scale matrix (positive definite); ``cov`` is PyMC's older name for it. Give exactly one
        of ``scale``, ``cov``, ``tau``, ``chol``.
    tau : Tensor, shape ``(..., k, k)``, optional
        Inverse of the scale matrix.
    chol : Tensor, shape ``(..., k, k)``, optional
        Lower Cholesky factor of the scale matrix.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import MvStudentT
    >>> MvStudentT(3.0, torch.zeros(2), torch.eye(2)).log_prob(torch.zeros(2))
    tensor(-1.8379)
    """

    arg_constraints = {"nu": constraints.positive, "mu": constraints.real_vector,
                       "scale": constraints.positive_definite,
                       "cov": constraints.positive_definite,
                       "tau": constraints.positive_definite, "chol": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, nu, mu=0.0, scale=None, *, cov=None, tau=None, chol=None,
                 validate_args=False):
        matrices = [m for m in (scale, cov, tau, chol) if m is not None]
        if len(matrices) != 1:
            raise ValueError("MvStudentT: give exactly one of scale, cov, tau or chol")
        nu, mu, matrix = promote_parameters(nu, mu, matrices[0])
        if chol is None and tau is None:
            chol = torch.linalg.cholesky(matrix)
        elif tau is not None:
            chol = torch.linalg.cholesky(torch.cholesky_inverse(torch.linalg.cholesky(matrix)))
        else:
            chol = matrix
        size = chol.shape[-1]
        if mu.dim() == 0:
            mu = mu.expand(size)
        batch_shape = torch.broadcast_shapes(nu.shape, mu.shape[:-1], chol.shape[:-2])
        self.nu = nu.expand(batch_shape)
        self.mu = mu.expand(batch_shape + (size,))
        self.chol = chol.expand(batch_shape + (size, size))
        super().__init__(batch_shape, torch.Size([size]), validate_args=validate_args)

    @property
    def scale(self) -> Tensor:
        return self.chol @ self.chol.transpose(-1, -2)

    @property
    def mean(self) -> Tensor:
        defined = (self.nu > 1).unsqueeze(-1)
        return torch.where(defined, self.mu, torch.nan)

    @property
    def mode(self) -> Tensor:
        return self.mu

    @property
    def variance(self) -> Tensor:
        ratio = torch.where(self.nu > 2, self.nu / (self.nu - 2), torch.inf).unsqueeze(-1)
        return ratio * (self.chol ** 2).sum(-1)

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        eps = torch.randn(shape, dtype=self.mu.dtype, device=self.mu.device)
        # chi2_nu / nu = Gamma(nu / 2, rate nu / 2); torch's gamma is differentiable in nu.
        half = (0.5 * self.nu).expand(shape[:-1])
        mixing = torch._standard_gamma(half) / half
        return self.mu + (self.chol @ eps.unsqueeze(-1)).squeeze(-1) / mixing.sqrt().unsqueeze(-1)

    def log_prob(self, value: Tensor) -> Tensor:
        difference = value - self.mu
        chol = self.chol.expand(difference.shape[:-1] + self.chol.shape[-2:])
        whitened = torch.linalg.solve_triangular(chol, difference.unsqueeze(-1), upper=False)
        distance = whitened.squeeze(-1).pow(2).sum(-1)
        size = self.event_shape[0]
        half_log_det = self.chol.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        return (torch.lgamma(0.5 * (self.nu + size)) - torch.lgamma(0.5 * self.nu)
                - 0.5 * size * torch.log(self.nu * math.pi) - half_log_det
                - 0.5 * (self.nu + size) * torch.log1p(distance / self.nu))
