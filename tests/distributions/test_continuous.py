"""Conformance table of the univariate continuous families against SciPy.

One row per family and parameterisation; each check of :mod:`torchbayes.testing` runs over
every row it applies to. A family's quirks are fields of its row, never branches here.
"""
import numpy as np
import pytest
import torch
from scipy import special, stats

from torchbayes.distributions import (
    AsymmetricLaplace, Beta, Cauchy, ChiSquared, ExGaussian, Exponential, Flat, Gamma, Gumbel,
    HalfCauchy, HalfFlat, HalfNormal, HalfStudentT, Interpolated, InverseGamma, Kumaraswamy,
    Laplace, Logistic, LogitNormal, LogNormal, Moyal, Normal, Pareto, Rice, SkewNormal,
    SkewStudentT, StudentT, Triangular, TruncatedNormal, Uniform, VonMises, Wald, Weibull,
)
from torchbayes.testing import FamilyCase, QuadratureReference, conformance_suite

CASES = [
    FamilyCase(Normal, {"mu": 0.5, "sigma": 2.0}, lambda mu, sigma: stats.norm(mu, sigma),
               tails=(-60.0, 40.0), has_cdf=True, has_icdf=True, invalid={"sigma": -1.0}),
    FamilyCase(HalfNormal, {"sigma": 1.5}, lambda sigma: stats.halfnorm(0, sigma),
               edges=(0.0,), outside=(-1.0, -1e-9), tails=(1e-12, 15.0), has_cdf=True,
               has_icdf=True, invalid={"sigma": 0.0}),
    FamilyCase(HalfNormal, {"tau": 4.0}, lambda tau: stats.halfnorm(0, tau ** -0.5),
               outside=(-1.0,), invalid={"tau": -2.0}, name="HalfNormal-tau"),
    FamilyCase(HalfCauchy, {"beta": 2.0}, lambda beta: stats.halfcauchy(0, beta),
               edges=(0.0,), outside=(-1.0,), tails=(1e-12, 1e12), has_cdf=True, has_icdf=True,
               moments=False, invalid={"beta": -1.0}),
    FamilyCase(Exponential, {"lam": 2.0}, lambda lam: stats.expon(0, 1 / lam),
               edges=(0.0,), outside=(-0.5,), tails=(1e-14, 300.0), has_cdf=True,
               has_icdf=True, invalid={"lam": 0.0}),
    FamilyCase(Exponential, {"scale": 3.0}, lambda scale: stats.expon(0, scale),
               outside=(-0.5,), invalid={"scale": -3.0}, name="Exponential-scale"),
    FamilyCase(Gamma, {"alpha": 2.5, "beta": 1.5},
               lambda alpha, beta: stats.gamma(alpha, 0, 1 / beta),
               edges=(0.0,), outside=(-1.0,), tails=(1e-10, 40.0), has_cdf=True,
               invalid={"alpha": -1.0, "beta": 0.0}),
    FamilyCase(Gamma, {"alpha": 0.5, "beta": 2.0},
               lambda alpha, beta: stats.gamma(alpha, 0, 1 / beta),
               edges=(0.0,), outside=(-1.0,), has_cdf=True, name="Gamma-small-alpha"),
    FamilyCase(Gamma, {"mu": 2.0, "sigma": 0.8},
               lambda mu, sigma: stats.gamma((mu / sigma) ** 2, 0, sigma ** 2 / mu),
               outside=(-1.0,), invalid={"mu": -1.0, "sigma": 0.0}, name="Gamma-mu-sigma"),
    FamilyCase(Beta, {"alpha": 2.5, "beta": 1.5}, lambda alpha, beta: stats.beta(alpha, beta),
               edges=(0.0, 1.0), outside=(-0.1, 1.5), tails=(1e-12, 1 - 1e-12), has_cdf=True,
               invalid={"alpha": 0.0, "beta": -1.0}),
    FamilyCase(Beta, {"alpha": 0.4, "beta": 0.6}, lambda alpha, beta: stats.beta(alpha, beta),
               edges=(0.0, 1.0), outside=(1.5,), tails=(1e-200, 1 - 1e-15), has_cdf=True,
               name="Beta-u-shaped"),
    FamilyCase(Beta, {"mu": 0.3, "sigma": 0.1},
               lambda mu, sigma: stats.beta(mu * (mu * (1 - mu) / sigma ** 2 - 1),
                                            (1 - mu) * (mu * (1 - mu) / sigma ** 2 - 1)),
               outside=(1.5,), invalid={"mu": 1.5, "sigma": -0.1}, name="Beta-mu-sigma"),
    FamilyCase(Beta, {"mu": 0.6, "nu": 5.0},
               lambda mu, nu: stats.beta(mu * nu, (1 - mu) * nu),
               outside=(-1.0,), invalid={"nu": 0.0}, name="Beta-mu-nu"),
    FamilyCase(Beta, {"alpha": 800.0, "beta": 1200.0},
               lambda alpha, beta: stats.beta(alpha, beta), tails=(0.3, 0.5), has_cdf=True,
               moments=False, name="Beta-concentrated"),
    FamilyCase(Uniform, {"lower": -1.0, "upper": 3.0},
               lambda lower, upper: stats.uniform(lower, upper - lower),
               points=(-0.9, 0.0, 1.0, 2.9), edges=(-1.0, 3.0), outside=(-1.5, 3.5),
               has_cdf=True, has_icdf=True, invalid={"lower": float("nan")}),
    FamilyCase(LogNormal, {"mu": 0.3, "sigma": 0.6},
               lambda mu, sigma: stats.lognorm(sigma, 0, np.exp(mu)),
               edges=(0.0,), outside=(-1.0,), tails=(1e-30, 1e6), has_cdf=True, has_icdf=True,
               invalid={"sigma": -1.0}),
    FamilyCase(LogNormal, {"mu": -0.5, "tau": 4.0},
               lambda mu, tau: stats.lognorm(tau ** -0.5, 0, np.exp(mu)),
               outside=(-1.0,), invalid={"tau": 0.0}, name="LogNormal-tau"),
    FamilyCase(StudentT, {"nu": 6.5, "mu": 0.5, "sigma": 2.0},
               lambda nu, mu, sigma: stats.t(nu, mu, sigma), tails=(-1e10, -300.0, 1e10),
               has_cdf=True, invalid={"nu": 0.0, "sigma": -1.0}),
    FamilyCase(StudentT, {"nu": 1.5, "mu": 0.0, "lam": 0.25},
               lambda nu, mu, lam: stats.t(nu, mu, lam ** -0.5), points=(-1e-9, 0.0, 1e-9),
               tails=(-1e30,), has_cdf=True, moments=False, invalid={"lam": -1.0},
               name="StudentT-lam"),
    FamilyCase(StudentT, {"nu": 2e4, "mu": 0.0, "sigma": 1.0},
               lambda nu, mu, sigma: stats.t(nu, mu, sigma), tails=(-35.0, 8.0),
               has_cdf=True, name="StudentT-large-nu"),
]


def _half_student_t(nu, sigma):
    # P(|T| <= x) = I_{x^2 / (nu sigma^2 + x^2)}(1/2, nu/2): no cancellation near zero.
    t = stats.t(nu, 0, sigma)
    return QuadratureReference(
        lambda x: np.log(2) + t.logpdf(x), 0.0, np.inf,
        cdf=lambda x: special.betainc(0.5, 0.5 * nu, x ** 2 / (nu * sigma ** 2 + x ** 2)),
        ppf=lambda q: t.ppf(0.5 + 0.5 * q))


def _kumaraswamy(a, b):
    return QuadratureReference(
        lambda x: np.log(a * b) + (a - 1) * np.log(x) + (b - 1) * np.log(-np.expm1(a * np.log(x))),
        0.0, 1.0, cdf=lambda x: -np.expm1(b * np.log1p(-np.clip(x, 0, 1) ** a)),
        ppf=lambda q: (1 - (1 - q) ** (1 / b)) ** (1 / a))


def _logit_normal(mu, sigma):
    normal = stats.norm(mu, sigma)

    def logpdf(x):
        with np.errstate(divide="ignore", invalid="ignore"):
            value = normal.logpdf(special.logit(x)) - np.log(x) - np.log1p(-x)
        return np.where((x > 0) & (x < 1), value, -np.inf)

    return QuadratureReference(
        logpdf, 0.0, 1.0,
        cdf=lambda x: normal.cdf(special.logit(np.clip(x, 0, 1))),
        ppf=lambda q: special.expit(normal.ppf(q)))


def _interpolated(x_points, pdf_points):
    # The density is linear between knots, so trapezoids on a grid holding the knots are exact.
    grid = np.unique(np.concatenate([np.linspace(x_points[0], x_points[-1], 200001), x_points]))
    density = np.interp(grid, x_points, pdf_points)
    total = np.trapezoid(density, grid)
    cumulative = np.concatenate([[0.0], np.cumsum(np.diff(grid) * (density[1:] + density[:-1])
                                                  / 2)]) / total
    return QuadratureReference(lambda x: np.log(np.interp(x, x_points, pdf_points) / total),
                               x_points[0], x_points[-1],
                               cdf=lambda x: np.interp(x, grid, cumulative),
                               ppf=lambda q: np.interp(q, cumulative, grid))


def _wrapped_von_mises(draws, params):
    angle = np.angle(np.exp(1j * (draws.double().numpy() - params["mu"])))
    return angle, stats.vonmises(params["kappa"])


CASES += [
    FamilyCase(TruncatedNormal, {"mu": 0.5, "sigma": 2.0, "lower": -1.0, "upper": 3.0},
               lambda mu, sigma, lower, upper: stats.truncnorm(
                   (lower - mu) / sigma, (upper - mu) / sigma, mu, sigma),
               points=(-0.9, 0.0, 1.0, 2.9), edges=(-1.0, 3.0), outside=(-1.5, 3.5),
               has_cdf=True, has_icdf=True, invalid={"sigma": -1.0}),
    FamilyCase(TruncatedNormal, {"mu": 0.0, "tau": 0.25, "lower": 1.0},
               lambda mu, tau, lower: stats.truncnorm((lower - mu) * tau ** 0.5, np.inf, mu,
                                                      tau ** -0.5),
               points=(1.05, 1.5, 3.0, 6.0, 10.0), outside=(0.0,), tails=(60.0,),
               has_cdf=True, has_icdf=True, name="TruncatedNormal-lower-tau"),
    FamilyCase(TruncatedNormal, {"mu": 0.0, "sigma": 1.0, "lower": 10.0, "upper": 12.0},
               lambda mu, sigma, lower, upper: stats.truncnorm(lower, upper, mu, sigma),
               points=(10.01, 10.1, 10.5, 11.5), has_cdf=True, has_icdf=True,
               name="TruncatedNormal-far-tail"),
    FamilyCase(SkewNormal, {"mu": 0.5, "sigma": 2.0, "alpha": -3.0},
               lambda mu, sigma, alpha: stats.skewnorm(alpha, mu, sigma),
               invalid={"sigma": 0.0, "alpha": float("nan")}),
    FamilyCase(SkewNormal, {"mu": 0.0, "tau": 0.5, "alpha": 4.0},
               lambda mu, tau, alpha: stats.skewnorm(alpha, mu, tau ** -0.5),
               name="SkewNormal-tau"),
    FamilyCase(Flat, {}, logpdf=lambda x: np.zeros_like(x), points=(-1e6, 0.0, 3.0),
               improper=True),
    FamilyCase(HalfFlat, {}, logpdf=lambda x: np.zeros_like(x), points=(0.5, 1e6),
               edges=(0.0,), outside=(-1.0, -1e-9), improper=True),
    FamilyCase(Kumaraswamy, {"a": 2.0, "b": 3.0}, _kumaraswamy, edges=(0.0, 1.0),
               outside=(-0.1, 1.2), tails=(1e-9,), has_cdf=True, has_icdf=True,
               invalid={"a": 0.0, "b": -1.0}),
    FamilyCase(Kumaraswamy, {"a": 0.5, "b": 0.7}, _kumaraswamy, edges=(0.0, 1.0),
               has_cdf=True, name="Kumaraswamy-u-shaped"),
    FamilyCase(Laplace, {"mu": 0.5, "b": 2.0}, lambda mu, b: stats.laplace(mu, b),
               tails=(-200.0, 200.0), has_cdf=True, has_icdf=True, invalid={"b": 0.0}),
    FamilyCase(AsymmetricLaplace, {"b": 2.0, "kappa": 0.5, "mu": 1.0},
               lambda b, kappa, mu: stats.laplace_asymmetric(kappa, mu, 1 / b),
               tails=(-100.0, 100.0), has_cdf=True, has_icdf=True,
               invalid={"b": -1.0, "kappa": 0.0}),
    FamilyCase(AsymmetricLaplace, {"b": 1.0, "q": 0.3, "mu": 0.0},
               lambda b, q, mu: stats.laplace_asymmetric(np.sqrt(q / (1 - q)), mu, 1 / b),
               points=(-3.0, -0.5, 0.5, 2.0), has_cdf=True, invalid={"q": 1.5},
               name="AsymmetricLaplace-q"),
    FamilyCase(HalfStudentT, {"nu": 5.0, "sigma": 2.0}, _half_student_t, edges=(0.0,),
               outside=(-1.0,), tails=(1e-12, 1e8), has_cdf=True,
               invalid={"nu": 0.0, "sigma": -2.0}),
    FamilyCase(HalfStudentT, {"nu": 1.0, "lam": 0.25}, lambda nu, lam: stats.halfcauchy(0, 2.0),
               outside=(-1.0,), tails=(1e-30, 1e30), has_cdf=True, moments=False,
               invalid={"lam": 0.0}, name="HalfStudentT-lam"),
    FamilyCase(SkewStudentT, {"a": 4.0, "b": 3.0, "mu": 0.5, "sigma": 1.5},
               lambda a, b, mu, sigma: stats.jf_skew_t(a, b, mu, sigma),
               invalid={"a": 0.0, "sigma": -1.0}),
    FamilyCase(SkewStudentT, {"a": 1.0, "b": 2.5, "mu": 0.0, "lam": 4.0},
               lambda a, b, mu, lam: stats.jf_skew_t(a, b, mu, lam ** -0.5), moments=False,
               invalid={"lam": -1.0}, name="SkewStudentT-lam"),
    FamilyCase(Cauchy, {"alpha": 0.5, "beta": 2.0}, lambda alpha, beta: stats.cauchy(alpha, beta),
               tails=(-1e10, 1e10), has_cdf=True, has_icdf=True, moments=False,
               invalid={"beta": -2.0}),
    FamilyCase(InverseGamma, {"alpha": 4.5, "beta": 2.0},
               lambda alpha, beta: stats.invgamma(alpha, 0, beta), edges=(0.0,), outside=(-1.0,),
               tails=(0.01, 1e4), has_cdf=True, invalid={"alpha": 0.0, "beta": -1.0}),
    FamilyCase(InverseGamma, {"mu": 2.0, "sigma": 0.5},
               lambda mu, sigma: stats.invgamma((mu / sigma) ** 2 + 2, 0,
                                                mu * ((mu / sigma) ** 2 + 1)),
               outside=(-1.0,), invalid={"mu": 0.0}, name="InverseGamma-mu-sigma"),
    FamilyCase(Weibull, {"alpha": 1.5, "beta": 2.0}, lambda alpha, beta: stats.weibull_min(
        alpha, 0, beta), edges=(0.0,), outside=(-1.0,), tails=(1e-12, 40.0), has_cdf=True,
               has_icdf=True, invalid={"alpha": 0.0, "beta": -1.0}),
    FamilyCase(Weibull, {"alpha": 0.7, "beta": 1.0}, lambda alpha, beta: stats.weibull_min(
        alpha, 0, beta), edges=(0.0,), has_cdf=True, name="Weibull-small-alpha"),
    FamilyCase(ChiSquared, {"nu": 3.0}, lambda nu: stats.chi2(nu), edges=(0.0,),
               outside=(-1.0,), tails=(1e-10, 200.0), has_cdf=True, invalid={"nu": 0.0}),
    FamilyCase(Wald, {"mu": 1.5, "lam": 2.0}, lambda mu, lam: stats.invgauss(mu / lam, 0, lam),
               edges=(0.0,), outside=(-1.0,), tails=(0.01, 80.0), has_cdf=True,
               invalid={"mu": 0.0, "lam": -1.0}),
    FamilyCase(Wald, {"mu": 1.0, "phi": 3.0, "alpha": 0.5},
               lambda mu, phi, alpha: stats.invgauss(1 / phi, alpha, mu * phi),
               points=(0.6, 1.0, 1.5, 3.0, 6.0), outside=(0.2,), has_cdf=True,
               invalid={"phi": 0.0, "alpha": -1.0}, name="Wald-phi-alpha"),
    FamilyCase(Pareto, {"alpha": 4.5, "m": 1.5}, lambda alpha, m: stats.pareto(alpha, 0, m),
               points=(1.6, 2.0, 3.0, 10.0, 100.0), edges=(1.5,), outside=(1.0, -1.0),
               tails=(1e8,), has_cdf=True, has_icdf=True, invalid={"alpha": 0.0, "m": -1.0}),
    FamilyCase(ExGaussian, {"mu": 0.5, "sigma": 1.0, "nu": 2.0},
               lambda mu, sigma, nu: stats.exponnorm(nu / sigma, mu, sigma), has_cdf=True,
               invalid={"sigma": 0.0, "nu": -1.0}),
    FamilyCase(ExGaussian, {"mu": 0.0, "sigma": 2.0, "nu": 0.01},
               lambda mu, sigma, nu: stats.exponnorm(nu / sigma, mu, sigma),
               points=(-20.0, -5.0, 0.0, 3.0, 8.0), name="ExGaussian-small-nu"),
    FamilyCase(VonMises, {"mu": 0.3, "kappa": 2.0},
               lambda mu, kappa: stats.vonmises(kappa, mu),
               points=(-3.1, -1.0, 0.0, 0.3, 2.0, 3.1), edges=(-np.pi, np.pi),
               outside=(4.0, -3.5), projection=_wrapped_von_mises, moments=False,
               invalid={"kappa": -1.0}),
    FamilyCase(Triangular, {"lower": -1.0, "c": 0.5, "upper": 3.0},
               lambda lower, c, upper: stats.triang((c - lower) / (upper - lower), lower,
                                                    upper - lower),
               points=(-0.9, 0.0, 0.4, 0.6, 1.0, 2.9), edges=(-1.0, 3.0), outside=(-1.5, 3.5),
               has_cdf=True, has_icdf=True, invalid={"c": float("nan")}),
    FamilyCase(Triangular, {"lower": 0.0, "c": 1.0, "upper": 1.0},
               lambda lower, c, upper: stats.triang(1.0, lower, upper - lower),
               points=(0.1, 0.5, 0.9), edges=(0.0, 1.0), outside=(1.5,), has_cdf=True,
               name="Triangular-mode-at-upper"),
    FamilyCase(Gumbel, {"mu": 0.5, "beta": 2.0}, lambda mu, beta: stats.gumbel_r(mu, beta),
               tails=(-5.0, 200.0), has_cdf=True, has_icdf=True, invalid={"beta": 0.0}),
    FamilyCase(Logistic, {"mu": 0.5, "s": 2.0}, lambda mu, s: stats.logistic(mu, s),
               tails=(-1000.0, 1000.0), has_cdf=True, has_icdf=True, invalid={"s": -1.0}),
    FamilyCase(LogitNormal, {"mu": 0.3, "sigma": 0.8}, _logit_normal, edges=(0.0, 1.0),
               outside=(-0.5, 1.5), has_cdf=True, has_icdf=True, moments=False,
               invalid={"sigma": 0.0}),
    FamilyCase(LogitNormal, {"mu": -1.0, "tau": 2.0},
               lambda mu, tau: _logit_normal(mu, tau ** -0.5), moments=False,
               name="LogitNormal-tau"),
    FamilyCase(Rice, {"nu": 1.5, "sigma": 1.0}, lambda nu, sigma: stats.rice(nu / sigma, 0, sigma),
               edges=(0.0,), outside=(-1.0,), invalid={"nu": -1.0, "sigma": 0.0}),
    FamilyCase(Rice, {"b": 20.0, "sigma": 0.5},
               lambda b, sigma: stats.rice(b, 0, sigma), name="Rice-b-large"),
    FamilyCase(Moyal, {"mu": 0.5, "sigma": 2.0}, lambda mu, sigma: stats.moyal(mu, sigma),
               tails=(-10.0, 200.0), has_cdf=True, has_icdf=True, invalid={"sigma": 0.0}),
    FamilyCase(Interpolated,
               {"x_points": [0.0, 1.0, 2.0, 4.0], "pdf_points": [0.5, 2.0, 1.0, 0.0]},
               _interpolated, points=(0.3, 1.2, 1.7, 3.9), edges=(0.0, 1.0, 4.0),
               outside=(-1.0, 5.0),
               has_cdf=True, has_icdf=True,
               invalid={"x_points": [0.0, 2.0, 1.0], "pdf_points": [1.0, -1.0, 1.0]}),
]
DTYPES = [torch.float64, torch.float32]
TestConformance = conformance_suite(CASES, DTYPES)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("family, params, logsf, points", [
    (Beta, {"alpha": 2.5, "beta": 1.5}, stats.beta(2.5, 1.5).logsf,
     (0.01, 0.5, 0.99, 1 - 1e-6)),
    (StudentT, {"nu": 6.5, "mu": 0.5, "sigma": 2.0}, stats.t(6.5, 0.5, 2.0).logsf,
     (-30.0, 0.5, 3.0, 40.0, 1e6)),
    (HalfStudentT, {"nu": 5.0, "sigma": 2.0},
     lambda x: np.log(2) + stats.t(5.0, 0, 2.0).logsf(x), (1e-6, 1.0, 30.0, 1e6)),
], ids=["Beta", "StudentT", "HalfStudentT"])
def test_logccdf_upper_tail(family, params, logsf, points, dtype):
    """``logccdf`` keeps its digits where ``1 - cdf`` rounds to zero (float64: far tails)."""
    d = family(**{k: torch.tensor(v, dtype=dtype) for k, v in params.items()})
    points = np.asarray(points if dtype == torch.float64 else points[:3])
    tolerance = 1e-10 if dtype == torch.float64 else 2e-4
    np.testing.assert_allclose(d.logccdf(torch.tensor(points, dtype=dtype)).double().numpy(),
                               logsf(points), rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("dtype, cdf_point, rtol", [(torch.float64, -10.0, 1e-12),
                                                     (torch.float32, -7.0, 1e-5)], ids=str)
def test_normal_lower_tail(dtype, cdf_point, rtol):
    """``torch.special.ndtr`` cancels to 0 at -10 (float64) and -7 (float32): not ours."""
    d = Normal(torch.tensor(0.0, dtype=dtype), torch.tensor(1.0, dtype=dtype))
    point = torch.tensor([cdf_point, -40.0], dtype=dtype)
    np.testing.assert_allclose(d.cdf(point[:1]).double().numpy(), stats.norm.cdf(cdf_point),
                               rtol=rtol)
    np.testing.assert_allclose(d.logcdf(point).double().numpy(),
                               stats.norm.logcdf([cdf_point, -40.0]), rtol=rtol)


def test_alternative_parameterisations_are_exclusive():
    with pytest.raises(ValueError, match="sigma or tau"):
        HalfNormal(sigma=1.0, tau=1.0)
    with pytest.raises(ValueError, match="alpha and beta"):
        Gamma(alpha=1.0, mu=1.0, sigma=1.0)
    with pytest.raises(ValueError, match="sigma or nu"):
        Beta(mu=0.5, sigma=0.1, nu=3.0)


def test_improper_families_have_no_draws():
    for family in (Flat, HalfFlat):
        distribution = family(batch_shape=(3,))
        assert distribution.batch_shape == (3,)
        with pytest.raises(NotImplementedError, match="improper"):
            distribution.sample()


@pytest.mark.parametrize("dtype, rtol", [(torch.float64, 1e-9), (torch.float32, 2e-4)], ids=str)
def test_gamma_icdf_matches_scipy(dtype, rtol):
    """Newton on the smaller tail: far tails and small shapes (where Wilson-Hilferty fails)."""
    q = np.array([1e-10, 1e-6, 1e-3, 0.1, 0.5, 0.9, 0.999, 1 - 1e-7])
    for alpha in (0.05, 0.3, 1.0, 2.5, 25.0, 800.0):
        family = Gamma(torch.tensor(alpha, dtype=dtype), torch.tensor(3.0, dtype=dtype))
        levels = torch.tensor(q, dtype=dtype)   # compare at the levels as the dtype rounds them
        got = family.icdf(levels).double().numpy()
        expected = stats.gamma(alpha, scale=1 / 3.0).ppf(levels.double().numpy())
        representable = expected > 1e3 * torch.finfo(dtype).tiny   # 1e-200 is 0 in float32
        np.testing.assert_allclose(got[representable], expected[representable], rtol=rtol)
