"""Half-Student-t distribution, PyMC's ``HalfStudentT(nu, sigma | lam)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Continuous
from .student_t import _log_gamma_ratio, _log_tails

__all__ = ["HalfStudentT"]


class HalfStudentT(Continuous):
    r"""A Student's t distribution centred at zero folded onto the non-negative reals.

    .. math:: \log p(x) = \log 2 + \log\Gamma(\tfrac{\nu+1}{2}) - \log\Gamma(\tfrac{\nu}{2})
              - \tfrac12 \log(\nu\pi\sigma^2)
              - \tfrac{\nu+1}{2}\log\bigl(1 + \tfrac{x^2}{\nu\sigma^2}\bigr), \quad x \ge 0

    Parameters
    ----------
    nu : float or Tensor
        Degrees of freedom, ``> 0`` (``nu = 1`` is the half-Cauchy).
    sigma : float or Tensor
        Scale, ``> 0``; or give ``lam = sigma ** -2``.
    lam : float or Tensor, optional
        Precision-like scale, ``> 0``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import HalfStudentT
    >>> HalfStudentT(nu=3.0, sigma=1.0).log_prob(torch.tensor([0.0, -1.0]))
    tensor([-0.3077,    -inf])
    >>> HalfStudentT(nu=1.0).cdf(torch.tensor([-1.0, 1.0]))
    tensor([0.0000, 0.5000])
    """

    arg_constraints = {"nu": constraints.positive, "sigma": constraints.positive,
                       "lam": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, nu=1.0, sigma=None, *, lam=None, validate_args=False):
        if sigma is not None and lam is not None:
            raise ValueError("HalfStudentT: give sigma or lam, not both")
        if sigma is None:
            sigma = 1.0 if lam is None else broadcast_parameters(lam)[0] ** -0.5
        self.nu, self.sigma = broadcast_parameters(nu, sigma)
        super().__init__(self.nu.shape, validate_args=validate_args)

    @property
    def lam(self) -> Tensor:
        return self.sigma ** -2

    @property
    def mean(self) -> Tensor:
        log_ratio = torch.lgamma(0.5 * (self.nu + 1)) - torch.lgamma(0.5 * self.nu)
        finite = (2 * self.sigma * torch.sqrt(self.nu / math.pi) * torch.exp(log_ratio)
                  / (self.nu - 1))
        return torch.where(self.nu > 1, finite, math.inf)

    @property
    def variance(self) -> Tensor:
        second = self.sigma ** 2 * self.nu / (self.nu - 2)
        return torch.where(self.nu > 2, second - self.mean ** 2, math.inf)

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        # |sigma z / sqrt(g / (nu/2))| with g ~ Gamma(nu / 2, 1), reparameterised.
        shape = self._extended_shape(torch.Size(sample_shape))
        z = torch.randn(shape, dtype=self.nu.dtype, device=self.nu.device)
        half_nu = 0.5 * self.nu.expand(shape)
        gamma = torch._standard_gamma(half_nu).clamp(min=torch.finfo(z.dtype).tiny)
        return self.sigma * (z * torch.rsqrt(gamma / half_nu)).abs()

    def log_prob(self, value: Tensor) -> Tensor:
        z = value / self.sigma
        half_nu = 0.5 * self.nu
        logp = (math.log(2) + _log_gamma_ratio(half_nu)
                - 0.5 * torch.log(self.nu * math.pi) - self.sigma.log()
                - (half_nu + 0.5) * torch.log1p(z * z / self.nu))
        return torch.where(value >= 0, logp, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        return self.logcdf(value).exp()

    def logcdf(self, value: Tensor) -> Tensor:
        _, log_body = _log_tails(value / self.sigma, self.nu)
        return torch.where(value >= 0, log_body, -math.inf)

    def logccdf(self, value: Tensor) -> Tensor:
        log_tail, _ = _log_tails(value / self.sigma, self.nu)
        return torch.where(value >= 0, log_tail, 0.0)
