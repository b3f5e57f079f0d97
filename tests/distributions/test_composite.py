"""Composite families: mixtures, truncation, censoring, CustomDist and wrapped torch families.

Mixtures run through the conformance harness where it fits (their parameters are tensors or a
callable building the components); truncation and censoring are checked against densities
written here from SciPy's base laws (``log p(x) - log(F(u) - F(l))`` and the censored atoms
``log F(l)``, ``log S(u)``), over a table of families, continuous and discrete. The model
tests check that component and base parameters may be model variables.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import numpy as np
import pytest
import torch
from scipy import stats

import torchbayes as tb
from torchbayes.distributions import (
    Beta, Censored, CustomDist, Exponential, Gamma, HalfStudentT, Laplace, LogNormal, Mixture,
    MvNormal, Normal, NormalMixture, Poisson, Rice, StudentT, TorchDistribution, Truncated,
    Weibull, from_torch,
)
from torchbayes.testing import (
    FamilyCase, QuadratureReference, check_batch_shapes, check_goodness_of_fit, check_gradients,
    check_invalid_parameters, check_log_prob, check_logcdf, check_out_of_support,
    check_sample_moments,
)

F64 = torch.float64


def _t(value, dtype=F64):
    return torch.as_tensor(value, dtype=dtype)


# -- mixtures through the conformance harness ---------------------------------------------------
def _mixture_reference(weights, frozen, lower=-np.inf, upper=np.inf):
    """A mixture of SciPy laws: closed-form pdf and cdf, quadrature moments."""
    weights = np.asarray(weights)

    def logpdf(x):
        with np.errstate(divide="ignore"):
            return np.log(sum(w * f.pdf(x) for w, f in zip(weights, frozen)))
    return QuadratureReference(logpdf, lower, upper,
                               cdf=lambda x: sum(w * f.cdf(x) for w, f in zip(weights, frozen)))


_MIXED = (stats.norm(-1.0, 0.5), stats.t(4.0, 1.0, 1.0), stats.gamma(2.0, 0, 1.0))


def _mixed_components(dtype):
    return [Normal(_t(-1.0, dtype), 0.5), StudentT(_t(4.0, dtype), 1.0, 1.0),
            Gamma(_t(2.0, dtype), 1.0)]


def _batched_normal(dtype):
    return Normal(_t([-2.0, 0.0, 3.0], dtype), _t([0.5, 1.0, 0.8], dtype))


MIXTURE_CASES = [
    FamilyCase(NormalMixture, {"w": [0.2, 0.5, 0.3], "mu": [-2.0, 0.0, 3.0],
                               "sigma": [0.5, 1.0, 0.8]},
               lambda w, mu, sigma: _mixture_reference(w, [stats.norm(m, s)
                                                           for m, s in zip(mu, sigma)]),
               points=(-4.0, -2.0, -0.5, 0.0, 1.5, 3.0, 6.0), tails=(-30.0,), has_cdf=True,
               invalid={"w": [0.5, 0.6, 0.1], "sigma": [1.0, -1.0, 1.0]}),
    FamilyCase(NormalMixture, {"w": [0.4, 0.6], "mu": [-1.0, 1.0], "tau": [4.0, 1.0]},
               lambda w, mu, tau: _mixture_reference(w, [stats.norm(m, t ** -0.5)
                                                         for m, t in zip(mu, tau)]),
               points=(-2.0, -1.0, 0.0, 2.5), invalid={"tau": [0.0, 1.0]},
               name="NormalMixture-tau"),
    FamilyCase(Mixture, {"w": [0.3, 0.3, 0.4], "comp_dists": _mixed_components},
               lambda w, comp_dists: _mixture_reference(w, _MIXED),
               points=(-3.0, -1.0, 0.0, 0.5, 1.0, 2.0, 4.0, 9.0),
               invalid={"w": [0.5, 0.5, 0.5]}, name="Mixture-mixed-families"),
    FamilyCase(Mixture, {"w": [0.2, 0.5, 0.3], "comp_dists": _batched_normal},
               lambda w, comp_dists: _mixture_reference(
                   w, [stats.norm(-2.0, 0.5), stats.norm(0.0, 1.0), stats.norm(3.0, 0.8)]),
               points=(-4.0, -2.0, 0.0, 1.5, 3.0), tails=(-25.0, 15.0), has_cdf=True,
               name="Mixture-batched-component"),
]
MIXTURE_IDS = [case.id for case in MIXTURE_CASES]


@pytest.mark.parametrize("dtype", [F64, torch.float32], ids=str)
@pytest.mark.parametrize("case", MIXTURE_CASES, ids=MIXTURE_IDS)
def test_mixture_log_prob(case, dtype):
    check_log_prob(case, dtype)
    check_out_of_support(case, dtype)


@pytest.mark.parametrize("case", [c for c in MIXTURE_CASES if c.has_cdf],
                         ids=[c.id for c in MIXTURE_CASES if c.has_cdf])
def test_mixture_logcdf(case):
    check_logcdf(case)


@pytest.mark.parametrize("case", MIXTURE_CASES, ids=MIXTURE_IDS)
def test_mixture_gradients_moments_fit_shapes(case):
    check_gradients(case)
    check_sample_moments(case)
    check_goodness_of_fit(case)
    check_batch_shapes(case)
    check_invalid_parameters(case)


def test_normal_mixture_cdf_far_lower_tail():
    d = NormalMixture(_t([0.3, 0.7]), _t([0.0, 1.0]), _t([1.0, 2.0]))
    expected = 0.3 * stats.norm.cdf(-12.0) + 0.7 * stats.norm.cdf(-12.0, 1.0, 2.0)
    np.testing.assert_allclose(d.cdf(_t(-12.0)).item(), expected, rtol=1e-12)


def test_mixture_of_discrete_components_matches_hand_density_and_draws():
    d = Mixture(_t([0.3, 0.7]), [Poisson(_t(1.0)), Poisson(_t(6.0))])
    k = np.arange(0, 30.0)
    expected = np.log(0.3 * stats.poisson(1.0).pmf(k) + 0.7 * stats.poisson(6.0).pmf(k))
    np.testing.assert_allclose(d.log_prob(_t(k)).numpy(), expected, rtol=1e-10)
    assert d.log_prob(_t([-1.0, 2.5])).eq(-torch.inf).all()
    assert d.is_discrete and d.support.is_discrete
    torch.manual_seed(0)
    draws = d.sample((4000,)).numpy()
    observed = np.array([(draws == v).sum() for v in range(13)] + [(draws >= 13).sum()])
    probabilities = np.exp(expected[:13])
    chi2 = stats.chisquare(observed, 4000 * np.append(probabilities, 1 - probabilities.sum()))
    assert chi2.pvalue > 1e-3


@pytest.mark.parametrize("batched", [False, True], ids=["list", "batched"])
def test_mixture_of_multivariate_components(batched):
    means = _t([[0.0, 1.0], [3.0, -1.0]])
    covs = _t([[[1.0, 0.3], [0.3, 0.5]], [[0.4, 0.0], [0.0, 2.0]]])
    w = _t([0.35, 0.65])
    components = MvNormal(means, covs) if batched else \
        [MvNormal(means[0], covs[0]), MvNormal(means[1], covs[1])]
    d = Mixture(w, components)
    assert d.event_shape == (2,) and d.batch_shape == ()
    points = np.array([[0.0, 0.0], [3.0, -1.0], [1.0, 2.0], [-2.0, 4.0]])
    expected = np.log(sum(float(w[i]) * stats.multivariate_normal(means[i], covs[i]).pdf(points)
                          for i in range(2)))
    np.testing.assert_allclose(d.log_prob(_t(points)).numpy(), expected, rtol=1e-10)
    torch.manual_seed(1)
    draws = d.sample((6000,))
    assert draws.shape == (6000, 2)
    mean, variance = d.mean, d.variance
    np.testing.assert_allclose(mean.numpy(), (w[:, None] * means).sum(0).numpy())
    stderr = (variance / 6000).sqrt()
    assert ((draws.mean(0) - mean).abs() < 5 * stderr).all()
    assert ((draws.var(0) - variance).abs() < 0.1 * variance).all()


def test_mixture_shapes_and_errors():
    d = Mixture(torch.full((4, 2), 0.5, dtype=F64), [Normal(_t(0.0), 1.0), Normal(_t(2.0), 1.0)])
    assert d.batch_shape == (4,) and d.sample((3,)).shape == (3, 4)
    assert d.log_prob(torch.zeros(3, 4, dtype=F64)).shape == (3, 4)
    with pytest.raises(ValueError, match="3 components"):
        Mixture(_t([0.5, 0.5]), [Normal(0.0, 1.0)] * 3)
    with pytest.raises(ValueError, match="event shapes"):
        Mixture(_t([0.5, 0.5]), [Normal(0.0, 1.0), MvNormal(torch.zeros(2), torch.eye(2))])
    with pytest.raises(ValueError, match="last batch axis"):
        Mixture(_t([1.0]), Normal(0.0, 1.0))
    assert Mixture(_t([0.5, 0.5]), [Exponential(1.0), Gamma(2.0, 1.0)]).support \
        is tb.distributions.constraints.nonnegative


# -- truncation and censoring against hand-written densities ------------------------------------
@dataclass(frozen=True)
class Bounded:
    """A base family, its SciPy law, bounds and test points."""
    family: type
    params: dict[str, float]
    frozen: Any
    lower: float | None
    upper: float | None
    points: tuple
    outside: tuple = ()
    grad_params: tuple = ()
    discrete: bool = False
    name: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.name or self.family.__name__

    def base(self, dtype=F64, requires_grad=False):
        params = {k: _t(v, dtype).requires_grad_(requires_grad) for k, v in self.params.items()}
        return self.family(**params), params

    def base_logpdf(self, x):
        return self.frozen.logpmf(x) if self.discrete else self.frozen.logpdf(x)

    @property
    def lower_cut(self):
        return None if self.lower is None else self.lower - 1 if self.discrete else self.lower

    def inside(self, x):
        return (x >= (-np.inf if self.lower is None else self.lower)) \
            & (x <= (np.inf if self.upper is None else self.upper))

    def mass(self):
        """P(l <= X <= u): from the survival function when the interval is in the upper tail."""
        f = self.frozen
        low = 0.0 if self.lower is None else f.cdf(self.lower_cut)
        high = 1.0 if self.upper is None else f.cdf(self.upper)
        if low > 0.5:
            return f.sf(self.lower_cut) - (0.0 if self.upper is None else f.sf(self.upper))
        return high - low


def truncated_logpdf(case: Bounded, x):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(case.inside(x), case.base_logpdf(x) - np.log(case.mass()), -np.inf)


def truncated_cdf(case: Bounded, x):
    f = case.frozen
    clipped = x if case.upper is None else np.minimum(x, case.upper)
    if case.lower is not None and f.cdf(case.lower_cut) > 0.5:  # upper tail: survival functions
        below = f.sf(case.lower_cut) - f.sf(clipped)
    else:
        below = f.cdf(clipped) - (0.0 if case.lower is None else f.cdf(case.lower_cut))
    return np.where(x < (-np.inf if case.lower is None else case.lower), 0.0,
                    below / case.mass())


def censored_logpdf(case: Bounded, x):
    with np.errstate(divide="ignore", invalid="ignore"):
        logp = np.where(case.inside(x), case.base_logpdf(x), -np.inf)
        if case.lower is not None:
            logp = np.where(x == case.lower, case.frozen.logcdf(case.lower), logp)
        if case.upper is not None:
            cut = case.upper - 1 if case.discrete else case.upper
            logp = np.where(x == case.upper, case.frozen.logsf(cut), logp)
    return logp


TRUNCATED = [
    Bounded(Normal, {"mu": 0.5, "sigma": 2.0}, stats.norm(0.5, 2.0), -1.0, 3.0,
            (-0.9, 0.0, 1.0, 2.9), (-1.5, 3.5), ("mu", "sigma")),
    Bounded(Normal, {"mu": 0.0, "sigma": 1.0}, stats.norm(), 10.0, 12.0, (10.01, 10.5, 11.5),
            (9.0,), ("mu",), name="Normal-far-tail"),
    Bounded(Exponential, {"lam": 2.0}, stats.expon(0, 0.5), None, 1.5, (0.1, 0.7, 1.4),
            (-0.5, 2.0), ("lam",)),
    Bounded(Gamma, {"alpha": 2.5, "beta": 1.5}, stats.gamma(2.5, 0, 1 / 1.5), 1.0, None,
            (1.1, 2.0, 5.0, 12.0), (0.5,), ("beta",)),
    Bounded(LogNormal, {"mu": 0.3, "sigma": 0.6}, stats.lognorm(0.6, 0, np.exp(0.3)), 0.5, 3.0,
            (0.6, 1.0, 2.9), (0.4, 3.5), ("mu", "sigma")),
    Bounded(Laplace, {"mu": 0.5, "b": 2.0}, stats.laplace(0.5, 2.0), -2.0, 1.0,
            (-1.9, 0.0, 0.9), (-3.0, 1.5), ("mu", "b")),
    Bounded(Weibull, {"alpha": 1.5, "beta": 2.0}, stats.weibull_min(1.5, 0, 2.0), 0.5, 2.5,
            (0.6, 1.5, 2.4), (0.2, 3.0), ("alpha", "beta")),
    Bounded(Poisson, {"mu": 3.5}, stats.poisson(3.5), 2.0, 7.0, (2.0, 3.0, 5.0, 7.0),
            (1.0, 8.0, 3.5), ("mu",), discrete=True),
    Bounded(Poisson, {"mu": 3.5}, stats.poisson(3.5), 5.0, None, (5.0, 6.0, 12.0),
            (4.0,), ("mu",), discrete=True, name="Poisson-lower-only"),
    Bounded(StudentT, {"nu": 4.5, "mu": 0.5, "sigma": 2.0}, stats.t(4.5, 0.5, 2.0), -1.0, 3.0,
            (-0.9, 0.0, 0.5, 1.0, 2.9), (-1.5, 3.5), ("nu", "mu", "sigma")),
    Bounded(StudentT, {"nu": 3.0, "mu": 0.0, "sigma": 1.0}, stats.t(3.0), 4.0, None,
            (4.1, 6.0, 20.0, 1e4), (3.0,), ("nu", "mu"), name="StudentT-upper-tail"),
    Bounded(Beta, {"alpha": 2.5, "beta": 1.5}, stats.beta(2.5, 1.5), 0.2, 0.9,
            (0.25, 0.5, 0.85), (0.1, 0.95), ("alpha", "beta")),
    Bounded(HalfStudentT, {"nu": 1.0, "sigma": 2.0}, stats.halfcauchy(0, 2.0), None, 5.0,
            (0.1, 1.0, 4.9), (-0.5, 5.5), ("nu", "sigma")),
]
CENSORED = [
    Bounded(Normal, {"mu": 0.5, "sigma": 2.0}, stats.norm(0.5, 2.0), -1.0, 3.0,
            (-1.0, -0.9, 0.0, 2.9, 3.0), (-1.5, 3.5), ("mu", "sigma")),
    Bounded(Exponential, {"lam": 2.0}, stats.expon(0, 0.5), None, 1.0, (0.1, 0.7, 1.0),
            (-0.5, 2.0), ("lam",)),
    Bounded(Gamma, {"alpha": 2.5, "beta": 1.5}, stats.gamma(2.5, 0, 1 / 1.5), 0.5, 3.0,
            (0.5, 1.0, 2.9, 3.0), (0.2, 4.0), ("beta",)),
    Bounded(LogNormal, {"mu": 0.3, "sigma": 0.6}, stats.lognorm(0.6, 0, np.exp(0.3)), 0.5, 3.0,
            (0.5, 1.0, 3.0), (0.4, 3.5), ("mu", "sigma")),
    Bounded(Laplace, {"mu": 0.5, "b": 2.0}, stats.laplace(0.5, 2.0), -1.0, None,
            (-1.0, 0.0, 8.0), (-3.0,), ("mu", "b")),
    Bounded(Poisson, {"mu": 3.5}, stats.poisson(3.5), 1.0, 6.0, (1.0, 2.0, 5.0, 6.0),
            (0.0, 7.0, 2.5), ("mu",), discrete=True),
    Bounded(StudentT, {"nu": 4.5, "mu": 0.5, "sigma": 2.0}, stats.t(4.5, 0.5, 2.0), -1.0, 3.0,
            (-1.0, -0.9, 0.5, 2.9, 3.0), (-1.5, 3.5), ("nu", "mu", "sigma")),
    Bounded(StudentT, {"nu": 2.0, "mu": 0.0, "sigma": 1.0}, stats.t(2.0), None, 30.0,
            (-1e3, 0.0, 30.0), (31.0,), ("nu", "sigma"), name="StudentT-upper-only"),
    Bounded(Beta, {"alpha": 2.5, "beta": 1.5}, stats.beta(2.5, 1.5), 0.1, 0.9,
            (0.1, 0.5, 0.9), (0.05, 0.95), ("alpha", "beta")),
]


def _ids(rows):
    return [row.id for row in rows]


@pytest.mark.parametrize("dtype", [F64, torch.float32], ids=str)
@pytest.mark.parametrize("case", TRUNCATED, ids=_ids(TRUNCATED))
def test_truncated_log_prob(case, dtype):
    base, _ = case.base(dtype)
    d = Truncated(base, case.lower, case.upper)
    edges = tuple(b for b in (case.lower, case.upper) if b is not None)
    points = np.array(case.points + edges)
    tolerance = 1e-9 if dtype == F64 else 2e-4
    np.testing.assert_allclose(d.log_prob(_t(points, dtype)).double().numpy(),
                               truncated_logpdf(case, points), rtol=tolerance, atol=tolerance)
    assert d.log_prob(_t(case.outside, dtype)).eq(-torch.inf).all()
    assert d.support.check(_t(case.points, dtype)).all()
    assert not d.support.check(_t(case.outside, dtype)).any()


@pytest.mark.parametrize("case", TRUNCATED, ids=_ids(TRUNCATED))
def test_truncated_cdf_draws_and_gradients(case):
    base, params = case.base(requires_grad=True)
    d = Truncated(base, case.lower, case.upper)
    if not case.discrete:
        points = np.array(case.points)
        np.testing.assert_allclose(d.cdf(_t(points)).detach().numpy(),
                                   truncated_cdf(case, points), rtol=1e-8, atol=1e-12)
    torch.manual_seed(3)
    draws = d.sample((3000,)).numpy()
    assert case.inside(draws).all()
    if case.discrete:  # chi-square over the support, the last bin holding the tail
        values = np.arange(case.lower, case.upper or draws.max() + 1)
        expected = np.exp(truncated_logpdf(case, values)) * len(draws)
        observed = np.array([(draws == v).sum() for v in values], dtype=float)
        expected[-1] += len(draws) - expected.sum()
        observed[-1] += (draws > values[-1]).sum()
        assert stats.chisquare(observed, expected).pvalue > 1e-3
    else:
        assert stats.kstest(draws, lambda x: truncated_cdf(case, x)).pvalue > 1e-3
    points = _t(case.points)
    grads = torch.autograd.grad(d.log_prob(points).sum(), [params[n] for n in case.grad_params])
    for name, grad in zip(case.grad_params, grads):
        step = 1e-6
        shifted = {}
        for sign in (1, -1):
            moved = {k: v.detach() + (sign * step if k == name else 0) for k, v in params.items()}
            shifted[sign] = Truncated(case.family(**moved), case.lower, case.upper) \
                .log_prob(points).sum().item()
        numeric = (shifted[1] - shifted[-1]) / (2 * step)
        np.testing.assert_allclose(grad.item(), numeric, rtol=1e-5, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("dtype", [F64, torch.float32], ids=str)
@pytest.mark.parametrize("case", CENSORED, ids=_ids(CENSORED))
def test_censored_log_prob(case, dtype):
    base, _ = case.base(dtype)
    d = Censored(base, case.lower, case.upper)
    points = np.array(case.points)
    tolerance = 1e-9 if dtype == F64 else 2e-4
    np.testing.assert_allclose(d.log_prob(_t(points, dtype)).double().numpy(),
                               censored_logpdf(case, points), rtol=tolerance, atol=tolerance)
    assert d.log_prob(_t(case.outside, dtype)).eq(-torch.inf).all()
    if case.discrete:  # a censored pmf sums to one
        k = _t(np.arange(0.0, 40.0), dtype)
        assert abs(float(d.log_prob(k).exp().sum()) - 1) < 1e-5


@pytest.mark.parametrize("case", CENSORED, ids=_ids(CENSORED))
def test_censored_draws_and_gradients(case):
    base, params = case.base(requires_grad=True)
    d = Censored(base, case.lower, case.upper)
    torch.manual_seed(4)
    draws = d.sample((4000,)).numpy()
    assert case.inside(draws).all()
    atoms = []
    if case.lower is not None:
        atoms.append((draws == case.lower, case.frozen.cdf(case.lower)))
    if case.upper is not None:
        cut = case.upper - 1 if case.discrete else case.upper
        atoms.append((draws == case.upper, case.frozen.sf(cut)))
    for hits, probability in atoms:
        assert abs(hits.mean() - probability) < 5 * np.sqrt(probability * (1 - probability) / 4000)
    if not case.discrete:  # between the bounds, draws follow the base truncated there
        interior = draws[(draws != case.lower) & (draws != case.upper)]
        assert stats.kstest(interior, lambda x: truncated_cdf(case, x)).pvalue > 1e-3
    points = _t(case.points)
    grads = torch.autograd.grad(d.log_prob(points).sum(), [params[n] for n in case.grad_params])
    for name, grad in zip(case.grad_params, grads):
        step = 1e-6
        totals = [Censored(case.family(**{k: v.detach() + (s * step if k == name else 0)
                                          for k, v in params.items()}),
                           case.lower, case.upper).log_prob(points).sum().item()
                  for s in (1, -1)]
        np.testing.assert_allclose(grad.item(), (totals[0] - totals[1]) / (2 * step),
                                   rtol=1e-5, atol=1e-6, err_msg=name)


def test_bounds_batch_and_reparameterised_draws():
    mu = _t(0.5).requires_grad_(True)
    lower = _t([-1.0, 0.0, 1.0])
    d = Truncated(Normal(mu, _t(1.0)), lower, 3.0)
    assert d.batch_shape == (3,) and d.has_rsample
    draws = d.rsample((5,))
    assert draws.shape == (5, 3) and (draws >= lower).all()
    (grad,) = torch.autograd.grad(draws.sum(), [mu])
    assert torch.isfinite(grad)
    single = Truncated(Normal(_t(0.5), _t(1.0)), 0.0, 3.0)
    torch.testing.assert_close(d.log_prob(_t([0.5, 0.5, 1.5]))[1:2],
                               single.log_prob(_t([0.5])))
    censored = Censored(Poisson(_t([1.0, 4.0])), upper=3.0)
    assert censored.sample((7,)).shape == (7, 2) and censored.sample((7,)).max() <= 3


def _host_syncs(function) -> int:
    """How often ``function()`` reads a tensor back to the host (a sync on a GPU)."""
    names = ["__bool__", "item", "tolist", "__int__", "__float__", "__index__", "numpy", "cpu"]
    count = [0]

    def counting(original):
        def wrapper(self, *args, **kwargs):
            count[0] += 1
            return original(self, *args, **kwargs)
        return wrapper

    patches = [mock.patch.object(torch.Tensor, name, counting(getattr(torch.Tensor, name)))
               for name in names]
    with contextlib.ExitStack() as stack:
        for patch in patches:
            stack.enter_context(patch)
        function()
    return count[0]


def test_incomplete_beta_bounds_have_no_host_sync():
    """Truncated and Censored StudentT/Beta densities (built per density call, as the model
    does) never read back a tensor: the incomplete beta runs a fixed number of terms."""
    nu = _t([3.0, 30.0]).requires_grad_(True)
    values = _t([0.5, 2.0])

    def densities():
        total = (Truncated(StudentT(nu, 0.0, 1.0), -1.0, 3.0).log_prob(values)
                 + Censored(StudentT(nu, 0.0, 1.0), lower=0.5).log_prob(values)
                 + Truncated(Beta(nu, 2.0), upper=0.9).log_prob(values / 4))
        torch.autograd.grad(total.sum(), nu)

    assert _host_syncs(densities) == 0


def test_truncation_needs_a_cdf():
    with pytest.raises(ValueError, match="no cdf"):
        Truncated(Rice(1.0, 1.0), 0.0, 2.0)
    with pytest.raises(ValueError, match="no cdf"):
        Censored(Rice(1.0, 1.0), 0.0, 2.0)


# -- CustomDist and wrapped torch families ------------------------------------------------------
def _normal_logp(value, mu, sigma):
    return -0.5 * ((value - mu) / sigma) ** 2 - torch.log(sigma) - 0.5 * np.log(2 * np.pi)


def _normal_logcdf(value, mu, sigma):
    return torch.special.log_ndtr((value - mu) / sigma)


def test_custom_dist_bare():
    d = CustomDist(_t(0.5), _t([1.0, 2.0]), logp=_normal_logp, logcdf=_normal_logcdf,
                   random=lambda mu, sigma, size: mu + sigma * torch.randn(size, dtype=F64))
    assert d.batch_shape == (2,)
    np.testing.assert_allclose(d.log_prob(_t(1.0)).numpy(),
                               stats.norm(0.5, [1.0, 2.0]).logpdf(1.0), rtol=1e-10)
    assert d.sample((3,)).shape == (3, 2)
    numpy_style = CustomDist(0.5, 2.0, logp=_normal_logp,
                             random=lambda mu, sigma, rng=None, size=None:
                             rng.normal(mu, sigma, size))
    torch.manual_seed(0)
    draws = numpy_style.sample((4000,))
    assert draws.shape == (4000,) and abs(float(draws.mean()) - 0.5) < 5 * 2 / np.sqrt(4000)
    truncated = Truncated(d, lower=0.0)  # a logcdf makes it truncatable
    np.testing.assert_allclose(truncated.log_prob(_t(1.0)).numpy(),
                               stats.truncnorm(-0.5 / np.array([1.0, 2.0]), np.inf, 0.5,
                                               [1.0, 2.0]).logpdf(1.0), rtol=1e-9)
    vector = CustomDist(torch.zeros(3), torch.eye(3), logp=lambda v, m, c: -((v - m) ** 2).sum(-1),
                        signature="(n),(n,n)->(n)")
    assert vector.event_shape == (3,) and vector.batch_shape == ()
    with pytest.raises(NotImplementedError, match="random="):
        CustomDist(0.0, logp=lambda v, m: v).sample()


def test_torch_distribution_wrapper():
    d = TorchDistribution(torch.distributions.Gumbel, loc=_t(0.3), scale=_t(2.0))
    x = np.array([-1.0, 0.5, 4.0])
    np.testing.assert_allclose(d.log_prob(_t(x)).numpy(), stats.gumbel_r(0.3, 2.0).logpdf(x),
                               rtol=1e-10)
    assert d.has_rsample and d.sample((4,)).shape == (4,)
    wrapped = TorchDistribution(torch.distributions.Poisson(_t([1.0, 2.0])))
    assert wrapped.is_discrete and wrapped.batch_shape == (2,)
    gumbel = from_torch(torch.distributions.Gumbel)
    assert gumbel(loc=0.0, scale=1.0).support is torch.distributions.constraints.real
    with pytest.raises(TypeError, match="torch.distributions class"):
        from_torch(Normal(0.0, 1.0))


# -- inside models: component and base parameters that are model variables ---------------------
Y = np.array([-2.1, -1.9, 2.2, 1.8, 0.1])


def _batch_equals_singles(model):
    function = model.logp_dlogp_function()
    torch.manual_seed(5)
    positions = 0.3 * torch.randn(3, function.size, dtype=F64)
    logp, grad = function(positions)
    assert torch.isfinite(grad).all()
    for row in range(3):
        single, single_grad = function(positions[row])
        torch.testing.assert_close(single, logp[row])
        torch.testing.assert_close(single_grad, grad[row])


def _prior_shapes(model, draws=4):
    prior = tb.sample_prior_predictive(draws=draws, model=model)
    groups = [prior.prior] + ([prior.prior_predictive] if "prior_predictive" in prior else [])
    return {name: tuple(values.shape) for group in groups for name, values in group.items()}


def test_mixture_of_recipes_with_model_parameters():
    with tb.Model() as model:
        mu = tb.Normal("mu", 0.0, 3.0, shape=2)
        sigma = tb.HalfNormal("sigma", 1.0)
        w = tb.Dirichlet("w", a=np.ones(2))
        tb.Mixture("y", w=w, comp_dists=[tb.Normal.dist(mu[0], sigma),
                                         tb.StudentT.dist(4.0, mu[1], sigma)], observed=Y)
    point = {"mu": np.array([-2.0, 2.0]), "sigma": 0.7, "w": np.array([0.4, 0.6])}
    expected = np.log(0.4 * stats.norm(-2, 0.7).pdf(Y) + 0.6 * stats.t(4, 2, 0.7).pdf(Y)).sum()
    np.testing.assert_allclose(float(model.logp(point, sum=False)["y"]), expected, rtol=1e-10)
    _batch_equals_singles(model)
    assert _prior_shapes(model)["y"] == (1, 4, 5)


def test_batched_recipe_component_with_shared_scale():
    with tb.Model() as model:
        mu = tb.Normal("mu", 0.0, 3.0, shape=2)
        sigma = tb.HalfNormal("sigma", 1.0)
        y = tb.Mixture("y", w=np.array([0.3, 0.7]), comp_dists=tb.Normal.dist(mu, sigma),
                       observed=Y)
    assert {"comp_dists_mu", "comp_dists_sigma"} <= set(y.family.arg_constraints)
    expected = np.log(0.3 * stats.norm(-2, 0.7).pdf(Y) + 0.7 * stats.norm(2, 0.7).pdf(Y)).sum()
    logp = model.logp({"mu": np.array([-2.0, 2.0]), "sigma": 0.7}, sum=False)["y"]
    np.testing.assert_allclose(float(logp), expected, rtol=1e-10)
    _batch_equals_singles(model)
    assert _prior_shapes(model)["y"] == (1, 4, 5)


def test_truncated_and_censored_with_model_parameters():
    observed = np.array([0.0, 0.4, 1.0, 1.0])
    with tb.Model() as model:
        mu = tb.Normal("mu", 0.0, 3.0)
        sigma = tb.HalfNormal("sigma", 1.0)
        tb.Censored("y", tb.Normal.dist(mu, sigma), lower=0.0, upper=1.0, observed=observed)
        tb.Truncated("z", tb.Normal.dist(mu, sigma), lower=0.0, upper=2.0,
                     observed=np.array([0.2, 1.5]))
        low = tb.Normal("low", 0.0, 1.0)
        x = tb.Truncated("x", tb.Gamma.dist(2.0, 1.0), lower=low.exp(), shape=3)
    terms = model.logp({"mu": 0.3, "sigma": 0.5, "low": 0.0, "x": np.array([1.5, 2.0, 3.0])},
                       sum=False, jacobian=False)
    base = stats.norm(0.3, 0.5)
    np.testing.assert_allclose(float(terms["y"]), base.logcdf(0) + base.logpdf(0.4)
                               + 2 * base.logsf(1.0), rtol=1e-10)
    np.testing.assert_allclose(float(terms["z"]), stats.truncnorm(-0.6, 3.4, 0.3, 0.5).logpdf(
        [0.2, 1.5]).sum(), rtol=1e-10)
    gamma = stats.gamma(2.0)
    np.testing.assert_allclose(float(terms["x"]), (gamma.logpdf([1.5, 2.0, 3.0])
                                                   - gamma.logsf(1.0)).sum(), rtol=1e-10)
    assert x.dynamic_transform  # its lower bound moves with "low"
    _batch_equals_singles(model)
    shapes = _prior_shapes(model)
    assert shapes["y"] == (1, 4, 4) and shapes["x"] == (1, 4, 3)


def test_composite_errors_name_the_variable_and_parameter():
    with tb.Model():
        mu = tb.Normal("mu", 0.0, 1.0)
        with pytest.raises(ValueError, match=r'Mixture "bad": comp_dists\[0\].sigma must be > 0'):
            tb.Mixture("bad", w=[0.5, 0.5], comp_dists=[tb.Normal.dist(mu, -1.0),
                                                        tb.Normal.dist(mu, 1.0)], observed=Y)
        with pytest.raises(ValueError, match='TorchDistribution "g": scale'):
            tb.TorchDistribution("g", torch.distributions.Gumbel, loc=mu, scale=-1.0,
                                 observed=Y)
        with pytest.raises(ValueError, match="imputation"):
            tb.Truncated("t", tb.Normal.dist(mu, 1.0), lower=-5.0,
                         observed=np.array([0.1, np.nan]))


def test_custom_dist_and_torch_family_as_model_variables():
    with tb.Model() as model:
        mu = tb.Normal("mu", 0.0, 3.0, shape=2)
        sigma = tb.HalfNormal("sigma", 1.0)
        tb.CustomDist("y", mu[0], sigma, logp=_normal_logp,
                      random=lambda m, s, size: m + s * torch.randn(size, dtype=F64),
                      observed=Y)
        tb.CustomDist("x", mu, sigma, logp=_normal_logp, shape=2,
                      random=lambda m, s, size: m + s * torch.randn(size, dtype=F64))
        tb.TorchDistribution("g", torch.distributions.Gumbel, loc=mu[1], scale=2.0,
                             observed=Y)
        tb.TorchDistribution("v", torch.distributions.MultivariateNormal, loc=mu,
                             covariance_matrix=torch.eye(2, dtype=F64),
                             observed=np.array([[0.0, 1.0], [1.0, 0.5]]))
    point = {"mu": np.array([0.2, -0.4]), "sigma": 0.8, "x": np.array([0.0, 1.0])}
    terms = model.logp(point, sum=False, jacobian=False)
    np.testing.assert_allclose(float(terms["y"]), stats.norm(0.2, 0.8).logpdf(Y).sum())
    np.testing.assert_allclose(float(terms["x"]), stats.norm([0.2, -0.4], 0.8).logpdf(
        [0.0, 1.0]).sum())
    np.testing.assert_allclose(float(terms["g"]), stats.gumbel_r(-0.4, 2.0).logpdf(Y).sum())
    np.testing.assert_allclose(float(terms["v"]), stats.multivariate_normal(
        [0.2, -0.4]).logpdf([[0.0, 1.0], [1.0, 0.5]]).sum())
    _batch_equals_singles(model)
    assert _prior_shapes(model)["y"] == (1, 4, 5)


class _ForwardMixture(tb.Model):
    def __init__(self):
        super().__init__()
        self.mu = tb.Normal(0.0, 1.0, shape=2)

    def forward(self, y):
        return tb.Mixture("y", w=torch.tensor([0.3, 0.7], dtype=F64),
                          comp_dists=[tb.Normal.dist(self.mu[0], 1.0),
                                      tb.Normal.dist(self.mu[1], 1.0)], observed=y)


def test_mixture_inside_forward():
    model = _ForwardMixture().bind(torch.as_tensor(Y))
    expected = np.log(0.3 * stats.norm(0, 1).pdf(Y) + 0.7 * stats.norm(1, 1).pdf(Y)).sum()
    terms = model.logp({"mu": np.array([0.0, 1.0])}, sum=False)
    np.testing.assert_allclose(float(terms["y"]), expected, rtol=1e-10)
    _batch_equals_singles(model)


def test_normal_mixture_fit_recovers_the_means():
    rng = np.random.default_rng(0)
    labels = rng.random(150) < 0.35
    y = np.where(labels, rng.normal(-2.0, 0.7, 150), rng.normal(2.5, 0.7, 150))
    with tb.Model():
        mu = tb.Normal("mu", np.array([-2.0, 2.0]), 1.0)
        sigma = tb.HalfNormal("sigma", 2.0)
        w = tb.Dirichlet("w", np.ones(2))
        tb.NormalMixture("y", w=w, mu=mu, sigma=sigma, observed=y)
        idata = tb.sample(draws=150, tune=150, chains=2, random_seed=1, progressbar=False)
    posterior = idata.posterior
    means = posterior["mu"].mean(("chain", "draw")).values
    spread = posterior["mu"].std(("chain", "draw")).values
    truth = np.array([y[labels].mean(), y[~labels].mean()])
    assert (np.abs(means - truth) < 4 * spread + 0.05).all(), (means, truth)
    assert abs(float(posterior["w"].mean(("chain", "draw"))[0]) - labels.mean()) < 0.1
