"""Censoring of any distribution with a cdf, PyMC's ``Censored(dist, lower, upper)``.

A censored value is clipped to ``[lower, upper]``: the bounds carry the probability of the
tails beyond them. For data recorded as "at most the detection limit" or "still alive at the
end of the study", the observation at a bound is ``logcdf(lower)`` or ``logccdf(upper)``
(discrete families: ``log P(X >= upper) = logccdf(upper - 1)``), and ``log_prob`` inside.
Bounds follow :mod:`.truncated`: ``None`` (or an infinite number) is absent.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor
from torch.distributions import Distribution as _TorchDistribution

from . import constraints
from .distribution import Distribution
from .truncated import _bound, _bounded_support, _has_method, _logccdf, _logcdf, _reference

__all__ = ["Censored"]


class Censored(Distribution):
    r"""``dist`` clipped to ``[lower, upper]``: a mixed law with atoms at the bounds.

    .. math:: \log p_C(x) = \begin{cases} \log F(l) & x = l \\ \log p(x) & l < x < u \\
              \log(1 - F(u^-)) & x = u \\ -\infty & \text{otherwise} \end{cases}

    with ``F(u^-) = F(u)`` for continuous and ``F(u - 1)`` for discrete families.

    Parameters
    ----------
    dist : Distribution
        A univariate distribution with a ``cdf``.
    lower, upper : float or Tensor, optional
        Censoring points; ``None`` for none.

    Notes
    -----
    Draws are ``clamp(dist.sample(), lower, upper)`` (reparameterised when ``dist``'s are).

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import Censored, Normal
    >>> d = Censored(Normal(0.0, 1.0), lower=-1.0, upper=1.0)
    >>> d.log_prob(torch.tensor([-1.0, 0.0, 1.0, 2.0]))
    tensor([-1.8410, -0.9189, -1.8410,    -inf])
    """

    arg_constraints: dict = {}
    nested_params = {"dist": 0}
    is_discrete = False  # per instance: the base's (or the support's) discreteness

    def __init__(self, dist, lower=None, upper=None, *, validate_args=False):
        if not isinstance(dist, _TorchDistribution):
            raise TypeError(f"Censored: dist must be a distribution, got {type(dist).__name__}")
        if dist.event_shape:
            raise ValueError("Censored: dist must be univariate, got event shape "
                             f"{tuple(dist.event_shape)}")
        if not _has_method(dist, "cdf"):
            raise ValueError(f"Censored: {type(dist).__name__} has no cdf, which the "
                             "probabilities of the censored tails need")
        reference = _reference(dist)
        self.base = dist
        self.lower, self.upper = _bound(lower, reference), _bound(upper, reference)
        self.is_discrete = bool(dist.support.is_discrete)
        self.has_rsample = bool(dist.has_rsample)
        shapes = [dist.batch_shape] + [b.shape for b in (self.lower, self.upper) if b is not None]
        super().__init__(torch.broadcast_shapes(*shapes), validate_args=validate_args)

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> constraints.Constraint:
        return _bounded_support(self.base.support, self.lower, self.upper, self.is_discrete)

    def log_prob(self, value: Tensor) -> Tensor:
        logp = self.base.log_prob(value)
        if self.lower is not None:
            logp = torch.where(value == self.lower, _logcdf(self.base, self.lower), logp)
            logp = torch.where(value < self.lower, -math.inf, logp)
        if self.upper is not None:
            cut = self.upper - 1 if self.is_discrete else self.upper
            logp = torch.where(value == self.upper, _logccdf(self.base, cut), logp)
            logp = torch.where(value > self.upper, -math.inf, logp)
        return logp

    def logcdf(self, value: Tensor) -> Tensor:
        logcdf = _logcdf(self.base, value)
        if self.lower is not None:
            logcdf = torch.where(value < self.lower, -math.inf, logcdf)
        if self.upper is not None:
            logcdf = torch.where(value >= self.upper, 0.0, logcdf)
        return logcdf

    def cdf(self, value: Tensor) -> Tensor:
        return torch.exp(self.logcdf(value))

    def _clip(self, draws: Tensor) -> Tensor:
        if self.lower is not None:
            draws = torch.maximum(draws, self.lower)
        if self.upper is not None:
            draws = torch.minimum(draws, self.upper)
        return draws

    def _draw(self, sample_shape, method: str) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        prefix = shape[:len(shape) - len(self.base.batch_shape)]
        return self._clip(getattr(self.base, method)(prefix)).expand(shape)

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        if not self.has_rsample:
            raise NotImplementedError(f"Censored: {type(self.base).__name__} has no rsample")
        return self._draw(sample_shape, "rsample")

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        with torch.no_grad():
            return self._draw(sample_shape, "sample")
