"""Automatic imputation: missing observed entries become the free variable ``<name>_unobserved``.

In a normal model with known sigma and a normal prior on mu the missing values' posterior is
known: each is N(m_n, SIGMA^2 + v_n), two of them covary by v_n, where N(m_n, v_n) is mu's
posterior given the observed entries.
"""
import warnings

import arviz as az
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import torchbayes as tb
from torchbayes.io import to_inference_data
from torchbayes.model.random_variable import ImputationWarning

PRIOR_MEAN, PRIOR_SD, SIGMA = 0.0, 2.0, 1.0
Y = np.array([0.5, np.nan, 1.2, -0.3, np.nan, 0.8, 1.9, 0.1])
MISSING = np.isnan(Y)
Z = 4.5


def imputed_model(observed=Y):
    with tb.Model() as model:
        mu = tb.Normal("mu", PRIOR_MEAN, PRIOR_SD)
        tb.Normal("y", mu, SIGMA, observed=observed)
    return model


def _quiet(make, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImputationWarning)
        return make(*args)


@pytest.fixture(scope="module")
def imputed():
    model = _quiet(imputed_model)
    idata = tb.sample(draws=150, tune=150, chains=8, random_seed=30, progressbar=False,
                      model=model)
    return model, idata


def test_missing_entries_become_a_free_variable_with_a_warning():
    with pytest.warns(ImputationWarning, match='2 missing values.*"y_unobserved"'):
        model = imputed_model()
    assert [rv.name for rv in model.free_RVs] == ["mu", "y_unobserved"]
    assert [rv.name for rv in model.observed_RVs] == ["y"]
    assert tuple(model["y_unobserved"].shape) == (2,)


@pytest.mark.parametrize("observed", [
    np.ma.masked_array(np.where(MISSING, 99.0, Y), mask=MISSING),
    pd.Series(Y),
    pd.Series(np.where(MISSING, None, Y), dtype="float64"),
], ids=["masked array", "pandas NaN", "pandas None"])
def test_masked_arrays_and_pandas_missing_values_impute_alike(observed):
    reference = _quiet(imputed_model)
    with pytest.warns(ImputationWarning):
        model = imputed_model(observed)
    assert [rv.name for rv in model.free_RVs] == ["mu", "y_unobserved"]
    point = {"mu": np.array(0.3), "y_unobserved": np.array([0.1, -0.2])}
    assert float(model.logp(point)) == pytest.approx(float(reference.logp(point)), abs=1e-12)


def test_the_joint_density_is_the_analytic_one():
    model = _quiet(imputed_model)
    mu, missing = 0.7, np.array([1.5, -0.4])
    full = np.where(MISSING, 0.0, Y)
    full[MISSING] = missing
    expected = (-0.5 * ((mu - PRIOR_MEAN) / PRIOR_SD) ** 2 - np.log(PRIOR_SD)
                - 0.5 * (((full - mu) / SIGMA) ** 2).sum() - len(Y) * np.log(SIGMA)
                - (len(Y) + 1) * 0.5 * np.log(2 * np.pi))
    assert float(model.logp({"mu": np.array(mu), "y_unobserved": missing})) == \
        pytest.approx(expected, abs=1e-10)


def _mcse(values):
    """Monte Carlo standard error of the mean of (chain, draw) values."""
    return float(az.mcse(values, method="mean"))


def test_imputed_values_recover_their_analytic_posterior(imputed):
    model, idata = imputed
    observed = Y[~MISSING]
    precision = 1 / PRIOR_SD ** 2 + len(observed) / SIGMA ** 2
    mean = (PRIOR_MEAN / PRIOR_SD ** 2 + observed.sum() / SIGMA ** 2) / precision
    variance = SIGMA ** 2 + 1 / precision
    draws = idata.posterior["y_unobserved"].values                   # (chain, draw, 2)
    for i in range(2):
        value = draws[..., i]
        assert abs(value.mean() - mean) < Z * _mcse(value)
        squared = (value - mean) ** 2
        assert abs(squared.mean() - variance) < Z * _mcse(squared)
    product = (draws[..., 0] - mean) * (draws[..., 1] - mean)        # they share mu
    assert abs(product.mean() - 1 / precision) < Z * _mcse(product)


def test_the_full_variable_is_stored_in_the_posterior(imputed):
    _, idata = imputed
    full = idata.posterior["y"].values
    assert full.shape == (8, 150, len(Y))
    np.testing.assert_array_equal(full[..., ~MISSING], np.broadcast_to(Y[~MISSING],
                                                                       full[..., ~MISSING].shape))
    np.testing.assert_array_equal(full[..., MISSING], idata.posterior["y_unobserved"].values)


def test_predictive_groups_of_an_imputed_model(imputed):
    model, idata = imputed
    ppc = tb.sample_posterior_predictive(idata, model=model, random_seed=31)
    assert ppc.posterior_predictive["y"].shape == (8, 150, len(Y))
    assert np.isfinite(ppc.posterior_predictive["y"].values).all()
    # the data group shows the missing entries as missing
    np.testing.assert_array_equal(np.isnan(ppc.observed_data["y"].values), MISSING)
    prior = tb.sample_prior_predictive(50, model=model, random_seed=32)
    assert prior.prior["y_unobserved"].shape == (1, 50, 2)
    assert prior.prior_predictive["y"].shape == (1, 50, len(Y))
    log_likelihood = tb.compute_log_likelihood(idata, model=model, extend_inferencedata=False)
    assert log_likelihood.log_likelihood["y"].shape == (8, 150, int((~MISSING).sum()))


# ------------------------------------------------------------------ with data containers

X = np.linspace(-1.0, 1.0, len(Y))


def regression_with_missing_y(x=X):
    with tb.Model() as model:
        x_data = tb.Data("x", x)
        a = tb.Normal("a", 0.0, 1.0)
        b = tb.Normal("b", 0.0, 1.0)
        tb.Normal("y", a + b * x_data, SIGMA, observed=Y)
    return model


def test_imputation_with_a_data_covariate_in_sample():
    with pytest.warns(ImputationWarning):
        model = regression_with_missing_y()
    # each missing y is drawn around its own line value a + b x_i
    point = {"a": np.array(0.2), "b": np.array(1.5), "y_unobserved": np.zeros(2)}
    terms = model.logp(point, sum=False)
    line = 0.2 + 1.5 * X[MISSING]
    expected = -0.5 * (line / SIGMA) ** 2 - np.log(SIGMA * np.sqrt(2 * np.pi))
    assert float(terms["y_unobserved"]) == pytest.approx(expected.sum(), abs=1e-12)
    posterior = to_inference_data({"posterior": {
        "a": np.full((2, 5), 0.2), "b": np.full((2, 5), 1.5), "y_unobserved": np.zeros((2, 5, 2))}})
    ppc = tb.sample_posterior_predictive(posterior, model=model, random_seed=33)
    assert ppc.posterior_predictive["y"].shape == (2, 5, len(Y))


@pytest.mark.xfail(strict=True, raises=RuntimeError,
                   reason="the imputed variable's parameters are recorded against the training "
                          "rows; set_data with another number of rows breaks building the "
                          "forward program (reported)")
def test_imputation_with_a_data_covariate_out_of_sample():
    model = _quiet(regression_with_missing_y)
    tb.set_data({"x": X[:3]}, model=model)
    posterior = to_inference_data({"posterior": {
        "a": np.zeros((2, 5)), "b": np.ones((2, 5)), "y_unobserved": np.zeros((2, 5, 2))}})
    out = tb.sample_posterior_predictive(posterior, model=model, predictions=True)
    assert out.predictions["y"].shape == (2, 5, 3)


def test_observed_data_container():
    with tb.Model() as model:
        y_data = tb.Data("y_data", Y[~MISSING])
        mu = tb.Normal("mu", 0.0, 1.0)
        tb.Normal("y", mu, 1.0, observed=y_data)
    assert model["y"].shape == y_data.shape
    point = {"mu": 0.3}
    expected = stats.norm.logpdf(0.3, 0, 1) + stats.norm.logpdf(Y[~MISSING], 0.3, 1).sum()
    assert float(model.logp(point, jacobian=False)) == pytest.approx(expected, rel=1e-12)
    tb.set_data({"y_data": [0.5, 1.5]}, model=model)   # the density follows the container
    expected = stats.norm.logpdf(0.3, 0, 1) + stats.norm.logpdf([0.5, 1.5], 0.3, 1).sum()
    assert float(model.logp(point, jacobian=False)) == pytest.approx(expected, rel=1e-12)


def test_data_containers_refuse_missing_values():
    with pytest.raises(ValueError, match="contains NaN"):
        with tb.Model():
            tb.Data("y_data", Y)
