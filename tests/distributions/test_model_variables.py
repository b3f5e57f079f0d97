"""Families whose parameters are not plain tensors, as model variables.

``LKJCholeskyCov`` takes a distribution (``sd_dist``, whose parameters may be model variables),
``ZeroSumNormal`` needs a ``support_shape`` that a variable reads from its ``shape``,
``KroneckerNormal`` takes a list of factors of different sizes. Each is checked against the
family built by hand, with chains batched like single runs.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

import torchbayes as tb
from torchbayes import distributions as dists
from torchbayes.transforms import PackedCorrelationTransform, biject_to

F64 = torch.float64
CHOLESKY = torch.tensor([[1.5, 0.0, 0.0], [0.4, 0.8, 0.0], [-0.3, 0.2, 1.1]], dtype=F64)


def _t(value):
    return torch.as_tensor(value, dtype=F64)


def _batch_equals_singles(model):
    function = model.logp_dlogp_function()
    torch.manual_seed(5)
    positions = 0.3 * torch.randn(3, function.size, dtype=F64)
    logp, grad = function(positions)
    assert torch.isfinite(logp).all() and torch.isfinite(grad).all()
    for row in range(3):
        single, single_grad = function(positions[row])
        torch.testing.assert_close(single, logp[row])
        torch.testing.assert_close(single_grad, grad[row])


# -- LKJCholeskyCov: a distribution-valued parameter --------------------------------------------
def test_lkj_cholesky_cov_is_a_free_variable():
    with tb.Model() as model:
        c = tb.LKJCholeskyCov("c", eta=2.0, n=3, sd_dist=tb.Exponential.dist(1.0))
    assert c.shape == (3, 3)
    assert type(c.transform) is type(biject_to(dists.constraints.lower_cholesky))
    assert model.logp_dlogp_function().size == 6  # the packed lower triangle
    logp = model.logp({"c": CHOLESKY.numpy()}, jacobian=False)
    expected = dists.LKJCholeskyCov(2.0, 3, dists.Exponential(_t(1.0))).log_prob(CHOLESKY)
    torch.testing.assert_close(logp, expected)
    _batch_equals_singles(model)
    draws = tb.sample_prior_predictive(draws=5, model=model).prior["c"].values
    assert draws.shape == (1, 5, 3, 3) and np.allclose(np.triu(draws, 1), 0)


def test_lkj_cholesky_cov_sd_dist_with_model_parameters():
    with tb.Model() as model:
        lam = tb.HalfNormal("lam", 1.0)
        scales = tb.HalfNormal("scales", 1.0, shape=3)
        tb.LKJCholeskyCov("c", eta=2.0, n=3, sd_dist=tb.Exponential.dist(lam))
        tb.LKJCholeskyCov("d", eta=1.5, n=3, sd_dist=tb.HalfNormal.dist(scales))
    point = {"lam": 0.7, "scales": np.array([0.5, 1.0, 2.0]), "c": CHOLESKY.numpy(),
             "d": (2 * CHOLESKY).numpy()}
    terms = model.logp(point, jacobian=False, sum=False)
    shared = dists.LKJCholeskyCov(2.0, 3, dists.Exponential(_t(0.7))).log_prob(CHOLESKY)
    per_axis = dists.LKJCholeskyCov(1.5, 3, dists.HalfNormal(_t([0.5, 1.0, 2.0]))) \
        .log_prob(2 * CHOLESKY)
    torch.testing.assert_close(terms["c"], shared)
    torch.testing.assert_close(terms["d"], per_axis)
    _batch_equals_singles(model)


def test_lkj_cholesky_cov_samples_the_sign_of_a_correlation():
    generator = np.random.default_rng(11)
    covariance = np.array([[1.0, 0.8 * 2.0], [0.8 * 2.0, 4.0]])
    data = generator.multivariate_normal([0.0, 0.0], covariance, size=100)
    with tb.Model() as model:
        c = tb.LKJCholeskyCov("c", eta=2.0, n=2, sd_dist=tb.Exponential.dist(1.0))
        tb.MvNormal("y", mu=np.zeros(2), chol=c, observed=data)
    idata = tb.sample(draws=200, tune=200, chains=2, random_seed=3, progressbar=False,
                      model=model)
    factors = torch.as_tensor(idata.posterior["c"].values)
    covariances = factors @ factors.transpose(-1, -2)
    correlation = covariances[..., 0, 1] / (covariances[..., 0, 0]
                                           * covariances[..., 1, 1]).sqrt()
    assert torch.isfinite(correlation).all()
    assert 0.6 < float(correlation.mean()) < 0.95


# -- ZeroSumNormal: support_shape from the variable's shape -------------------------------------
def test_zero_sum_normal_reads_its_support_shape_from_shape_dims_and_observed():
    with tb.Model(coords={"group": list("abcd")}) as model:
        z = tb.ZeroSumNormal("z", sigma=1.0, shape=5)
        batched = tb.ZeroSumNormal("batched", sigma=2.0, shape=(2, 3))
        named = tb.ZeroSumNormal("named", sigma=1.0, dims="group")
        observed = np.array([[1.0, -0.5, -0.5], [0.2, 0.3, -0.5]])
        tb.ZeroSumNormal("y", sigma=1.5, observed=observed)
    assert z.shape == (5,) and z.event_shape == (5,)
    assert batched.shape == (2, 3) and batched.event_shape == (3,)
    assert named.shape == (4,)
    value = np.array([1.0, -2.0, 0.5, 0.25, 0.25])
    point = {"z": value, "batched": np.array([[1.0, 0.0, -1.0], [0.5, 0.5, -1.0]]),
             "named": np.array([0.3, -0.1, -0.1, -0.1])}
    terms = model.logp(point, jacobian=False, sum=False)
    torch.testing.assert_close(terms["z"], dists.ZeroSumNormal(_t(1.0), support_shape=5)
                               .log_prob(_t(value)))
    torch.testing.assert_close(terms["y"], dists.ZeroSumNormal(_t(1.5), support_shape=3)
                               .log_prob(_t(observed)).sum())
    draws = tb.sample_prior_predictive(draws=4, model=model).prior["z"].values
    assert draws.shape == (1, 4, 5) and np.allclose(draws.sum(-1), 0)
    _batch_equals_singles(model)


def test_zero_sum_normal_without_any_shape_says_what_to_give():
    with tb.Model(), pytest.raises(ValueError, match="support_shape.*shape="):
        tb.ZeroSumNormal("z", sigma=1.0)


# -- KroneckerNormal: a list of factors of different sizes --------------------------------------
A = np.array([[2.0, 0.5], [0.5, 1.0]])
B = np.array([[1.0, 0.3, 0.0], [0.3, 1.5, 0.2], [0.0, 0.2, 0.8]])


def test_kronecker_normal_takes_factors_of_different_sizes():
    value = np.linspace(-1.0, 1.5, 6)
    with tb.Model() as model:
        scale = tb.HalfNormal("scale", 1.0)
        tb.KroneckerNormal("k", mu=np.zeros(6), covs=[A, B], observed=value)
        tb.KroneckerNormal("m", mu=np.zeros(6), chols=[np.linalg.cholesky(A),
                                                       np.linalg.cholesky(B)])
        tb.KroneckerNormal("v", mu=np.zeros(6), covs=[A, scale * B], observed=value)
    terms = model.logp({"scale": 2.0, "m": value}, jacobian=False, sum=False)
    expected = dists.KroneckerNormal(torch.zeros(6, dtype=F64), covs=[_t(A), _t(B)])
    torch.testing.assert_close(terms["k"], expected.log_prob(_t(value)))
    torch.testing.assert_close(terms["m"], expected.log_prob(_t(value)))
    scaled = dists.KroneckerNormal(torch.zeros(6, dtype=F64), covs=[_t(A), 2 * _t(B)])
    torch.testing.assert_close(terms["v"], scaled.log_prob(_t(value)))
    _batch_equals_singles(model)


def test_kronecker_normal_checks_each_factor():
    with tb.Model(), pytest.raises(ValueError, match=r'"k".*covs\[1\]'):
        tb.KroneckerNormal("k", mu=np.zeros(6), covs=[A, -B], observed=np.zeros(6))


# -- structural integers stay Python integers ---------------------------------------------------
def test_structural_integers_pass_unconverted_and_prior_draws_work():
    """``n``, ``K``, ``support_shape`` set shapes: a model must not turn them into tensors
    (the prior predictive broadcasts tensor parameters over its draws)."""
    with tb.Model() as model:
        tb.LKJCorr("corr", n=3, eta=2.0)
        tb.LKJCorrCholesky("factor", n=3, eta=2.0)
        tb.LKJCholeskyCov("cov", eta=2.0, n=2, sd_dist=tb.Exponential.dist(1.0))
        tb.StickBreakingWeights("weights", alpha=1.5, K=4)
        tb.ZeroSumNormal("effects", sigma=1.0, support_shape=5)
    assert all(isinstance(model["corr"]._params[name], int) for name in ("n",))
    prior = tb.sample_prior_predictive(draws=3, model=model).prior
    shapes = {name: tuple(values.shape) for name, values in prior.items()}
    assert shapes == {"corr": (1, 3, 3), "factor": (1, 3, 3, 3), "cov": (1, 3, 2, 2),
                      "weights": (1, 3, 5), "effects": (1, 3, 5)}
    with tb.Model(), pytest.raises(ValueError, match='LKJCorr "bad".*n must be >= 2'):
        tb.LKJCorr("bad", n=1, eta=2.0)


def test_a_tuple_support_shape_is_a_constant_of_the_density():
    with tb.Model() as model:
        sigma = tb.HalfNormal("sigma", 1.0)
        tb.ZeroSumNormal("z", sigma=sigma, support_shape=(4,))
    value = np.array([0.5, -0.25, 0.0, -0.25])
    logp = model.logp({"sigma": 0.8, "z": value}, jacobian=False, sum=False)["z"]
    torch.testing.assert_close(logp, dists.ZeroSumNormal(_t(0.8), support_shape=4)
                               .log_prob(_t(value)))
    _batch_equals_singles(model)


# -- LKJCorr: a bijection onto positive definite correlation matrices --------------------------
def test_lkj_corr_transform_reaches_only_positive_definite_matrices():
    with tb.Model() as model:
        corr = tb.LKJCorr("corr", n=4, eta=2.0)
    assert isinstance(corr.transform, PackedCorrelationTransform)
    density = model.logp_dlogp_function()
    torch.manual_seed(2)
    logp, grad = density(3.0 * torch.randn(64, density.size, dtype=F64))
    assert torch.isfinite(logp).all() and torch.isfinite(grad).all()


def test_lkj_corr_nuts_draws_have_the_beta_marginals():
    """(r + 1) / 2 ~ Beta(b, b), b = eta - 1 + n / 2: the transform's Jacobian is right."""
    eta, n = 2.0, 3
    with tb.Model() as model:
        tb.LKJCorr("corr", n=n, eta=eta)
    idata = tb.sample(draws=300, tune=300, chains=2, random_seed=4, progressbar=False,
                      model=model)
    draws = idata.posterior["corr"].values.reshape(-1, 3)
    variance = 1 / (2 * eta + n - 1)  # of r under Beta(b, b) mapped to (-1, 1)
    assert np.abs(draws.mean(0)).max() < 0.1
    np.testing.assert_allclose(draws.var(0), variance, rtol=0.25)
