"""Posteriors whose answer is known exactly, sampled end to end through ``tb.sample``.

- conjugate models: analytic posterior mean and sd, within Monte Carlo standard errors (fast);
- a 100-dimensional Gaussian with a dense covariance: mean and covariance recovered with dense
  adaptation, which needs several times fewer gradient evaluations per effective draw than
  diagonal adaptation;
- simulation-based calibration (Talts et al. 2018) of a small hierarchical model: ranks of
  prior draws among posterior draws are uniform (chi-square test);
- eight schools: the centred form reports divergences, the non-centred form (almost) none.

Every run has a fixed seed, so the statistical thresholds are checked once, not re-rolled.

References
----------
Talts, S., Betancourt, M., Simpson, D., Vehtari, A. & Gelman, A. (2018). Validating Bayesian
Inference Algorithms with Simulation-Based Calibration. arXiv:1804.06788.
Betancourt, M. & Girolami, M. (2015). Hamiltonian Monte Carlo for Hierarchical Models.
"""
from __future__ import annotations

import arviz as az
import numpy as np
import pytest
import torch
from scipy import stats

import torchbayes as tb


def z_scores(draws, truth, method="mean"):
    """(estimate - truth) / MCSE for every element of a (chain, draw, ...) DataArray."""
    estimate = draws.mean(("chain", "draw")) if method == "mean" else draws.std(("chain", "draw"))
    mcse = az.mcse(draws.to_dataset(name="x"), method=method)["x"]
    return ((estimate - truth) / mcse).values


# ------------------------------------------------------------------------- conjugate (fast)
# y ~ N(mu, 1.5) with mu ~ N(1, 2): a normal posterior. k ~ Binomial(20, p) with
# p ~ Beta(2, 3): a Beta posterior through the logit transform and its Jacobian.
Y = np.array([2.1, 0.4, 1.7, 3.0, 1.2, 2.6, 0.9])
K, N = 13, 20


def test_conjugate_posteriors_match_analytic_moments():
    with tb.Model() as model:
        mu = tb.Normal("mu", mu=1.0, sigma=2.0)
        tb.Normal("y", mu=mu, sigma=1.5, observed=Y)
        p = tb.Beta("p", alpha=2.0, beta=3.0)
        tb.Binomial("k", n=N, p=p, observed=K)
        idata = tb.sample(draws=500, tune=300, chains=4, random_seed=2, progressbar=False)

    precision = 1 / 2.0 ** 2 + len(Y) / 1.5 ** 2
    mu_mean = (1.0 / 2.0 ** 2 + Y.sum() / 1.5 ** 2) / precision
    beta = stats.beta(2 + K, 3 + N - K)
    post = idata.posterior
    for name, mean, sd in [("mu", mu_mean, precision ** -0.5), ("p", beta.mean(), beta.std())]:
        assert abs(z_scores(post[name], mean)) < 4, name
        assert abs(z_scores(post[name], sd, method="sd")) < 4, name
    assert int(idata.sample_stats["diverging"].sum()) == 0


# ------------------------------------------------------------------- 100-d dense Gaussian
DIM = 100


def dense_gaussian() -> tuple[np.ndarray, np.ndarray]:
    """A fixed random mean and covariance: random rotation, eigenvalues 1..100 (condition 100)."""
    rng = np.random.default_rng(20240601)
    rotation, _ = np.linalg.qr(rng.normal(size=(DIM, DIM)))
    covariance = (rotation * np.logspace(0, 2, DIM)) @ rotation.T
    return rng.normal(size=DIM), (covariance + covariance.T) / 2


def gaussian_model(mean, covariance) -> tb.Model:
    with tb.Model() as model:
        tb.MvNormal("x", mu=torch.tensor(mean), chol=torch.tensor(np.linalg.cholesky(covariance)))
    return model


def grad_evals_per_ess(idata) -> float:
    """Leapfrog steps (one gradient each) of the kept draws per effective draw of the worst
    coordinate."""
    ess = az.ess(idata, var_names=["x"])["x"].values
    return float(idata.sample_stats["n_steps"].sum()) / float(ess.min())


@pytest.fixture(scope="module")
def gaussian_runs():
    mean, covariance = dense_gaussian()
    model = gaussian_model(mean, covariance)
    # max_treedepth=7: the first dense windows (25, 50, 100 draws per chain, fewer than or
    # equal to d = 100) give a rank-deficient metric whose trees reach depth 10 (1023 steps)
    # for hundreds of warm-up iterations; capping the depth keeps warm-up affordable, and the
    # well-adapted sampling phase (depth <= 4) and the diagonal run (depth ~5) stay below it.
    settings = dict(draws=500, chains=4, max_treedepth=7, progressbar=False, model=model)
    dense = tb.sample(tune=1000, init="jitter+adapt_full", random_seed=3, **settings)
    diag = tb.sample(tune=500, init="jitter+adapt_diag", random_seed=3, **settings)
    return mean, covariance, dense, diag


@pytest.mark.slow
def test_dense_gaussian_mean_and_covariance_recovered(gaussian_runs):
    mean, covariance, dense, _ = gaussian_runs
    draws = dense.posterior["x"]
    assert np.abs(z_scores(draws, mean)).max() < 4.5
    # whiten with the true factor: the draws' second moments should be the identity
    whitened = np.linalg.solve(np.linalg.cholesky(covariance), (draws.values - mean)[..., None])
    whitened = whitened[..., 0]
    rows, cols = np.triu_indices(DIM)
    products = whitened[..., rows] * whitened[..., cols]         # (chain, draw, 5050)
    dataset = az.convert_to_dataset({"m": products})
    moment, mcse = dataset["m"].mean(("chain", "draw")), az.mcse(dataset)["m"]
    assert np.abs(((moment - (rows == cols)) / mcse).values).max() < 5   # 5050 z-scores
    sample_cov = np.cov(draws.values.reshape(-1, DIM).T)
    assert np.linalg.norm(sample_cov - covariance) / np.linalg.norm(covariance) < 0.3
    # the depth cap does not bind once adapted
    assert float(dense.sample_stats["reached_max_treedepth"].mean()) < 0.01


@pytest.mark.slow
def test_dense_adaptation_needs_fewer_gradients_than_diagonal(gaussian_runs):
    _, _, dense, diag = gaussian_runs
    ratio = grad_evals_per_ess(diag) / grad_evals_per_ess(dense)
    assert ratio > 2, ratio


# ----------------------------------------------------------- simulation-based calibration
REPLICATIONS, GROUPS = 100, 3


@pytest.mark.slow
def test_simulation_based_calibration_hierarchical():
    """mu ~ N(0, 1), tau ~ HalfNormal(1), theta_j ~ N(mu, tau), y_j ~ N(theta_j, 1), j = 1..3.

    The replications are independent, so they are sampled as one model over all of them (the
    posterior factorises): every chain advances all replications at once, in one batch. The
    non-centred form keeps the funnel (small tau) out of the way: SBC here checks the sampler,
    not the parameterisation.
    """
    rng = np.random.default_rng(2024)
    mu_true = rng.normal(size=REPLICATIONS)
    tau_true = np.abs(rng.normal(size=REPLICATIONS))
    theta = mu_true[:, None] + tau_true[:, None] * rng.normal(size=(REPLICATIONS, GROUPS))
    y = theta + rng.normal(size=(REPLICATIONS, GROUPS))
    with tb.Model() as model:
        mu = tb.Normal("mu", 0.0, 1.0, shape=REPLICATIONS)
        tau = tb.HalfNormal("tau", 1.0, shape=REPLICATIONS)
        z = tb.Normal("z", 0.0, 1.0, shape=(REPLICATIONS, GROUPS))
        tb.Normal("y", mu[:, None] + tau[:, None] * z, 1.0, observed=y)
        idata = tb.sample(draws=200, tune=300, chains=4, random_seed=7, progressbar=False)
    thin = 8      # 4 chains x 25 thinned draws: 100 draws per replication, ranks 0..100
    for name, truth in [("mu", mu_true), ("tau", tau_true)]:
        draws = idata.posterior[name].values[:, ::thin].reshape(-1, REPLICATIONS)
        assert draws.shape[0] == 100
        ranks = (draws < truth).sum(0)                                   # (REPLICATIONS,)
        bins = np.arange(101) * 10 // 101                              # 10 bins of ranks
        counts = np.bincount(bins[ranks], minlength=10)
        expected = np.bincount(bins) / 101 * REPLICATIONS
        p_value = stats.chisquare(counts, expected).pvalue
        assert p_value > 1e-3, (name, counts, p_value)


# ----------------------------------------------------------------------------- eight schools
SCHOOLS_Y = np.array([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])
SCHOOLS_SIGMA = np.array([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])


def eight_schools(centred: bool) -> tb.Model:
    with tb.Model(coords={"school": np.arange(8)}) as model:
        mu = tb.Normal("mu", 0.0, 5.0)
        tau = tb.HalfCauchy("tau", 5.0)
        if centred:
            theta = tb.Normal("theta", mu, tau, dims="school")
        else:
            z = tb.Normal("z", 0.0, 1.0, dims="school")
            theta = tb.Deterministic("theta", mu + tau * z, dims="school")
        tb.Normal("y", theta, SCHOOLS_SIGMA, observed=SCHOOLS_Y)
    return model


@pytest.mark.slow
@pytest.mark.parametrize("centred", [True, False], ids=["centred", "non-centred"])
def test_eight_schools_divergences(centred):
    idata = tb.sample(draws=1000, tune=1000, chains=4, random_seed=1, progressbar=False,
                      model=eight_schools(centred))
    divergences = int(idata.sample_stats["diverging"].sum())
    if centred:
        assert divergences > 0
    else:
        assert divergences <= 0.01 * 4 * 1000, divergences
