"""Gamma distribution, PyMC's ``Gamma(alpha, beta | mu, sigma)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Continuous

__all__ = ["Gamma"]

_ICDF_STEPS = 40


class Gamma(Continuous):
    r"""Gamma distribution with shape ``alpha`` and rate ``beta`` (or mean and standard deviation).

    .. math:: \log p(x) = \alpha \log \beta - \log \Gamma(\alpha) + (\alpha - 1) \log x - \beta x,
              \quad x \ge 0

    Parameters
    ----------
    alpha, beta : float or Tensor
        Shape and rate, both ``> 0``.
    mu, sigma : float or Tensor, optional
        Mean and standard deviation, both ``> 0``, instead of ``alpha`` and ``beta``
        (``alpha = mu**2 / sigma**2``, ``beta = mu / sigma**2``).

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import Gamma
    >>> Gamma(mu=2.0, sigma=1.0).log_prob(torch.tensor([1.0, -1.0]))
    tensor([-1.0192,    -inf])
    """

    arg_constraints = {"alpha": constraints.positive, "beta": constraints.positive,
                       "mu": constraints.positive, "sigma": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, alpha=None, beta=None, *, mu=None, sigma=None, validate_args=False):
        if mu is not None or sigma is not None:
            if alpha is not None or beta is not None or mu is None or sigma is None:
                raise ValueError("Gamma: give alpha and beta, or mu and sigma")
            mu, sigma = broadcast_parameters(mu, sigma)
            alpha, beta = (mu / sigma) ** 2, mu / sigma ** 2
        elif alpha is None or beta is None:
            raise ValueError("Gamma: give alpha and beta, or mu and sigma")
        self.alpha, self.beta = broadcast_parameters(alpha, beta)
        super().__init__(self.alpha.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.alpha / self.beta

    @property
    def mode(self) -> Tensor:
        return ((self.alpha - 1) / self.beta).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        return self.alpha / self.beta ** 2

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        # torch._standard_gamma is differentiable in alpha (implicit reparameterisation).
        shape = self._extended_shape(torch.Size(sample_shape))
        draws = torch._standard_gamma(self.alpha.expand(shape)) / self.beta.expand(shape)
        return draws.clamp(min=torch.finfo(draws.dtype).tiny)

    def log_prob(self, value: Tensor) -> Tensor:
        inside = value >= 0
        x = torch.where(inside, value, 1.0)
        # xlogy makes (alpha - 1) log x at x = 0 exact for alpha = 1 instead of 0 * -inf.
        logp = (torch.xlogy(self.alpha, self.beta) + torch.xlogy(self.alpha - 1, x)
                - self.beta * x - torch.lgamma(self.alpha))
        return torch.where(inside, logp, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        return torch.special.gammainc(self.alpha, self.beta * value.clamp(min=0))

    def logcdf(self, value: Tensor) -> Tensor:
        # The regularised P and Q are each accurate where they are small: log one, log1p the other.
        x = self.beta * value.clamp(min=0)
        lower = torch.special.gammainc(self.alpha, x)
        upper = torch.special.gammaincc(self.alpha, x)
        return torch.where(lower < 0.5, torch.log(lower), torch.log1p(-upper))

    def logccdf(self, value: Tensor) -> Tensor:
        x = self.beta * value.clamp(min=0)
        lower = torch.special.gammainc(self.alpha, x)
        upper = torch.special.gammaincc(self.alpha, x)
        return torch.where(upper < 0.5, torch.log(upper), torch.log1p(-lower))

    def icdf(self, value: Tensor) -> Tensor:
        """Quantile function: Newton's method on ``log x`` against the log of whichever of the
        regularised P and Q is the smaller tail, from a Wilson-Hilferty start (a fixed number of
        steps, so no host synchronisation; no gradient in ``alpha``, as ``gammainc`` has none)."""
        alpha = self.alpha
        q = value.to(alpha.dtype)
        lower_tail = q < 0.5
        log_target = torch.where(lower_tail, torch.log(q), torch.log1p(-q))
        z = torch.special.ndtri(q)
        wilson_hilferty = alpha * (1 - 1 / (9 * alpha) + z / (3 * alpha.sqrt())) ** 3
        small = torch.exp((torch.log(q) + torch.lgamma(alpha + 1)) / alpha)   # P ~ x^a / G(a+1)
        log_x = torch.where(wilson_hilferty > small, wilson_hilferty, small).clamp(
            min=torch.finfo(alpha.dtype).tiny).log()
        for _ in range(_ICDF_STEPS):
            x = log_x.exp()
            tail = torch.where(lower_tail, torch.special.gammainc(alpha, x),
                               torch.special.gammaincc(alpha, x))
            # d(log tail)/d(log x) = +-x * density / tail, density of the standard gamma
            log_slope = alpha * log_x - x - torch.lgamma(alpha) - torch.log(tail)
            sign = torch.where(lower_tail, 1.0, -1.0)
            step = (torch.log(tail) - log_target) / (sign * log_slope.exp())
            log_x = log_x - step.nan_to_num(0.0).clamp(-2.0, 2.0)
        out = log_x.exp() / self.beta
        out = torch.where(q <= 0, 0.0, out)
        return torch.where(q >= 1, math.inf, out)

    def entropy(self) -> Tensor:
        return (self.alpha - self.beta.log() + torch.lgamma(self.alpha)
                + (1 - self.alpha) * torch.digamma(self.alpha))
