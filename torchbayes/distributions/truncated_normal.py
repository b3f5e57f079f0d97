"""Truncated normal distribution, PyMC's ``TruncatedNormal(mu, sigma | tau, lower, upper)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from ._ndtr import ndtr
from .distribution import Continuous

__all__ = ["TruncatedNormal"]

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
# An absent bound stands at this many sigmas: Phi there is exactly 0 or 1, and unlike an
# infinite one it leaves finite gradients (inf * 0 would be nan).
_FAR = 1e4


def _log_diff_exp(larger: Tensor, smaller: Tensor) -> Tensor:
    """``log(exp(larger) - exp(smaller))`` for ``larger >= smaller``."""
    return larger + torch.log(-torch.expm1(smaller - larger))


class TruncatedNormal(Continuous):
    r"""A ``Normal(mu, sigma)`` restricted to ``[lower, upper]`` (either bound may be absent).

    .. math:: \log p(x) = \log\phi(z) - \log\sigma - \log(\Phi(\beta) - \Phi(\alpha)),
              \quad z = \frac{x - \mu}{\sigma}, \ \alpha = \frac{l - \mu}{\sigma},
              \ \beta = \frac{u - \mu}{\sigma}

    Probabilities of the upper tail are taken from the mirrored lower tail
    (``Phi(b) - Phi(a) = Phi(-a) - Phi(-b)``), so far-tail truncations keep their precision.

    Parameters
    ----------
    mu : float or Tensor
        Mean of the untruncated normal.
    sigma : float or Tensor
        Its standard deviation, ``> 0``; or give the precision ``tau = sigma ** -2``.
    lower, upper : float or Tensor, optional
        Bounds; ``None`` means unbounded on that side.
    tau : float or Tensor, optional
        Precision, ``> 0``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import TruncatedNormal
    >>> TruncatedNormal(0.0, 1.0, lower=0.0).log_prob(torch.tensor([0.5, -0.5]))
    tensor([-0.3508,    -inf])
    """

    arg_constraints = {"mu": constraints.real, "sigma": constraints.positive,
                       "tau": constraints.positive, "lower": constraints.real,
                       "upper": constraints.real}
    has_rsample = True

    def __init__(self, mu=0.0, sigma=None, *, tau=None, lower=None, upper=None,
                 validate_args=False):
        if sigma is not None and tau is not None:
            raise ValueError("TruncatedNormal: give sigma or tau, not both")
        if sigma is None:
            sigma = 1.0 if tau is None else broadcast_parameters(tau)[0] ** -0.5
        lower = -math.inf if lower is None else lower
        upper = math.inf if upper is None else upper
        self.mu, self.sigma, self.lower, self.upper = broadcast_parameters(mu, sigma, lower, upper)
        super().__init__(self.mu.shape, validate_args=validate_args)

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.interval(self.lower, self.upper)

    def _standardise(self, bound: Tensor, absent: float) -> Tensor:
        finite = torch.isfinite(bound)
        safe = torch.where(finite, bound, self.mu)
        return torch.where(finite, (safe - self.mu) / self.sigma, absent)

    @property
    def _alpha(self) -> Tensor:
        return self._standardise(self.lower, -_FAR)

    @property
    def _beta(self) -> Tensor:
        return self._standardise(self.upper, _FAR)

    @staticmethod
    def _branches(start: Tensor, stop: Tensor):
        """Split ``(start, stop)`` between the direct and the mirrored computation.

        Each branch gets the bounds it is accurate for and harmless stand-ins elsewhere, so
        the branch that ``where`` drops has finite gradients (it passes them on times 0).
        """
        mirrored = start > 0
        direct = torch.where(mirrored, -1.0, start), torch.where(mirrored, 1.0, stop)
        flipped = torch.where(mirrored, start, 1.0), torch.where(mirrored, stop, 2.0)
        return mirrored, direct, flipped

    def _log_mass(self, start: Tensor, stop: Tensor) -> Tensor:
        """``log(Phi(stop) - Phi(start))``, mirrored when both lie in the upper tail."""
        mirrored, (a, b), (a_flip, b_flip) = self._branches(start, stop)
        left = _log_diff_exp(torch.special.log_ndtr(b), torch.special.log_ndtr(a))
        right = _log_diff_exp(torch.special.log_ndtr(-a_flip), torch.special.log_ndtr(-b_flip))
        return torch.where(mirrored, right, left)

    def _density_ratio(self, point: Tensor) -> Tensor:
        """``phi(point) / Z``."""
        log_phi = -0.5 * point * point - _HALF_LOG_2PI
        return torch.exp(log_phi - self._log_mass(self._alpha, self._beta))

    @property
    def mean(self) -> Tensor:
        ratio_lower = self._density_ratio(self._alpha)
        ratio_upper = self._density_ratio(self._beta)
        return self.mu + self.sigma * (ratio_lower - ratio_upper)

    @property
    def variance(self) -> Tensor:
        alpha, beta = self._alpha, self._beta
        ratio_lower, ratio_upper = self._density_ratio(alpha), self._density_ratio(beta)
        weighted = alpha * ratio_lower - beta * ratio_upper
        return self.sigma ** 2 * (1 + weighted - (ratio_lower - ratio_upper) ** 2)

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        u = torch.rand(shape, dtype=self.mu.dtype, device=self.mu.device)
        return self.icdf(u)

    def log_prob(self, value: Tensor) -> Tensor:
        z = (value - self.mu) / self.sigma
        logp = (-0.5 * z * z - _HALF_LOG_2PI - self.sigma.log()
                - self._log_mass(self._alpha, self._beta))
        inside = (value >= self.lower) & (value <= self.upper)
        return torch.where(inside, logp, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        return torch.exp(self.logcdf(value))

    def logcdf(self, value: Tensor) -> Tensor:
        z = torch.maximum(torch.minimum((value - self.mu) / self.sigma, self._beta), self._alpha)
        logcdf = self._log_mass(self._alpha, z) - self._log_mass(self._alpha, self._beta)
        return torch.where(value <= self.lower, -math.inf, logcdf.clamp(max=0))

    def icdf(self, value: Tensor) -> Tensor:
        # Invert in whichever tail holds the truncation interval, as in _log_mass.
        mirrored, (a, b), (a_flip, b_flip) = self._branches(self._alpha, self._beta)
        low, high = ndtr(a), ndtr(b)
        left = torch.special.ndtri(low + value * (high - low))
        mirrored_low, mirrored_high = ndtr(-b_flip), ndtr(-a_flip)
        right = -torch.special.ndtri(mirrored_high - value * (mirrored_high - mirrored_low))
        z = torch.where(mirrored, right, left)
        return torch.maximum(torch.minimum(self.mu + self.sigma * z, self.upper), self.lower)
