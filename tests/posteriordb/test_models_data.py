"""The transformed data in models.py reproduce the reference: for the flat-prior linear
regressions the posterior is known exactly (MODELS.md), so each design matrix is checked
against the reference means and sds without sampling."""
import numpy as np
import pytest
from scipy.special import gammaln

from reference import load_posterior

models = pytest.importorskip("models", reason="models.py needs torchbayes importable")

FLAT_REGRESSIONS = {
    "kidiq_with_mom_work-kidscore_mom_work": models._design_kidscore_mom_work,
    "kidiq_with_mom_work-kidscore_interaction_z": models._design_kidscore_interaction_z,
    "earnings-earn_height": models._design_earn_height,
    "earnings-logearn_interaction": models._design_logearn_interaction,
    "mesquite-mesquite": models._design_mesquite,
    "mesquite-logmesquite": models._design_logmesquite,
    "nes2000-nes": models._design_nes,
}


def _exact_posterior(X, y):
    """Means and sds of beta and sigma under flat priors on beta and sigma."""
    X, y = np.asarray(X, float), np.asarray(y, float)
    N, p = X.shape
    beta_hat, *_ = np.linalg.lstsq(X, y, rcond=None)
    S = float(np.sum((y - X @ beta_hat) ** 2))
    beta_sd = np.sqrt(np.diag(S / (N - p - 3) * np.linalg.inv(X.T @ X)))
    a = (N - p - 1) / 2  # sigma^2 | y ~ InvGamma(a, S / 2)
    sigma_mean = np.sqrt(S / 2) * np.exp(gammaln(a - 0.5) - gammaln(a))
    sigma_sd = np.sqrt(S / 2 / (a - 1) - sigma_mean ** 2)
    return beta_hat, beta_sd, sigma_mean, sigma_sd


@pytest.mark.parametrize("name", sorted(FLAT_REGRESSIONS))
def test_flat_regression_design_matches_reference(name):
    post = load_posterior(name)
    beta_mean, beta_sd, sigma_mean, sigma_sd = _exact_posterior(*FLAT_REGRESSIONS[name](post.data))
    exact = {f"beta[{i + 1}]": (m, s) for i, (m, s) in enumerate(zip(beta_mean, beta_sd))}
    exact["sigma"] = (sigma_mean, sigma_sd)
    assert set(exact) == set(post.columns)
    for column, (mean, sd) in exact.items():
        ref = post.summary[column]
        assert abs(mean - ref["mean"]) < 4 * ref["mcse_mean"], column
        assert abs(sd - ref["sd"]) < 4 * ref["mcse_sd"], column


def test_ark_lags_line_up():
    data = load_posterior("arK-arK").data
    lags, y = models._design_ark(data)
    assert lags.shape == (195, 5) and y.shape == (195,)
    assert lags[0, 0] == data["y"][4] and lags[0, 4] == data["y"][0] and y[0] == data["y"][5]


def test_diamonds_centring():
    Xc, means, Y = models._design_diamonds(load_posterior("diamonds-diamonds").data)
    assert Xc.shape == (5000, 24) and means.shape == (24,)
    assert np.allclose(Xc.mean(axis=0), 0.0, atol=1e-10)


def test_registry_covers_every_posterior():
    from reference import list_posteriors, load_posterior as load

    assert sorted(models.POSTERIORS) == list_posteriors()
    for name, (builder, var_names, notes) in models.POSTERIORS.items():
        assert callable(builder) and notes
        assert set(var_names) == set(load(name).shapes), name
