"""Gaussian random walk, PyMC's ``GaussianRandomWalk(mu, sigma, init_dist, steps)``."""
from __future__ import annotations

from . import constraints
from ._broadcast import broadcast_parameters
from .normal import Normal
from .random_walk import RandomWalk

__all__ = ["GaussianRandomWalk"]


class GaussianRandomWalk(RandomWalk):
    r"""A random walk with normal increments of drift ``mu`` and scale ``sigma``.

    .. math:: \log p(x) = \log p_0(x_0)
              + \sum_{t=1}^{T-1} \log \mathcal N(x_t - x_{t-1} \mid \mu, \sigma)

    Parameters
    ----------
    mu : float or Tensor
        Drift of each increment (one per series: the batch shape).
    sigma : float or Tensor
        Standard deviation of each increment, ``> 0``.
    init_dist : Distribution, optional
        Law of ``x_0``; PyMC's default ``Normal(0, 100)``.
    steps : int
        Number of increments (the walk has ``steps + 1`` values). Inside a model it may be
        left out and read from ``shape``, ``dims`` or ``observed``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import GaussianRandomWalk, Normal
    >>> walk = GaussianRandomWalk(0.0, 1.0, init_dist=Normal(0.0, 1.0), steps=2)
    >>> round(float(walk.log_prob(torch.tensor([0.0, 1.0, 1.0]))), 4)
    -3.2568
    """

    arg_constraints = {"mu": constraints.real, "sigma": constraints.positive}
    nested_params = {"init_dist": 0}

    def __init__(self, mu=0.0, sigma=1.0, *, init_dist=None, steps=None, validate_args=False):
        self.mu, self.sigma = broadcast_parameters(mu, sigma)
        if init_dist is None:
            init_dist = Normal(self.mu.new_zeros(()), 100.0)
        super().__init__(init_dist, Normal(self.mu, self.sigma), steps,
                         validate_args=validate_args)

    @classmethod
    def steps_from_shape(cls, shape, params: dict) -> int:
        return shape[-1] - 1
