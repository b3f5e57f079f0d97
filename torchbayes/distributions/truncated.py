"""Truncation of any distribution with a cdf, PyMC's ``Truncated(dist, lower, upper)``.

The density is renormalised on ``[lower, upper]`` in log space,
``log p(x) - log(F(upper) - F(lower))``, taking the difference from whichever tail keeps its
precision (``F(u) - F(l) = S(l) - S(u)`` with the survival function ``S = 1 - F`` when the
interval lies in the upper tail). Discrete families include the lower bound:
``P(l <= X <= u) = F(u) - F(l - 1)``.

An absent bound is ``None`` (or an infinite Python number). Bounds are not in
``arg_constraints``: the model layer then passes them through unconverted, so an absent bound
stays structural and chooses the support's kind (interval, half line) without a host
synchronisation. A bound that is a tensor is a present bound.
"""
from __future__ import annotations

import math
from numbers import Number

import torch
from torch import Tensor
from torch.distributions import Distribution as _TorchDistribution

from . import constraints
from .distribution import Distribution

__all__ = ["Truncated"]

# Below this log survival probability at the lower bound, F(l) is too close to 1 for icdf.
_FAR_TAIL = math.log(1e-6)
_BISECTIONS = 80


def _has_method(distribution, name: str) -> bool:
    """Whether the family implements ``name`` itself (not torch's NotImplementedError stub)."""
    method = getattr(type(distribution), name, None)
    return method is not None and method is not getattr(_TorchDistribution, name, None)


def _reference(distribution) -> Tensor | None:
    """A floating parameter tensor of ``distribution`` (its dtype and device)."""
    for name in getattr(distribution, "arg_constraints", {}):
        value = distribution.__dict__.get(name)
        if isinstance(value, Tensor) and value.is_floating_point():
            return value
    for value in vars(distribution).values():
        if isinstance(value, Tensor) and value.is_floating_point():
            return value
    return None


def _bound(value, reference: Tensor | None) -> Tensor | None:
    """A bound as a tensor in the base's dtype, or None when absent."""
    if value is None or isinstance(value, Number) and math.isinf(value):
        return None
    if isinstance(value, Tensor):
        dtype = reference.dtype if reference is not None else torch.get_default_dtype()
        return value if value.dtype == dtype else value.to(dtype=dtype)
    dtype = reference.dtype if reference is not None else torch.get_default_dtype()
    device = reference.device if reference is not None else None
    return torch.as_tensor(value, dtype=dtype, device=device)


def _logcdf(distribution, value: Tensor) -> Tensor:
    method = getattr(distribution, "logcdf", None)
    return method(value) if method is not None else torch.log(distribution.cdf(value))


def _logccdf(distribution, value: Tensor) -> Tensor:
    method = getattr(distribution, "logccdf", None)
    return method(value) if method is not None else torch.log1p(-distribution.cdf(value))


def _log_diff_exp(larger: Tensor, smaller: Tensor) -> Tensor:
    """``log(exp(larger) - exp(smaller))``; the gap is kept below zero, so a branch that
    ``torch.where`` discards has finite gradients (a zero gap there would give ``0 * inf``)."""
    tiny = torch.finfo(larger.dtype).tiny
    gap = (smaller - larger).clamp(max=-tiny)
    return larger + torch.log(-torch.expm1(gap))


def _bounded_support(base: constraints.Constraint, lower, upper, discrete: bool):
    """The base support cut to ``[lower, upper]`` (absent bounds: the base's own)."""
    if lower is None:
        lower = getattr(base, "lower_bound", None)
    if upper is None:
        upper = getattr(base, "upper_bound", None)
    if discrete:
        return constraints.integer_interval(-math.inf if lower is None else lower,
                                            math.inf if upper is None else upper)
    if lower is not None and upper is not None:
        return constraints.interval(lower, upper)
    if lower is not None:
        return constraints.greater_than_eq(lower)
    if upper is not None:
        return constraints.less_than(upper)
    return base


class Truncated(Distribution):
    r"""``dist`` restricted to ``[lower, upper]`` and renormalised.

    .. math:: \log p_T(x) = \log p(x) - \log\bigl(F(u) - F(l^-)\bigr),
              \quad l \le x \le u, \qquad -\infty \text{ outside}

    with ``F(l^-) = F(l)`` for continuous and ``F(l - 1)`` for discrete families.

    Parameters
    ----------
    dist : Distribution
        A univariate distribution with a ``cdf`` (``logcdf``/``logccdf`` are used where the
        family has them); its batch shape broadcasts with the bounds'.
    lower, upper : float or Tensor, optional
        Bounds (inclusive); ``None`` for none.
    max_n_steps : int
        Rounds of rejection sampling (families without ``icdf``) before giving up.

    Notes
    -----
    Draws invert the cdf where the family has ``icdf`` (then draws are differentiable when
    the family's are); otherwise they are rejection samples from ``dist``, each round
    redrawing only what fell outside. ``mean``/``variance`` have no general closed form.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import Exponential, Truncated
    >>> d = Truncated(Exponential(1.0), upper=2.0)
    >>> d.log_prob(torch.tensor([1.0, 3.0]))
    tensor([-0.8546,    -inf])
    """

    arg_constraints: dict = {}
    nested_params = {"dist": 0}
    is_discrete = False  # per instance: the base's (or the support's) discreteness

    def __init__(self, dist, lower=None, upper=None, *, max_n_steps: int = 10_000,
                 validate_args=False):
        if not isinstance(dist, _TorchDistribution):
            raise TypeError(f"Truncated: dist must be a distribution, got {type(dist).__name__}")
        if dist.event_shape:
            raise ValueError("Truncated: dist must be univariate, got event shape "
                             f"{tuple(dist.event_shape)}")
        if not _has_method(dist, "cdf"):
            raise ValueError(f"Truncated: {type(dist).__name__} has no cdf, which truncation "
                             "needs to renormalise")
        reference = _reference(dist)
        self.base = dist
        self.lower, self.upper = _bound(lower, reference), _bound(upper, reference)
        self.max_n_steps = max_n_steps
        self.is_discrete = bool(dist.support.is_discrete)
        self.has_rsample = bool(dist.has_rsample and _has_method(dist, "icdf")
                                and not self.is_discrete)
        shapes = [dist.batch_shape] + [b.shape for b in (self.lower, self.upper) if b is not None]
        super().__init__(torch.broadcast_shapes(*shapes), validate_args=validate_args)

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> constraints.Constraint:
        return _bounded_support(self.base.support, self.lower, self.upper, self.is_discrete)

    @property
    def _lower_cut(self) -> Tensor | None:
        """The point whose cdf is excluded: ``l`` (continuous) or ``l - 1`` (discrete)."""
        if self.lower is None:
            return None
        return self.lower - 1 if self.is_discrete else self.lower

    def _log_mass(self, start: Tensor | None, stop: Tensor | None) -> Tensor:
        """``log P(start < X <= stop)`` (``None``: unbounded), from the more precise tail."""
        if start is None and stop is None:
            return torch.zeros(())
        if start is None:
            return _logcdf(self.base, stop)
        if stop is None:
            return _logccdf(self.base, start)
        start_cdf, stop_cdf = _logcdf(self.base, start), _logcdf(self.base, stop)
        start_sf, stop_sf = _logccdf(self.base, start), _logccdf(self.base, stop)
        upper_tail = start_cdf > -math.log(2)
        return torch.where(upper_tail, _log_diff_exp(start_sf, stop_sf),
                           _log_diff_exp(stop_cdf, start_cdf))

    def _inside(self, value: Tensor) -> Tensor:
        inside = torch.ones_like(value, dtype=torch.bool)
        if self.lower is not None:
            inside = inside & (value >= self.lower)
        if self.upper is not None:
            inside = inside & (value <= self.upper)
        return inside

    def log_prob(self, value: Tensor) -> Tensor:
        logp = self.base.log_prob(value) - self._log_mass(self._lower_cut, self.upper)
        return torch.where(self._inside(value), logp, -math.inf)

    def logcdf(self, value: Tensor) -> Tensor:
        stop = value if self.upper is None else torch.minimum(value, self.upper)
        if self.lower is not None:  # below the support: stand-in inside it, masked below
            stop = torch.maximum(stop, self.lower)
        logcdf = self._log_mass(self._lower_cut, stop) - self._log_mass(self._lower_cut,
                                                                        self.upper)
        if self.lower is not None:
            logcdf = torch.where(value < self.lower, -math.inf, logcdf)
        return logcdf.clamp(max=0.0)

    def cdf(self, value: Tensor) -> Tensor:
        return torch.exp(self.logcdf(value))

    def icdf(self, value: Tensor) -> Tensor:
        if not _has_method(self.base, "icdf"):
            raise NotImplementedError(f"Truncated: {type(self.base).__name__} has no icdf")
        low = self.base.cdf(self._lower_cut) if self.lower is not None else 0.0
        high = self.base.cdf(self.upper) if self.upper is not None else 1.0
        point = self.base.icdf(low + value * (high - low))
        if self.lower is not None:
            point = torch.maximum(point, self.lower)
        if self.upper is not None:
            point = torch.minimum(point, self.upper)
        return point

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        if not self.has_rsample:
            raise NotImplementedError("Truncated: draws are not reparameterised for "
                                      f"{type(self.base).__name__}")
        return self._inverse_cdf_draws(sample_shape)

    def _inverse_cdf_draws(self, sample_shape) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        reference = _reference(self.base)
        dtype = reference.dtype if reference is not None else torch.get_default_dtype()
        device = reference.device if reference is not None else None
        uniform = torch.rand(shape, dtype=dtype, device=device)
        draws = self.icdf(uniform)
        if self.lower is None:
            return draws
        # Far in the upper tail F(l) rounds to 1 and icdf cannot tell the interval's points
        # apart: there, solve log S(x) = log(S(l) - U (S(l) - S(u))) by bisection instead.
        log_sf_lower = _logccdf(self.base, self.lower).expand(shape)
        far = log_sf_lower < _FAR_TAIL
        if bool(far.any()):
            with torch.no_grad():
                target = log_sf_lower + torch.log1p(-uniform * torch.exp(
                    self._log_mass(self.lower, self.upper) - log_sf_lower))
                draws = torch.where(far, self._bisect_log_sf(target, shape), draws)
        return draws

    def _bisect_log_sf(self, target: Tensor, shape) -> Tensor:
        """The ``x`` in ``[lower, upper]`` with ``log S(x) = target`` (decreasing in ``x``)."""
        low = self.lower.expand(shape).clone()
        if self.upper is not None:
            high = self.upper.expand(shape).clone()
        else:  # widen the bracket until it holds every target
            width = torch.ones_like(low)
            while bool((_logccdf(self.base, low + width) > target).any()):
                width = width * 2
            high = low + width
        for _ in range(_BISECTIONS):
            middle = 0.5 * (low + high)
            above = _logccdf(self.base, middle) > target
            low, high = torch.where(above, middle, low), torch.where(above, high, middle)
        return 0.5 * (low + high)

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        with torch.no_grad():
            if _has_method(self.base, "icdf") and not self.is_discrete:
                return self._inverse_cdf_draws(sample_shape)
            return self._rejection_draws(torch.Size(sample_shape))

    def _rejection_draws(self, sample_shape: torch.Size) -> Tensor:
        shape = self._extended_shape(sample_shape)
        # the base draws what its batch lacks of the full shape (bounds may add batch dims)
        prefix = shape[:len(shape) - len(self.base.batch_shape)]
        draws = self.base.sample(prefix).expand(shape)
        for _ in range(self.max_n_steps):
            outside = ~self._inside(draws)
            if not bool(outside.any()):
                return draws
            draws = torch.where(outside, self.base.sample(prefix).expand(shape), draws)
        raise RuntimeError(f"Truncated: rejection sampling of {type(self.base).__name__} kept "
                           f"draws outside [{self.lower}, {self.upper}] after "
                           f"{self.max_n_steps} rounds; the interval holds too little mass")
