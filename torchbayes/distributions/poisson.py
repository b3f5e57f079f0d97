"""Poisson distribution, PyMC's ``Poisson(mu)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Discrete

__all__ = ["Poisson"]


class Poisson(Discrete):
    r"""Counts of events that arrive independently at rate ``mu``.

    .. math:: \log p(k) = k \log \mu - \mu - \log k!, \quad k = 0, 1, 2, \ldots

    Parameters
    ----------
    mu : float or Tensor
        Expected count, ``>= 0``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import Poisson
    >>> Poisson(3.0).log_prob(torch.tensor([2.0, 2.5, -1.0]))
    tensor([-1.4959,    -inf,    -inf])
    """

    arg_constraints = {"mu": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, mu, *, validate_args=False):
        (self.mu,) = broadcast_parameters(mu)
        super().__init__(self.mu.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.mu

    @property
    def mode(self) -> Tensor:
        return self.mu.floor()

    @property
    def variance(self) -> Tensor:
        return self.mu

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        with torch.no_grad():
            return torch.poisson(self.mu.expand(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        inside = (value >= 0) & (value == value.floor())
        k = torch.where(inside, value, 0.0)
        logp = torch.xlogy(k, self.mu) - self.mu - torch.lgamma(k + 1)
        return torch.where(inside, logp, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        k = value.floor()
        upper = torch.special.gammaincc(k.clamp(min=0) + 1, self.mu)
        return torch.where(k >= 0, upper, 0.0)

    def logcdf(self, value: Tensor) -> Tensor:
        # cdf(k) = Q(k + 1, mu): log Q where it is small, log1p(-P) near one.
        k = value.floor().clamp(min=0) + 1
        upper = torch.special.gammaincc(k, self.mu)
        lower = torch.special.gammainc(k, self.mu)
        logcdf = torch.where(upper < 0.5, torch.log(upper), torch.log1p(-lower))
        return torch.where(value >= 0, logcdf, -math.inf)
