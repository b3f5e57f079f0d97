"""Conditional autoregression, PyMC's ``CAR(mu, W, alpha, tau)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import promote_parameters
from .distribution import Continuous

__all__ = ["CAR"]

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class CAR(Continuous):
    r"""Multivariate normal over ``k`` areas whose precision follows an adjacency matrix ``W``.

    The precision is :math:`Q = \tau (D - \alpha W)` with :math:`D = \operatorname{diag}(W 1)`
    (the number of neighbours). With :math:`\lambda_i` the eigenvalues of
    :math:`D^{-1/2} W D^{-1/2}` (computed once per distribution),

    .. math:: \log p(x) = \tfrac12\Bigl[k \log\tau + \sum_i \log D_{ii}
              + \sum_i \log(1 - \alpha\lambda_i) - \delta^\top Q \delta\Bigr]
              - \tfrac{k}{2}\log 2\pi, \quad \delta = x - \mu

    This is the normalised density; PyMC's ``CAR.logp`` leaves out the constant
    :math:`\tfrac12 \sum_i \log D_{ii} - \tfrac{k}{2}\log 2\pi`.

    Parameters
    ----------
    mu : Tensor, shape ``(..., k)``
        Mean vector.
    W : Tensor, shape ``(k, k)``
        Symmetric adjacency matrix (non-negative weights, every area with a neighbour).
    alpha : float or Tensor
        Autoregression strength, in ``(-1, 1)``.
    tau : float or Tensor
        Precision scale, ``> 0``.

    References
    ----------
    Jin, Carlin and Banerjee (2005), Generalized hierarchical multivariate CAR models for
    areal data, Biometrics 61(4).

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import CAR
    >>> W = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    >>> CAR(torch.zeros(2), W, 0.5, 1.0).log_prob(torch.zeros(2))
    tensor(-1.9817)
    """

    arg_constraints = {"mu": constraints.real_vector, "W": constraints.symmetric,
                       "alpha": constraints.interval(-1.0, 1.0), "tau": constraints.positive}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, mu, W, alpha, tau, *, validate_args=False):
        mu, W, alpha, tau = promote_parameters(mu, W, alpha, tau)
        size = W.shape[-1]
        if mu.dim() == 0:
            mu = mu.expand(size)
        batch_shape = torch.broadcast_shapes(mu.shape[:-1], W.shape[:-2], alpha.shape, tau.shape)
        self.mu = mu.expand(batch_shape + (size,))
        self.W = W
        self.alpha, self.tau = alpha.expand(batch_shape), tau.expand(batch_shape)
        self._degree = W.sum(-1)
        scale = self._degree.rsqrt()
        self._eigenvalues = torch.linalg.eigvalsh(scale.unsqueeze(-1) * W * scale.unsqueeze(-2))
        super().__init__(batch_shape, torch.Size([size]), validate_args=validate_args)

    @property
    def precision(self) -> Tensor:
        """``tau (D - alpha W)``, shape ``batch_shape + (k, k)``."""
        alpha, tau = self.alpha[..., None, None], self.tau[..., None, None]
        return tau * (torch.diag_embed(self._degree) - alpha * self.W)

    @property
    def mean(self) -> Tensor:
        return self.mu

    @property
    def variance(self) -> Tensor:
        return torch.cholesky_inverse(torch.linalg.cholesky(self.precision)).diagonal(
            dim1=-2, dim2=-1)

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        # x = mu + L^{-T} z with Q = L L^T has covariance Q^{-1}.
        shape = self._extended_shape(torch.Size(sample_shape))
        eps = torch.randn(shape, dtype=self.mu.dtype, device=self.mu.device)
        chol = torch.linalg.cholesky(self.precision)
        chol = chol.expand(shape[:-1] + chol.shape[-2:])
        solved = torch.linalg.solve_triangular(chol.transpose(-1, -2), eps.unsqueeze(-1),
                                               upper=True)
        return self.mu + solved.squeeze(-1)

    def log_prob(self, value: Tensor) -> Tensor:
        difference = value - self.mu
        neighbours = (difference.unsqueeze(-2) @ self.W).squeeze(-2)
        quadratic = self.tau * (self._degree * difference ** 2
                                - self.alpha.unsqueeze(-1) * difference * neighbours).sum(-1)
        size = self.event_shape[0]
        log_det = (size * torch.log(self.tau) + self._degree.log().sum(-1)
                   + torch.log1p(-self.alpha.unsqueeze(-1) * self._eigenvalues).sum(-1))
        return 0.5 * (log_det - quadratic) - size * _HALF_LOG_2PI
