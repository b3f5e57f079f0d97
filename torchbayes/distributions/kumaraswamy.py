"""Kumaraswamy distribution, PyMC's ``Kumaraswamy(a, b)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Continuous

__all__ = ["Kumaraswamy"]


def _log1mexp(x: Tensor) -> Tensor:
    """``log(1 - exp(-x))`` for ``x >= 0`` without cancellation."""
    return torch.where(x < math.log(2), torch.log(-torch.expm1(-x)), torch.log1p(-torch.exp(-x)))


class Kumaraswamy(Continuous):
    r"""Beta-like distribution on the unit interval with a closed-form cdf.

    .. math:: \log p(x) = \log(ab) + (a - 1) \log x + (b - 1) \log(1 - x^a), \quad 0 \le x \le 1

    Parameters
    ----------
    a, b : float or Tensor
        Shapes, both ``> 0``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import Kumaraswamy
    >>> Kumaraswamy(2.0, 3.0).log_prob(torch.tensor([0.5, 1.5]))
    tensor([0.5232,   -inf])
    """

    arg_constraints = {"a": constraints.positive, "b": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, a, b, *, validate_args=False):
        self.a, self.b = broadcast_parameters(a, b)
        super().__init__(self.a.shape, validate_args=validate_args)

    def _raw_moment(self, order: int) -> Tensor:
        # E[x^k] = b B(1 + k / a, b).
        first = 1 + order / self.a
        log_beta = torch.lgamma(first) + torch.lgamma(self.b) - torch.lgamma(first + self.b)
        return self.b * torch.exp(log_beta)

    @property
    def mean(self) -> Tensor:
        return self._raw_moment(1)

    @property
    def variance(self) -> Tensor:
        return self._raw_moment(2) - self._raw_moment(1) ** 2

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        u = torch.rand(shape, dtype=self.a.dtype, device=self.a.device)
        return self.icdf(u)

    def log_prob(self, value: Tensor) -> Tensor:
        inside = (value >= 0) & (value <= 1)
        x = torch.where(inside, value, 0.5)
        # At x = 1 with b = 1 the last term is 0 * -inf: it is 0 (so is xlogy's first term).
        last = torch.where(self.b == 1, 0.0, (self.b - 1) * self._log1m_power(x))
        logp = torch.log(self.a * self.b) + torch.xlogy(self.a - 1, x) + last
        return torch.where(inside, logp, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        return -torch.expm1(self._log_survival(value))

    def logcdf(self, value: Tensor) -> Tensor:
        return _log1mexp(-self._log_survival(value))

    def _log1m_power(self, x: Tensor) -> Tensor:
        """``log(1 - x^a)``: log1p while ``x^a`` is small, ``log(-expm1(a log x))`` near 1."""
        log_power = self.a * x.log()
        return torch.where(log_power < -math.log(2), torch.log1p(-torch.exp(log_power)),
                           torch.log(-torch.expm1(log_power)))

    def _log_survival(self, value: Tensor) -> Tensor:
        """``b log(1 - x^a)``, the log of ``1 - cdf``."""
        return self.b * self._log1m_power(value.clamp(0, 1))

    def icdf(self, value: Tensor) -> Tensor:
        # x = (1 - (1 - q)^(1/b))^(1/a), each "1 - ..." through expm1/log1p.
        return (-torch.expm1(torch.log1p(-value) / self.b)) ** (1 / self.a)
