"""The 18 posteriordb posteriors written as torchbayes models (PyMC-style front door).

Test helper, not part of the package. Each ``build_<model>(data)`` takes the dict from
``reference.load_posterior(name).data`` and returns a ``tb.Model``; ``POSTERIORS`` maps a
posteriordb name to ``(builder, var_names, notes)``, where ``var_names`` are the model variables
to hand to ``reference.compare`` (their names and shapes match the reference columns: the
reference stores theta of the non-centred eight schools and f of gp_pois_regr, not the latents).

The models follow ``MODELS.md`` of the posteriordb copy formula by formula: a parameter with no
prior in the Stan program is ``tb.Flat`` (real line) or ``tb.HalfFlat`` (positive, uniform in
the parameter itself). Design matrices and other transformed data are built in NumPy by the
``_design_*`` functions, which tests can check without torchbayes.
"""
from __future__ import annotations

import math

import numpy as np
import torch

import torchbayes as tb
from torchbayes.transforms import OrderedTransform

__all__ = ["POSTERIORS"] + [f"build_{n}" for n in (
    "eight_schools_noncentered", "eight_schools_centered", "diamonds", "kidscore_interaction",
    "kidscore_mom_work", "kidscore_interaction_z", "earn_height", "logearn_interaction",
    "mesquite", "logmesquite", "nes", "blr", "ark", "garch11", "gp_regr", "gp_pois_regr",
    "low_dim_gauss_mix")]

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


def _tensor(values) -> torch.Tensor:
    """Data as a float64 tensor (integer codes and counts included: they enter arithmetic)."""
    return torch.as_tensor(np.asarray(values, dtype=np.float64))


def _with_intercept(*columns) -> np.ndarray:
    """(N, 1 + len(columns)) design matrix: a column of ones, then the given columns."""
    columns = [np.asarray(c, dtype=np.float64) for c in columns]
    return np.column_stack([np.ones_like(columns[0])] + columns)


def _flat_linear_regression(X: np.ndarray, y: np.ndarray) -> tb.Model:
    """y ~ N(X beta, sigma) with beta flat on R^p and sigma flat on (0, inf)."""
    with tb.Model() as model:
        beta = tb.Flat("beta", shape=X.shape[1])
        sigma = tb.HalfFlat("sigma")
        tb.Normal("y", mu=_tensor(X) @ beta, sigma=sigma, observed=_tensor(y))
    return model


# ------------------------------------------------------------------------------------------
# transformed data (NumPy): design matrices and responses
# ------------------------------------------------------------------------------------------
def _design_kidscore_interaction(data):
    hs, iq = data["mom_hs"], data["mom_iq"]
    return _with_intercept(hs, iq, hs * iq), data["kid_score"]


def _design_kidscore_mom_work(data):
    work = data["mom_work"]
    return _with_intercept(work == 2, work == 3, work == 4), data["kid_score"]


def _design_kidscore_interaction_z(data):
    # Divided by two standard deviations (Gelman's scaling), sd with the N-1 denominator.
    def z(v):
        return (v - v.mean()) / (2.0 * v.std(ddof=1))

    z_hs, z_iq = z(np.asarray(data["mom_hs"], float)), z(np.asarray(data["mom_iq"], float))
    return _with_intercept(z_hs, z_iq, z_hs * z_iq), data["kid_score"]


def _design_earn_height(data):
    return _with_intercept(data["height"]), data["earn"]


def _design_logearn_interaction(data):
    height, male = data["height"], data["male"]
    return _with_intercept(height, male, height * male), np.log(data["earn"])


_MESQUITE_COLUMNS = ("diam1", "diam2", "canopy_height", "total_height", "density")


def _design_mesquite(data):
    return _with_intercept(*(data[c] for c in _MESQUITE_COLUMNS), data["group"]), data["weight"]


def _design_logmesquite(data):
    # Every measure is logged except the 0/1 group indicator.
    logs = (np.log(np.asarray(data[c], float)) for c in _MESQUITE_COLUMNS)
    return _with_intercept(*logs, data["group"]), np.log(data["weight"])


def _design_nes(data):
    # Codes enter as plain numbers, as stored (gender 1/2, race 1/1.5/2), not as documented.
    age = data["age_discrete"]
    columns = (data["real_ideo"], data["race_adj"], age == 2, age == 3, age == 4,
               data["educ1"], data["gender"], data["income"])
    return _with_intercept(*columns), data["partyid7"]


def _design_diamonds(data):
    """Centred predictors (X without its column of ones), their means, and Y."""
    X = np.asarray(data["X"], dtype=np.float64)[:, 1:]
    means = X.mean(axis=0)
    return X - means, means, np.asarray(data["Y"], dtype=np.float64)


def _design_ark(data):
    """Lagged design: row t (t = K+1..T) holds y_{t-1}, ..., y_{t-K}; and the modelled y_t."""
    K, y = int(data["K"]), np.asarray(data["y"], dtype=np.float64)
    T = len(y)
    lags = np.column_stack([y[K - k:T - k] for k in range(1, K + 1)])
    return lags, y[K:]


def _squared_distances(x) -> torch.Tensor:
    x = _tensor(x)
    return (x[:, None] - x[None, :]) ** 2


# ------------------------------------------------------------------------------------------
# the models
# ------------------------------------------------------------------------------------------
def build_eight_schools_noncentered(data) -> tb.Model:
    sigma_known, y = _tensor(data["sigma"]), _tensor(data["y"])
    with tb.Model() as model:
        mu = tb.Normal("mu", mu=0.0, sigma=5.0)
        tau = tb.HalfCauchy("tau", beta=5.0)
        theta_trans = tb.Normal("theta_trans", mu=0.0, sigma=1.0, shape=int(data["J"]))
        theta = tb.Deterministic("theta", mu + tau * theta_trans)
        tb.Normal("y", mu=theta, sigma=sigma_known, observed=y)
    return model


def build_eight_schools_centered(data) -> tb.Model:
    sigma_known, y = _tensor(data["sigma"]), _tensor(data["y"])
    with tb.Model() as model:
        mu = tb.Normal("mu", mu=0.0, sigma=5.0)
        tau = tb.HalfCauchy("tau", beta=5.0)
        theta = tb.Normal("theta", mu=mu, sigma=tau, shape=int(data["J"]))
        tb.Normal("y", mu=theta, sigma=sigma_known, observed=y)
    return model


def build_diamonds(data) -> tb.Model:
    Xc, _, Y = _design_diamonds(data)
    with tb.Model() as model:
        b = tb.Normal("b", mu=0.0, sigma=1.0, shape=Xc.shape[1])
        intercept = tb.StudentT("Intercept", nu=3.0, mu=8.0, sigma=10.0)  # for centred predictors
        sigma = tb.HalfStudentT("sigma", nu=3.0, sigma=10.0)
        if not data["prior_only"]:  # brms's flag; 0 in posteriordb's data
            tb.Normal("Y", mu=intercept + _tensor(Xc) @ b, sigma=sigma, observed=_tensor(Y))
    return model


def build_kidscore_interaction(data) -> tb.Model:
    X, y = _design_kidscore_interaction(data)
    with tb.Model() as model:
        beta = tb.Flat("beta", shape=X.shape[1])
        sigma = tb.HalfCauchy("sigma", beta=2.5)
        tb.Normal("kid_score", mu=_tensor(X) @ beta, sigma=sigma, observed=_tensor(y))
    return model


def build_kidscore_mom_work(data) -> tb.Model:
    return _flat_linear_regression(*_design_kidscore_mom_work(data))


def build_kidscore_interaction_z(data) -> tb.Model:
    return _flat_linear_regression(*_design_kidscore_interaction_z(data))


def build_earn_height(data) -> tb.Model:
    return _flat_linear_regression(*_design_earn_height(data))


def build_logearn_interaction(data) -> tb.Model:
    return _flat_linear_regression(*_design_logearn_interaction(data))


def build_mesquite(data) -> tb.Model:
    return _flat_linear_regression(*_design_mesquite(data))


def build_logmesquite(data) -> tb.Model:
    return _flat_linear_regression(*_design_logmesquite(data))


def build_nes(data) -> tb.Model:
    return _flat_linear_regression(*_design_nes(data))


def build_blr(data) -> tb.Model:
    X, y = _tensor(data["X"]), _tensor(data["y"])
    with tb.Model() as model:
        beta = tb.Normal("beta", mu=0.0, sigma=10.0, shape=int(data["D"]))
        sigma = tb.HalfNormal("sigma", sigma=10.0)
        tb.Normal("y", mu=X @ beta, sigma=sigma, observed=y)
    return model


def build_ark(data) -> tb.Model:
    lags, y = _design_ark(data)  # the first K observations are conditioned on, not modelled
    with tb.Model() as model:
        alpha = tb.Normal("alpha", mu=0.0, sigma=10.0)
        beta = tb.Normal("beta", mu=0.0, sigma=10.0, shape=int(data["K"]))
        sigma = tb.HalfCauchy("sigma", beta=2.5)
        tb.Normal("y", mu=alpha + _tensor(lags) @ beta, sigma=sigma, observed=_tensor(y))
    return model


def build_garch11(data) -> tb.Model:
    y = _tensor(data["y"])
    with tb.Model() as model:
        mu = tb.Flat("mu")
        alpha0 = tb.HalfFlat("alpha0")
        alpha1 = tb.Uniform("alpha1", lower=0.0, upper=1.0)
        # beta1 lives on (0, 1 - alpha1). Uniform gives it density 1 / (1 - alpha1); the
        # potential cancels that, so (alpha1, beta1) is flat on the triangle as in Stan, where
        # beta1 has no prior. The interval transform's log-Jacobian keeps its log(1 - alpha1).
        beta1 = tb.Uniform("beta1", lower=0.0, upper=1.0 - alpha1)
        tb.Potential("beta1_flat_on_triangle", torch.log1p(-alpha1))
        # s_1 = sigma1 (fixed); s_t^2 = alpha0 + alpha1 (y_{t-1} - mu)^2 + beta1 s_{t-1}^2, a
        # first-order linear recurrence v_t = shock_t + beta1 v_{t-1}. Written as a 199-step
        # Python loop it records ~1000 operations (60 ms a gradient); a doubling scan does it in
        # log2(T) = 8 rounds: after the round with offset `step`, v_t = sum_{j < 2 step}
        # beta1^j shock_{t-j}. test_log_densities checks it against the literal recursion.
        shocks = torch.cat([torch.full((1,), float(data["sigma1"]) ** 2, dtype=torch.float64),
                            alpha0 + alpha1 * (y[:-1] - mu) ** 2])
        variance, step = shocks, 1
        while step < len(y):
            variance = torch.cat([variance[:step], variance[step:] + beta1 ** step * variance[:-step]])
            step *= 2
        tb.Normal("y", mu=mu, sigma=torch.sqrt(variance), observed=y)
    return model


def _se_kernel(sq_dist: torch.Tensor, alpha, rho):
    """Squared-exponential covariance alpha^2 exp(-d^2 / (2 rho^2)) (Stan's cov_exp_quad)."""
    return alpha ** 2 * torch.exp(-sq_dist / (2.0 * rho ** 2))


def _positive_definite(cov: torch.Tensor) -> torch.Tensor:
    """Whether ``cov`` (..., n, n) is finite and Cholesky succeeds on it, shape (...)."""
    cov = cov.detach()
    return (torch.linalg.cholesky_ex(cov).info == 0) & torch.isfinite(cov).all((-2, -1))


def _cholesky_fails(cov: torch.Tensor) -> torch.Tensor:
    """0 where ``cov`` has a Cholesky factor, -inf where it does not."""
    return torch.where(_positive_definite(cov), 0.0, -torch.inf).to(cov.dtype)


def _cholesky_or_identity(cov: torch.Tensor) -> torch.Tensor:
    """Lower Cholesky factor of ``cov``, or of the identity where ``cov`` has none. The matrix
    is replaced before factoring, so no gradient flows through a failed factorisation."""
    eye = torch.eye(cov.shape[-1], dtype=cov.dtype, device=cov.device)
    return torch.linalg.cholesky(torch.where(_positive_definite(cov)[..., None, None], cov, eye))


def build_gp_regr(data) -> tb.Model:
    sq_dist, y = _squared_distances(data["x"]), _tensor(data["y"])
    eye = torch.eye(len(y), dtype=torch.float64)
    with tb.Model() as model:
        rho = tb.Gamma("rho", alpha=25.0, beta=4.0)  # shape 25, rate 4
        alpha = tb.HalfNormal("alpha", sigma=2.0)
        sigma = tb.HalfNormal("sigma", sigma=1.0)
        # sigma is added to the diagonal as it is: a noise variance, not a standard deviation.
        cov = _se_kernel(sq_dist, alpha, rho) + sigma * eye
        # MvNormal(cov=cov) would factor cov itself and raise where it is not positive definite
        # (a wild warm-up step, e.g. alpha overflowing): see build_gp_pois_regr.
        tb.Potential("cholesky_failed", tb.Expression(_cholesky_fails, (cov,), {}))
        tb.MvNormal("y", mu=torch.zeros(len(y), dtype=torch.float64),
                    chol=tb.Expression(_cholesky_or_identity, (cov,), {}), observed=y)
    return model


def build_gp_pois_regr(data) -> tb.Model:
    sq_dist, k = _squared_distances(data["x"]), _tensor(data["k"])
    jitter = 1e-10 * torch.eye(len(k), dtype=torch.float64)
    with tb.Model() as model:
        rho = tb.Gamma("rho", alpha=25.0, beta=4.0)
        alpha = tb.HalfNormal("alpha", sigma=2.0)
        f_tilde = tb.Normal("f_tilde", mu=0.0, sigma=1.0, shape=len(k))
        cov = _se_kernel(sq_dist, alpha, rho) + jitter
        # Stan rejects a proposal whose K + 1e-10 I is not positive definite in floating point
        # (alpha in the hundreds at a wild warm-up step); torch.linalg.cholesky raises there,
        # which ends tb.sample (a library bug, reported). Until the library turns that into
        # logp = -inf: -inf by a potential, and the factor of the identity in its place.
        tb.Potential("cholesky_failed", tb.Expression(_cholesky_fails, (cov,), {}))
        chol = tb.Expression(_cholesky_or_identity, (cov,), {})
        f = tb.Deterministic("f", chol @ f_tilde)  # f ~ MVN(0, K + 1e-10 I)
        tb.Poisson("k", mu=torch.exp(f), observed=k)
    return model


def _normal_logpdf(y: torch.Tensor, mu, sigma):
    return -0.5 * ((y - mu) / sigma) ** 2 - torch.log(sigma) - _LOG_SQRT_2PI


def build_low_dim_gauss_mix(data) -> tb.Model:
    y = _tensor(data["y"])
    with tb.Model() as model:
        # The ordered bijector (mu1, log(mu2 - mu1)). The N(0, 2) prior restricted to mu1 < mu2
        # is left unnormalised (a constant factor 2), as in Stan. The default start, the prior
        # mean (0, 0), is not ordered, hence the initial value.
        mu = tb.Normal("mu", mu=0.0, sigma=2.0, shape=2, transform=OrderedTransform(),
                       initval=[-1.0, 1.0])
        sigma = tb.HalfNormal("sigma", sigma=2.0, shape=2)
        theta = tb.Beta("theta", alpha=5.0, beta=5.0)  # weight of the lower-mean component
        per_component = torch.stack([
            torch.log(theta) + _normal_logpdf(y, mu[0], sigma[0]),
            torch.log1p(-theta) + _normal_logpdf(y, mu[1], sigma[1]),
        ])
        tb.Potential("y", torch.logsumexp(per_component, dim=0).sum())
    return model


_FLAT_NOTE = "flat beta and sigma: the exact posterior is known (MODELS.md, multivariate t / inverse gamma)"

POSTERIORS = {
    "eight_schools-eight_schools_noncentered": (
        build_eight_schools_noncentered, ["mu", "tau", "theta"],
        "compare theta = mu + tau * theta_trans, the reference's transformed parameter"),
    "eight_schools-eight_schools_centered": (
        build_eight_schools_centered, ["mu", "tau", "theta"],
        "funnel: centred NUTS diverges near tau -> 0 and biases tau; a 'does the sampler warn' "
        "check, not a must-pass accuracy test; shares the non-centred reference"),
    "diamonds-diamonds": (
        build_diamonds, ["b", "Intercept", "sigma"],
        "Intercept is for centred predictors; correlations up to 0.89, condition number ~2.6e5: "
        "the reference needed adapt_delta 0.99 and max_treedepth 20 (dense mass matrix helps)"),
    "kidiq-kidscore_interaction": (
        build_kidscore_interaction, ["beta", "sigma"],
        "flat beta, half-Cauchy(2.5) sigma; posterior correlations up to 0.99"),
    "kidiq_with_mom_work-kidscore_mom_work": (build_kidscore_mom_work, ["beta", "sigma"], _FLAT_NOTE),
    "kidiq_with_mom_work-kidscore_interaction_z": (
        build_kidscore_interaction_z, ["beta", "sigma"],
        _FLAT_NOTE + "; predictors scaled by 2 sd (N-1), 1 sd is detectably wrong"),
    "earnings-earn_height": (
        build_earn_height, ["beta", "sigma"],
        _FLAT_NOTE + "; badly scaled on purpose (beta1 ~ -6e4, corr -0.998): mass-matrix "
        "adaptation and float32 test"),
    "earnings-logearn_interaction": (build_logearn_interaction, ["beta", "sigma"], _FLAT_NOTE),
    "mesquite-mesquite": (build_mesquite, ["beta", "sigma"], _FLAT_NOTE),
    "mesquite-logmesquite": (build_logmesquite, ["beta", "sigma"], _FLAT_NOTE + "; group stays unlogged"),
    "nes2000-nes": (build_nes, ["beta", "sigma"], _FLAT_NOTE + "; codes as stored (gender 1/2)"),
    "sblrc-blr": (build_blr, ["beta", "sigma"], "beta sd ~1e-3 against sigma ~1: scales differ 1000x; correlations ~0.8"),
    "sblri-blr": (build_blr, ["beta", "sigma"], "same model as sblrc, nearly independent posterior"),
    "arK-arK": (build_ark, ["alpha", "beta", "sigma"], "likelihood for t = K+1..T only"),
    "garch-garch11": (
        build_garch11, ["mu", "alpha0", "alpha1", "beta1"],
        "beta1's upper bound 1 - alpha1 depends on alpha1: needs a parameter-dependent interval "
        "transform; the variance recursion runs as a doubling scan (8 rounds, not 199 steps)"),
    "gp_pois_regr-gp_regr": (
        build_gp_regr, ["rho", "alpha", "sigma"], "sigma is the noise variance (added to the diagonal)"),
    "gp_pois_regr-gp_pois_regr": (
        build_gp_pois_regr, ["rho", "alpha", "f"],
        "compare f = L f_tilde; Cholesky of K + 1e-10 I needs float64"),
    "low_dim_gauss_mix-low_dim_gauss_mix": (
        build_low_dim_gauss_mix, ["mu", "sigma", "theta"],
        "ordered mu; theta weights the lower-mean component"),
}
