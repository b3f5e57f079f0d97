"""Gumbel distribution, PyMC's ``Gumbel(mu, beta)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Continuous

__all__ = ["Gumbel"]

_EULER_GAMMA = 0.5772156649015329


class Gumbel(Continuous):
    r"""Gumbel (type I extreme value) distribution of maxima, location ``mu``, scale ``beta``.

    .. math:: \log p(x) = -\log\beta - z - e^{-z}, \quad z = (x - \mu) / \beta

    Parameters
    ----------
    mu : float or Tensor
        Location (mode).
    beta : float or Tensor
        Scale, ``> 0``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import Gumbel
    >>> Gumbel(0.0, 1.0).log_prob(torch.tensor([0.0, 2.0]))
    tensor([-1.0000, -2.1353])
    """

    arg_constraints = {"mu": constraints.real, "beta": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, mu=0.0, beta=1.0, *, validate_args=False):
        self.mu, self.beta = broadcast_parameters(mu, beta)
        super().__init__(self.mu.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.mu + self.beta * _EULER_GAMMA

    @property
    def mode(self) -> Tensor:
        return self.mu

    @property
    def variance(self) -> Tensor:
        return (math.pi * self.beta) ** 2 / 6

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        # -log of a standard exponential draw is standard Gumbel.
        shape = self._extended_shape(torch.Size(sample_shape))
        draws = torch.empty(shape, dtype=self.mu.dtype, device=self.mu.device).exponential_()
        return self.mu - self.beta * torch.log(draws)

    def log_prob(self, value: Tensor) -> Tensor:
        z = (value - self.mu) / self.beta
        return -self.beta.log() - z - torch.exp(-z)

    def cdf(self, value: Tensor) -> Tensor:
        return torch.exp(-torch.exp(-(value - self.mu) / self.beta))

    def logcdf(self, value: Tensor) -> Tensor:
        return -torch.exp(-(value - self.mu) / self.beta)

    def logccdf(self, value: Tensor) -> Tensor:
        return torch.log(-torch.expm1(-torch.exp(-(value - self.mu) / self.beta)))

    def icdf(self, value: Tensor) -> Tensor:
        return self.mu - self.beta * torch.log(-torch.log(value))

    def entropy(self) -> Tensor:
        return self.beta.log() + 1 + _EULER_GAMMA
