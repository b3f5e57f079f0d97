"""Beta distribution, PyMC's ``Beta(alpha, beta | mu, sigma | mu, nu)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from ._special import log_betainc, log_betaincc
from .distribution import Continuous

__all__ = ["Beta"]


class Beta(Continuous):
    r"""Beta distribution on the unit interval.

    .. math:: \log p(x) = (\alpha - 1) \log x + (\beta - 1) \log(1 - x) - \log B(\alpha, \beta)

    Parameters
    ----------
    alpha, beta : float or Tensor
        Shapes, both ``> 0``.
    mu : float or Tensor, optional
        Mean in ``(0, 1)``, with either ``sigma`` (standard deviation, ``sigma**2 < mu (1 - mu)``)
        or ``nu`` (concentration ``alpha + beta``, ``> 0``) instead of ``alpha`` and ``beta``.
    sigma, nu : float or Tensor, optional
        See ``mu``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import Beta
    >>> Beta(mu=0.5, nu=4.0).log_prob(torch.tensor([0.5, 1.5]))
    tensor([0.4055,   -inf])
    >>> Beta(2.0, 3.0).cdf(torch.tensor(0.5))
    tensor(0.6875)
    """

    arg_constraints = {"alpha": constraints.positive, "beta": constraints.positive,
                       "mu": constraints.unit_interval,
                       "sigma": constraints.positive, "nu": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, alpha=None, beta=None, *, mu=None, sigma=None, nu=None,
                 validate_args=False):
        if mu is not None:
            if alpha is not None or beta is not None or (sigma is None) == (nu is None):
                raise ValueError("Beta: give alpha and beta, or mu with one of sigma or nu")
            if nu is None:
                mu, sigma = broadcast_parameters(mu, sigma)
                nu = mu * (1 - mu) / sigma ** 2 - 1
            mu, nu = broadcast_parameters(mu, nu)
            alpha, beta = mu * nu, (1 - mu) * nu
        elif alpha is None or beta is None or sigma is not None or nu is not None:
            raise ValueError("Beta: give alpha and beta, or mu with one of sigma or nu")
        self.alpha, self.beta = broadcast_parameters(alpha, beta)
        super().__init__(self.alpha.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.alpha / (self.alpha + self.beta)

    @property
    def variance(self) -> Tensor:
        total = self.alpha + self.beta
        return self.alpha * self.beta / (total ** 2 * (total + 1))

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        # torch's Dirichlet draw is reparameterised and guards the tiny-alpha underflow.
        shape = self._extended_shape(torch.Size(sample_shape))
        concentration = torch.stack([self.alpha.expand(shape), self.beta.expand(shape)], -1)
        dirichlet = torch.distributions.Dirichlet(concentration, validate_args=False)
        return dirichlet.rsample()[..., 0]

    def log_prob(self, value: Tensor) -> Tensor:
        inside = (value >= 0) & (value <= 1)
        x = torch.where(inside, value, 0.5)
        log_beta = (torch.lgamma(self.alpha) + torch.lgamma(self.beta)
                    - torch.lgamma(self.alpha + self.beta))
        logp = torch.xlogy(self.alpha - 1, x) + torch.special.xlog1py(self.beta - 1, -x) - log_beta
        return torch.where(inside, logp, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        return self.logcdf(value).exp()

    def logcdf(self, value: Tensor) -> Tensor:
        return log_betainc(self.alpha, self.beta, value)

    def logccdf(self, value: Tensor) -> Tensor:
        return log_betaincc(self.alpha, self.beta, value)

    def entropy(self) -> Tensor:
        total = self.alpha + self.beta
        log_beta = torch.lgamma(self.alpha) + torch.lgamma(self.beta) - torch.lgamma(total)
        return (log_beta - (self.alpha - 1) * torch.digamma(self.alpha)
                - (self.beta - 1) * torch.digamma(self.beta) + (total - 2) * torch.digamma(total))
