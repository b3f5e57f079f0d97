"""Binomial distribution, PyMC's ``Binomial(n, p | logit_p)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor
from torch.nn.functional import softplus

from . import constraints
from ._broadcast import broadcast_parameters
from ._special import log_betainc, log_betaincc
from .distribution import Discrete

__all__ = ["Binomial"]


class Binomial(Discrete):
    r"""Number of successes in ``n`` independent trials that each succeed with probability ``p``.

    .. math:: \log p(k) = \log\binom{n}{k} + k \log p + (n - k) \log(1 - p),
              \quad k = 0, \ldots, n

    Parameters
    ----------
    n : int or Tensor
        Number of trials, a non-negative integer.
    p : float or Tensor
        Probability of success, in ``[0, 1]``.
    logit_p : float or Tensor, optional
        ``log(p / (1 - p))`` instead of ``p``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import Binomial
    >>> Binomial(10, 0.5).log_prob(torch.tensor([5.0, 11.0]))
    tensor([-1.4020,    -inf])
    """

    arg_constraints = {"n": constraints.nonnegative_integer, "p": constraints.unit_interval,
                       "logit_p": constraints.real}

    def __init__(self, n, p=None, *, logit_p=None, validate_args=False):
        if (p is None) == (logit_p is None):
            raise ValueError("Binomial: give exactly one of p or logit_p")
        self._from_logit = logit_p is not None
        self.n, self._parameter = broadcast_parameters(n, logit_p if self._from_logit else p)
        super().__init__(self.n.shape, validate_args=validate_args)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self.n)

    @property
    def p(self) -> Tensor:
        return torch.sigmoid(self._parameter) if self._from_logit else self._parameter

    @property
    def logit_p(self) -> Tensor:
        return self._parameter if self._from_logit else torch.special.logit(self._parameter)

    @property
    def mean(self) -> Tensor:
        return self.n * self.p

    @property
    def mode(self) -> Tensor:
        return ((self.n + 1) * self.p).floor().clamp(max=self.n)

    @property
    def variance(self) -> Tensor:
        return self.n * self.p * (1 - self.p)

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        with torch.no_grad():
            return torch.binomial(self.n.expand(shape), self.p.expand(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        inside = (value >= 0) & (value <= self.n) & (value == value.floor())
        k = torch.where(inside, value, 0.0)
        log_choose = torch.lgamma(self.n + 1) - torch.lgamma(k + 1) - torch.lgamma(self.n - k + 1)
        if self._from_logit:
            # k logit - n log(1 + e^logit) = k log p + (n - k) log(1 - p), without overflow.
            logp = log_choose + k * self._parameter - self.n * softplus(self._parameter)
        else:
            logp = (log_choose + torch.xlogy(k, self._parameter)
                    + torch.special.xlog1py(self.n - k, -self._parameter))
        return torch.where(inside, logp, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        return self.logcdf(value).exp()

    def logcdf(self, value: Tensor) -> Tensor:
        # P(K <= k) = 1 - I_p(k + 1, n - k) for 0 <= k < n, evaluated at p itself (not 1 - p,
        # which rounds away a small p).
        k = value.floor().clamp(min=0)
        below_n = k < self.n
        logcdf = log_betaincc(k + 1, torch.where(below_n, self.n - k, 1.0), self.p)
        logcdf = torch.where(below_n, logcdf, 0.0)
        return torch.where(value >= 0, logcdf, -math.inf)

    def logccdf(self, value: Tensor) -> Tensor:
        k = value.floor().clamp(min=0)
        below_n = k < self.n
        logccdf = log_betainc(k + 1, torch.where(below_n, self.n - k, 1.0), self.p)
        logccdf = torch.where(below_n, logccdf, -math.inf)
        return torch.where(value >= 0, logccdf, 0.0)
