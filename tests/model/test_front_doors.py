"""The three front doors (DESIGN.md §1) give one density.

Each row of ``CASES`` writes one model three ways (a with-block, attributes of a subclass, a
subclass with a ``forward()``) and once more by hand with scipy.stats on the flat unconstrained
vector, Jacobians written out. Every style must give the hand density, with and without
Jacobians, at random unconstrained points, and the styles must agree with each other exactly.
"""
from typing import Callable, NamedTuple

import numpy as np
import pytest
import torch
from scipy import stats
from scipy.special import expit, log_expit

import torchbayes as tb

CHAINS = 4

# -- eight schools, centred --------------------------------------------------------------------
SCHOOL_Y = np.array([28.0, 8, -3, 7, -1, 1, 18, 12])
SCHOOL_SIGMA = np.array([15.0, 10, 16, 11, 9, 11, 10, 18])


def eight_with_block():
    with tb.Model(coords={"school": list("abcdefgh")}) as model:
        mu = tb.Normal("mu", mu=0.0, sigma=5.0)
        tau = tb.HalfCauchy("tau", beta=5.0)
        theta = tb.Normal("theta", mu=mu, sigma=tau, dims="school")
        tb.Normal("y", mu=theta, sigma=SCHOOL_SIGMA, observed=SCHOOL_Y)
    return model


class EightSchools(tb.Model):
    def __init__(self, y, sigma):
        super().__init__()
        self.mu = tb.Normal(0.0, 5.0)
        self.tau = tb.HalfCauchy(5.0)
        self.theta = tb.Normal(self.mu, self.tau, shape=8)
        self.y = tb.Normal(self.theta, sigma, observed=y)


class EightSchoolsForward(tb.Model):
    def __init__(self):
        super().__init__()
        self.mu = tb.Normal(0.0, 5.0)
        self.tau = tb.HalfCauchy(5.0)
        self.theta = tb.Normal(self.mu, self.tau, shape=8)

    def forward(self, y, sigma):
        return tb.Normal("y", mu=self.theta, sigma=torch.as_tensor(sigma), observed=y)


def eight_by_hand(u, jacobian):
    mu, log_tau, theta = u[0], u[1], u[2:]
    tau = np.exp(log_tau)
    logp = (stats.norm.logpdf(mu, 0, 5) + stats.halfcauchy.logpdf(tau, 0, 5)
            + stats.norm.logpdf(theta, mu, tau).sum()
            + stats.norm.logpdf(SCHOOL_Y, theta, SCHOOL_SIGMA).sum())
    return logp + (log_tau if jacobian else 0.0)


# -- a linear regression -------------------------------------------------------------------------
_rng = np.random.default_rng(42)
REG_X = _rng.normal(size=(20, 3))
REG_Y = REG_X @ np.array([1.0, -2.0, 0.5]) + 0.3 + 0.4 * _rng.normal(size=20)


def regression_with_block():
    with tb.Model() as model:
        alpha = tb.Normal("alpha", 0.0, 5.0)
        beta = tb.Normal("beta", 0.0, 2.0, shape=3)
        sigma = tb.HalfNormal("sigma", 2.0)
        tb.Normal("y", mu=alpha + REG_X @ beta, sigma=sigma, observed=REG_Y)
    return model


class Regression(tb.Model):
    def __init__(self, X, y):
        super().__init__()
        self.alpha = tb.Normal(0.0, 5.0)
        self.beta = tb.Normal(0.0, 2.0, shape=3)
        self.sigma = tb.HalfNormal(2.0)
        self.y = tb.Normal(self.alpha + torch.as_tensor(X) @ self.beta, self.sigma, observed=y)


class RegressionForward(tb.Model):
    def __init__(self):
        super().__init__()
        self.alpha = tb.Normal(0.0, 5.0)
        self.beta = tb.Normal(0.0, 2.0, shape=3)
        self.sigma = tb.HalfNormal(2.0)

    def forward(self, X, y=None):
        mean = self.alpha + torch.as_tensor(X) @ self.beta
        return tb.Normal("y", mu=mean, sigma=self.sigma, observed=y)


def regression_by_hand(u, jacobian):
    alpha, beta, log_sigma = u[0], u[1:4], u[4]
    sigma = np.exp(log_sigma)
    logp = (stats.norm.logpdf(alpha, 0, 5) + stats.norm.logpdf(beta, 0, 2).sum()
            + stats.halfnorm.logpdf(sigma, 0, 2)
            + stats.norm.logpdf(REG_Y, alpha + REG_X @ beta, sigma).sum())
    return logp + (log_sigma if jacobian else 0.0)


# -- a simplex, a positive and an interval variable -------------------------------------------------
CONSTRAINED_Y = np.array([1.2, 2.1, 1.7, 2.6])
WEIGHTS = np.array([1.0, 2.0, 3.0])
CONCENTRATION = np.array([2.0, 3.0, 4.0])


def constrained_with_block():
    with tb.Model() as model:
        p = tb.Dirichlet("p", a=CONCENTRATION)
        s = tb.Exponential("s", lam=1.5)
        u = tb.Uniform("u", lower=0.0, upper=2.0)
        tb.Normal("y", mu=u * (p @ WEIGHTS), sigma=s, observed=CONSTRAINED_Y)
    return model


class Constrained(tb.Model):
    def __init__(self, y):
        super().__init__()
        self.p = tb.Dirichlet(a=CONCENTRATION)
        self.s = tb.Exponential(lam=1.5)
        self.u = tb.Uniform(0.0, 2.0)
        self.y = tb.Normal(self.u * (self.p @ torch.as_tensor(WEIGHTS)), self.s, observed=y)


class ConstrainedForward(tb.Model):
    def __init__(self):
        super().__init__()
        self.p = tb.Dirichlet(a=CONCENTRATION)
        self.s = tb.Exponential(lam=1.5)
        self.u = tb.Uniform(0.0, 2.0)

    def forward(self, y):
        mean = self.u * (self.p @ torch.as_tensor(WEIGHTS))
        return tb.Normal("y", mu=mean, sigma=self.s, observed=y)


def _stick_breaking(v: torch.Tensor) -> torch.Tensor:
    """Torch's stick-breaking map R^(K-1) -> simplex, written out: fractions of what is left."""
    k = v.shape[-1] + 1
    fractions = torch.sigmoid(v - torch.log(torch.arange(k - 1, 0, -1, dtype=v.dtype)))
    pieces, left = [], torch.ones((), dtype=v.dtype)
    for fraction in fractions:
        pieces.append(fraction * left)
        left = left * (1 - fraction)
    return torch.stack(pieces + [left])


def _simplex_log_jacobian(v: np.ndarray) -> float:
    # the first K - 1 coordinates determine the simplex point: log |det d p[:-1] / d v|
    jac = torch.autograd.functional.jacobian(lambda w: _stick_breaking(w)[:-1],
                                             torch.as_tensor(v))
    return float(torch.linalg.slogdet(jac)[1])


def constrained_by_hand(v, jacobian):
    p = _stick_breaking(torch.as_tensor(v[:2])).numpy()
    log_s, logit_u = v[2], v[3]
    s, u = np.exp(log_s), 2.0 * expit(logit_u)
    logp = (stats.dirichlet.logpdf(p, CONCENTRATION) + stats.expon.logpdf(s, scale=1 / 1.5)
            + stats.uniform.logpdf(u, 0.0, 2.0)
            + stats.norm.logpdf(CONSTRAINED_Y, u * (p @ WEIGHTS), s).sum())
    if jacobian:
        logp += (_simplex_log_jacobian(v[:2]) + log_s
                 + np.log(2.0) + log_expit(logit_u) + log_expit(-logit_u))
    return logp


# -- a Deterministic and a Potential ---------------------------------------------------------------
DP_Y = np.array([0.3, 1.9, 2.4])


def potential_with_block():
    with tb.Model() as model:
        mu = tb.Normal("mu", 0.0, 1.0)
        sigma = tb.HalfNormal("sigma", 1.0)
        twice = tb.Deterministic("twice", 2.0 * mu)
        tb.Potential("pull", -0.5 * (mu - 1.0) ** 2)
        tb.Normal("y", mu=twice, sigma=sigma, observed=DP_Y)
    return model


class WithPotential(tb.Model):
    def __init__(self, y):
        super().__init__()
        self.mu = tb.Normal(0.0, 1.0)
        self.sigma = tb.HalfNormal(1.0)
        self.twice = tb.Deterministic("twice", 2.0 * self.mu)
        self.pull = tb.Potential("pull", -0.5 * (self.mu - 1.0) ** 2)
        self.y = tb.Normal(self.twice, self.sigma, observed=y)


class WithPotentialForward(tb.Model):
    # Deterministic and Potential record expressions, so they are declared in __init__
    def __init__(self):
        super().__init__()
        self.mu = tb.Normal(0.0, 1.0)
        self.sigma = tb.HalfNormal(1.0)
        self.twice = tb.Deterministic("twice", 2.0 * self.mu)
        self.pull = tb.Potential("pull", -0.5 * (self.mu - 1.0) ** 2)

    def forward(self, y):
        return tb.Normal("y", mu=self.twice, sigma=self.sigma, observed=y)


def potential_by_hand(u, jacobian):
    mu, log_sigma = u[0], u[1]
    sigma = np.exp(log_sigma)
    logp = (stats.norm.logpdf(mu, 0, 1) + stats.halfnorm.logpdf(sigma, 0, 1)
            - 0.5 * (mu - 1.0) ** 2 + stats.norm.logpdf(DP_Y, 2 * mu, sigma).sum())
    return logp + (log_sigma if jacobian else 0.0)


class Case(NamedTuple):
    styles: dict[str, Callable[[], tb.Model]]
    by_hand: Callable[[np.ndarray, bool], float]
    free: list[str]   # the layout: free variables in the order of the flat vector
    size: int


CASES = {
    "eight_schools": Case(
        {"with": eight_with_block,
         "attributes": lambda: EightSchools(SCHOOL_Y, SCHOOL_SIGMA),
         "forward": lambda: EightSchoolsForward().bind(SCHOOL_Y, SCHOOL_SIGMA)},
        eight_by_hand, ["mu", "tau", "theta"], 10),
    "regression": Case(
        {"with": regression_with_block,
         "attributes": lambda: Regression(REG_X, REG_Y),
         "forward": lambda: RegressionForward().bind(REG_X, REG_Y)},
        regression_by_hand, ["alpha", "beta", "sigma"], 5),
    "simplex_positive_interval": Case(
        {"with": constrained_with_block,
         "attributes": lambda: Constrained(CONSTRAINED_Y),
         "forward": lambda: ConstrainedForward().bind(CONSTRAINED_Y)},
        constrained_by_hand, ["p", "s", "u"], 4),
    "deterministic_potential": Case(
        {"with": potential_with_block,
         "attributes": lambda: WithPotential(DP_Y),
         "forward": lambda: WithPotentialForward().bind(DP_Y)},
        potential_by_hand, ["mu", "sigma"], 2),
}
STYLES = ["with", "attributes", "forward"]


def _points(size: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(size)
    return torch.randn(CHAINS, size, generator=generator, dtype=torch.float64)


@pytest.mark.parametrize("jacobian", [True, False], ids=["jacobian", "no_jacobian"])
@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("case", list(CASES))
def test_style_matches_the_hand_density(case, style, jacobian):
    row = CASES[case]
    model = row.styles[style]()
    assert [rv.name for rv in model.free_RVs] == row.free
    function = model.logp_dlogp_function(jacobian=jacobian)
    assert function.size == row.size
    points = _points(row.size)
    logp, grad = function(points)
    expected = [row.by_hand(u, jacobian) for u in points.numpy()]
    np.testing.assert_allclose(logp.numpy(), expected, rtol=1e-10, atol=1e-10)
    assert grad.shape == points.shape and bool(torch.isfinite(grad).all())


@pytest.mark.parametrize("jacobian", [True, False], ids=["jacobian", "no_jacobian"])
@pytest.mark.parametrize("case", list(CASES))
def test_styles_agree_exactly(case, jacobian):
    row = CASES[case]
    points = _points(row.size)
    results = [row.styles[style]().logp_dlogp_function(jacobian=jacobian)(points)
               for style in STYLES]
    for logp, grad in results[1:]:
        torch.testing.assert_close(logp, results[0][0], rtol=1e-13, atol=1e-12)
        torch.testing.assert_close(grad, results[0][1], rtol=1e-13, atol=1e-12)


@pytest.mark.parametrize("case", list(CASES))
def test_styles_keep_the_same_books(case):
    row = CASES[case]
    models = [row.styles[style]() for style in STYLES]
    books = [({rv.name for rv in m.free_RVs}, {rv.name for rv in m.observed_RVs},
              {d.name for d in m.deterministics}, {p.name for p in m.potentials})
             for m in models]
    assert books[0] == books[1] == books[2]
    start = [m.initial_point() for m in models]
    for name in row.free:
        np.testing.assert_allclose(start[1][name], start[0][name])
        np.testing.assert_allclose(start[2][name], start[0][name])


@pytest.mark.parametrize("style", STYLES)
def test_model_logp_at_a_point_matches_the_hand_density(style):
    row = CASES["simplex_positive_interval"]
    model = row.styles[style]()
    u = _points(row.size)[0]
    point = model.array_to_dict(u)
    for jacobian in (True, False):
        assert float(model.logp(point, jacobian=jacobian)) == pytest.approx(
            row.by_hand(u.numpy(), jacobian), rel=1e-10)
