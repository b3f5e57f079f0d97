"""Beta-binomial distribution, PyMC's ``BetaBinomial(alpha, beta, n)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Discrete

__all__ = ["BetaBinomial"]


def _log_beta(a: Tensor, b: Tensor) -> Tensor:
    return torch.lgamma(a) + torch.lgamma(b) - torch.lgamma(a + b)


class BetaBinomial(Discrete):
    r"""Successes in ``n`` trials whose shared success probability is Beta(alpha, beta).

    .. math:: \log p(k) = \log\binom{n}{k} + \log B(k + \alpha, n - k + \beta)
              - \log B(\alpha, \beta), \quad k = 0, \ldots, n

    Parameters
    ----------
    alpha, beta : float or Tensor
        Shapes of the Beta prior on the success probability, ``> 0``.
    n : int or Tensor
        Number of trials, a non-negative integer.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import BetaBinomial
    >>> BetaBinomial(1.0, 1.0, 4).log_prob(torch.tensor([0.0, 5.0]))
    tensor([-1.6094,    -inf])
    """

    arg_constraints = {"alpha": constraints.positive, "beta": constraints.positive,
                       "n": constraints.nonnegative_integer}

    def __init__(self, alpha, beta, n, *, validate_args=False):
        self.alpha, self.beta, self.n = broadcast_parameters(alpha, beta, n)
        super().__init__(self.n.shape, validate_args=validate_args)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self.n)

    @property
    def mean(self) -> Tensor:
        return self.n * self.alpha / (self.alpha + self.beta)

    @property
    def variance(self) -> Tensor:
        total = self.alpha + self.beta
        return (self.n * self.alpha * self.beta * (total + self.n)
                / (total ** 2 * (total + 1)))

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        with torch.no_grad():
            first = torch._standard_gamma(self.alpha.expand(shape))
            p = first / (first + torch._standard_gamma(self.beta.expand(shape)))
            return torch.binomial(self.n.expand(shape), p.nan_to_num(0.0))

    def log_prob(self, value: Tensor) -> Tensor:
        inside = (value >= 0) & (value <= self.n) & (value == value.floor())
        k = torch.where(inside, value, 0.0)
        log_choose = torch.lgamma(self.n + 1) - torch.lgamma(k + 1) - torch.lgamma(self.n - k + 1)
        logp = (log_choose + _log_beta(k + self.alpha, self.n - k + self.beta)
                - _log_beta(self.alpha, self.beta))
        return torch.where(inside, logp, -math.inf)
