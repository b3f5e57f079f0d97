"""Jones and Faddy's skew-t distribution, PyMC's ``SkewStudentT(a, b, mu, sigma | lam)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Continuous

__all__ = ["SkewStudentT"]


class SkewStudentT(Continuous):
    r"""Skewed Student's t of Jones and Faddy; ``a = b = nu / 2`` is Student's t with ``nu``.

    .. math:: \log p(x) = (a + \tfrac12) \log(1 + t) + (b + \tfrac12) \log(1 - t)
              - (a + b - 1) \log 2 - \log B(a, b) - \tfrac12 \log(a + b) - \log\sigma,

    with :math:`z = (x - \mu) / \sigma` and :math:`t = z / \sqrt{a + b + z^2}`. If
    ``y ~ Beta(a, b)`` then ``sqrt(a + b) (2y - 1) / (2 sqrt(y (1 - y)))`` is standard skew-t.

    Parameters
    ----------
    a, b : float or Tensor
        Shapes, both ``> 0``; ``a > b`` skews right.
    mu : float or Tensor
        Location.
    sigma : float or Tensor
        Scale, ``> 0``; or give ``lam = sigma ** -2``.
    lam : float or Tensor, optional
        Precision-like scale, ``> 0``.

    References
    ----------
    Jones and Faddy (2003), A skew extension of the t-distribution, with applications,
    Journal of the Royal Statistical Society B 65.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import SkewStudentT
    >>> SkewStudentT(a=3.0, b=2.0).log_prob(torch.tensor([0.0, 1.0]))
    tensor([-1.0924, -1.2059])
    """

    arg_constraints = {"a": constraints.positive, "b": constraints.positive,
                       "mu": constraints.real, "sigma": constraints.positive,
                       "lam": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, a, b, mu=0.0, sigma=None, *, lam=None, validate_args=False):
        if sigma is not None and lam is not None:
            raise ValueError("SkewStudentT: give sigma or lam, not both")
        if sigma is None:
            sigma = 1.0 if lam is None else broadcast_parameters(lam)[0] ** -0.5
        self.a, self.b, self.mu, self.sigma = broadcast_parameters(a, b, mu, sigma)
        super().__init__(self.mu.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        a, b = self.a, self.b
        log_ratio = (torch.lgamma(a - 0.5) + torch.lgamma(b - 0.5)
                     - torch.lgamma(a) - torch.lgamma(b))
        standard = 0.5 * (a - b) * torch.sqrt(a + b) * torch.exp(log_ratio)
        return torch.where((a > 0.5) & (b > 0.5), self.mu + self.sigma * standard, math.nan)

    @property
    def variance(self) -> Tensor:
        a, b = self.a, self.b
        second = 0.25 * (a + b) * ((a - b) ** 2 + a + b - 2) / ((a - 1) * (b - 1))
        standard_mean = (self.mean - self.mu) / self.sigma
        finite = self.sigma ** 2 * (second - standard_mean ** 2)
        return torch.where((a > 1) & (b > 1), finite, math.inf)

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        tiny = torch.finfo(self.mu.dtype).tiny
        gamma_a = torch._standard_gamma(self.a.expand(shape)).clamp(min=tiny)
        gamma_b = torch._standard_gamma(self.b.expand(shape)).clamp(min=tiny)
        # With y = ga / (ga + gb): (2y - 1) / (2 sqrt(y (1 - y))) = (ga - gb) / (2 sqrt(ga gb)).
        standard = torch.sqrt(self.a + self.b) * (gamma_a - gamma_b) / (
            2 * torch.sqrt(gamma_a * gamma_b))
        return self.mu + self.sigma * standard

    def log_prob(self, value: Tensor) -> Tensor:
        a, b = self.a, self.b
        z = (value - self.mu) / self.sigma
        root = torch.sqrt(a + b + z * z)
        # 1 +- t as (root +- z) / root; the one that cancels is (a + b) / (root + |z|) instead.
        small = (a + b) / (root + z.abs())
        plus = torch.where(z >= 0, root + z, small) / root
        minus = torch.where(z >= 0, small, root - z) / root
        log_beta = torch.lgamma(a) + torch.lgamma(b) - torch.lgamma(a + b)
        return ((a + 0.5) * plus.log() + (b + 0.5) * minus.log() - (a + b - 1) * math.log(2)
                - log_beta - 0.5 * torch.log(a + b) - self.sigma.log())
