"""CompoundStep through tb.sample: posteriors of mixed discrete/continuous models against exact
answers (enumeration or conjugacy), automatic assignment, statistics, dtypes, resume."""
from __future__ import annotations

import io
import itertools
import math

import arviz as az
import numpy as np
import pytest
import torch
from scipy import stats
from scipy.special import betaln, gammaln, logsumexp

import torchbayes as tb
from torchbayes.mcmc.step_methods import (HMC, NUTS, BinaryMetropolis, CategoricalGibbsMetropolis,
                                          CompoundStep, DEMetropolisZ, Metropolis, Slice,
                                          assign_step_methods, describe_steps)


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _sample(model, **kwargs):
    # Cost per sweep is nearly flat in the number of chains: many short chains are cheapest.
    settings = dict(draws=100, tune=150, chains=32, random_seed=2, progressbar=False,
                    model=model)
    settings.update(kwargs)
    return tb.sample(**settings)


# ------------------------------------------------------------------ Monte Carlo checks

def _ess(values: np.ndarray) -> float:
    """Bulk ESS of a (chain, draw) array; the number of draws for a constant one."""
    if np.all(values == values.flat[0]):
        return float(values.size)
    return float(az.ess(values))


def assert_discrete_marginal(draws: np.ndarray, probabilities: np.ndarray, z: float = 5.0):
    """Each state's frequency within ``z`` Monte Carlo standard errors of its exact
    probability, and the total variation distance within its expected size."""
    errors, scales = [], []
    for state, p in enumerate(probabilities):
        indicator = (draws == state).astype(float)
        frequency = indicator.mean()
        se = math.sqrt(max(p * (1 - p), 1e-4) / _ess(indicator))
        assert abs(frequency - p) < z * se + 2e-3, (state, frequency, p, se)
        errors.append(abs(frequency - p))
        scales.append(se)
    assert not np.any((draws < 0) | (draws >= len(probabilities)))
    tv = 0.5 * sum(errors)
    assert tv < 0.5 * 2.5 * sum(scales) + 5e-3, (tv, scales)
    return tv


def assert_mean(draws: np.ndarray, exact: float, z: float = 5.0):
    se = draws.std() / math.sqrt(_ess(draws))
    assert abs(draws.mean() - exact) < z * se, (draws.mean(), exact, se)


# ------------------------------------------------------------------ change-point model

def _change_point_data(years=30, switch=12, seed=4):
    rng = np.random.default_rng(seed)
    rates = np.where(np.arange(years) < switch, 4.0, 1.0)
    return rng.poisson(rates).astype(float)


def change_point_exact(y: np.ndarray, alpha: float, beta: float):
    """p(s | y) with both Poisson rates integrated against their Gamma priors, and the
    rates' posterior means."""
    n, cumulative = len(y), np.concatenate([[0.0], np.cumsum(y)])
    early_sum, early_n = cumulative[1:], np.arange(1, n + 1)
    late_sum, late_n = cumulative[-1] - cumulative[1:], n - early_n
    log_post = (gammaln(alpha + early_sum) - (alpha + early_sum) * np.log(beta + early_n)
                + gammaln(alpha + late_sum) - (alpha + late_sum) * np.log(beta + late_n))
    post = np.exp(log_post - logsumexp(log_post))
    early = np.sum(post * (alpha + early_sum) / (beta + early_n))
    late = np.sum(post * (alpha + late_sum) / (beta + late_n))
    return post, early, late


def change_point_model(y):
    years = torch.arange(float(len(y)))
    with tb.Model() as model:
        switchpoint = tb.Categorical("switchpoint", p=torch.ones(len(y)) / len(y))
        early = tb.Gamma("early_rate", alpha=2.0, beta=1.0)
        late = tb.Gamma("late_rate", alpha=2.0, beta=1.0)
        tb.Poisson("disasters", mu=torch.where(switchpoint >= years, early, late),
                   observed=torch.as_tensor(y))
    return model


@pytest.mark.parametrize("step", [None, pytest.param("metropolis", marks=pytest.mark.slow)])
def test_change_point_matches_exact_switchpoint_marginal(step):
    y = _change_point_data()
    model = change_point_model(y)
    steps = None if step is None else [Metropolis([model["switchpoint"]])]
    idata = _sample(model, step=steps)
    post, early, late = change_point_exact(y, 2.0, 1.0)
    switchpoint = idata.posterior["switchpoint"].values
    assert switchpoint.dtype == np.int64
    assert_discrete_marginal(switchpoint, post)
    assert_mean(idata.posterior["early_rate"].values, early)
    assert_mean(idata.posterior["late_rate"].values, late)
    assert not idata.sample_stats["diverging"].values.any()


# ------------------------------------------------------------------ Bernoulli mixture

_MIXTURE_Y = np.array([-2.4, -1.7, -2.1, 1.8, 2.3, 0.2, 2.1, -0.4])
_PRIOR_MEANS, _PRIOR_SD, _NOISE_SD, _BETA = (-2.0, 2.0), 1.0, 1.0, (2.0, 2.0)


def mixture_exact(y):
    """Enumerate the 2^n assignments; the weight (Beta) and the two means (Normal) integrate
    out in closed form. Returns p(z_i = 1), E[w], E[mu_0], E[mu_1]."""
    n = len(y)
    log_weights, w_means, mu_means = [], [], []
    for z in itertools.product((0, 1), repeat=n):
        z = np.array(z)
        ones = z.sum()
        log_weight = betaln(_BETA[0] + ones, _BETA[1] + n - ones) - betaln(*_BETA)
        means = []
        for component in (0, 1):
            part = y[z == component]
            m = len(part)
            if m:
                covariance = _NOISE_SD ** 2 * np.eye(m) + _PRIOR_SD ** 2 * np.ones((m, m))
                log_weight += stats.multivariate_normal.logpdf(
                    part, np.full(m, _PRIOR_MEANS[component]), covariance)
            precision = 1 / _PRIOR_SD ** 2 + m / _NOISE_SD ** 2
            means.append((_PRIOR_MEANS[component] / _PRIOR_SD ** 2 + part.sum() / _NOISE_SD ** 2)
                         / precision)
        log_weights.append(log_weight)
        w_means.append((_BETA[0] + ones) / (sum(_BETA) + n))
        mu_means.append(means)
    configurations = np.array(list(itertools.product((0, 1), repeat=n)))
    weights = np.exp(np.array(log_weights) - logsumexp(log_weights))
    return (weights @ configurations, weights @ np.array(w_means),
            *(weights @ np.array(mu_means)).T)


def test_bernoulli_mixture_matches_enumeration():
    y = torch.as_tensor(_MIXTURE_Y)
    with tb.Model() as model:
        w = tb.Beta("w", alpha=_BETA[0], beta=_BETA[1])
        mu0 = tb.Normal("mu0", _PRIOR_MEANS[0], _PRIOR_SD)
        mu1 = tb.Normal("mu1", _PRIOR_MEANS[1], _PRIOR_SD)
        z = tb.Bernoulli("z", p=w, shape=len(_MIXTURE_Y))
        tb.Normal("y", mu=mu0 + z * (mu1 - mu0), sigma=_NOISE_SD, observed=y)
    assert describe_steps(assign_step_methods(model)) == \
        "CompoundStep\n>NUTS: [w, mu0, mu1]\n>BinaryGibbsMetropolis: [z]"
    idata = _sample(model)
    p_one, w_mean, mu0_mean, mu1_mean = mixture_exact(_MIXTURE_Y)
    z_draws = idata.posterior["z"].values
    assert z_draws.dtype == np.int64
    for i in range(len(_MIXTURE_Y)):
        assert_discrete_marginal(z_draws[..., i], np.array([1 - p_one[i], p_one[i]]))
    assert_mean(idata.posterior["w"].values, w_mean)
    assert_mean(idata.posterior["mu0"].values, mu0_mean)
    assert_mean(idata.posterior["mu1"].values, mu1_mean)


# ------------------------------------------------------------------ categorical latents

_WEIGHTS = np.array([0.2, 0.3, 0.5])
_SPACING = 1.5
_OFFSETS = _SPACING * (np.arange(3) - 1.0)   # linear in k: a discrete value cannot index yet
_CAT_Y = np.array([0.9, 1.6, 0.4])
_CAT_SD = 0.8


def categorical_exact(y):
    """k ~ Cat(w), x ~ N(0, 1), y_j ~ N(x + offset_k, sd): p(k | y) and E[x | y]."""
    n = len(y)
    covariance = _CAT_SD ** 2 * np.eye(n) + np.ones((n, n))
    log_post = np.log(_WEIGHTS) + np.array(
        [stats.multivariate_normal.logpdf(y, np.full(n, o), covariance) for o in _OFFSETS])
    post = np.exp(log_post - logsumexp(log_post))
    x_given_k = [(y - o).sum() / _CAT_SD ** 2 / (1 + n / _CAT_SD ** 2) for o in _OFFSETS]
    return post, float(post @ np.array(x_given_k))


@pytest.mark.parametrize("proposal", ["proportional",
                                      pytest.param("uniform", marks=pytest.mark.slow)])
def test_categorical_latent_matches_enumeration(proposal):
    with tb.Model() as model:
        k = tb.Categorical("k", p=torch.as_tensor(_WEIGHTS))
        x = tb.Normal("x", 0.0, 1.0)
        tb.Normal("y", mu=x + _SPACING * (k - 1.0), sigma=_CAT_SD, observed=torch.as_tensor(_CAT_Y))
    idata = _sample(model, step=CategoricalGibbsMetropolis([k], proposal=proposal))
    post, x_mean = categorical_exact(_CAT_Y)
    assert_discrete_marginal(idata.posterior["k"].values, post)
    assert_mean(idata.posterior["x"].values, x_mean)


@pytest.mark.slow
def test_vector_categorical_latent_with_shared_mean_matches_enumeration():
    y = np.array([1.2, -1.1, 0.3])
    with tb.Model() as model:
        mu = tb.Normal("mu", 0.0, 1.0)
        labels = tb.Categorical("labels", p=torch.as_tensor(_WEIGHTS), shape=3)
        tb.Normal("y", mu=mu + _SPACING * (labels - 1.0), sigma=_CAT_SD,
                  observed=torch.as_tensor(y))
    idata = _sample(model)
    configurations = np.array(list(itertools.product(range(3), repeat=3)))
    covariance = _CAT_SD ** 2 * np.eye(3) + np.ones((3, 3))
    log_post = np.array([np.log(_WEIGHTS[c]).sum()
                         + stats.multivariate_normal.logpdf(y - _OFFSETS[c], np.zeros(3), covariance)
                         for c in configurations])
    post = np.exp(log_post - logsumexp(log_post))
    draws = idata.posterior["labels"].values
    for i in range(3):
        marginal = np.array([post[configurations[:, i] == v].sum() for v in range(3)])
        assert_discrete_marginal(draws[..., i], marginal)
    mu_given = (y - _OFFSETS[configurations]).sum(1) / _CAT_SD ** 2 / (1 + 3 / _CAT_SD ** 2)
    assert_mean(idata.posterior["mu"].values, float(post @ mu_given))


# ------------------------------------------------------------------ Binomial, Metropolis only

def test_binomial_latent_with_metropolis_only():
    trials, y_obs, noise = 20, np.array([11.0, 14.0]), 2.0
    with tb.Model() as model:
        p = tb.Beta("p", alpha=2.0, beta=2.0)
        count = tb.Binomial("count", n=trials, p=p)
        tb.Normal("y", mu=count, sigma=noise, observed=torch.as_tensor(y_obs))
    step = Metropolis()
    assert describe_steps(assign_step_methods(model, step)) == \
        "CompoundStep\n>Metropolis: [p]\n>Metropolis: [count]"
    idata = _sample(model, step=step, draws=1000, tune=500)
    m = np.arange(trials + 1)
    log_post = (gammaln(trials + 1) - gammaln(m + 1) - gammaln(trials - m + 1)
                + betaln(2 + m, 2 + trials - m)
                + stats.norm.logpdf(y_obs[:, None], m, noise).sum(0))
    post = np.exp(log_post - logsumexp(log_post))
    assert_discrete_marginal(idata.posterior["count"].values, post)
    assert_mean(idata.posterior["p"].values, float(post @ ((2 + m) / (4 + trials))))
    assert set(idata.sample_stats) >= {"accept", "accepted", "scaling", "lp"}
    assert "step_size" not in idata.sample_stats and "diverging" not in idata.sample_stats


# ------------------------------------------------------------------ assignment and plumbing

def _small_mixed_model():
    with tb.Model() as model:
        rate = tb.Gamma("rate", alpha=2.0, beta=1.0)
        tau = tb.HalfNormal("tau", 1.0)
        count = tb.Poisson("count", mu=rate)
        flags = tb.Bernoulli("flags", p=0.3, shape=2)
        kind = tb.Categorical("kind", p=torch.tensor([0.2, 0.3, 0.5]))
        tb.Normal("y", mu=count + flags[0] - flags[1] + kind, sigma=tau,
                  observed=torch.tensor([3.0, 4.0]))
    return model


def test_automatic_assignment_prints_like_pymc(capsys):
    model = _small_mixed_model()
    compound = assign_step_methods(model)
    assert describe_steps(compound) == ("CompoundStep\n>NUTS: [rate, tau]\n>Metropolis: [count]"
                                        "\n>BinaryGibbsMetropolis: [flags]"
                                        "\n>CategoricalGibbsMetropolis: [kind]")
    _sample(model, draws=5, tune=5, chains=2, progressbar=True)
    assert "CompoundStep\n>NUTS: [rate, tau]" in capsys.readouterr().err


def test_partial_list_is_completed_and_user_steps_come_first():
    model = _small_mixed_model()
    compound = assign_step_methods(model, [Slice(["tau"]), CategoricalGibbsMetropolis(["flags"])])
    assert describe_steps(compound) == (
        "CompoundStep\n>Slice: [tau]\n>CategoricalGibbsMetropolis: [flags]\n>NUTS: [rate]"
        "\n>Metropolis: [count]\n>CategoricalGibbsMetropolis: [kind]")
    nested = assign_step_methods(model, CompoundStep([NUTS(["rate", "tau"]), Metropolis()]))
    assert describe_steps(nested) == ("CompoundStep\n>NUTS: [rate, tau]\n>Metropolis: [count]"
                                       "\n>Metropolis: [flags]\n>Metropolis: [kind]")


def test_assignment_errors_name_the_variable():
    model = _small_mixed_model()
    with pytest.raises(ValueError, match="more than one step method"):
        assign_step_methods(model, [Metropolis(["count"]), Metropolis(["count"])])
    with pytest.raises(ValueError, match='NUTS cannot sample "count"'):
        assign_step_methods(model, NUTS(["count"]))
    with pytest.raises(ValueError, match="not a free variable"):
        assign_step_methods(model, Metropolis(["y"]))
    with pytest.raises(TypeError, match="is a class"):
        assign_step_methods(model, Metropolis)


def test_stats_of_several_steps_get_a_trailing_axis_like_pymc():
    model = _small_mixed_model()
    idata = _sample(model, draws=6, tune=4, chains=2, step=[Metropolis(["count", "rate"])])
    stats_ = idata.sample_stats
    assert stats_["scaling"].dims == ("chain", "draw", "scaling_dim_0")
    assert stats_["scaling"].shape == (2, 6, 2)
    assert stats_["acceptance_rate"].dims == ("chain", "draw")      # NUTS alone reports it
    assert stats_["lp"].shape == (2, 6) and "step_size" in stats_
    for name in ("count", "flags", "kind"):
        assert idata.posterior[name].dtype == np.int64


def test_hmc_member_and_shared_stat_names_across_kinds_of_steps():
    model = _small_mixed_model()
    idata = _sample(model, draws=6, tune=10, chains=2,
                    step=[HMC(["rate", "tau"], n_steps=5), BinaryMetropolis(["flags"])])
    stats_ = idata.sample_stats
    # HMC's accepted is bool and Metropolis's a fraction: stacked as floats, sweep order
    assert stats_["accepted"].dims == ("chain", "draw", "accepted_dim_0")
    assert stats_["accepted"].shape == (2, 6, 2)
    assert set(np.unique(stats_["accepted"].values[..., 0])) <= {0.0, 1.0}
    assert stats_["p_jump"].shape == (2, 6) and stats_["n_steps"].values.max() == 5
    assert np.isfinite(stats_["step_size"].values).all()


@pytest.mark.parametrize("tau_step", [Slice, DEMetropolisZ])
def test_checkpoint_resume_gives_identical_draws(tau_step):
    model = _small_mixed_model()
    settings = dict(draws=8, tune=6, chains=3, random_seed=5, step=[tau_step(["tau"])])
    full = _sample(model, **settings)
    _, state = _sample(model, stop_after=5, return_state=True, **settings)
    saved = io.BytesIO()
    torch.save(state, saved)                      # nested dicts of tensors: weights_only loads
    saved.seek(0)
    state = torch.load(saved)
    for _ in range(2):                            # resuming leaves the checkpoint unchanged
        resumed = _sample(model, resume=state, **settings)
        for name in ("rate", "tau", "count", "flags", "kind"):
            np.testing.assert_array_equal(full.posterior[name].values,
                                          resumed.posterior[name].values)
        for name in full.sample_stats:
            np.testing.assert_array_equal(full.sample_stats[name].values,
                                          resumed.sample_stats[name].values)


def test_discrete_coordinates_are_not_jittered():
    model = _small_mixed_model()
    idata = _sample(model, draws=3, tune=0, chains=4, discard_tuned_samples=False)
    for name in ("count", "flags", "kind"):
        values = idata.posterior[name].values
        assert np.array_equal(values, np.rint(values))


def test_continuous_model_keeps_the_plain_nuts_path():
    with tb.Model() as model:
        tb.Normal("x", 0.0, 1.0, shape=2)
    plain = _sample(model, draws=10, tune=10, chains=2)
    explicit = _sample(model, draws=10, tune=10, chains=2, step=NUTS())
    assert plain.posterior.attrs["sampler"] == "NUTS"
    np.testing.assert_array_equal(plain.posterior["x"].values, explicit.posterior["x"].values)
