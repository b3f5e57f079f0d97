"""Bernoulli distribution, PyMC's ``Bernoulli(p | logit_p)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor
from torch.nn.functional import softplus

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Discrete

__all__ = ["Bernoulli"]


class Bernoulli(Discrete):
    r"""One trial that succeeds (1) with probability ``p`` and fails (0) otherwise.

    .. math:: \log p(x) = x \log p + (1 - x) \log(1 - p), \quad x \in \{0, 1\}

    Parameters
    ----------
    p : float or Tensor
        Probability of success, in ``[0, 1]``.
    logit_p : float or Tensor, optional
        ``log(p / (1 - p))`` instead of ``p``; the density is then computed in logit space.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import Bernoulli
    >>> Bernoulli(logit_p=0.0).log_prob(torch.tensor([1.0, 0.5]))
    tensor([-0.6931,    -inf])
    """

    arg_constraints = {"p": constraints.unit_interval, "logit_p": constraints.real}
    support = constraints.boolean

    def __init__(self, p=None, *, logit_p=None, validate_args=False):
        if (p is None) == (logit_p is None):
            raise ValueError("Bernoulli: give exactly one of p or logit_p")
        self._from_logit = logit_p is not None
        (self._parameter,) = broadcast_parameters(logit_p if self._from_logit else p)
        super().__init__(self._parameter.shape, validate_args=validate_args)

    @property
    def p(self) -> Tensor:
        return torch.sigmoid(self._parameter) if self._from_logit else self._parameter

    @property
    def logit_p(self) -> Tensor:
        return self._parameter if self._from_logit else torch.special.logit(self._parameter)

    @property
    def mean(self) -> Tensor:
        return self.p

    @property
    def mode(self) -> Tensor:
        return (self.p > 0.5).to(self._parameter.dtype)

    @property
    def variance(self) -> Tensor:
        return self.p * (1 - self.p)

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        with torch.no_grad():
            return torch.bernoulli(self.p.expand(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._from_logit:
            # x * logit - log(1 + e^logit), the stable binary cross-entropy.
            logp = value * self._parameter - softplus(self._parameter)
        else:
            p = self._parameter
            logp = torch.xlogy(value, p) + torch.special.xlog1py(1 - value, -p)
        inside = (value == 0) | (value == 1)
        return torch.where(inside, logp, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        failure = 1 - self.p
        return torch.where(value < 0, 0.0, torch.where(value < 1, failure, 1.0))

    def logcdf(self, value: Tensor) -> Tensor:
        log_failure = -softplus(self.logit_p) if self._from_logit else torch.log1p(-self.p)
        return torch.where(value < 0, -math.inf, torch.where(value < 1, log_failure, 0.0))

    def entropy(self) -> Tensor:
        return -(torch.xlogy(self.p, self.p) + torch.special.xlog1py(1 - self.p, -self.p))
