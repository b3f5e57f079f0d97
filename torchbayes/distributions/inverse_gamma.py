"""Inverse-gamma distribution, PyMC's ``InverseGamma(alpha, beta | mu, sigma)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Continuous

__all__ = ["InverseGamma"]


class InverseGamma(Continuous):
    r"""The distribution of ``1 / y`` for ``y ~ Gamma(alpha, beta)``.

    .. math:: \log p(x) = \alpha \log\beta - \log\Gamma(\alpha) - (\alpha + 1) \log x - \beta / x,
              \quad x > 0

    Parameters
    ----------
    alpha, beta : float or Tensor
        Shape and scale, both ``> 0``.
    mu, sigma : float or Tensor, optional
        Mean and standard deviation instead (``alpha = (mu / sigma)^2 + 2``,
        ``beta = mu (alpha - 1)``).

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import InverseGamma
    >>> InverseGamma(3.0, 2.0).log_prob(torch.tensor([1.0, 0.0]))
    tensor([-0.6137,    -inf])
    """

    arg_constraints = {"alpha": constraints.positive, "beta": constraints.positive,
                       "mu": constraints.positive, "sigma": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, alpha=None, beta=None, *, mu=None, sigma=None, validate_args=False):
        if mu is not None or sigma is not None:
            if alpha is not None or beta is not None or mu is None or sigma is None:
                raise ValueError("InverseGamma: give alpha and beta, or mu and sigma")
            mu, sigma = broadcast_parameters(mu, sigma)
            alpha = (mu / sigma) ** 2 + 2
            beta = mu * (alpha - 1)
        elif alpha is None or beta is None:
            raise ValueError("InverseGamma: give alpha and beta, or mu and sigma")
        self.alpha, self.beta = broadcast_parameters(alpha, beta)
        super().__init__(self.alpha.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return torch.where(self.alpha > 1, self.beta / (self.alpha - 1), math.inf)

    @property
    def mode(self) -> Tensor:
        return self.beta / (self.alpha + 1)

    @property
    def variance(self) -> Tensor:
        finite = self.beta ** 2 / ((self.alpha - 1) ** 2 * (self.alpha - 2))
        return torch.where(self.alpha > 2, finite, math.inf)

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        gamma = torch._standard_gamma(self.alpha.expand(shape))
        return self.beta / gamma.clamp(min=torch.finfo(gamma.dtype).tiny)

    def log_prob(self, value: Tensor) -> Tensor:
        inside = value > 0
        x = torch.where(inside, value, 1.0)
        logp = (self.alpha * self.beta.log() - torch.lgamma(self.alpha)
                - (self.alpha + 1) * x.log() - self.beta / x)
        return torch.where(inside, logp, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        inside = value > 0
        x = torch.where(inside, value, 1.0)
        return torch.where(inside, torch.special.gammaincc(self.alpha, self.beta / x), 0.0)

    def logcdf(self, value: Tensor) -> Tensor:
        # cdf(x) = Q(alpha, beta / x): log Q where it is small, log1p(-P) where it is near one.
        inside = value > 0
        x = self.beta / torch.where(inside, value, 1.0)
        upper = torch.special.gammaincc(self.alpha, x)
        lower = torch.special.gammainc(self.alpha, x)
        logcdf = torch.where(upper < 0.5, torch.log(upper), torch.log1p(-lower))
        return torch.where(inside, logcdf, -math.inf)
