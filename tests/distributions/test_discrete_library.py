"""Conformance table of the issue-4 discrete families, plus the incomplete beta function.

References are SciPy's laws where it has them, an ``rv_discrete`` over a long enough support
where a law is a mixture of SciPy's (zero-inflated, hurdle, ordinal, discrete Weibull), and
mpmath at 50 digits for the far tails of the ordinal families.
"""
import mpmath
import numpy as np
import pytest
import torch
from scipy import special, stats

import torchbayes as tb
from torchbayes.distributions import (
    BetaBinomial, Binomial, DiracDelta, DiscreteUniform, DiscreteWeibull, Geometric,
    HurdleGamma, HurdleLogNormal, HurdleNegativeBinomial, HurdlePoisson, HyperGeometric,
    NegativeBinomial, OrderedLogistic, OrderedProbit, ZeroInflatedBinomial,
    ZeroInflatedNegativeBinomial, ZeroInflatedPoisson,
)
from torchbayes.distributions._special import betainc, log_betainc, log_betaincc
from torchbayes.testing import (
    FamilyCase, check_batch_shapes, check_gradients, check_invalid_parameters, check_log_prob,
    check_logcdf, check_out_of_support, check_sample_moments, conformance_suite,
)

SUPPORT = np.arange(0, 400)


def _table(pmf, support=SUPPORT):
    """``rv_discrete`` of a pmf on ``support`` (renormalised: the tail beyond is negligible)."""
    p = np.asarray(pmf(support), dtype=np.float64)
    return stats.rv_discrete(values=(support, p / p.sum()))


def _nbinom(mu, alpha):
    return stats.nbinom(alpha, alpha / (mu + alpha))


def _zero_inflated(psi, base):
    return _table(lambda k: (1 - psi) * (k == 0) + psi * base.pmf(k))


def _hurdle(psi, base):
    return _table(lambda k: np.where(k == 0, 1 - psi, psi * base.pmf(k) / base.sf(0)))


def _ordered(cumulative):
    """``rv_discrete`` over categories from the cdf at the cutpoints."""
    edges = np.concatenate([[0.0], cumulative, [1.0]])
    return stats.rv_discrete(values=(np.arange(len(edges) - 1), np.diff(edges)))


def _logistic(eta, cutpoints):
    return _ordered(special.expit(cutpoints - eta))


def _probit(eta, cutpoints, sigma):
    return _ordered(stats.norm.cdf((cutpoints - eta) / sigma))


def _ordered_mpmath(cdf):
    """Exact log probabilities of the categories for an mpmath cdf of the latent variable."""
    mpmath.mp.dps = 50

    def logpmf(value, eta, cutpoints, **scale):
        bounds = [-mpmath.inf] + [mpmath.mpf(float(c)) for c in cutpoints] + [mpmath.inf]
        out = []
        for k in np.asarray(value, dtype=int):
            high, low = cdf(bounds[k + 1], float(eta), **scale), cdf(bounds[k], float(eta), **scale)
            out.append(float(mpmath.log(high - low)))
        return np.array(out)
    return logpmf


def _logistic_cdf(x, eta):
    return 1 / (1 + mpmath.exp(-(x - eta))) if x != -mpmath.inf else mpmath.mpf(0)


def _normal_cdf(x, eta, sigma):
    return mpmath.ncdf((x - eta) / float(sigma))


def _discrete_weibull(q, beta):
    return _table(lambda x: q ** (x ** beta) - q ** ((x + 1) ** beta))


class _Hurdle:
    """SciPy-like reference of a hurdle model with a continuous positive part."""

    def __init__(self, psi, positive):
        self.psi, self.positive = float(psi), positive

    def logpdf(self, x):
        x = np.asarray(x, dtype=np.float64)
        with np.errstate(divide="ignore"):
            positive = np.log(self.psi) + self.positive.logpdf(np.where(x > 0, x, 1.0))
            return np.where(x == 0, np.log1p(-self.psi), np.where(x > 0, positive, -np.inf))

    def cdf(self, x):
        x = np.asarray(x, dtype=np.float64)
        return np.where(x < 0, 0.0, 1 - self.psi + self.psi * self.positive.cdf(x))

    def mean(self):
        return self.psi * self.positive.mean()

    def var(self):
        second = self.psi * (self.positive.var() + self.positive.mean() ** 2)
        return second - self.mean() ** 2


def _randomised_pit(reference):
    """Projection for a hurdle with a continuous part: the randomised probability integral
    transform ``u = F(x-) + V (F(x) - F(x-))`` is uniform exactly when the draws follow
    ``F``, atom at zero included (a plain KS test is invalid with an atom)."""
    def projection(draws, params):
        frozen = reference(**params)
        x = draws.double().numpy()
        jitter = np.random.default_rng(3).uniform(size=x.shape)
        return np.where(x == 0, jitter * frozen.cdf(0.0), frozen.cdf(x)), stats.uniform()
    return projection


def _hurdle_gamma(psi, alpha=None, beta=None, mu=None, sigma=None):
    if mu is not None:
        alpha, beta = (mu / sigma) ** 2, mu / sigma ** 2
    return _Hurdle(psi, stats.gamma(alpha, 0, 1 / beta))


def _hurdle_log_normal(psi, mu, sigma=None, tau=None):
    return _Hurdle(psi, stats.lognorm(tau ** -0.5 if sigma is None else sigma, 0, np.exp(mu)))


HURDLE_POINTS = (0.0, 0.05, 0.4, 1.0, 2.5, 6.0, 15.0)
CUTPOINTS = [-1.0, 0.5, 2.0]

CASES = [
    FamilyCase(BetaBinomial, {"alpha": 2.0, "beta": 3.5, "n": 10.0},
               lambda alpha, beta, n: stats.betabinom(n, alpha, beta), edges=(0.0, 10.0),
               outside=(-1.0, 11.0, 2.5), invalid={"alpha": -1.0, "beta": 0.0, "n": 2.5}),
    FamilyCase(BetaBinomial, {"alpha": 0.3, "beta": 0.4, "n": 25.0},
               lambda alpha, beta, n: stats.betabinom(n, alpha, beta), edges=(0.0, 25.0),
               outside=(26.0,), name="BetaBinomial-u-shaped"),
    FamilyCase(NegativeBinomial, {"mu": 3.0, "alpha": 2.5}, _nbinom, edges=(0.0,),
               outside=(-1.0, 1.5), tails=(0.0, 80.0), has_cdf=True,
               invalid={"mu": -1.0, "alpha": 0.0}),
    FamilyCase(NegativeBinomial, {"p": 0.3, "n": 4.5}, lambda p, n: stats.nbinom(n, p),
               edges=(0.0,), outside=(-1.0,), tails=(0.0, 150.0), has_cdf=True,
               invalid={"p": 1.5, "n": -2.0}, name="NegativeBinomial-p-n"),
    FamilyCase(NegativeBinomial, {"mu": 40.0, "alpha": 0.2}, _nbinom, edges=(0.0,),
               tails=(0.0, 5000.0), has_cdf=True, name="NegativeBinomial-overdispersed"),
    FamilyCase(NegativeBinomial, {"mu": 3.0, "alpha": 1e12},
               lambda mu, alpha: stats.poisson(mu), edges=(0.0,), gradient_params=("mu",),
               name="NegativeBinomial-Poisson-limit"),
    FamilyCase(Geometric, {"p": 0.3}, lambda p: stats.geom(p), edges=(1.0,),
               outside=(0.0, -1.0, 1.5), tails=(1.0, 120.0), has_cdf=True, has_icdf=True,
               invalid={"p": 1.5}),
    FamilyCase(HyperGeometric, {"N": 20.0, "k": 7.0, "n": 9.0},
               lambda N, k, n: stats.hypergeom(N, k, n), edges=(0.0, 7.0),
               outside=(-1.0, 8.0, 2.5), gradient_params=(), invalid={"N": -1.0, "k": 1.5}),
    FamilyCase(HyperGeometric, {"N": 10.0, "k": 8.0, "n": 6.0},
               lambda N, k, n: stats.hypergeom(N, k, n), edges=(4.0, 6.0), outside=(3.0,),
               gradient_params=(), name="HyperGeometric-lower-bound"),
    FamilyCase(DiscreteUniform, {"lower": -2.0, "upper": 5.0},
               lambda lower, upper: stats.randint(lower, upper + 1), edges=(-2.0, 5.0),
               outside=(-3.0, 6.0, 0.5), tails=(-2.0, 5.0), has_cdf=True, has_icdf=True,
               gradient_params=(), invalid={"upper": float("nan")}),
    FamilyCase(DiscreteWeibull, {"q": 0.6, "beta": 1.3}, _discrete_weibull, edges=(0.0,),
               points=(0.0, 1.0, 2.0, 4.0, 8.0), outside=(-1.0, 0.5), tails=(0.0, 9.0),
               has_cdf=True, moments=False, invalid={"q": 1.5, "beta": -1.0}),
    FamilyCase(DiscreteWeibull, {"q": 0.95, "beta": 0.6},
               logpdf=lambda x, q, beta: np.log(q ** (x ** beta) - q ** ((x + 1) ** beta)),
               points=(0.0, 1.0, 10.0, 100.0, 1e4), moments=False,
               name="DiscreteWeibull-heavy-tail"),
    FamilyCase(OrderedLogistic, {"eta": 0.4, "cutpoints": CUTPOINTS}, _logistic,
               points=(0.0, 1.0, 2.0, 3.0), outside=(-1.0, 4.0, 1.5), has_cdf=True,
               invalid={"cutpoints": [1.0, 0.0], "eta": float("nan")}),
    FamilyCase(OrderedProbit, {"eta": -0.3, "cutpoints": CUTPOINTS, "sigma": 1.5}, _probit,
               points=(0.0, 1.0, 2.0, 3.0), outside=(-1.0, 4.0), has_cdf=True,
               invalid={"cutpoints": [0.0, 0.0], "sigma": 0.0}),
    FamilyCase(ZeroInflatedPoisson, {"psi": 0.7, "mu": 3.0},
               lambda psi, mu: _zero_inflated(psi, stats.poisson(mu)), edges=(0.0,),
               points=(0.0, 1.0, 3.0, 9.0), outside=(-1.0, 0.5), invalid={"psi": 1.5}),
    FamilyCase(ZeroInflatedBinomial, {"psi": 0.6, "n": 8.0, "p": 0.4},
               lambda psi, n, p: _zero_inflated(psi, stats.binom(n, p)), edges=(0.0, 8.0),
               points=(0.0, 1.0, 4.0), outside=(9.0, -1.0), invalid={"n": -1.0, "p": 2.0}),
    FamilyCase(ZeroInflatedNegativeBinomial, {"psi": 0.8, "mu": 2.5, "alpha": 1.5},
               lambda psi, mu, alpha: _zero_inflated(psi, _nbinom(mu, alpha)), edges=(0.0,),
               points=(0.0, 1.0, 4.0, 20.0), outside=(-2.0,), invalid={"alpha": -1.0}),
    FamilyCase(ZeroInflatedNegativeBinomial, {"psi": 0.5, "p": 0.4, "n": 3.0},
               lambda psi, p, n: _zero_inflated(psi, stats.nbinom(n, p)), edges=(0.0,),
               points=(0.0, 2.0, 10.0), name="ZeroInflatedNegativeBinomial-p-n"),
    FamilyCase(HurdlePoisson, {"psi": 0.6, "mu": 2.5},
               lambda psi, mu: _hurdle(psi, stats.poisson(mu)), edges=(0.0, 1.0),
               points=(0.0, 1.0, 3.0, 10.0), outside=(-1.0, 0.5), invalid={"mu": 0.0}),
    FamilyCase(HurdlePoisson, {"psi": 0.7, "mu": 0.05},
               lambda psi, mu: _hurdle(psi, stats.poisson(mu)), points=(0.0, 1.0, 2.0),
               name="HurdlePoisson-small-mu"),
    FamilyCase(HurdleNegativeBinomial, {"psi": 0.7, "mu": 2.0, "alpha": 1.2},
               lambda psi, mu, alpha: _hurdle(psi, _nbinom(mu, alpha)), edges=(0.0, 1.0),
               points=(0.0, 1.0, 4.0, 25.0), outside=(-1.0,), invalid={"psi": -0.1}),
    FamilyCase(HurdleNegativeBinomial, {"psi": 0.4, "p": 0.9, "n": 0.7},
               lambda psi, p, n: _hurdle(psi, stats.nbinom(n, p)), points=(0.0, 1.0, 3.0),
               name="HurdleNegativeBinomial-mostly-zero"),
    FamilyCase(HurdleGamma, {"psi": 0.7, "alpha": 2.0, "beta": 1.5}, _hurdle_gamma,
               points=HURDLE_POINTS, outside=(-1.0, -1e-9),
               projection=_randomised_pit(_hurdle_gamma), invalid={"beta": -1.0}),
    FamilyCase(HurdleGamma, {"psi": 0.5, "mu": 3.0, "sigma": 1.5}, _hurdle_gamma,
               points=HURDLE_POINTS, projection=_randomised_pit(_hurdle_gamma),
               name="HurdleGamma-mu-sigma"),
    FamilyCase(HurdleLogNormal, {"psi": 0.4, "mu": 0.3, "sigma": 0.8}, _hurdle_log_normal,
               points=HURDLE_POINTS, outside=(-0.5,), projection=_randomised_pit(
                   _hurdle_log_normal), invalid={"psi": 2.0, "sigma": 0.0}),
    FamilyCase(HurdleLogNormal, {"psi": 0.8, "mu": -0.5, "tau": 4.0}, _hurdle_log_normal,
               points=HURDLE_POINTS, projection=_randomised_pit(_hurdle_log_normal),
               name="HurdleLogNormal-tau"),
    FamilyCase(Binomial, {"n": 12.0, "p": 0.35}, lambda n, p: stats.binom(n, p),
               outside=(-1.0,), tails=(0.0, 11.0, 12.0), has_cdf=True, name="Binomial-cdf"),
    FamilyCase(Binomial, {"n": 300.0, "logit_p": -4.0},
               lambda n, logit_p: stats.binom(n, special.expit(logit_p)), tails=(0.0, 40.0),
               has_cdf=True, name="Binomial-logit-cdf"),
]
# Latent values far beyond the cutpoints: every draw lands in one category, so these rows
# check the densities (to mpmath's digits) and their gradients only.
TAIL_CASES = [
    FamilyCase(OrderedLogistic, {"eta": 45.0, "cutpoints": CUTPOINTS},
               logpdf=_ordered_mpmath(_logistic_cdf), points=(0.0, 1.0, 2.0, 3.0),
               moments=False, name="OrderedLogistic-far-tail"),
    FamilyCase(OrderedProbit, {"eta": -12.0, "cutpoints": CUTPOINTS, "sigma": 1.0},
               logpdf=_ordered_mpmath(_normal_cdf), points=(0.0, 1.0, 2.0, 3.0),
               moments=False, name="OrderedProbit-far-tail"),
]
DTYPES = [torch.float64, torch.float32]
TestConformance = conformance_suite(CASES, DTYPES)

@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=str)
@pytest.mark.parametrize("case", TAIL_CASES, ids=[case.id for case in TAIL_CASES])
def test_far_tail_log_prob_and_gradients(case, dtype):
    check_log_prob(case, dtype)
    if dtype == torch.float64:
        check_gradients(case)



# DiracDelta has one value: no goodness-of-fit statistic exists, so it is checked here.
DIRAC = FamilyCase(DiracDelta, {"c": 2.0}, lambda c: stats.rv_discrete(values=([c], [1.0])),
                   points=(2.0,), outside=(1.0, 2.5), has_cdf=True, gradient_params=(),
                   invalid={"c": float("nan")})


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_dirac_delta(dtype):
    for check in (check_log_prob, check_logcdf, check_batch_shapes, check_out_of_support):
        check(DIRAC, dtype)
    check_sample_moments(DIRAC)
    check_invalid_parameters(DIRAC)
    assert (DiracDelta(torch.tensor([1.0, -3.0])).sample((5,)) == torch.tensor([1.0, -3.0])).all()


def test_betainc_matches_scipy_across_shapes():
    generator = np.random.default_rng(7)
    a, b = np.exp(generator.uniform(-3, 7, (2, 3000)))
    x = generator.uniform(0, 1, 3000)
    args = [torch.as_tensor(v) for v in (a, b, x)]
    value, complement = special.betainc(a, b, x), special.betaincc(a, b, x)
    np.testing.assert_allclose(betainc(*args).numpy(), value, rtol=1e-10, atol=1e-15)
    # Logs are compared where SciPy's value has its digits: not near one (1 - I rounds) and
    # not below 1e-250 (SciPy loses digits there; mpmath takes over in the next test).
    for ours, theirs in ((log_betainc(*args), value), (log_betaincc(*args), complement)):
        usable = (theirs > 1e-250) & (theirs < 0.9)
        np.testing.assert_allclose(ours.numpy()[usable], np.log(theirs[usable]), rtol=1e-10)
    edges = betainc(2.0, 3.0, torch.tensor([0.0, 1.0], dtype=torch.float64))
    assert edges.tolist() == [0.0, 1.0]
    assert betainc(2.0, 3.0, torch.tensor(0.5)).dtype == torch.float32


def test_betainc_fixed_terms_cover_the_documented_range():
    """The fraction runs a fixed number of terms: enough at ``a, b`` about 3000 across the
    whole interval (the slowest case is ``x`` at the mode), and for StudentT's ``b = 1/2``
    (or ``a = 1/2``) at a large ``nu``."""
    x = np.linspace(0.001, 0.999, 999)
    square = np.linspace(0.0, 40.0, 401) ** 2  # StudentT: t^2 / (nu + t^2) while t^2 < nu
    for a, b, points in ((3000.0, 3000.0, x), (3000.0, 400.0, x),
                         (0.5, 1e4, square / (2e4 + square)), (5e3, 0.5, x)):
        a, b = np.full_like(points, a), np.full_like(points, b)
        ours = log_betainc(*(torch.as_tensor(v) for v in (a, b, points))).numpy()
        value, complement = special.betainc(a, b, points), special.betaincc(a, b, points)
        usable = (value > 1e-250) & (complement > 1e-3)
        np.testing.assert_allclose(ours[usable], np.log(value[usable]), rtol=1e-10)


def test_log_betainc_far_tails_match_mpmath():
    mpmath.mp.dps = 50
    cases = [(877.27, 29.17, 0.4317), (50.0, 3.0, 1e-3), (0.5, 400.0, 0.3), (2.0, 2.0, 1e-150)]
    for a, b, x in cases:
        exact = float(mpmath.log(mpmath.betainc(a, b, 0, x, regularized=True)))
        value = log_betainc(a, b, torch.tensor(x, dtype=torch.float64)).item()
        assert value == pytest.approx(exact, rel=1e-11), (a, b, x)


def test_betainc_gradients():
    a = torch.tensor([0.7, 3.0, 40.0], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([2.5, 0.4, 15.0], dtype=torch.float64, requires_grad=True)
    x = torch.tensor([0.3, 0.8, 0.75], dtype=torch.float64, requires_grad=True)
    grad_a, grad_b, grad_x = torch.autograd.grad(betainc(a, b, x).sum(), (a, b, x))
    a0, b0, x0 = (t.detach().numpy() for t in (a, b, x))
    np.testing.assert_allclose(grad_x.numpy(), stats.beta.pdf(x0, a0, b0), rtol=1e-9)
    step = 1e-6
    for grad, shift in ((grad_a, (step, 0)), (grad_b, (0, step))):
        upper = special.betainc(a0 + shift[0], b0 + shift[1], x0)
        lower = special.betainc(a0 - shift[0], b0 - shift[1], x0)
        np.testing.assert_allclose(grad.numpy(), (upper - lower) / (2 * step), rtol=1e-6)


def test_negative_binomial_parameterisations_agree():
    values = torch.arange(0.0, 12.0, dtype=torch.float64)
    mu, alpha = torch.tensor(2.5, dtype=torch.float64), torch.tensor(1.7, dtype=torch.float64)
    by_mean = NegativeBinomial(mu=mu, alpha=alpha)
    by_trials = NegativeBinomial(p=alpha / (mu + alpha), n=alpha)
    torch.testing.assert_close(by_mean.log_prob(values), by_trials.log_prob(values))
    torch.testing.assert_close(by_mean.logcdf(values), by_trials.logcdf(values))
    with pytest.raises(ValueError, match="mu and alpha, or p and n"):
        NegativeBinomial(mu=1.0, n=2.0)


def test_count_families_in_a_model():
    counts = np.array([0.0, 3.0, 0.0, 1.0, 7.0, 2.0])
    with tb.Model() as model:
        mu = tb.HalfNormal("mu", sigma=5.0)
        tb.ZeroInflatedNegativeBinomial("y", psi=0.7, mu=mu, alpha=2.0, observed=counts)
        tb.OrderedLogistic("grade", eta=mu, cutpoints=np.array(CUTPOINTS),
                           observed=np.array([0.0, 3.0, 1.0]))
    point = {"mu": np.array(1.3)}
    reference = (stats.halfnorm(0, 5).logpdf(1.3)
                 + np.log(_zero_inflated(0.7, _nbinom(1.3, 2.0)).pmf(counts)).sum()
                 + _logistic(1.3, np.array(CUTPOINTS)).logpmf([0, 3, 1]).sum())
    assert float(model.logp(point, jacobian=False)) == pytest.approx(reference, rel=1e-10)
    assert not model.free_RVs[0].is_discrete


def test_binomial_tails_keep_a_small_p():
    """``logccdf`` works from ``p`` itself: ``1 - p`` would round a ``p`` of 1e-10 away."""
    mpmath.mp.dps = 100
    p = mpmath.mpf(1e-10)
    family = Binomial(torch.tensor(50.0, dtype=torch.float64),
                      torch.tensor(1e-10, dtype=torch.float64))
    for k in (0, 1, 3):
        head = sum(mpmath.binomial(50, j) * p ** j * (1 - p) ** (50 - j) for j in range(k + 1))
        value = family.logccdf(torch.tensor(float(k), dtype=torch.float64)).item()
        assert value == pytest.approx(float(mpmath.log(1 - head)), rel=1e-12)
