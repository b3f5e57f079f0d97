"""``tb.sample``: ArviZ output, seeds, checkpoint/resume, interrupts, options, float32, batching.

Runs are tiny (a few dozen draws) except where a posterior is compared within Monte Carlo error;
module-scoped fixtures share one run between the tests that only read it.
"""
from __future__ import annotations

import io

import arviz as az
import matplotlib
import numpy as np
import pytest
import torch
from scipy import stats

import torchbayes as tb
from torchbayes.model.density import LogpDlogpFunction
from torchbayes.sampling import INIT_METHODS

matplotlib.use("Agg")

PYMC_STATS = {"diverging", "energy", "energy_error", "tree_depth", "n_steps", "step_size",
              "step_size_bar", "lp", "acceptance_rate", "max_energy_error",
              "reached_max_treedepth"}

X = np.linspace(-1.0, 1.0, 10)
Y = 1.0 + 2.0 * X + np.random.default_rng(0).normal(0.0, 0.5, 10)


def regression() -> tb.Model:
    """Linear regression with data, dims and a deterministic: every group of the output."""
    with tb.Model(coords={"obs": np.arange(10), "coef": ["intercept", "slope"]}) as model:
        x = tb.Data("x", X, dims="obs")
        beta = tb.Normal("beta", 0.0, 10.0, dims="coef")
        sigma = tb.HalfNormal("sigma", 1.0)
        mu = tb.Deterministic("mu", beta[0] + beta[1] * x, dims="obs")
        tb.Normal("y", mu, sigma, observed=Y, dims="obs")
    return model


# A conjugate pair with a known posterior: y1 ~ N(mu, 1) with mu ~ N(0, 2), and
# y2 ~ N(0, 1 / sqrt(tau)) with tau ~ Gamma(2, 2) (a positive, transformed variable).
Y1 = np.array([0.3, 1.1, 0.8, -0.2, 1.5])
Y2 = np.array([0.9, -1.4, 0.2, 2.1, -0.6, 0.4])
POSTERIOR_MU = (Y1.sum() / (1 / 4 + len(Y1)), (1 / 4 + len(Y1)) ** -0.5)          # mean, sd
_SHAPE, _RATE = 2.0 + len(Y2) / 2, 2.0 + (Y2 ** 2).sum() / 2
POSTERIOR_TAU = (_SHAPE / _RATE, _SHAPE ** 0.5 / _RATE)


def conjugate(dtype=torch.float64) -> tb.Model:
    with tb.Model(dtype=dtype) as model:
        mu = tb.Normal("mu", 0.0, 2.0)
        tau = tb.Gamma("tau", alpha=2.0, beta=2.0)
        tb.Normal("y1", mu, 1.0, observed=Y1)
        tb.Normal("y2", 0.0, tau ** -0.5, observed=Y2)
    return model


def tiny() -> tb.Model:
    with tb.Model() as model:
        mu = tb.Normal("mu", 0.0, 1.0)
        sigma = tb.HalfNormal("sigma", 1.0)
        tb.Normal("y", mu, sigma, observed=np.array([0.1, 0.5, -0.3, 0.9]))
    return model


def quiet(**kwargs):
    return dict(progressbar=False, **kwargs)


def mcse(draws, method="mean") -> float:
    """Monte Carlo standard error of a scalar variable's (chain, draw) DataArray."""
    return float(az.mcse(draws.values, method=method))


def assert_recovers(idata, name, mean_sd, z=4.0):
    """Posterior mean within ``z`` MCSE of the truth and sd within ``z`` MCSE of its sd."""
    draws = idata.posterior[name]
    mean, sd = mean_sd
    mcse_mean, mcse_sd = mcse(draws), mcse(draws, method="sd")
    assert abs(float(draws.mean()) - mean) < z * mcse_mean, (name, float(draws.mean()), mean)
    assert abs(float(draws.std()) - sd) < z * mcse_sd, (name, float(draws.std()), sd)


def same_draws(a, b) -> bool:
    return all(np.array_equal(a.posterior[v].values, b.posterior[v].values)
               for v in a.posterior.data_vars) and \
        all(np.array_equal(a.sample_stats[v].values, b.sample_stats[v].values)
            for v in a.sample_stats.data_vars)


# -------------------------------------------------------------------------------- output
@pytest.fixture(scope="module")
def reg_idata():
    model = regression()
    with model:
        idata = tb.sample(draws=100, tune=100, chains=2, random_seed=1,
                          idata_kwargs={"log_likelihood": True}, **quiet())
    return model, idata


def test_groups(reg_idata):
    _, idata = reg_idata
    assert {"posterior", "sample_stats", "observed_data", "constant_data",
            "log_likelihood"} <= set(idata.groups())
    assert "warmup_posterior" not in idata.groups()


def test_posterior_is_constrained_with_dims_and_coords(reg_idata):
    _, idata = reg_idata
    post = idata.posterior
    assert set(post.data_vars) == {"beta", "sigma", "mu"}
    assert post["beta"].dims == ("chain", "draw", "coef")
    assert list(post["coef"].values) == ["intercept", "slope"]
    assert post["mu"].dims == ("chain", "draw", "obs")
    assert post["sigma"].dims == ("chain", "draw") and post.sizes["draw"] == 100
    assert (post["sigma"] > 0).all()
    # the deterministic is recomputed from the same draws
    beta = post["beta"].values
    np.testing.assert_allclose(post["mu"].values, beta[..., :1] + beta[..., 1:] * X, rtol=1e-12)


def test_data_groups(reg_idata):
    _, idata = reg_idata
    np.testing.assert_array_equal(idata.observed_data["y"].values, Y)
    np.testing.assert_array_equal(idata.constant_data["x"].values, X)
    assert idata.observed_data["y"].dims == ("obs",) == idata.constant_data["x"].dims


def test_sample_stats_names_and_meaning(reg_idata):
    model, idata = reg_idata
    ss = idata.sample_stats
    assert PYMC_STATS <= set(ss.data_vars)
    assert ss["diverging"].dtype == bool and ss["reached_max_treedepth"].dtype == bool
    assert np.issubdtype(ss["tree_depth"].dtype, np.integer)
    assert (ss["n_steps"] >= 1).all() and (ss["n_steps"] < 2 ** (ss["tree_depth"] + 1)).all()
    # lp is the unconstrained log density (Jacobian included) at the stored draw
    post = idata.posterior
    for chain, draw in [(0, 0), (1, 57)]:
        point = {"beta": post["beta"].values[chain, draw], "sigma": post["sigma"].values[chain, draw]}
        assert float(model.logp(point)) == pytest.approx(float(ss["lp"][chain, draw]), rel=1e-10)
    # energy = -lp + kinetic energy >= -lp
    assert ((ss["energy"] + ss["lp"]) >= 0).all()
    # after tuning the step size is frozen at the dual-averaging average
    step = ss["step_size"].values
    assert (step == step[:, :1]).all() and (step == ss["step_size_bar"].values).all()


def test_attrs(reg_idata):
    _, idata = reg_idata
    attrs = idata.posterior.attrs
    assert attrs["tuning_steps"] == 100 and attrs["sampling_time"] > 0
    assert attrs["inference_library"] == "torchbayes"
    assert idata.sample_stats.attrs["sampling_time"] == attrs["sampling_time"]


def test_log_likelihood_pointwise_and_loo(reg_idata):
    _, idata = reg_idata
    post = idata.posterior
    log_lik = idata.log_likelihood["y"]
    assert log_lik.dims == ("chain", "draw", "obs")
    expected = stats.norm.logpdf(Y, post["mu"].values, post["sigma"].values[..., None])
    np.testing.assert_allclose(log_lik.values, expected, rtol=1e-10)
    with pytest.warns(UserWarning):   # 200 draws, 10 points: Pareto k and WAIC warnings
        loo, waic = az.loo(idata), az.waic(idata)
    assert np.isfinite(loo.elpd_loo) and np.isfinite(waic.elpd_waic)
    assert loo.n_data_points == 10


@pytest.mark.filterwarnings("ignore::matplotlib.MatplotlibDeprecationWarning")  # ArviZ's own
def test_arviz_functions_unchanged(reg_idata, tmp_path):
    import matplotlib.pyplot as plt

    _, idata = reg_idata
    summary = az.summary(idata, var_names=["beta", "sigma"])
    assert list(summary.index) == ["beta[intercept]", "beta[slope]", "sigma"]
    assert (summary["r_hat"] < 1.1).all()
    assert az.ess(idata)["beta"].dims == ("coef",)
    assert float(az.rhat(idata)["sigma"]) < 1.1
    assert np.isfinite(az.bfmi(idata)).all()
    axes = az.plot_trace(idata, var_names=["beta", "sigma"])
    assert axes.shape == (2, 2)
    az.plot_energy(idata)
    plt.close("all")
    idata.to_netcdf(tmp_path / "run.nc")
    back = az.from_netcdf(tmp_path / "run.nc")
    np.testing.assert_array_equal(back.posterior["beta"].values, idata.posterior["beta"].values)
    assert back.posterior.attrs["tuning_steps"] == 100


def test_log_likelihood_only_on_request():
    with tiny():
        idata = tb.sample(draws=5, tune=5, chains=1, random_seed=0, **quiet())
    assert "log_likelihood" not in idata.groups()


def test_model_subclass_as_context():
    class Location(tb.Model):
        def __init__(self):
            super().__init__()
            self.a = tb.Normal(0.0, 1.0)
            self.y = tb.Normal(self.a, 1.0, observed=torch.tensor([0.5, 1.0]))

    with Location():
        idata = tb.sample(draws=5, tune=5, chains=2, random_seed=0, **quiet())
    assert idata.posterior["a"].shape == (2, 5)


def test_axes_without_dims_get_default_names():
    with tb.Model() as model:
        tb.Normal("w", 0.0, 1.0, shape=(3, 2))
        idata = tb.sample(draws=5, tune=5, chains=2, random_seed=0, **quiet())
    assert idata.posterior["w"].dims == ("chain", "draw", "w_dim_0", "w_dim_1")
    assert idata.posterior["w"].shape == (2, 5, 3, 2)


# ------------------------------------------------------------------ seeds, resume, interrupt
RUN = dict(draws=30, tune=30, chains=3, random_seed=5, progressbar=False)


@pytest.fixture(scope="module")
def tiny_run():
    model = tiny()
    return model, tb.sample(model=model, **RUN)


def test_same_seed_same_draws(tiny_run):
    model, idata = tiny_run
    assert same_draws(idata, tb.sample(model=model, **RUN))
    other = tb.sample(model=model, **{**RUN, "random_seed": 6})
    assert not np.array_equal(other.posterior["mu"].values, idata.posterior["mu"].values)


@pytest.mark.parametrize("stop_after", [0, 17, 30, 41, 59])
def test_resume_gives_the_uninterrupted_draws(tiny_run, stop_after):
    model, idata = tiny_run
    partial, state = tb.sample(model=model, stop_after=stop_after, return_state=True, **RUN)
    assert partial.posterior.sizes["draw"] == max(stop_after - RUN["tune"], 0)
    assert state["iteration"] == stop_after
    # the checkpoint survives torch.save / torch.load
    buffer = io.BytesIO()
    torch.save(state, buffer)
    buffer.seek(0)
    resumed = tb.sample(model=model, resume=torch.load(buffer), **RUN)
    assert same_draws(resumed, idata)


def test_resume_rejects_other_settings(tiny_run):
    model, _ = tiny_run
    _, state = tb.sample(model=model, stop_after=5, return_state=True, **RUN)
    with pytest.raises(ValueError, match="tune=30"):
        tb.sample(model=model, resume=state, **{**RUN, "tune": 40})


def test_keyboard_interrupt_in_callback_returns_draws_so_far_and_resumes(tiny_run, monkeypatch):
    model, idata = tiny_run
    stop_at = RUN["tune"] + 10   # the callback runs after an iteration is committed

    class InterruptingBar(tb.mcmc.ProgressBar):
        def __call__(self, iteration, info, params):
            if iteration + 1 == stop_at:
                raise KeyboardInterrupt
            super().__call__(iteration, info, params)

    monkeypatch.setattr(tb.sampling, "ProgressBar", InterruptingBar)
    partial, state = tb.sample(model=model, return_state=True, **RUN)
    monkeypatch.undo()
    assert partial.posterior.attrs["interrupted"] == 1
    assert partial.posterior.sizes["draw"] == 10
    np.testing.assert_array_equal(partial.posterior["mu"].values,
                                  idata.posterior["mu"].values[:, :10])
    np.testing.assert_array_equal(partial.sample_stats["lp"].values,
                                  idata.sample_stats["lp"].values[:, :10])
    assert same_draws(tb.sample(model=model, resume=state, **RUN), idata)


def test_keyboard_interrupt_in_density_keeps_whole_iterations_and_resumes(tiny_run, monkeypatch):
    model, idata = tiny_run
    original = LogpDlogpFunction.__call__
    calls = []

    def counting(self, position):
        calls.append(1)
        return original(self, position)

    monkeypatch.setattr(LogpDlogpFunction, "__call__", counting)
    tb.sample(model=model, **RUN)
    total = len(calls)
    assert total > RUN["tune"] + RUN["draws"], "tb.sample no longer calls LogpDlogpFunction"

    def interrupting(self, position):
        calls.append(1)
        if len(calls) == int(0.9 * total):   # Ctrl-C in the middle of a trajectory
            raise KeyboardInterrupt
        return original(self, position)

    calls.clear()
    monkeypatch.setattr(LogpDlogpFunction, "__call__", interrupting)
    partial, state = tb.sample(model=model, return_state=True, **RUN)
    monkeypatch.undo()
    kept = partial.posterior.sizes["draw"]
    assert partial.posterior.attrs["interrupted"] == 1
    assert 0 < kept < RUN["draws"]
    # the transition that was cut short is dropped; the committed ones are the full run's
    np.testing.assert_array_equal(partial.posterior["mu"].values,
                                  idata.posterior["mu"].values[:, :kept])
    # and the state rewinds to the last committed iteration: resuming is exact
    assert same_draws(tb.sample(model=model, resume=state, **RUN), idata)


# ---------------------------------------------------------------------------------- options
def test_var_names_limits_stored_variables(reg_idata):
    model, idata = reg_idata
    with model:
        only = tb.sample(draws=100, tune=100, chains=2, random_seed=1, var_names=["mu"], **quiet())
    assert set(only.posterior.data_vars) == {"mu"}
    np.testing.assert_array_equal(only.posterior["mu"].values, idata.posterior["mu"].values)


def test_unknown_var_names_raise_before_sampling(monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("sampled before checking var_names")

    monkeypatch.setattr(tb.sampling, "run_mcmc", never)
    with pytest.raises(KeyError, match="'nope'.*it has"):
        tb.sample(model=tiny(), var_names=["mu", "nope"], **quiet())


def test_warmup_groups_when_tuned_samples_kept(tiny_run):
    model, idata = tiny_run
    full = tb.sample(model=model, discard_tuned_samples=False, **RUN)
    assert full.warmup_posterior.sizes["draw"] == RUN["tune"]
    assert PYMC_STATS <= set(full.warmup_sample_stats.data_vars)
    # keeping the warm-up does not change the randomness of the kept draws
    assert same_draws(full, idata)


@pytest.mark.parametrize("init", sorted(INIT_METHODS))
def test_every_init_method_samples(init):
    model = tiny()
    idata = tb.sample(model=model, draws=20, tune=40, chains=2, init=init, random_seed=3,
                      **quiet())
    assert idata.posterior.attrs["init"] == init
    assert np.isfinite(idata.posterior["mu"].values).all()
    assert (idata.posterior["sigma"].values > 0).all()


@pytest.mark.parametrize("init, jittered", [("adapt_diag", False), ("jitter+adapt_full", True)])
def test_initial_positions_follow_init_and_initvals(init, jittered):
    model = tiny()
    initvals = {"mu": 0.5, "sigma": 2.0}
    _, state = tb.sample(model=model, draws=5, tune=5, chains=3, init=init, initvals=initvals,
                         random_seed=0, stop_after=0, return_state=True, **quiet())
    start = state["kernel_state"]["position"]
    base = model.dict_to_array(initvals)
    offset = (start - base).abs()
    if jittered:   # PyMC's jitter: Uniform(-1, 1) on every unconstrained coordinate
        assert (offset > 0).all() and (offset < 1).all()
    else:
        assert (offset == 0).all()


def test_unknown_init_raises():
    with pytest.raises(ValueError, match="jitter\\+adapt_diag"):
        tb.sample(model=tiny(), init="advi", **quiet())


# --------------------------------------------------------------------- float32 and batching
SETTINGS = dict(draws=200, tune=150, chains=4, progressbar=False)


@pytest.fixture(scope="module")
def conjugate_float64():
    return tb.sample(model=conjugate(), random_seed=11, **SETTINGS)


def test_conjugate_posterior_recovered(conjugate_float64):
    assert_recovers(conjugate_float64, "mu", POSTERIOR_MU)
    assert_recovers(conjugate_float64, "tau", POSTERIOR_TAU)


@pytest.mark.parametrize("make", [lambda: conjugate(torch.float32), lambda: conjugate().float()],
                         ids=["dtype=float32", "model.float()"])
def test_float32_model_samples_the_same_posterior(conjugate_float64, make):
    model = make()
    assert model.dtype == torch.float32
    idata = tb.sample(model=model, random_seed=12, **SETTINGS)
    assert idata.posterior["mu"].dtype == np.float32
    assert idata.sample_stats["energy"].dtype == np.float64   # accumulators stay float64
    for name in ("mu", "tau"):
        a, b = idata.posterior[name], conjugate_float64.posterior[name]
        error = np.hypot(mcse(a), mcse(b))
        assert abs(float(a.mean()) - float(b.mean())) < 4 * error, name
        error_sd = np.hypot(mcse(a, method="sd"), mcse(b, method="sd"))
        assert abs(float(a.std()) - float(b.std())) < 4 * error_sd, name


def test_batched_chains_match_single_chain_runs_in_distribution(conjugate_float64):
    """A batch of 4 chains and 4 single-chain runs both recover the posterior; their draws
    differ because the chains share one generator (docs/guide/sampling.md, "Batching")."""
    model = conjugate()
    singles = [tb.sample(model=model, random_seed=11 + k, **{**SETTINGS, "chains": 1})
               for k in range(4)]
    stacked = az.concat(singles, dim="chain")
    assert stacked.posterior.sizes["chain"] == 4
    assert_recovers(stacked, "mu", POSTERIOR_MU)
    assert_recovers(stacked, "tau", POSTERIOR_TAU)
    batched = conjugate_float64.posterior["mu"]
    assert not np.array_equal(batched.values[0], singles[0].posterior["mu"].values[0]), \
        "batched chain 0 now equals the single-chain run: update docs/guide/sampling.md"
    error = np.hypot(mcse(batched), mcse(stacked.posterior["mu"]))
    assert abs(float(batched.mean()) - float(stacked.posterior["mu"].mean())) < 4 * error


@pytest.mark.cuda
def test_sample_on_cuda(cuda_device):
    model = conjugate()
    idata = tb.sample(model=model, device=cuda_device, random_seed=11, **SETTINGS)
    assert model.device.type == "cuda"
    assert_recovers(idata, "mu", POSTERIOR_MU)
    assert_recovers(idata, "tau", POSTERIOR_TAU)
    assert same_draws(idata, tb.sample(model=model, device=cuda_device, random_seed=11,
                                       **SETTINGS))

