"""Log likelihood and deterministics computed from posterior draws, against SciPy."""
import warnings

import arviz as az
import numpy as np
import pytest
import scipy.stats as st
import torch

import torchbayes as tb
from torchbayes.io import to_inference_data

_rng = np.random.default_rng(40)
Y = _rng.normal(1.0, 2.0, size=(4, 3))
COUNTS = _rng.poisson(3.0, size=7)
VECTORS = _rng.normal(size=(5, 2))
COVARIANCE = np.array([[1.0, 0.3], [0.3, 2.0]])
CHAINS, DRAWS = 2, 50


def model_and_posterior():
    with tb.Model(coords={"row": list("abcd"), "col": [10, 20, 30]}) as model:
        mu = tb.Normal("mu", 0.0, 5.0, dims="col")
        sigma = tb.HalfNormal("sigma", 3.0)
        rate = tb.Gamma("rate", 2.0, 1.0)
        center = tb.Normal("center", 0.0, 1.0, shape=2)
        tb.Deterministic("standardized", mu / sigma, dims="col")
        tb.Deterministic("log_rate", torch.log(rate))
        tb.Normal("y", mu, sigma, observed=Y, dims=("row", "col"))
        tb.Poisson("counts", rate, observed=COUNTS)
        tb.MvNormal("vectors", mu=center, cov=torch.tensor(COVARIANCE), observed=VECTORS)
    rng = np.random.default_rng(41)
    posterior = {"mu": rng.normal(1.0, 0.3, size=(CHAINS, DRAWS, 3)),
                 "sigma": rng.gamma(20.0, 0.1, size=(CHAINS, DRAWS)),
                 "rate": rng.gamma(30.0, 0.1, size=(CHAINS, DRAWS)),
                 "center": rng.normal(size=(CHAINS, DRAWS, 2))}
    return model, to_inference_data({"posterior": posterior}), posterior


def test_log_likelihood_is_scipy_per_observation_and_draw():
    model, idata, p = model_and_posterior()
    result = tb.compute_log_likelihood(idata, model=model)
    assert result is idata
    log_likelihood = idata.log_likelihood
    assert log_likelihood["y"].dims == ("chain", "draw", "row", "col")
    expected = st.norm(p["mu"][:, :, None, :], p["sigma"][:, :, None, None]).logpdf(Y)
    np.testing.assert_allclose(log_likelihood["y"].values, expected, rtol=1e-12)
    expected = st.poisson(p["rate"][..., None]).logpmf(COUNTS)
    np.testing.assert_allclose(log_likelihood["counts"].values, expected, rtol=1e-12)
    # a multivariate observation is one row of the data
    expected = np.stack([[st.multivariate_normal(p["center"][c, d], COVARIANCE).logpdf(VECTORS)
                          for d in range(DRAWS)] for c in range(CHAINS)])
    assert log_likelihood["vectors"].shape == (CHAINS, DRAWS, 5)
    np.testing.assert_allclose(log_likelihood["vectors"].values, expected, rtol=1e-10)


def test_log_likelihood_var_names_and_a_separate_object():
    model, idata, _ = model_and_posterior()
    result = tb.compute_log_likelihood(idata, model=model, var_names=["counts"],
                                       extend_inferencedata=False)
    assert set(result.log_likelihood.data_vars) == {"counts"}
    assert "log_likelihood" not in idata.groups()


def test_loo_runs_on_the_log_likelihood():
    model, idata, _ = model_and_posterior()
    tb.compute_log_likelihood(idata, model=model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Pareto k of a made-up posterior
        loo = az.loo(idata, var_name="y")
    assert np.isfinite(loo["elpd_loo"]) and loo["n_data_points"] == Y.size


def test_deterministics_dropped_by_var_names_are_recomputed():
    model, idata, p = model_and_posterior()
    assert "standardized" not in idata.posterior
    tb.compute_deterministics(idata, model=model)
    standardized = idata.posterior["standardized"]
    assert standardized.dims == ("chain", "draw", "col")
    np.testing.assert_allclose(standardized.values, p["mu"] / p["sigma"][..., None], rtol=1e-12)
    np.testing.assert_allclose(idata.posterior["log_rate"].values, np.log(p["rate"]),
                               rtol=1e-12)


def test_deterministics_after_sampling_with_var_names():
    model, _, _ = model_and_posterior()
    idata = tb.sample(draws=10, tune=10, chains=2, random_seed=42, progressbar=False,
                      model=model, var_names=["mu", "sigma", "rate", "center"])
    assert "standardized" not in idata.posterior
    recomputed = tb.compute_deterministics(idata, model=model, var_names=["standardized"],
                                           extend_inferencedata=False)
    posterior = idata.posterior
    np.testing.assert_allclose(recomputed.posterior["standardized"].values,
                               (posterior["mu"] / posterior["sigma"]).values, rtol=1e-12)


@pytest.mark.xfail(strict=True, raises=AttributeError,
                   reason="observed variables declared in forward() are left out of the "
                          "log_likelihood group (reported)")
def test_log_likelihood_of_a_forward_model():
    class Regression(tb.Model):
        def __init__(self):
            super().__init__()
            self.w = tb.Normal(0.0, 1.0)

        def forward(self, x, y):
            return tb.Normal("y", mu=torch.as_tensor(x) * self.w, sigma=1.0, observed=y)
    x = np.linspace(-1.0, 1.0, 6)
    model = Regression().bind(x, 2 * x)
    idata = to_inference_data({"posterior": {"w": np.ones((2, 5))}})
    tb.compute_log_likelihood(idata, model=model)
    np.testing.assert_allclose(idata.log_likelihood["y"].values[0, 0],
                               st.norm(x, 1.0).logpdf(2 * x))
