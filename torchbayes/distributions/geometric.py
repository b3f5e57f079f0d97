"""Geometric distribution, PyMC's ``Geometric(p)``: the trial of the first success."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from ._special import log1mexp
from .distribution import Discrete

__all__ = ["Geometric"]


class Geometric(Discrete):
    r"""Number of independent trials up to and including the first success (support 1, 2, ...).

    .. math:: \log p(k) = \log p + (k - 1) \log(1 - p), \quad k = 1, 2, \ldots

    Parameters
    ----------
    p : float or Tensor
        Probability of success of each trial, in ``(0, 1]`` (``p = 0`` passes the parameter
        check, as in PyMC, and gives ``-inf`` everywhere).

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import Geometric
    >>> Geometric(0.5).log_prob(torch.tensor([1.0, 2.0, 0.0]))
    tensor([-0.6931, -1.3863,    -inf])
    """

    arg_constraints = {"p": constraints.unit_interval}
    support = constraints.positive_integer

    def __init__(self, p, *, validate_args=False):
        (self.p,) = broadcast_parameters(p)
        super().__init__(self.p.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return 1 / self.p

    @property
    def mode(self) -> Tensor:
        return torch.ones_like(self.p)

    @property
    def variance(self) -> Tensor:
        return (1 - self.p) / self.p ** 2

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        # Inverse cdf: the smallest k with 1 - (1 - p)^k >= u.
        shape = self._extended_shape(torch.Size(sample_shape))
        with torch.no_grad():
            u = torch.rand(shape, dtype=self.p.dtype, device=self.p.device)
            tiny = torch.finfo(self.p.dtype).tiny
            draws = torch.ceil(torch.log1p(-u) / torch.log1p(-self.p).clamp(max=-tiny))
            return draws.clamp(min=1)

    def log_prob(self, value: Tensor) -> Tensor:
        inside = (value >= 1) & (value == value.floor())
        k = torch.where(inside, value, 1.0)
        logp = torch.log(self.p) + torch.special.xlog1py(k - 1, -self.p)
        return torch.where(inside, logp, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        return -torch.expm1(value.floor().clamp(min=0) * torch.log1p(-self.p))

    def logcdf(self, value: Tensor) -> Tensor:
        k = value.floor().clamp(min=1)
        return torch.where(value >= 1, log1mexp(k * torch.log1p(-self.p)), -math.inf)

    def logccdf(self, value: Tensor) -> Tensor:
        return value.floor().clamp(min=0) * torch.log1p(-self.p)

    def icdf(self, value: Tensor) -> Tensor:
        k = torch.ceil(torch.log1p(-value) / torch.log1p(-self.p)).clamp(min=1)
        # The division can round up past an integer: step back where k - 1 already suffices.
        below = (k - 1).clamp(min=1)
        return torch.where((below < k) & (self.cdf(below) >= value), below, k)
