"""Models are nn.Modules (DESIGN.md §1): parameters, state_dict, dtype and device, nesting,
a differentiable ``log_prob`` for torch optimisers; PyMC's books, coords, observed data and
data containers."""
import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

import torchbayes as tb

SCHOOL_Y = np.array([28.0, 8, -3, 7, -1, 1, 18, 12])
SCHOOL_SIGMA = np.array([15.0, 10, 16, 11, 9, 11, 10, 18])


def eight_schools():
    with tb.Model(coords={"school": pd.Index(list("abcdefgh"), name="school")}) as model:
        mu = tb.Normal("mu", 0.0, 5.0)
        tau = tb.HalfCauchy("tau", 5.0)
        theta = tb.Normal("theta", mu, tau, dims="school")
        tb.Normal("y", mu=theta, sigma=SCHOOL_SIGMA, observed=SCHOOL_Y, dims="school")
    return model


def _points(size, chains=3, dtype=torch.float64):
    generator = torch.Generator().manual_seed(7)
    return torch.randn(chains, size, generator=generator, dtype=torch.float64).to(dtype)


# -- nn.Module behaviour --------------------------------------------------------------------------
def test_parameters_are_the_unconstrained_values():
    model = eight_schools()
    names = [name for name, _ in model.named_parameters()]
    assert names == ["mu.unconstrained", "tau.unconstrained", "theta.unconstrained"]
    assert all(p.dtype == torch.float64 and p.requires_grad for p in model.parameters())
    assert model.theta.unconstrained.shape == (8,)


def test_state_dict_round_trip():
    model = eight_schools()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(0.25)
    state = model.state_dict()
    assert set(state) == {"mu.unconstrained", "tau.unconstrained", "theta.unconstrained",
                          "y.observed"}
    fresh = eight_schools()
    assert not torch.equal(fresh.theta.unconstrained, model.theta.unconstrained)
    fresh.load_state_dict(state)
    for key, value in fresh.state_dict().items():
        torch.testing.assert_close(value, state[key])
    torch.testing.assert_close(fresh.log_prob(), model.log_prob())
    np.testing.assert_allclose(fresh.initial_point()["tau"], np.exp(0.25))


def test_float_then_the_density_runs_in_float32():
    model = eight_schools()
    points = _points(10)
    logp64, grad64 = model.logp_dlogp_function()(points)
    assert model.float() is model
    assert model.dtype == torch.float32
    assert all(t.dtype == torch.float32 for t in [*model.parameters(), *model.buffers()]
               if t.is_floating_point())
    logp32, grad32 = model.logp_dlogp_function()(points.float())
    assert logp32.dtype == grad32.dtype == torch.float32
    torch.testing.assert_close(logp32, logp64.float(), rtol=1e-5, atol=1e-4)
    torch.testing.assert_close(grad32, grad64.float(), rtol=1e-4, atol=1e-4)
    assert model.log_prob().dtype == torch.float32
    assert model.logp({"mu": 0.0, "tau": 1.0, "theta": np.zeros(8)}).dtype == torch.float32
    model.double()
    assert model.dtype == torch.float64
    torch.testing.assert_close(model.logp_dlogp_function()(points)[0], logp64)


def test_constants_follow_the_model_dtype():
    data = torch.linspace(-1, 1, 5, dtype=torch.float64)
    with tb.Model() as model:
        w = tb.Normal("w", 0.0, 1.0)
        tb.Potential("pull", -((data * w - 0.3) ** 2).sum())       # a float64 tensor constant
        tb.Normal("y", mu=np.arange(5.0) @ np.ones(5) * w, sigma=2.0, observed=1.0)
    expected = model.logp_dlogp_function()(_points(1))[0]
    model.float()
    logp, grad = model.logp_dlogp_function()(_points(1, dtype=torch.float32))
    assert logp.dtype == grad.dtype == torch.float32
    torch.testing.assert_close(logp, expected.float())


def test_a_float32_model_accepts_numpy_data():
    x = np.random.default_rng(0).normal(size=(6, 2))
    with tb.Model(dtype=torch.float32) as model:
        w = tb.Normal("w", 0.0, 1.0, shape=2)
        tb.Normal("y", mu=x @ w, sigma=1.0, observed=np.zeros(6))
    assert model.dtype == torch.float32
    logp, grad = model.logp_dlogp_function()(_points(2, dtype=torch.float32))
    assert logp.dtype == grad.dtype == torch.float32


def test_float64_by_default_and_the_global_default_untouched():
    before = torch.get_default_dtype()
    model = eight_schools()
    model.logp_dlogp_function()(_points(10))
    model.float().double()
    assert model.dtype == torch.float64
    assert tb.logp(model.mu, 0.5).dtype == torch.float64
    assert torch.get_default_dtype() == before == torch.float32


def test_to_device():
    model = eight_schools()
    assert model.to("cpu") is model
    assert model.device == torch.device("cpu")
    assert model.logp_dlogp_function()(_points(10))[0].device.type == "cpu"


def test_model_inside_a_module():
    class Wrapper(nn.Module):
        def __init__(self):
            super().__init__()
            self.head = nn.Linear(2, 1)
            self.model = eight_schools()

    wrapper = Wrapper().double()
    names = [name for name, _ in wrapper.named_parameters()]
    assert names == ["head.weight", "head.bias", "model.mu.unconstrained",
                     "model.tau.unconstrained", "model.theta.unconstrained"]
    assert "model.y.observed" in wrapper.state_dict()
    loss = -wrapper.model.log_prob() + wrapper.head(torch.ones(2, dtype=torch.float64)).sum()
    loss.backward()
    assert wrapper.model.theta.unconstrained.grad is not None
    assert wrapper.head.weight.grad is not None


class NetworkRegression(tb.Model):
    def __init__(self, d):
        super().__init__()
        self.w = tb.Normal(0.0, 1.0, shape=d)
        self.sigma = tb.HalfNormal(1.0)
        self.net = nn.Linear(d, d)          # ordinary parameters: trained, not sampled

    def forward(self, X, y=None):
        return tb.Normal("y", mu=self.net(X) @ self.w, sigma=self.sigma, observed=y)


def test_module_inside_a_model_forward():
    torch.manual_seed(0)
    X = torch.randn(10, 3, dtype=torch.float64)
    y = torch.randn(10, dtype=torch.float64)
    model = NetworkRegression(3).double().bind(X, y)
    assert [rv.name for rv in model.free_RVs] == ["w", "sigma"]
    assert [rv.name for rv in model.observed_RVs] == ["y"]
    names = {name for name, _ in model.named_parameters()}
    assert names == {"w.unconstrained", "sigma.unconstrained", "net.weight", "net.bias"}
    function = model.logp_dlogp_function()
    assert function.size == 4
    points = _points(4)
    logp, grad = function(points)
    for row, u in enumerate(points):
        w, sigma = u[:3], u[3].exp()
        mean = model.net(X).detach() @ w
        expected = (torch.distributions.Normal(0.0, 1.0).log_prob(w).sum()
                    + torch.distributions.HalfNormal(1.0).log_prob(sigma) + u[3]
                    + torch.distributions.Normal(mean, sigma).log_prob(y).sum())
        torch.testing.assert_close(logp[row], expected)
    # log_prob is differentiable w.r.t. the network's parameters too
    model.log_prob().backward()
    assert model.net.weight.grad is not None and model.w.unconstrained.grad is not None


def test_log_prob_is_differentiable_and_equals_logp_with_jacobian():
    model = eight_schools()
    with torch.no_grad():
        model.tau.unconstrained.fill_(0.5)
        model.theta.unconstrained.copy_(torch.linspace(-1, 1, 8))
    log_prob = model.log_prob()
    assert log_prob.requires_grad
    (grad_tau,) = torch.autograd.grad(log_prob, model.tau.unconstrained)
    u = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
    logp, grad = model.logp_dlogp_function()(u)
    torch.testing.assert_close(log_prob.detach(), logp)
    torch.testing.assert_close(grad_tau.reshape(1), grad[1:2])
    point = {rv.name: rv.value.detach() for rv in model.free_RVs}
    torch.testing.assert_close(log_prob.detach(), model.logp(point))


def _lbfgs(model, steps=3):
    optimizer = torch.optim.LBFGS(model.parameters(), lr=1.0, max_iter=100,
                                  tolerance_grad=1e-12, tolerance_change=1e-14,
                                  line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = -model.log_prob()
        loss.backward()
        return loss
    for _ in range(steps):
        optimizer.step(closure)


def test_map_of_a_conjugate_normal_lands_on_the_analytic_mode():
    y = np.array([2.1, 3.4, 1.7, 2.9, 4.0, 2.2])
    prior_mu, prior_sigma, sigma = 1.0, 2.0, 1.5
    with tb.Model() as model:
        mu = tb.Normal("mu", prior_mu, prior_sigma)       # real: no Jacobian moves the mode
        tb.Normal("y", mu=mu, sigma=sigma, observed=y)
    _lbfgs(model)
    precision = 1 / prior_sigma ** 2 + len(y) / sigma ** 2
    mode = (prior_mu / prior_sigma ** 2 + y.sum() / sigma ** 2) / precision
    assert float(mu.value.detach()) == pytest.approx(mode, abs=1e-8)


def test_map_of_a_positive_variable_includes_the_jacobian():
    # Gamma(a, b) prior, Poisson counts: the posterior is Gamma(a + sum y, b + n). log_prob is
    # the density of log(lam), which adds log(lam): its mode is (a + sum y) / (b + n), one more
    # than the constrained mode's (a + sum y - 1) / (b + n).
    counts = np.array([3, 0, 2, 5, 1, 4])
    a, b = 2.0, 1.0
    with tb.Model() as model:
        lam = tb.Gamma("lam", alpha=a, beta=b)
        tb.Poisson("k", mu=lam, observed=counts)
    _lbfgs(model)
    assert float(lam.value.detach()) == pytest.approx((a + counts.sum()) / (b + len(counts)), abs=1e-8)


# -- PyMC's books, coords, observed data, data containers ------------------------------------------
def test_books():
    with tb.Model() as model:
        x = tb.Data("x", np.array([1.0, 2.0, 3.0]))
        mu = tb.Normal("mu", 0.0, 1.0)
        sigma = tb.HalfNormal("sigma", 2.0)
        p = tb.Dirichlet("p", a=np.ones(3))
        mean = tb.Deterministic("mean", mu + x * (p @ np.arange(3.0)))
        tb.Potential("pull", -(mu ** 2))
        tb.Normal("y", mu=mean, sigma=sigma, observed=np.array([0.5, 1.5, 2.5]))
    assert list(model.named_vars) == ["x", "mu", "sigma", "p", "mean", "pull", "y"]
    assert [v.name for v in model.free_RVs] == ["mu", "sigma", "p"]
    assert [v.name for v in model.observed_RVs] == ["y"]
    assert [v.name for v in model.basic_RVs] == ["mu", "sigma", "p", "y"]
    assert [v.name for v in model.deterministics] == ["mean"]
    assert [v.name for v in model.potentials] == ["pull"]
    assert [v.name for v in model.data_vars] == ["x"]
    assert model["mu"] is mu
    start = model.initial_point()
    assert set(start) == {"mu", "sigma", "p"}
    assert all(isinstance(value, np.ndarray) for value in start.values())
    np.testing.assert_allclose(start["mu"], 0.0)
    np.testing.assert_allclose(start["sigma"], 2.0 * np.sqrt(2 / np.pi))   # the mean
    np.testing.assert_allclose(start["p"], np.ones(3) / 3)
    assert np.isfinite(float(model.logp(start)))
    with pytest.raises(KeyError, match='no variable "nope"'):
        model["nope"]


def test_initval_sets_the_initial_point():
    with tb.Model() as model:
        tb.HalfNormal("s", 1.0, initval=3.0)
        tb.Normal("x", 0.0, 1.0, shape=2, initval=[1.0, -1.0])
    start = model.initial_point()
    np.testing.assert_allclose(start["s"], 3.0)
    np.testing.assert_allclose(start["x"], [1.0, -1.0])
    torch.testing.assert_close(model.s.unconstrained.detach(),
                               torch.tensor(np.log(3.0), dtype=torch.float64))


def test_coords_and_dims_with_pandas():
    frame = pd.DataFrame({"x1": [1.0, 2.0, 3.0], "x2": [0.5, 0.1, -0.2]},
                         index=pd.Index(["a", "b", "c"], name="obs"))
    with tb.Model(coords={"obs": frame.index, "feature": frame.columns}) as model:
        x = tb.Data("x", frame, dims=("obs", "feature"))
        w = tb.Normal("w", 0.0, 1.0, dims="feature")
        tb.Normal("y", mu=x @ w, sigma=1.0, observed=pd.Series([1.0, 2.0, 3.0]), dims="obs")
    assert model.coords == {"obs": ["a", "b", "c"], "feature": ["x1", "x2"]}
    assert w.shape == (2,) and w.dims == ("feature",)
    assert model["y"].dims == ("obs",)
    model.add_coord("extra", pd.Index([10, 20]))
    assert model.coords["extra"] == [10, 20]


@pytest.mark.parametrize("observed", [
    np.array([1.0, 2.0, 4.0]), torch.tensor([1.0, 2.0, 4.0]), pd.Series([1.0, 2.0, 4.0]),
    [1.0, 2.0, 4.0], np.array([1, 2, 4]), torch.tensor([1.0, 2.0, 4.0], dtype=torch.float32),
], ids=["numpy", "torch", "pandas", "list", "numpy_int", "torch_float32"])
def test_observed_from_numpy_torch_pandas(observed):
    with tb.Model() as model:
        mu = tb.Normal("mu", 0.0, 1.0)
        y = tb.Normal("y", mu=mu, sigma=2.0, observed=observed)
    assert y.observed.dtype == torch.float64
    torch.testing.assert_close(y.observed, torch.tensor([1.0, 2.0, 4.0], dtype=torch.float64))
    expected = -0.5 * 0.25 + sum(-0.5 * ((v - 0.5) / 2.0) ** 2 - np.log(2.0)
                                 for v in (1.0, 2.0, 4.0)) - 2.0 * np.log(2 * np.pi)
    assert float(model.logp({"mu": 0.5})) == pytest.approx(expected, rel=1e-12)


def test_observed_counts_from_pandas():
    counts = pd.Series([0, 3, 1], dtype="int64")
    with tb.Model() as model:
        lam = tb.Exponential("lam", 1.0)
        tb.Poisson("k", mu=lam, observed=counts)
    expected = -2.0 + sum(k * np.log(2.0) - 2.0 - np.log(float(np.prod(range(1, k + 1))))
                          for k in (0, 3, 1))
    assert float(model.logp({"lam": 2.0}, jacobian=False)) == pytest.approx(expected, rel=1e-12)


def test_observed_data_is_copied():
    data = np.array([1.0, 2.0])
    with tb.Model():
        y = tb.Normal("y", 0.0, 1.0, observed=data)
    data[0] = 100.0
    assert float(y.observed[0]) == 1.0


def _regression_with_data(x, y):
    with tb.Model() as model:
        data_x = tb.Data("x", x)
        data_y = tb.Data("y_obs", y)
        w = tb.Normal("w", 0.0, 1.0)
        # the likelihood written on data containers, so that both can change length
        tb.Potential("likelihood", (-0.5 * (data_y - w * data_x) ** 2).sum())
    return model


def test_set_data_then_the_density_is_rebuilt():
    model = _regression_with_data([1.0, 2.0, 3.0], [1.0, 2.1, 2.9])
    u = torch.tensor([[0.5], [1.5]], dtype=torch.float64)

    def expected(x, y, w):
        return -0.5 * w ** 2 - 0.5 * np.log(2 * np.pi) - 0.5 * ((y - w * x) ** 2).sum()
    x_new, y_new = np.linspace(0, 4, 5), np.array([0.1, 1.2, 1.9, 3.2, 3.9])
    tb.set_data({"x": x_new, "y_obs": y_new}, model=model)
    assert model["x"].shape == (5,)
    logp, grad = model.logp_dlogp_function()(u)
    for row, w in enumerate((0.5, 1.5)):
        assert float(logp[row]) == pytest.approx(expected(x_new, y_new, w), rel=1e-12)
        assert float(grad[row, 0]) == pytest.approx(-w + (x_new * (y_new - w * x_new)).sum(),
                                                    rel=1e-12)


def test_set_data_of_the_same_shape_reaches_a_built_function():
    model = _regression_with_data([1.0, 2.0, 3.0], [1.0, 2.1, 2.9])
    function = model.logp_dlogp_function()
    u = torch.tensor([1.0], dtype=torch.float64)
    before = function(u)[0]
    with model:
        tb.set_data({"y_obs": [2.0, 4.2, 5.8]})
    after = function(u)[0]
    torch.testing.assert_close(after, model.logp_dlogp_function()(u)[0])
    assert float(after) != float(before)


def test_set_data_names_an_unknown_container():
    model = _regression_with_data([1.0], [1.0])
    with pytest.raises(KeyError, match='"w" is not a tb.Data container'):
        tb.set_data({"w": [1.0]}, model=model)


def test_forward_networks_follow_the_variables_dtype():
    """DESIGN §1's Regression: an nn.Linear made in float32 runs in the float64 model."""
    class Regression(tb.Model):
        def __init__(self, d):
            super().__init__()
            self.w = tb.Normal(0.0, 1.0, shape=d)
            self.sigma = tb.HalfNormal(1.0)
            self.net = torch.nn.Linear(d, d)

        def forward(self, X, y=None):
            return tb.Normal("y", mu=self.net(X) @ self.w, sigma=self.sigma, observed=y)

    X = torch.randn(20, 3, dtype=torch.float64)
    model = Regression(3)
    logp = model.log_prob(X, X.sum(1))
    assert logp.dtype == torch.float64 and model.net.weight.dtype == torch.float64
    assert torch.isfinite(logp)
