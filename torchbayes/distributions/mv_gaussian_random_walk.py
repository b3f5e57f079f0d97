"""Multivariate Gaussian random walk, PyMC's ``MvGaussianRandomWalk(mu, cov | tau | chol)``."""
from __future__ import annotations

import torch

from .mv_normal import MvNormal
from .random_walk import RandomWalk

__all__ = ["MvGaussianRandomWalk"]


class MvGaussianRandomWalk(RandomWalk):
    r"""A walk of ``k``-vectors with multivariate normal increments; event shape ``(T, k)``.

    .. math:: \log p(x) = \log p_0(x_0)
              + \sum_{t=1}^{T-1} \log \mathcal N_k(x_t - x_{t-1} \mid \mu, \Sigma)

    Parameters
    ----------
    mu : Tensor, shape ``(..., k)``
        Drift of each increment.
    cov, tau, chol : Tensor, shape ``(..., k, k)``
        Covariance, precision or lower Cholesky factor of the increments (exactly one).
    init_dist : Distribution, optional
        Law of ``x_0`` (event ``(k,)``); PyMC's default ``MvNormal(0, 100 I)``.
    steps : int
        Number of increments (``T = steps + 1``); inside a model it may come from the shape.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import MvGaussianRandomWalk
    >>> walk = MvGaussianRandomWalk(torch.zeros(2), cov=torch.eye(2), steps=4)
    >>> walk.sample((3,)).shape
    torch.Size([3, 5, 2])
    """

    arg_constraints = dict(MvNormal.arg_constraints)
    nested_params = {"init_dist": 0}

    def __init__(self, mu, cov=None, *, tau=None, chol=None, init_dist=None, steps=None,
                 validate_args=False):
        innovation = MvNormal(mu, cov, tau=tau, chol=chol)
        self.mu, self.chol = innovation.mu, innovation.chol
        if init_dist is None:
            size = innovation.event_shape[0]
            eye = torch.eye(size, dtype=self.mu.dtype, device=self.mu.device)
            init_dist = MvNormal(self.mu.new_zeros(size), 100.0 * eye)
        super().__init__(init_dist, innovation, steps, validate_args=validate_args)

    @classmethod
    def steps_from_shape(cls, shape, params: dict) -> int:
        return shape[-2] - 1
