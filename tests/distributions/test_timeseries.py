"""Time-series families against densities written here as loops over time, with draw checks.

Each vectorised ``log_prob`` (diff/cumsum walks, AR by ``unfold``, GARCH's variance recursion in
closed form) is compared with a step-by-step SciPy loop, in float64 and float32 and with batch
dimensions. Draws are checked through the model's own structure: walk means and variances
grow linearly; AR, GARCH and Euler-Maruyama draws give standardised one-step residuals that
are N(0, 1) (a KS test), and initial values that follow ``init_dist``.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import stats

import torchbayes as tb
from torchbayes.distributions import (
    AR, GARCH11, EulerMaruyama, GaussianRandomWalk, Laplace, MvGaussianRandomWalk, MvNormal,
    Normal, RandomWalk, StudentT,
)

F64 = torch.float64


def _t(value, dtype=F64):
    return torch.as_tensor(value, dtype=dtype)


def _series(seed: int, shape) -> np.ndarray:
    return np.cumsum(np.random.default_rng(seed).normal(size=shape), axis=-1) * 0.5


# -- hand-written references (loops over time) --------------------------------------------------
def walk_logpdf(x, init, innovation):
    total = init.logpdf(x[0])
    for t in range(1, len(x)):
        total += innovation.logpdf(x[t] - x[t - 1])
    return total


def ar_logpdf(x, rho, sigma, constant, init):
    order = len(rho) - int(constant)
    lags = rho[int(constant):]
    total = init.logpdf(x[:order]).sum()
    for t in range(order, len(x)):
        mean = (rho[0] if constant else 0.0) + sum(lags[i] * x[t - 1 - i] for i in range(order))
        total += stats.norm(mean, sigma).logpdf(x[t])
    return total


def garch_logpdf(x, omega, alpha, beta, initial_vol):
    vol = [initial_vol]
    for t in range(1, len(x)):
        vol.append(np.sqrt(omega + alpha * x[t - 1] ** 2 + beta * vol[-1] ** 2))
    return stats.norm(0, np.array(vol)).logpdf(x).sum()


def _ornstein_uhlenbeck(x, theta, sigma):
    return -theta * x, sigma


def euler_logpdf(x, dt, theta, sigma, init):
    total = init.logpdf(x[0])
    for t in range(len(x) - 1):
        drift, diffusion = -theta * x[t], sigma
        total += stats.norm(x[t] + dt * drift, diffusion * np.sqrt(dt)).logpdf(x[t + 1])
    return total


# -- log densities -------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [F64, torch.float32], ids=str)
def test_random_walks_against_loops(dtype):
    tolerance = 1e-9 if dtype == F64 else 2e-4
    x = _series(0, (3, 12))
    walk = GaussianRandomWalk(_t([0.0, 0.3, -0.2], dtype), _t(0.8, dtype),
                              init_dist=Normal(_t(0.0, dtype), 2.0), steps=11)
    expected = [walk_logpdf(x[i], stats.norm(0, 2), stats.norm(mu, 0.8))
                for i, mu in enumerate([0.0, 0.3, -0.2])]
    np.testing.assert_allclose(walk.log_prob(_t(x, dtype)).double().numpy(), expected,
                               rtol=tolerance)
    heavy = RandomWalk(Laplace(_t(0.1, dtype), 1.0), StudentT(_t(3.0, dtype), 0.2, 0.5),
                       steps=11)
    expected = [walk_logpdf(row, stats.laplace(0.1, 1.0), stats.t(3.0, 0.2, 0.5)) for row in x]
    np.testing.assert_allclose(heavy.log_prob(_t(x, dtype)).double().numpy(), expected,
                               rtol=tolerance)
    path = _series(1, (9, 2)).cumsum(0)
    cov = np.array([[1.0, 0.4], [0.4, 0.7]])
    mv = MvGaussianRandomWalk(_t([0.1, -0.1], dtype), cov=_t(cov, dtype),
                              init_dist=MvNormal(_t([0.0, 0.0], dtype), _t(np.eye(2) * 4, dtype)),
                              steps=8)
    expected = stats.multivariate_normal([0, 0], np.eye(2) * 4).logpdf(path[0]) + \
        stats.multivariate_normal([0.1, -0.1], cov).logpdf(np.diff(path, axis=0)).sum()
    np.testing.assert_allclose(float(mv.log_prob(_t(path, dtype))), expected, rtol=tolerance)


@pytest.mark.parametrize("dtype", [F64, torch.float32], ids=str)
@pytest.mark.parametrize("constant", [False, True], ids=["no-constant", "constant"])
def test_ar_against_loop(constant, dtype):
    tolerance = 1e-9 if dtype == F64 else 2e-4
    rho = np.array([0.3, 0.5, -0.2]) if constant else np.array([0.6, -0.25, 0.1])
    x = _series(2, (2, 15))
    ar = AR(_t(rho, dtype), _t([0.7, 1.1], dtype), constant=constant,
            init_dist=Normal(_t(0.5, dtype), 2.0), steps=15 - len(rho) + int(constant))
    assert ar.event_shape == (15,) and ar.batch_shape == (2,)
    expected = [ar_logpdf(row, rho, s, constant, stats.norm(0.5, 2.0))
                for row, s in zip(x, [0.7, 1.1])]
    np.testing.assert_allclose(ar.log_prob(_t(x, dtype)).double().numpy(), expected,
                               rtol=tolerance)


@pytest.mark.parametrize("dtype", [F64, torch.float32], ids=str)
def test_garch11_against_loop(dtype):
    tolerance = 1e-9 if dtype == F64 else 2e-4
    x = np.random.default_rng(3).normal(size=(2, 40)) * 0.6
    garch = GARCH11(_t([0.1, 0.05], dtype), _t(0.2, dtype), _t([0.7, 0.0], dtype), 0.5, steps=39)
    expected = [garch_logpdf(x[0], 0.1, 0.2, 0.7, 0.5), garch_logpdf(x[1], 0.05, 0.2, 0.0, 0.5)]
    np.testing.assert_allclose(garch.log_prob(_t(x, dtype)).double().numpy(), expected,
                               rtol=tolerance)


def test_garch11_long_series():
    """beta^-t overflows float64 from t ~ 4400 at beta = 0.85: the log-space form does not."""
    long = np.random.default_rng(4).normal(size=6000) * 0.5
    garch = GARCH11(_t(0.05), 0.1, 0.85, 0.4, steps=5999)
    np.testing.assert_allclose(float(garch.log_prob(_t(long))),
                               garch_logpdf(long, 0.05, 0.1, 0.85, 0.4), rtol=1e-10)


@pytest.mark.parametrize("dtype", [F64, torch.float32], ids=str)
def test_euler_maruyama_against_loop(dtype):
    tolerance = 1e-9 if dtype == F64 else 2e-4
    x = _series(5, (2, 20))
    path = EulerMaruyama(_t(0.1, dtype), _ornstein_uhlenbeck, (_t([1.0, 2.0], dtype), 0.5),
                         init_dist=Normal(_t(0.0, dtype), 1.0), steps=19)
    expected = [euler_logpdf(x[i], 0.1, theta, 0.5, stats.norm(0, 1))
                for i, theta in enumerate([1.0, 2.0])]
    np.testing.assert_allclose(path.log_prob(_t(x, dtype)).double().numpy(), expected,
                               rtol=tolerance)


def test_gradients_match_finite_differences():
    x = _t(_series(6, (2, 10)))

    def check(build, *params):
        params = [_t(p).requires_grad_(True) for p in params]
        assert torch.autograd.gradcheck(lambda *p: build(*p).log_prob(x).sum(), params,
                                        eps=1e-6, atol=1e-6)
    check(lambda mu, sigma: GaussianRandomWalk(mu, sigma, steps=9), 0.2, 0.9)
    check(lambda rho, sigma: AR(rho, sigma, constant=True, steps=8), [0.1, 0.4, -0.2], 0.8)
    check(lambda omega, alpha, beta: GARCH11(omega, alpha, beta, 0.5, steps=9), 0.1, 0.2, 0.6)
    check(lambda theta, sigma: EulerMaruyama(0.1, _ornstein_uhlenbeck, (theta, sigma), steps=9),
          1.5, 0.7)


# -- draws ---------------------------------------------------------------------------------------
def test_walk_draws_have_linear_moments():
    walk = GaussianRandomWalk(_t([0.5, -0.3]), _t([1.0, 0.5]), init_dist=Normal(_t(1.0), 2.0),
                              steps=6)
    torch.manual_seed(0)
    draws = walk.sample((4000,))
    assert draws.shape == (4000, 2, 7)
    steps = torch.arange(7, dtype=F64)
    torch.testing.assert_close(walk.mean, 1.0 + steps * _t([[0.5], [-0.3]]))
    torch.testing.assert_close(walk.variance, 4.0 + steps * _t([[1.0], [0.25]]))
    stderr = (walk.variance / 4000).sqrt()
    assert ((draws.mean(0) - walk.mean).abs() < 5 * stderr).all()
    assert ((draws.var(0) / walk.variance - 1).abs() < 0.12).all()
    mv = MvGaussianRandomWalk(_t([0.2, -0.1]), cov=_t([[1.0, 0.4], [0.4, 0.7]]), steps=4)
    draws = mv.sample((4000,))
    assert draws.shape == (4000, 5, 2)
    increments = torch.diff(draws, dim=-2).reshape(-1, 2)
    np.testing.assert_allclose(np.cov(increments.T.numpy()), [[1.0, 0.4], [0.4, 0.7]], atol=0.06)
    assert walk.rsample().requires_grad is False
    mu = _t(0.3).requires_grad_(True)
    (grad,) = torch.autograd.grad(GaussianRandomWalk(mu, 1.0, steps=3).rsample().sum(), [mu])
    assert float(grad) == pytest.approx(6.0)  # the drift enters x_t t times: 0 + 1 + 2 + 3


def _ks(values: torch.Tensor, law=stats.norm()) -> float:
    return stats.kstest(values.flatten().double().numpy(), law.cdf).pvalue


def test_ar_draws_have_normal_innovations():
    rho = _t([0.2, 0.6, -0.3])
    ar = AR(rho, 0.8, constant=True, init_dist=Normal(_t(1.0), 0.5), steps=30)
    torch.manual_seed(1)
    draws = ar.sample((300,))
    assert draws.shape == (300, 32)
    residual = draws[:, 2:] - 0.2 - 0.6 * draws[:, 1:-1] + 0.3 * draws[:, :-2]
    assert _ks(residual / 0.8) > 1e-3
    assert _ks(draws[:, :2], stats.norm(1.0, 0.5)) > 1e-3
    assert AR(_t([[0.5], [0.1]]), 1.0, steps=5).sample((4,)).shape == (4, 2, 6)


def test_garch_draws_have_normal_standardised_returns():
    garch = GARCH11(_t(0.1), 0.3, 0.6, 0.5, steps=40)
    torch.manual_seed(2)
    draws = garch.sample((200,))
    assert draws.shape == (200, 41)
    standardised = draws * torch.exp(-0.5 * garch.log_variance(draws))
    assert _ks(standardised) > 1e-3


def test_euler_maruyama_draws_have_normal_increments():
    path = EulerMaruyama(_t(0.05), _ornstein_uhlenbeck, (_t([1.0, 3.0]), 0.4),
                         init_dist=Normal(_t(0.5), 0.2), steps=30)
    torch.manual_seed(3)
    draws = path.sample((200,))
    assert draws.shape == (200, 2, 31)
    theta = _t([[1.0], [3.0]])
    previous = draws[..., :-1]
    standardised = (draws[..., 1:] - previous + 0.05 * theta * previous) / (0.4 * 0.05 ** 0.5)
    assert _ks(standardised) > 1e-3
    assert _ks(draws[..., 0], stats.norm(0.5, 0.2)) > 1e-3


def test_steps_are_required_and_checked():
    with pytest.raises(ValueError, match="steps"):
        GaussianRandomWalk(0.0, 1.0)
    with pytest.raises(ValueError, match="ar_order=2"):
        AR(_t([0.5]), 1.0, ar_order=2, steps=4)
    with pytest.raises(ValueError, match="event shapes"):
        RandomWalk(Normal(0.0, 1.0), MvNormal(torch.zeros(2), torch.eye(2)), steps=3)


# -- inside models --------------------------------------------------------------------------------
def _batch_equals_singles(model):
    function = model.logp_dlogp_function()
    torch.manual_seed(7)
    positions = 0.3 * torch.randn(3, function.size, dtype=F64)
    logp, grad = function(positions)
    assert torch.isfinite(grad).all()
    for row in range(3):
        single, single_grad = function(positions[row])
        torch.testing.assert_close(single, logp[row])
        torch.testing.assert_close(single_grad, grad[row])


def test_time_series_in_a_model_read_steps_from_data_shape_and_dims():
    walks, returns = _series(8, (2, 30)), np.random.default_rng(9).normal(size=25) * 0.4
    ar_data = _series(10, 20)
    with tb.Model(coords={"time": np.arange(12)}) as model:
        drift = tb.Normal("drift", 0.0, 1.0)
        sigma = tb.HalfNormal("sigma", 1.0)
        tb.GaussianRandomWalk("walk", mu=drift, sigma=sigma, init_dist=tb.Normal.dist(0.0, 5.0),
                              observed=walks)
        latent = tb.GaussianRandomWalk("latent", sigma=sigma,
                                       init_dist=tb.Normal.dist(drift, 1.0), shape=(3, 10))
        rho = tb.Normal("rho", 0.0, 0.5, shape=2)
        tb.AR("ar", rho, sigma, init_dist=tb.Normal.dist(0.0, 2.0), observed=ar_data)
        omega = tb.HalfNormal("omega", 0.5)
        tb.GARCH11("garch", omega=omega, alpha_1=0.2, beta_1=0.5, initial_vol=0.4,
                   observed=returns)
        tb.EulerMaruyama("sde", 0.1, _ornstein_uhlenbeck, (sigma, 0.5),
                         init_dist=tb.Normal.dist(0.0, 1.0), dims="time")
        tb.MvGaussianRandomWalk("mv", mu=tb.Normal("m", 0.0, 1.0, shape=2), cov=np.eye(2),
                                init_dist=tb.MvNormal.dist(np.zeros(2), np.eye(2)), shape=(6, 2))
    assert latent.shape == (3, 10) and model["sde"].shape == (12,) and model["mv"].shape == (6, 2)
    latent_value = _series(11, (3, 10))
    point = {"drift": 0.1, "sigma": 0.8, "rho": np.array([0.4, -0.1]), "omega": 0.1,
             "latent": latent_value, "sde": _series(12, 12), "m": np.zeros(2),
             "mv": _series(13, (6, 2)).cumsum(0)}
    terms = model.logp(point, sum=False, jacobian=False)
    np.testing.assert_allclose(float(terms["walk"]), sum(
        walk_logpdf(row, stats.norm(0, 5), stats.norm(0.1, 0.8)) for row in walks))
    np.testing.assert_allclose(float(terms["latent"]), sum(
        walk_logpdf(row, stats.norm(0.1, 1.0), stats.norm(0.0, 0.8)) for row in latent_value))
    np.testing.assert_allclose(float(terms["ar"]), ar_logpdf(
        ar_data, np.array([0.4, -0.1]), 0.8, False, stats.norm(0, 2)))
    np.testing.assert_allclose(float(terms["garch"]), garch_logpdf(returns, 0.1, 0.2, 0.5, 0.4))
    np.testing.assert_allclose(float(terms["sde"]), euler_logpdf(
        point["sde"], 0.1, 0.8, 0.5, stats.norm(0, 1)))
    _batch_equals_singles(model)
    prior = tb.sample_prior_predictive(draws=3, model=model)
    assert prior.prior["latent"].shape == (1, 3, 3, 10)
    assert prior.prior["mv"].shape == (1, 3, 6, 2)
    assert prior.prior_predictive["walk"].shape == (1, 3, 2, 30)
    assert prior.prior_predictive["ar"].shape == (1, 3, 20)
    assert prior.prior_predictive["garch"].shape == (1, 3, 25)
