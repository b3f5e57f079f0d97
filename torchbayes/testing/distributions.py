"""Conformance checks for distribution families, one table row per family.

A :class:`FamilyCase` states what a family must satisfy (a reference density, test points, the
quirks of the family as fields) and each ``check_*`` function asserts one property of it. The
same rows serve our test suite and users who add their own families. Monte Carlo checks use a
fixed seed and tolerances of several standard errors, so they neither flake nor pass vacuously.

This module runs past 300 lines because the row type and its eight checkers are one concept.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch
from scipy import integrate, optimize, stats
from torch import Tensor

from torchbayes.distributions import Distribution, check_parameters

__all__ = [
    "FamilyCase", "QuadratureReference", "check_batch_shapes", "check_goodness_of_fit",
    "check_gradients", "check_invalid_parameters", "check_log_prob", "check_logcdf",
    "check_out_of_support", "check_sample_moments", "make_distribution",
]

#: Quantiles whose reference ``ppf`` gives default test points: both tails and the bulk.
QUANTILES = (1e-8, 1e-4, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 1 - 1e-4)
_TOLERANCE = {torch.float64: (1e-7, 1e-9), torch.float32: (2e-4, 2e-4)}


@dataclass(frozen=True)
class FamilyCase:
    """One row of the conformance table: a family, its parameters and its quirks.

    Parameters
    ----------
    family : type
        The distribution class.
    params : dict
        Constructor keyword arguments. Numbers, lists and arrays become tensors of the tested
        dtype; a callable is called with the dtype (for parameters that are distributions);
        names in ``structural`` are passed unchanged (``n`` of an LKJ prior).
    reference : callable, optional
        ``reference(**params)`` with NumPy parameters, a frozen SciPy distribution.
    logpdf : callable, optional
        ``logpdf(value, **params)`` in NumPy, a closed form used instead of ``reference``.
    points, edges, outside, tails : sequence
        Interior test points (default: the reference's quantiles ``QUANTILES``), support edges
        (log_prob only), points outside the support (``-inf``), and far-tail points where
        ``logcdf`` must stay finite and accurate in float64.
    has_cdf, has_icdf : bool
        Whether ``cdf``/``logcdf`` and ``icdf`` are checked.
    moments : bool
        Whether mean and variance are finite and checked against draws.
    gradient_params : tuple of str, optional
        Parameters whose gradients are checked (default: every continuous one). Symmetric
        matrices are left out: a finite difference of one entry breaks their symmetry.
    projection : callable, optional
        ``projection(draws, params) -> (values, frozen)`` reduces multivariate draws to a
        univariate sample with a known SciPy law, for the goodness-of-fit check.
    invalid : dict
        Parameter name to an invalid value; ``check_parameters`` must name it.
    improper : bool
        The family has no draws (``Flat``); the Monte Carlo and batch checks do not apply.
    float32_tolerance : float
        Relative and absolute tolerance of float32 log densities.
    draws : int
        Draws for the Monte Carlo checks.
    """

    family: type
    params: dict[str, Any]
    reference: Callable[..., Any] | None = None
    logpdf: Callable[..., np.ndarray] | None = None
    points: tuple = ()
    edges: tuple = ()
    outside: tuple = ()
    tails: tuple = ()
    has_cdf: bool = False
    has_icdf: bool = False
    moments: bool = True
    gradient_params: tuple[str, ...] | None = None
    projection: Callable[..., tuple] | None = None
    invalid: dict[str, Any] = field(default_factory=dict)
    structural: tuple[str, ...] = ()
    improper: bool = False
    float32_tolerance: float = 2e-4
    draws: int = 4000
    name: str = ""

    @property
    def id(self) -> str:
        return self.name or self.family.__name__

    def numpy_params(self) -> dict[str, Any]:
        return {k: v if k in self.structural or callable(v) else np.asarray(v, dtype=np.float64)
                for k, v in self.params.items()}

    def frozen(self):
        return None if self.reference is None else self.reference(**self.numpy_params())

    def test_points(self) -> np.ndarray:
        if len(self.points):
            return np.asarray(self.points, dtype=np.float64)
        return np.unique(self.frozen().ppf(np.asarray(QUANTILES)))

    def reference_logpdf(self, value: np.ndarray) -> np.ndarray:
        if self.logpdf is not None:
            return self.logpdf(value, **self.numpy_params())
        frozen = self.frozen()
        return frozen.logpmf(value) if self.family.is_discrete else frozen.logpdf(value)


class QuadratureReference:
    """A SciPy-like frozen distribution from a NumPy log density, for laws SciPy lacks.

    ``cdf`` and ``ppf`` default to adaptive quadrature and root finding (slow: pass closed
    forms where they exist, e.g. for goodness-of-fit checks over thousands of draws); ``mean``
    and ``var`` are computed by quadrature, independently of the family's formulas.

    Examples
    --------
    >>> reference = QuadratureReference(lambda x: -x, 0.0, np.inf)
    >>> round(float(reference.cdf(1.0)), 6), round(reference.var(), 6)
    (0.632121, 1.0)
    """

    def __init__(self, logpdf, lower: float, upper: float, cdf=None, ppf=None):
        self._logpdf, self.lower, self.upper = logpdf, lower, upper
        self._cdf, self._ppf = cdf, ppf

    def logpdf(self, value) -> np.ndarray:
        value = np.asarray(value, dtype=np.float64)
        inside = (value >= self.lower) & (value <= self.upper)
        safe = np.where(inside, value, 0.5 * (max(self.lower, -1.0) + min(self.upper, 1.0)))
        with np.errstate(divide="ignore"):
            return np.where(inside, self._logpdf(safe), -np.inf)

    def pdf(self, value) -> np.ndarray:
        return np.exp(self.logpdf(value))

    def _integral(self, function, stop) -> float:
        return integrate.quad(function, self.lower, stop, epsabs=1e-13, epsrel=1e-12,
                              limit=200)[0]

    def cdf(self, value) -> np.ndarray:
        if self._cdf is not None:
            return self._cdf(np.asarray(value, dtype=np.float64))
        clipped = np.clip(np.asarray(value, dtype=np.float64), self.lower, self.upper)
        return np.vectorize(lambda x: self._integral(self.pdf, x))(clipped)

    def logcdf(self, value) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.log(self.cdf(value))

    def ppf(self, quantile) -> np.ndarray:
        if self._ppf is not None:
            return self._ppf(np.asarray(quantile, dtype=np.float64))
        low = self.lower if np.isfinite(self.lower) else -1e6
        high = self.upper if np.isfinite(self.upper) else 1e6
        return np.vectorize(lambda q: optimize.brentq(lambda x: self.cdf(x) - q, low, high,
                                                      xtol=1e-14))(quantile)

    def mean(self) -> float:
        return self._integral(lambda x: x * self.pdf(x), self.upper)

    def var(self) -> float:
        mean = self.mean()
        return self._integral(lambda x: (x - mean) ** 2 * self.pdf(x), self.upper)


def make_distribution(case: FamilyCase, dtype=torch.float64, batch: tuple = (),
                      requires_grad: bool = False) -> Distribution:
    """Build the row's distribution in ``dtype``; numeric parameters get leading ``batch`` dims.

    Examples
    --------
    >>> from torchbayes.distributions import HalfNormal
    >>> make_distribution(FamilyCase(HalfNormal, {"sigma": 2.0}), batch=(3,)).batch_shape
    torch.Size([3])
    """
    return case.family(**_tensor_params(case, dtype, batch, requires_grad))


def _tensor_params(case, dtype, batch=(), requires_grad=False) -> dict[str, Any]:
    params = {}
    for name, value in case.params.items():
        if name in case.structural:
            params[name] = value
        elif callable(value):
            params[name] = value(dtype)
        else:
            tensor = torch.as_tensor(np.asarray(value, dtype=np.float64), dtype=dtype)
            tensor = tensor.expand(tuple(batch) + tensor.shape).clone()
            params[name] = tensor.requires_grad_(requires_grad)
    return params


def _assert_close(actual: Tensor, expected: np.ndarray, dtype, what: str, tolerance=None):
    rtol, atol = _TOLERANCE[dtype] if tolerance is None else (tolerance, tolerance)
    actual = actual.detach().double().numpy()
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


def check_log_prob(case: FamilyCase, dtype=torch.float64) -> None:
    """``log_prob`` matches the reference at interior points, the tails and support edges.

    Examples
    --------
    >>> from scipy import integrate, optimize, stats
    >>> from torchbayes.distributions import HalfNormal
    >>> case = FamilyCase(HalfNormal, {"sigma": 2.0}, lambda sigma: stats.halfnorm(0, sigma))
    >>> check_log_prob(case)
    """
    distribution = make_distribution(case, dtype)
    points = case.test_points()
    if len(case.edges):
        points = np.concatenate([points, np.asarray(case.edges, dtype=np.float64)])
    values = torch.as_tensor(points, dtype=dtype)
    logp = distribution.log_prob(values)
    assert logp.dtype == dtype, f"{case.id}: log_prob dtype {logp.dtype}, expected {dtype}"
    tolerance = case.float32_tolerance if dtype == torch.float32 else None
    # The reference sees the values the family saw (float32 rounds points near edges).
    expected = case.reference_logpdf(values.double().numpy())
    _assert_close(logp, expected, dtype, f"{case.id} log_prob", tolerance)


def check_logcdf(case: FamilyCase, dtype=torch.float64) -> None:
    """``cdf``, ``logcdf`` (finite and accurate in the far tails) and ``icdf`` match SciPy."""
    distribution, frozen = make_distribution(case, dtype), case.frozen()
    points = case.test_points()
    # Far tails are a float64 promise: float32 cdfs underflow there by nature.
    tails = np.asarray(case.tails if dtype == torch.float64 else (), dtype=np.float64)
    values = torch.as_tensor(np.concatenate([points, tails]), dtype=dtype)
    tolerance = case.float32_tolerance if dtype == torch.float32 else None
    _assert_close(distribution.cdf(values[:len(points)]),
                  frozen.cdf(values[:len(points)].double().numpy()), dtype, f"{case.id} cdf",
                  tolerance)
    # The far tails' cdf keeps its relative digits too (a cancelling 1 + erf gives 0 there).
    np.testing.assert_allclose(distribution.cdf(values[len(points):]).double().numpy(),
                               frozen.cdf(tails), rtol=1e-6, atol=0, err_msg=f"{case.id} cdf")
    logcdf = distribution.logcdf(values)
    far = logcdf[len(points):]
    assert torch.isfinite(far).all(), f"{case.id}: logcdf {far} at {values[len(points):]}"
    expected = frozen.logcdf(values.double().numpy())
    _assert_close(logcdf, expected, dtype, f"{case.id} logcdf", tolerance or 1e-6)
    if case.has_icdf:
        quantiles = np.asarray(QUANTILES[1:-1])
        icdf = distribution.icdf(torch.as_tensor(quantiles, dtype=dtype))
        _assert_close(icdf, frozen.ppf(quantiles), dtype, f"{case.id} icdf", tolerance or 1e-6)


def check_gradients(case: FamilyCase, step: float = 1e-6) -> None:
    """Autograd gradients of ``log_prob`` match central finite differences (float64).

    Every continuous parameter is checked (discrete ones, such as a count ``n``, are skipped);
    reparameterised draws must be differentiable too.
    """
    params = _tensor_params(case, torch.float64, requires_grad=True)
    points = torch.as_tensor(case.test_points(), dtype=torch.float64)
    names = [n for n, v in params.items() if isinstance(v, Tensor) and v.requires_grad
             and not case.family.arg_constraints[n].is_discrete
             and (case.gradient_params is None or n in case.gradient_params)]
    if not names:
        return
    total = case.family(**params).log_prob(points).sum()
    gradients = torch.autograd.grad(total, [params[n] for n in names])
    for name, gradient in zip(names, gradients):
        with torch.no_grad():
            numeric = _finite_difference(case, params, name, points, step)
        np.testing.assert_allclose(gradient.numpy().flatten(), numeric, rtol=1e-4,
                                   atol=1e-5, err_msg=f"{case.id}: d log_prob / d {name}")
    distribution = case.family(**params)
    if distribution.has_rsample and names:
        draws = distribution.rsample((5,))
        grads = torch.autograd.grad(draws.sum(), [params[n] for n in names], allow_unused=True)
        assert any(g is not None for g in grads), f"{case.id}: rsample is not differentiable"
        assert all(g is None or torch.isfinite(g).all() for g in grads), f"{case.id}: rsample grad"


def _finite_difference(case, params, name, points, step) -> np.ndarray:
    flat = params[name].detach().flatten()
    numeric = np.zeros(flat.numel())
    for index in range(flat.numel()):
        width = step * max(1.0, abs(flat[index].item()))
        total = {}
        for sign in (1, -1):
            value = flat.clone()
            value[index] += sign * width
            shifted = {**params, name: value.reshape(params[name].shape)}
            total[sign] = case.family(**shifted).log_prob(points).sum().item()
        numeric[index] = (total[1] - total[-1]) / (2 * width)
    return numeric


def check_sample_moments(case: FamilyCase, seed: int = 20240601, z: float = 5.0) -> None:
    """Mean and variance of draws agree with ``mean``/``variance`` within ``z`` standard errors,
    and those agree with the reference's exact moments."""
    distribution = make_distribution(case)
    torch.manual_seed(seed)
    draws = distribution.sample((case.draws,)).double()
    mean, variance = distribution.mean, distribution.variance
    frozen = case.frozen()
    if frozen is not None and callable(getattr(frozen, "mean", None)):
        np.testing.assert_allclose(mean.numpy(), frozen.mean(), rtol=1e-7,
                                   err_msg=f"{case.id} mean")
        np.testing.assert_allclose(variance.numpy(), frozen.var(), rtol=1e-7,
                                   err_msg=f"{case.id} variance")
    centred = draws - draws.mean(0)
    fourth = (centred ** 4).mean(0)
    mean_error = (draws.mean(0) - mean).abs()
    assert (mean_error <= z * (variance / case.draws).sqrt()).all(), \
        f"{case.id}: sample mean {draws.mean(0)} vs {mean}"
    variance_error = (draws.var(0) - variance).abs()
    assert (variance_error <= z * ((fourth - variance ** 2).clamp(min=0) / case.draws).sqrt()
            + 1e-12).all(), f"{case.id}: sample variance {draws.var(0)} vs {variance}"


def check_goodness_of_fit(case: FamilyCase, seed: int = 20240601, level: float = 1e-3) -> None:
    """Draws follow the density: KS if continuous, chi-square against ``log_prob`` if discrete."""
    distribution = make_distribution(case)
    torch.manual_seed(seed)
    draws = distribution.sample((case.draws,))
    if case.projection is not None:
        values, frozen = case.projection(draws, case.numpy_params())
        pvalue = stats.kstest(values, frozen.cdf).pvalue
    elif case.family.is_discrete:
        pvalue = _chi_square_pvalue(distribution, draws)
    else:
        frozen = case.frozen()
        cdf = frozen.cdf if frozen is not None else (
            lambda x: distribution.cdf(torch.as_tensor(x, dtype=draws.dtype)).numpy())
        pvalue = stats.kstest(draws.numpy(), cdf).pvalue
    assert pvalue > level, f"{case.id}: goodness of fit p-value {pvalue:.2e}"


def _chi_square_pvalue(distribution: Distribution, draws: Tensor) -> float:
    values = torch.arange(draws.min().item(), draws.max().item() + 1, dtype=draws.dtype)
    expected = distribution.log_prob(values).exp().double().numpy() * len(draws)
    observed = np.array([(draws == v).sum().item() for v in values], dtype=np.float64)
    expected = np.append(expected, max(len(draws) - expected.sum(), 0.0))
    observed = np.append(observed, 0.0)
    # Merge neighbouring bins until each expects at least five draws (chi-square's validity).
    merged_expected, merged_observed, bin_expected, bin_observed = [], [], 0.0, 0.0
    for e, o in zip(expected, observed):
        bin_expected, bin_observed = bin_expected + e, bin_observed + o
        if bin_expected >= 5:
            merged_expected.append(bin_expected)
            merged_observed.append(bin_observed)
            bin_expected = bin_observed = 0.0
    merged_expected[-1] += bin_expected
    merged_observed[-1] += bin_observed
    merged_expected = np.array(merged_expected) * sum(merged_observed) / sum(merged_expected)
    return stats.chisquare(merged_observed, merged_expected).pvalue


def check_batch_shapes(case: FamilyCase, dtype=torch.float64) -> None:
    """``sample((10, 4))`` of a batch of 2 is ``(10, 4, 2) + event_shape``; a chain axis on any
    one parameter becomes the batch; the batch's ``log_prob`` equals the single one's."""
    single = make_distribution(case, dtype)
    batched = make_distribution(case, dtype, batch=(2,))
    assert batched.batch_shape == (2,) + single.batch_shape, f"{case.id}: {batched.batch_shape}"
    draws = batched.sample((10, 4))
    assert draws.shape == (10, 4, 2) + single.batch_shape + single.event_shape, \
        f"{case.id}: sample shape {tuple(draws.shape)}"
    assert draws.dtype == dtype, f"{case.id}: sample dtype {draws.dtype}"
    logp = batched.log_prob(draws)
    assert logp.shape == (10, 4, 2) + single.batch_shape, f"{case.id}: log_prob shape"
    torch.testing.assert_close(logp[:, :, 0], single.log_prob(draws[:, :, 0]))
    for name in _tensor_params(case, dtype):
        if name in case.structural or callable(case.params[name]):
            continue
        chain = _tensor_params(case, dtype)
        chain[name] = chain[name].expand((3,) + chain[name].shape)
        constraint = case.family.arg_constraints[name]
        assert case.family(**chain).batch_shape == (3,) + single.batch_shape, \
            f"{case.id}: chain axis on {name} (event_dim {constraint.event_dim})"


def check_out_of_support(case: FamilyCase, dtype=torch.float64) -> None:
    """``log_prob`` is ``-inf`` (never NaN) outside the support and never NaN on its edges."""
    distribution = make_distribution(case, dtype)
    if len(case.outside):
        logp = distribution.log_prob(torch.as_tensor(np.asarray(case.outside), dtype=dtype))
        assert (logp == -torch.inf).all(), f"{case.id}: log_prob outside the support is {logp}"
    if len(case.edges):
        logp = distribution.log_prob(torch.as_tensor(np.asarray(case.edges), dtype=dtype))
        assert not torch.isnan(logp).any(), f"{case.id}: log_prob on the edges is {logp}"


def check_invalid_parameters(case: FamilyCase) -> None:
    """``check_parameters`` rejects each invalid value with a ValueError naming its parameter."""
    for name, value in case.invalid.items():
        try:
            check_parameters("x", case.family.__name__, {name: torch.as_tensor(value)},
                             case.family.arg_constraints)
        except ValueError as error:
            assert name in str(error) and '"x"' in str(error), f"{case.id}: {error}"
        else:
            raise AssertionError(f"{case.id}: {name}={value} was accepted")
