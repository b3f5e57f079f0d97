"""Discrete Weibull distribution, PyMC's ``DiscreteWeibull(q, beta)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from ._special import log1mexp
from .distribution import Discrete

__all__ = ["DiscreteWeibull"]


class DiscreteWeibull(Discrete):
    r"""Counts with a Weibull-like survival function ``P(X >= x) = q^{x^\beta}`` (Nakagawa-Osaki).

    Over- or under-dispersed relative to Poisson depending on ``beta``.

    .. math:: \log p(x) = \log\bigl(q^{x^\beta} - q^{(x + 1)^\beta}\bigr), \quad x = 0, 1, \ldots

    Parameters
    ----------
    q : float or Tensor
        Shape, in ``(0, 1)``: ``P(X >= 1)``.
    beta : float or Tensor
        Shape, ``> 0``.

    Notes
    -----
    The mean and variance are infinite series without a closed form and are not provided.

    References
    ----------
    Nakagawa and Osaki (1975), The discrete Weibull distribution, IEEE Transactions on
    Reliability 24(5).

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import DiscreteWeibull
    >>> DiscreteWeibull(0.5, 1.0).log_prob(torch.tensor([0.0, 1.0]))
    tensor([-0.6931, -1.3863])
    """

    arg_constraints = {"q": constraints.interval(0.0, 1.0), "beta": constraints.positive}
    support = constraints.nonnegative_integer

    def __init__(self, q, beta, *, validate_args=False):
        self.q, self.beta = broadcast_parameters(q, beta)
        super().__init__(self.q.shape, validate_args=validate_args)

    def _log_survival(self, x: Tensor) -> Tensor:
        """``log P(X >= x) = x^beta log q``."""
        return x ** self.beta * torch.log(self.q)

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        # Inverse cdf: the smallest x with 1 - q^((x + 1)^beta) >= u.
        shape = self._extended_shape(torch.Size(sample_shape))
        with torch.no_grad():
            u = torch.rand(shape, dtype=self.q.dtype, device=self.q.device)
            draws = torch.ceil((torch.log1p(-u) / torch.log(self.q)) ** (1 / self.beta)) - 1
            return draws.clamp(min=0)

    def log_prob(self, value: Tensor) -> Tensor:
        inside = (value >= 0) & (value == value.floor())
        x = torch.where(inside, value, 0.0)
        # log(q^a - q^b) = a log q + log(1 - q^(b - a)), a = x^beta < b = (x + 1)^beta.
        log_survival = self._log_survival(x)
        logp = log_survival + log1mexp(self._log_survival(x + 1) - log_survival)
        return torch.where(inside, logp, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        return torch.where(value >= 0, -torch.expm1(self._log_survival(value.floor() + 1)), 0.0)

    def logcdf(self, value: Tensor) -> Tensor:
        x = value.floor().clamp(min=0)
        return torch.where(value >= 0, log1mexp(self._log_survival(x + 1)), -math.inf)

    def logccdf(self, value: Tensor) -> Tensor:
        return torch.where(value >= 0, self._log_survival(value.floor().clamp(min=0) + 1), 0.0)
