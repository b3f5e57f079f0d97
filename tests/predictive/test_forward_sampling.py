"""Prior and posterior predictive sampling: shapes, moments, one batched draw, and the
posterior predictive of conjugate models against its closed form.

Monte Carlo checks use fixed seeds and tolerances of a few standard errors, computed from the
analytic moments where they are known.
"""
import numpy as np
import pandas as pd
import pytest
import scipy.stats as st
import torch

import torchbayes as tb
from torchbayes import distributions as dists
from torchbayes.io import to_inference_data

Z = 4.5  # standard errors allowed; fixed seeds make every check deterministic

# ------------------------------------------------------------------ the seed's example

MU_LOC = np.linspace(-2.0, 2.0, 5).reshape(5, 1)
MU_SCALE = 1.5
SIGMA_SCALE = np.linspace(0.5, 2.0, 10).reshape(1, 10)


def seed_model():
    """mu (5, 1) and sigma (1, 10) broadcast against data of shape (2, 5, 10)."""
    with tb.Model() as model:
        mu = tb.Normal("mu", MU_LOC, MU_SCALE)
        sigma = tb.HalfNormal("sigma", SIGMA_SCALE)
        tb.Normal("x", mu, sigma, observed=np.zeros((2, 5, 10)))
    return model


def test_seed_example_shapes():
    prior = tb.sample_prior_predictive(100, model=seed_model(), random_seed=1)
    assert prior.prior_predictive["x"].shape == (1, 100, 2, 5, 10)
    assert prior.prior["mu"].shape == (1, 100, 5, 1)
    assert prior.prior["sigma"].shape == (1, 100, 1, 10)
    assert prior.observed_data["x"].shape == (2, 5, 10)


def test_seed_example_moments():
    # x = mu + sigma * e with mu ~ N(m, t^2), sigma ~ HalfNormal(b), e ~ N(0, 1):
    # E x = m, Var x = t^2 + b^2, E (x - m)^4 = 3 t^4 + 6 t^2 b^2 + 9 b^4 (E sigma^4 = 3 b^4).
    n = 20_000
    prior = tb.sample_prior_predictive(n, model=seed_model(), random_seed=2)
    x = prior.prior_predictive["x"].values[0]                       # (n, 2, 5, 10)
    mu = prior.prior["mu"].values[0]                                # (n, 5, 1)
    t2, b2 = MU_SCALE ** 2, SIGMA_SCALE ** 2
    mean, variance = np.broadcast_to(MU_LOC, (5, 10)), t2 + b2 + 0 * MU_LOC
    fourth = 3 * t2 ** 2 + 6 * t2 * b2 + 9 * b2 ** 2
    z_mean = (x.mean(0) - mean) / np.sqrt(variance / n)
    z_var = (x.var(0) - variance) / np.sqrt((fourth - variance ** 2) / n)
    assert np.abs(z_mean).max() < Z and np.abs(z_var).max() < Z

    # Within one draw mu and sigma are shared along the axes they broadcast over (not redrawn
    # per element) and the prior's mu is the one x was drawn with.
    centred = x - mean
    pairs = {
        "replicates share mu_i": (centred[:, 0] * centred[:, 1], t2),
        "columns share mu_i": (centred[:, :, :, 0] * centred[:, :, :, 1], t2),
        "rows share only sigma_j": (centred[:, :, 0, :] * centred[:, :, 1, :], 0.0),
        "x and the prior's mu": (centred * (mu - MU_LOC)[:, None], t2),
    }
    for label, (product, target) in pairs.items():
        z = (product.mean(0) - target) / (product.std(0) / np.sqrt(n))
        assert np.abs(z).max() < Z, label


# ------------------------------------------------------------------ shapes, dims and coords

COORDS = {"obs": pd.Index([f"o{i}" for i in range(6)], name="obs"), "group": ["a", "b", "c"],
          "k": ["u", "v", "w"]}
GROUP_OF = np.array([0, 1, 2, 0, 1, 2])


def shapes_model():
    """Every kind of variable: scalar, dims, discrete, simplex, multivariate, deterministics,
    observed univariate, discrete and multivariate data with batch dimensions."""
    with tb.Model(coords=COORDS) as model:
        mu = tb.Normal("mu", 0.0, 1.0, dims="group")
        sigma = tb.HalfNormal("sigma", 1.0)
        counts = tb.Poisson("counts", 3.0, shape=4)
        flag = tb.Bernoulli("flag", p=0.3)
        weights = tb.Dirichlet("weights", torch.ones(3), dims="k")
        location = tb.MvNormal("location", mu=torch.zeros(3), cov=torch.eye(3))
        tb.Deterministic("shifted", mu + sigma, dims="group")
        tb.Deterministic("total", weights.sum() + counts.sum())
        tb.Normal("y", mu[GROUP_OF], sigma, observed=np.arange(6.0), dims="obs")
        tb.Binomial("successes", n=10, p=0.4, observed=[1, 2, 3])
        tb.MvNormal("vectors", mu=location, cov=torch.eye(3), observed=np.zeros((5, 3)))
        tb.Dirichlet("shares", torch.ones(3), observed=np.full((4, 3), 1 / 3))
    return model


def _check_group(dataset, model, chains, draws):
    for name, array in dataset.data_vars.items():
        node = model[name]
        assert array.shape == (chains, draws, *node.shape), name
        dims = node.dims or ()
        assert array.dims[:2 + len(dims)] == ("chain", "draw", *dims), name
        for dim in dims:
            assert list(dataset[dim].values) == list(model.coords[dim]), (name, dim)
        kind = np.integer if getattr(node, "is_discrete", False) else np.floating
        assert np.issubdtype(array.dtype, kind), name


def test_prior_predictive_shapes_dims_and_coords():
    model = shapes_model()
    prior = tb.sample_prior_predictive(7, model=model, random_seed=3)
    assert set(prior.prior.data_vars) == {"mu", "sigma", "counts", "flag", "weights",
                                          "location", "shifted", "total"}
    assert set(prior.prior_predictive.data_vars) == {"y", "successes", "vectors", "shares"}
    _check_group(prior.prior, model, 1, 7)
    _check_group(prior.prior_predictive, model, 1, 7)
    np.testing.assert_allclose(prior.prior["shifted"], prior.prior["mu"] + prior.prior["sigma"])
    np.testing.assert_allclose(prior.prior["weights"].sum("k"), 1.0)
    assert list(prior.observed_data["y"].coords["obs"].values) == list(COORDS["obs"])


def test_posterior_predictive_shapes_dims_and_coords():
    model = shapes_model()
    rng = np.random.default_rng(4)
    chains, draws = 3, 5
    posterior = {"mu": rng.normal(size=(chains, draws, 3)), "sigma": np.ones((chains, draws)),
                 "counts": np.ones((chains, draws, 4)), "flag": np.zeros((chains, draws)),
                 "weights": np.full((chains, draws, 3), 1 / 3),
                 "location": rng.normal(size=(chains, draws, 3))}
    idata = to_inference_data({"posterior": posterior})
    names = ["y", "successes", "vectors", "shares", "shifted", "mu"]
    ppc = tb.sample_posterior_predictive(idata, model=model, var_names=names, random_seed=5)
    assert set(ppc.posterior_predictive.data_vars) == set(names)
    _check_group(ppc.posterior_predictive, model, chains, draws)
    # free variables asked for come back as they were given; deterministics follow them
    np.testing.assert_array_equal(ppc.posterior_predictive["mu"], posterior["mu"])
    np.testing.assert_allclose(ppc.posterior_predictive["shifted"], posterior["mu"] + 1.0)


def test_var_names_limits_what_is_drawn():
    prior = tb.sample_prior_predictive(5, model=seed_model(), var_names=["x"], random_seed=6)
    assert set(prior.prior_predictive.data_vars) == {"x"}
    assert "prior" not in prior.groups() or not prior.prior.data_vars


def test_float32_model_draws_float32():
    with tb.Model(dtype=torch.float32) as model:
        mu = tb.Normal("mu", 0.0, 1.0)
        tb.Normal("y", mu, 1.0, observed=[0.1, 0.2])
    prior = tb.sample_prior_predictive(5, model=model, random_seed=7)
    assert prior.prior["mu"].dtype == np.float32
    assert prior.prior_predictive["y"].dtype == np.float32


@pytest.mark.parametrize("make, batch_shape, event_shape", [
    (lambda: tb.Normal.dist(torch.zeros(2), 1.0), (2,), ()),
    (lambda: tb.Dirichlet.dist(torch.ones(3, 4)), (3,), (4,)),
    (lambda: tb.MvNormal.dist(torch.zeros(2, 3), cov=torch.eye(3)), (2,), (3,)),
    (lambda: tb.Categorical.dist(p=torch.full((2, 5), 0.2)), (2,), ()),
], ids=["Normal", "Dirichlet", "MvNormal", "Categorical"])
@pytest.mark.parametrize("sample_shape", [(), (7,), (10, 4)])
def test_dist_sample_follows_torch_shapes(make, batch_shape, event_shape, sample_shape):
    distribution = make()
    assert distribution.batch_shape == batch_shape and distribution.event_shape == event_shape
    draws = distribution.sample(sample_shape)
    assert draws.shape == (*sample_shape, *batch_shape, *event_shape)
    assert distribution.log_prob(draws).shape == (*sample_shape, *batch_shape)
    if distribution.has_rsample:
        assert distribution.rsample(sample_shape).shape == draws.shape


# ------------------------------------------------------------------ one batched evaluation

def test_one_call_per_variable_whatever_the_number_of_draws(monkeypatch):
    calls = []
    for family in (dists.Normal, dists.HalfNormal):
        original = family.rsample

        def counted(self, sample_shape=torch.Size(), _original=original):
            calls.append(type(self).__name__)
            return _original(self, sample_shape)
        monkeypatch.setattr(family, "rsample", counted)
    model = seed_model()
    tb.sample_prior_predictive(1000, model=model, random_seed=8)
    assert sorted(calls) == ["HalfNormal", "Normal", "Normal"]
    calls.clear()
    posterior = to_inference_data({"posterior": {"mu": np.zeros((4, 250, 5, 1)),
                                                 "sigma": np.ones((4, 250, 1, 10))}})
    tb.sample_posterior_predictive(posterior, model=model, random_seed=9)
    assert calls == ["Normal"]


def test_seeded_draws_repeat_and_leave_the_global_generator_alone():
    model = seed_model()
    first = tb.sample_prior_predictive(20, model=model, random_seed=10)
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    second = tb.sample_prior_predictive(20, model=model, random_seed=10)
    assert torch.equal(torch.rand(3), expected)
    np.testing.assert_array_equal(first.prior_predictive["x"], second.prior_predictive["x"])
    other = tb.sample_prior_predictive(20, model=model, random_seed=11)
    assert not np.array_equal(first.prior_predictive["x"], other.prior_predictive["x"])


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_draws_on_the_model_device():
    model = seed_model().to("cuda")
    first = tb.sample_prior_predictive(100, model=model, random_seed=19)
    second = tb.sample_prior_predictive(100, model=model, random_seed=19)
    assert first.prior_predictive["x"].shape == (1, 100, 2, 5, 10)
    np.testing.assert_array_equal(first.prior_predictive["x"], second.prior_predictive["x"])
    posterior = to_inference_data({"posterior": {"mu": np.zeros((4, 25, 5, 1)),
                                                 "sigma": np.ones((4, 25, 1, 10))}})
    ppc = tb.sample_posterior_predictive(posterior, model=model, random_seed=20)
    assert ppc.posterior_predictive["x"].shape == (4, 25, 2, 5, 10)


# ------------------------------------------------------------------ conjugate predictive

# Normal-normal: y_i ~ N(mu, SIGMA) with mu ~ N(PRIOR_MEAN, PRIOR_SD). The posterior of mu is
# N(m_n, v_n) and a new observation's predictive is N(m_n, SIGMA^2 + v_n).
PRIOR_MEAN, PRIOR_SD, SIGMA = 0.5, 2.0, 1.5
NORMAL_Y = np.random.default_rng(12).normal(1.2, SIGMA, size=12)


def normal_model():
    with tb.Model() as model:
        mu = tb.Normal("mu", PRIOR_MEAN, PRIOR_SD)
        tb.Normal("y", mu, SIGMA, observed=NORMAL_Y)
    return model


def normal_posterior():
    precision = 1 / PRIOR_SD ** 2 + len(NORMAL_Y) / SIGMA ** 2
    mean = (PRIOR_MEAN / PRIOR_SD ** 2 + NORMAL_Y.sum() / SIGMA ** 2) / precision
    return mean, 1 / precision


def _exact_posterior(draws: dict) -> object:
    return to_inference_data({"posterior": draws})


def _check_predictive_against(y_rep, observed, predictive):
    """y_rep: (n, n_obs) independent predictive draws per column; predictive: scipy frozen."""
    n = y_rep.shape[0]
    # KS per observation (the columns share mu within a draw, so they are not pooled)
    p_values = [st.kstest(y_rep[:, i], predictive.cdf).pvalue for i in range(y_rep.shape[1])]
    assert min(p_values) > 0.01 / len(p_values)
    # posterior predictive p-values P(y_rep_i <= y_i) against the analytic CDF
    sampled = (y_rep <= observed).mean(0)
    analytic = predictive.cdf(observed)
    assert np.all(np.abs(sampled - analytic) < Z * np.sqrt(analytic * (1 - analytic) / n))
    # the central 90% interval of the draws covers 90% of the analytic predictive
    low, high = np.quantile(y_rep, [0.05, 0.95], axis=0)
    coverage = predictive.cdf(high) - predictive.cdf(low)
    assert np.all(np.abs(coverage - 0.9) < Z * np.sqrt(2 * 0.05 * 0.95 / n))


def test_normal_normal_posterior_predictive_matches_closed_form():
    mean, variance = normal_posterior()
    draws = np.random.default_rng(13).normal(mean, np.sqrt(variance), size=(4, 1000))
    ppc = tb.sample_posterior_predictive(_exact_posterior({"mu": draws}), model=normal_model(),
                                         random_seed=14)
    y_rep = ppc.posterior_predictive["y"].values.reshape(4000, len(NORMAL_Y))
    _check_predictive_against(y_rep, NORMAL_Y, st.norm(mean, np.sqrt(SIGMA ** 2 + variance)))


# Beta-binomial: k_i ~ Binomial(TRIALS, p), p ~ Beta(A, B); the predictive of a new count is
# BetaBinomial(TRIALS, A + sum k, B + sum (TRIALS - k)).
A, B, TRIALS = 2.0, 3.0, 20
COUNTS = np.array([7, 9, 5, 11])


def test_beta_binomial_posterior_predictive_matches_closed_form():
    with tb.Model() as model:
        p = tb.Beta("p", A, B)
        tb.Binomial("k", n=TRIALS, p=p, observed=COUNTS)
    a_n, b_n = A + COUNTS.sum(), B + (TRIALS - COUNTS).sum()
    draws = np.random.default_rng(15).beta(a_n, b_n, size=(4, 1000))
    ppc = tb.sample_posterior_predictive(_exact_posterior({"p": draws}), model=model,
                                         random_seed=16)
    k_rep = ppc.posterior_predictive["k"].values.reshape(4000, len(COUNTS))
    assert np.issubdtype(k_rep.dtype, np.integer)
    predictive = st.betabinom(TRIALS, a_n, b_n)
    support = np.arange(TRIALS + 1)
    expected = 4000 * predictive.pmf(support)
    keep = expected >= 5  # chi-square needs >= 5 expected per cell: pool the tails
    for i in range(len(COUNTS)):
        observed = np.bincount(k_rep[:, i], minlength=TRIALS + 1)
        cells = np.append(observed[keep], observed[~keep].sum())
        target = np.append(expected[keep], expected[~keep].sum())
        assert st.chisquare(cells, target).pvalue > 0.01 / len(COUNTS)
    # PPC p-values of the observed counts against the analytic CDF
    sampled = (k_rep <= COUNTS).mean(0)
    analytic = predictive.cdf(COUNTS)
    assert np.all(np.abs(sampled - analytic) < Z * np.sqrt(analytic * (1 - analytic) / 4000))


@pytest.mark.slow
def test_posterior_predictive_after_nuts_matches_closed_form():
    model = normal_model()
    idata = tb.sample(draws=1000, tune=1000, chains=4, random_seed=17, progressbar=False,
                      model=model)
    mean, variance = normal_posterior()
    ppc = tb.sample_posterior_predictive(idata, model=model, random_seed=18)
    y_rep = ppc.posterior_predictive["y"].values.reshape(4000, len(NORMAL_Y))
    predictive = st.norm(mean, np.sqrt(SIGMA ** 2 + variance))
    # NUTS draws are autocorrelated: the tolerance uses mu's effective sample size
    import arviz as az
    ess = float(az.ess(idata, var_names=["mu"])["mu"])
    sampled = (y_rep <= NORMAL_Y).mean(0)
    analytic = predictive.cdf(NORMAL_Y)
    assert np.all(np.abs(sampled - analytic) < Z * np.sqrt(analytic * (1 - analytic) / ess))
