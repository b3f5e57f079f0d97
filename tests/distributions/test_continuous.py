"""Conformance table of the univariate continuous families against SciPy.

One row per family and parameterisation; each check of :mod:`torchbayes.testing` runs over
every row it applies to. A family's quirks are fields of its row, never branches here.
"""
import numpy as np
import pytest
import torch
from scipy import stats

from torchbayes.distributions import (
    Beta, Exponential, Gamma, HalfCauchy, HalfNormal, LogNormal, Normal, StudentT, Uniform,
)
from torchbayes.testing import (
    FamilyCase, check_batch_shapes, check_goodness_of_fit, check_gradients,
    check_invalid_parameters, check_log_prob, check_logcdf, check_out_of_support,
    check_sample_moments,
)

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
               edges=(0.0, 1.0), outside=(-0.1, 1.5), invalid={"alpha": 0.0, "beta": -1.0}),
    FamilyCase(Beta, {"alpha": 0.4, "beta": 0.6}, lambda alpha, beta: stats.beta(alpha, beta),
               edges=(0.0, 1.0), outside=(1.5,), name="Beta-u-shaped"),
    FamilyCase(Beta, {"mu": 0.3, "sigma": 0.1},
               lambda mu, sigma: stats.beta(mu * (mu * (1 - mu) / sigma ** 2 - 1),
                                            (1 - mu) * (mu * (1 - mu) / sigma ** 2 - 1)),
               outside=(1.5,), invalid={"mu": 1.5, "sigma": -0.1}, name="Beta-mu-sigma"),
    FamilyCase(Beta, {"mu": 0.6, "nu": 5.0},
               lambda mu, nu: stats.beta(mu * nu, (1 - mu) * nu),
               outside=(-1.0,), invalid={"nu": 0.0}, name="Beta-mu-nu"),
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
               lambda nu, mu, sigma: stats.t(nu, mu, sigma), invalid={"nu": 0.0, "sigma": -1.0}),
    FamilyCase(StudentT, {"nu": 1.5, "mu": 0.0, "lam": 0.25},
               lambda nu, mu, lam: stats.t(nu, mu, lam ** -0.5), moments=False,
               invalid={"lam": -1.0}, name="StudentT-lam"),
]
IDS = [case.id for case in CASES]
DTYPES = [torch.float64, torch.float32]


def _rows(predicate):
    rows = [case for case in CASES if predicate(case)]
    return pytest.mark.parametrize("case", rows, ids=[case.id for case in rows])


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_log_prob(case, dtype):
    check_log_prob(case, dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@_rows(lambda case: case.has_cdf)
def test_logcdf(case, dtype):
    check_logcdf(case, dtype)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradients(case):
    check_gradients(case)


@_rows(lambda case: case.moments)
def test_sample_moments(case):
    check_sample_moments(case)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_goodness_of_fit(case):
    check_goodness_of_fit(case)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_batch_shapes(case, dtype):
    check_batch_shapes(case, dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_out_of_support(case, dtype):
    check_out_of_support(case, dtype)


@_rows(lambda case: bool(case.invalid))
def test_invalid_parameters(case):
    check_invalid_parameters(case)


def test_alternative_parameterisations_are_exclusive():
    with pytest.raises(ValueError, match="sigma or tau"):
        HalfNormal(sigma=1.0, tau=1.0)
    with pytest.raises(ValueError, match="alpha and beta"):
        Gamma(alpha=1.0, mu=1.0, sigma=1.0)
    with pytest.raises(ValueError, match="sigma or nu"):
        Beta(mu=0.5, sigma=0.1, nu=3.0)
