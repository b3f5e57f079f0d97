"""Each posteriordb model's log density is right, checked without sampling.

At draws x from the posterior, mapped to the unconstrained space u, the gradient g of a correct
log density (log-Jacobians included) satisfies two Stein identities, coordinate by coordinate:

    E[g_i] = 0        and        E[(u_i - E u_i) g_i] = -1.

The 200 reference draws per posterior are nearly independent, so each sample mean is compared
with its standard error: |z| < 4 for every coordinate (MODELS.md, last section). A wrong scale, a
missing Jacobian term or a swapped mixture weight moves one of these means by many standard
errors, which ``test_the_check_detects_a_wrong_model`` confirms on four deliberate mistakes.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

import torchbayes as tb
from models import (POSTERIORS, _flat_linear_regression, _normal_logpdf, _tensor,
                    _with_intercept, build_eight_schools_noncentered, build_gp_regr)
from reference import constrained_reference_draws, list_posteriors, load_posterior
from torchbayes.transforms import OrderedTransform

Z_MAX = 4.0


# ------------------------------------------------------------------------------------------
# reference draws -> the model's unconstrained vectors
# ------------------------------------------------------------------------------------------
def _noncentred_latent(draws, data):
    """theta = mu + tau * theta_trans, so theta_trans = (theta - mu) / tau."""
    draws = dict(draws)
    theta = draws.pop("theta")
    draws["theta_trans"] = (theta - draws["mu"][:, None]) / draws["tau"][:, None]
    return draws


def _gp_latent(draws, data):
    """f = L f_tilde with L = cholesky(K + 1e-10 I), so f_tilde = L^-1 f, draw by draw."""
    draws = dict(draws)
    f = draws.pop("f")
    x = np.asarray(data["x"], dtype=np.float64)
    sq_dist = (x[:, None] - x[None, :]) ** 2
    f_tilde = np.empty_like(f)
    for i, (rho, alpha) in enumerate(zip(draws["rho"], draws["alpha"])):
        cov = alpha ** 2 * np.exp(-sq_dist / (2.0 * rho ** 2)) + 1e-10 * np.eye(len(x))
        f_tilde[i] = np.linalg.solve(np.linalg.cholesky(cov), f[i])
    draws["f_tilde"] = f_tilde
    return draws


# The reference stores a transformed parameter instead of the model's latent for these two.
LATENTS = {
    "eight_schools-eight_schools_noncentered": _noncentred_latent,
    "gp_pois_regr-gp_pois_regr": _gp_latent,
}


def unconstrained_reference_draws(model, name: str) -> torch.Tensor:
    """The 200 reference draws of posterior ``name`` as the model's flat vectors, (200, d)."""
    post = load_posterior(name)
    draws = constrained_reference_draws(post)
    draws = LATENTS.get(name, lambda d, _: d)(draws, post.data)
    free = [rv.name for rv in model.free_RVs]
    assert sorted(draws) == sorted(free), (name, sorted(draws), free)
    rows = [model.dict_to_array({key: draws[key][i] for key in free}) for i in range(len(draws[free[0]]))]
    return torch.stack(rows)


# ------------------------------------------------------------------------------------------
# the check
# ------------------------------------------------------------------------------------------
def stein_z_scores(model, u: torch.Tensor, jacobian: bool = True):
    """z-scores of the two Stein identities for every coordinate, and the coordinates' names.

    Returns ``(z_mean_grad, z_second, labels)``: ``z_mean_grad[i]`` is mean(g_i) over its
    standard error, ``z_second[i]`` is (mean((u_i - mean u_i) g_i) + 1) over its standard error.
    """
    density = model.logp_dlogp_function(jacobian=jacobian)
    logp, grad = density(u)
    assert torch.isfinite(logp).all() and torch.isfinite(grad).all()
    u, grad = u.numpy(), grad.numpy()
    n = u.shape[0]
    z_mean_grad = grad.mean(0) / (grad.std(0, ddof=1) / np.sqrt(n))
    second = (u - u.mean(0)) * grad
    z_second = (second.mean(0) + 1.0) / (second.std(0, ddof=1) / np.sqrt(n))
    labels = [f"{block.variable.name}[{i}]" for block in density.layout.blocks
              for i in range(block.stop - block.start)]
    return z_mean_grad, z_second, labels


def _stein_report(z_mean_grad, z_second, labels) -> str:
    return "\n".join(f"{label:>16} z(E g)={a:7.2f} z(E (u-m) g + 1)={b:7.2f}"
                     for label, a, b in zip(labels, z_mean_grad, z_second))


def _passes(z_mean_grad, z_second) -> bool:
    return bool(np.all(np.abs(z_mean_grad) < Z_MAX) and np.all(np.abs(z_second) < Z_MAX))


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("name", list_posteriors())
def test_stein_identities_at_the_reference_draws(name):
    builder, _, _ = POSTERIORS[name]
    model = builder(load_posterior(name).data)
    u = unconstrained_reference_draws(model, name)
    assert u.shape == (200, model.logp_dlogp_function().size)
    z_mean_grad, z_second, labels = stein_z_scores(model, u)
    assert _passes(z_mean_grad, z_second), f"{name}\n" + _stein_report(z_mean_grad, z_second, labels)


# ------------------------------------------------------------------------------------------
# the check has power: deliberate mistakes fail it
# ------------------------------------------------------------------------------------------
def _gauss_mix_swapped_weight(data):
    """low_dim_gauss_mix with theta weighting the upper component instead of the lower."""
    y = _tensor(data["y"])
    with tb.Model() as model:
        mu = tb.Normal("mu", mu=0.0, sigma=2.0, shape=2, transform=OrderedTransform(),
                       initval=[-1.0, 1.0])
        sigma = tb.HalfNormal("sigma", sigma=2.0, shape=2)
        theta = tb.Beta("theta", alpha=5.0, beta=5.0)
        per_component = torch.stack([torch.log1p(-theta) + _normal_logpdf(y, mu[0], sigma[0]),
                                     torch.log(theta) + _normal_logpdf(y, mu[1], sigma[1])])
        tb.Potential("y", torch.logsumexp(per_component, dim=0).sum())
    return model


def _kidscore_z_by_one_sd(data):
    """kidscore_interaction_z with predictors scaled by 1 sd instead of 2 (MODELS.md)."""
    def z(v):
        v = np.asarray(v, dtype=np.float64)
        return (v - v.mean()) / v.std(ddof=1)
    z_hs, z_iq = z(data["mom_hs"]), z(data["mom_iq"])
    return _flat_linear_regression(_with_intercept(z_hs, z_iq, z_hs * z_iq), data["kid_score"])


WRONG_MODELS = {
    # name: (posterior, builder, jacobian)
    "eight schools without the log-Jacobian of tau": (
        "eight_schools-eight_schools_noncentered", build_eight_schools_noncentered, False),
    "gp_regr without log-Jacobians": ("gp_pois_regr-gp_regr", build_gp_regr, False),
    "gauss mix with the weights swapped": (
        "low_dim_gauss_mix-low_dim_gauss_mix", _gauss_mix_swapped_weight, True),
    "kidscore_interaction_z scaled by 1 sd": (
        "kidiq_with_mom_work-kidscore_interaction_z", _kidscore_z_by_one_sd, True),
}


@pytest.mark.parametrize("mistake", sorted(WRONG_MODELS))
def test_the_check_detects_a_wrong_model(mistake):
    name, builder, jacobian = WRONG_MODELS[mistake]
    model = builder(load_posterior(name).data)
    u = unconstrained_reference_draws(model, name)
    z_mean_grad, z_second, labels = stein_z_scores(model, u, jacobian=jacobian)
    assert not _passes(z_mean_grad, z_second), f"{mistake}\n" + _stein_report(z_mean_grad, z_second, labels)


# ------------------------------------------------------------------------------------------
# garch11: the doubling scan is the Stan recursion
# ------------------------------------------------------------------------------------------
def _garch_log_likelihood(draws, data) -> np.ndarray:
    """Stan's garch11 log likelihood, the literal loop, one value per draw."""
    y, sigma1 = np.asarray(data["y"], dtype=np.float64), float(data["sigma1"])
    out = np.empty(len(draws["mu"]))
    for i, (mu, alpha0, alpha1, beta1) in enumerate(
            zip(draws["mu"], draws["alpha0"], draws["alpha1"], draws["beta1"])):
        sigma = np.empty_like(y)
        sigma[0] = sigma1
        for t in range(1, len(y)):
            sigma[t] = np.sqrt(alpha0 + alpha1 * (y[t - 1] - mu) ** 2 + beta1 * sigma[t - 1] ** 2)
        out[i] = np.sum(-0.5 * ((y - mu) / sigma) ** 2 - np.log(sigma) - 0.5 * np.log(2 * np.pi))
    return out


def test_garch_variance_scan_matches_the_recursion():
    name = "garch-garch11"
    post = load_posterior(name)
    model = POSTERIORS[name][0](post.data)
    u = unconstrained_reference_draws(model, name)
    # Without Jacobians the model's log density is the likelihood plus a constant: the flat
    # priors, and Uniform(0, 1 - alpha1)'s -log(1 - alpha1) cancelled by the potential.
    logp = model.logp_dlogp_function(jacobian=False).logp(u).numpy()
    expected = _garch_log_likelihood(constrained_reference_draws(post), post.data)
    np.testing.assert_allclose(logp - logp[0], expected - expected[0], atol=1e-9)
