"""Negative binomial distribution, PyMC's ``NegativeBinomial(mu, alpha | p, n)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from ._special import log_betainc, log_betaincc
from .distribution import Discrete

__all__ = ["NegativeBinomial"]

# Past this alpha the gamma mixing is degenerate and lgamma differences lose every digit:
# the law is Poisson(mu) to double precision (PyMC switches at the same point).
_POISSON_LIMIT = 1e10


class NegativeBinomial(Discrete):
    r"""Counts with more spread than Poisson: a Poisson whose rate is Gamma(alpha, alpha / mu).

    .. math:: \log p(k) = \log\Gamma(k + n) - \log k! - \log\Gamma(n) + n \log p
              + k \log(1 - p), \quad p = \frac{\alpha}{\mu + \alpha}, \; n = \alpha

    Parameters
    ----------
    mu : float or Tensor
        Mean, ``> 0``. Give ``mu`` and ``alpha``, or ``p`` and ``n``.
    alpha : float or Tensor
        Dispersion (gamma shape), ``> 0``; the variance is ``mu + mu^2 / alpha``.
    p : float or Tensor
        Probability of success of each trial, in ``(0, 1]``.
    n : float or Tensor
        Number of successes to reach, ``> 0`` (need not be an integer).

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import NegativeBinomial
    >>> NegativeBinomial(mu=2.0, alpha=3.0).log_prob(torch.tensor([0.0, 1.5]))
    tensor([-1.5325,    -inf])
    """

    arg_constraints = {"mu": constraints.positive, "alpha": constraints.positive,
                       "p": constraints.unit_interval,
                       "n": constraints.positive}
    support = constraints.nonnegative_integer

    def __init__(self, mu=None, alpha=None, *, p=None, n=None, validate_args=False):
        if (mu is None) != (alpha is None) or (p is None) != (n is None) \
                or (mu is None) == (p is None):
            raise ValueError("NegativeBinomial: give mu and alpha, or p and n")
        self._from_mean = mu is not None
        first, self.n = broadcast_parameters(mu if self._from_mean else p,
                                             alpha if self._from_mean else n)
        if self._from_mean:
            self.mu = first
            self._log_p = -torch.log1p(first / self.n)
            self._q = first / (first + self.n)          # 1 - p, exact when mu << alpha
        else:
            self.mu = self.n * (1 - first) / first
            self._log_p, self._q = torch.log(first), 1 - first
        super().__init__(self.n.shape, validate_args=validate_args)

    @property
    def alpha(self) -> Tensor:
        return self.n

    @property
    def p(self) -> Tensor:
        return self._log_p.exp()

    @property
    def mean(self) -> Tensor:
        return self.mu

    @property
    def variance(self) -> Tensor:
        return self.mu + self.mu ** 2 / self.n

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        with torch.no_grad():
            rate = torch._standard_gamma(self.n.expand(shape)) * (self.mu / self.n).expand(shape)
            return torch.poisson(rate)

    def log_prob(self, value: Tensor) -> Tensor:
        inside = (value >= 0) & (value == value.floor())
        k = torch.where(inside, value, 0.0)
        logp = (torch.lgamma(k + self.n) - torch.lgamma(k + 1) - torch.lgamma(self.n)
                + self.n * self._log_p + torch.xlogy(k, self._q))
        poisson = torch.xlogy(k, self.mu) - self.mu - torch.lgamma(k + 1)
        logp = torch.where(self.n > _POISSON_LIMIT, poisson, logp)
        return torch.where(inside, logp, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        return self.logcdf(value).exp()

    def logcdf(self, value: Tensor) -> Tensor:
        # P(K <= k) = I_p(n, k + 1) = 1 - I_{1-p}(k + 1, n): the second form keeps 1 - p exact.
        k = value.floor().clamp(min=0)
        logcdf = log_betaincc(k + 1, self.n, self._q)
        return torch.where(value >= 0, logcdf, -math.inf)

    def logccdf(self, value: Tensor) -> Tensor:
        k = value.floor().clamp(min=0)
        logccdf = log_betainc(k + 1, self.n, self._q)
        return torch.where(value >= 0, logccdf, 0.0)
