"""Step methods one at a time: tuning rules, proposals, each sampler alone on targets with a
known answer (a correlated Gaussian, small discrete distributions), bookkeeping."""
from __future__ import annotations

import itertools
import math
from types import SimpleNamespace

import arviz as az
import numpy as np
import pytest
import torch

import torchbayes as tb
from torchbayes.mcmc.step_methods import (BinaryGibbsMetropolis, BinaryMetropolis, BlockDensity,
                                          CategoricalGibbsMetropolis, CauchyProposal,
                                          DEMetropolisZ, LaplaceProposal, Metropolis,
                                          MultivariateNormalProposal, NormalProposal,
                                          PoissonProposal, Slice, StepBlock, UniformProposal,
                                          tune_scale)
from torchbayes.mcmc.step_methods.de_metropolis import DEMetropolisZTuning
from torchbayes.mcmc.step_methods.tuning import ScaleTuning

F64 = torch.float64


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _ess(values: np.ndarray) -> float:
    return float(values.size) if np.all(values == values.flat[0]) else float(az.ess(values))


def assert_mean(draws: np.ndarray, exact: float, z: float = 5.0):
    se = draws.std() / math.sqrt(_ess(draws))
    assert abs(draws.mean() - exact) < z * se, (draws.mean(), exact, se)


def assert_frequencies(draws: np.ndarray, probabilities: dict, z: float = 5.0):
    """``draws`` (chain, draw, ...) of a discrete vector; ``probabilities`` maps each state (a
    tuple) to its exact probability."""
    states = draws.reshape(draws.shape[0], draws.shape[1], -1)
    for state, p in probabilities.items():
        indicator = np.all(states == np.array(state), axis=-1).astype(float)
        se = math.sqrt(max(p * (1 - p), 1e-4) / _ess(indicator))
        assert abs(indicator.mean() - p) < z * se + 2e-3, (state, indicator.mean(), p, se)


# ------------------------------------------------------------------ tuning and proposals

def _pymc_tune(scale, rate):
    # pymc/step_methods/metropolis.py::tune, transcribed
    return scale * np.where(rate < 0.001, 0.1, np.where(rate < 0.05, 0.5, np.where(
        rate < 0.2, 0.9, np.where(rate > 0.95, 10.0, np.where(rate > 0.75, 2.0, np.where(
            rate > 0.5, 1.1, 1.0))))))


def test_tune_scale_is_pymcs_table():
    rates = np.array([0.0, 0.0009, 0.001, 0.03, 0.05, 0.1, 0.2, 0.35, 0.5, 0.6, 0.75, 0.8,
                      0.95, 0.99, 1.0])
    np.testing.assert_allclose(tune_scale(torch.full((15,), 2.0, dtype=F64),
                                          torch.as_tensor(rates)).numpy(), _pymc_tune(2.0, rates))


def test_scale_tuning_acts_every_interval_during_warm_up_only():
    tuning = ScaleTuning(tune=250, tune_interval=100, scaling=1.0)
    step = SimpleNamespace(position=torch.zeros(2, 3, dtype=F64),
                           accepted=torch.ones(2, 1, dtype=F64))
    state = tuning.init(step)
    changed = []
    for i in range(400):
        new = tuning.update(state, step, None, i)
        if not torch.equal(new.scaling, state.scaling):
            changed.append(i)
        if i >= 250:
            assert new is state          # nothing moves after warm-up
        state = new
    assert changed == [99, 199]          # PyMC tunes before steps 100 and 200, not 300
    assert torch.all(state.scaling == 100.0)


@pytest.mark.parametrize("proposal, variance", [
    (NormalProposal(2.0), 4.0), (UniformProposal(2.0), 4.0 / 3), (LaplaceProposal(2.0), 8.0),
    (PoissonProposal(3.0), 3.0)])
def test_proposals_are_centred_with_their_variance(proposal, variance):
    deviates = proposal.sample(torch.zeros(200_000, 1, dtype=F64),
                               torch.Generator().manual_seed(0))
    assert abs(float(deviates.mean())) < 5 * math.sqrt(variance / 200_000)
    assert abs(float(deviates.var()) / variance - 1) < 0.03
    if isinstance(proposal, PoissonProposal):          # integer and symmetric
        assert torch.equal(deviates, deviates.round())
        assert abs(float((deviates > 0).double().mean() - (deviates < 0).double().mean())) < 0.01


def test_cauchy_and_multivariate_normal_proposals():
    g = torch.Generator().manual_seed(1)
    cauchy = CauchyProposal(0.5).sample(torch.zeros(100_000, 1, dtype=F64), g)
    assert abs(float(cauchy.abs().median()) - 0.5) < 0.01      # the scale is the median |x|
    covariance = torch.tensor([[2.0, 0.6], [0.6, 1.0]], dtype=F64)
    draws = MultivariateNormalProposal(covariance).sample(torch.zeros(100_000, 2, dtype=F64), g)
    np.testing.assert_allclose(np.cov(draws.numpy().T), covariance.numpy(), atol=0.03)


# ------------------------------------------------------------------ continuous targets alone

_MEAN = np.array([1.0, -1.0])
_COV = np.array([[1.0, 0.8], [0.8, 1.0]])


def _gaussian_model():
    with tb.Model() as model:
        tb.MvNormal("x", mu=torch.as_tensor(_MEAN), cov=torch.as_tensor(_COV))
    return model


@pytest.mark.parametrize("step, sizes", [
    (lambda: Metropolis(), (300, 150)),
    (lambda: Metropolis(blocked=True, S=_COV), (300, 150)),
    (lambda: Slice(), (100, 80)),
    (lambda: DEMetropolisZ(), (400, 150)),
], ids=["metropolis", "metropolis-blocked-mvnormal", "slice", "demetropolisz"])
def test_step_method_alone_on_a_correlated_gaussian(step, sizes):
    tune, draws = sizes
    idata = tb.sample(draws=draws, tune=tune, chains=32, step=step(), random_seed=7,
                      progressbar=False, model=_gaussian_model())
    x = idata.posterior["x"].values
    for i in range(2):
        assert_mean(x[..., i], _MEAN[i])
    # second moments: the (co)variance estimate's standard error is about sqrt(2 / ess) of it
    centred = x - _MEAN
    for (i, j) in [(0, 0), (1, 1), (0, 1)]:
        product = centred[..., i] * centred[..., j]
        assert_mean(product, _COV[i, j])
    assert "lp" in idata.sample_stats


def test_slice_statistics_and_iteration_limit():
    idata = tb.sample(draws=5, tune=5, chains=4, step=Slice(), random_seed=1,
                      progressbar=False, model=_gaussian_model())
    assert idata.sample_stats["nstep_in"].dtype == np.int64
    assert (idata.sample_stats["nstep_out"].values >= 0).all()
    flat = lambda x: (torch.zeros(x.shape[0], dtype=x.dtype), torch.zeros_like(x))
    step = Slice(iter_limit=3)
    state = step.init(torch.zeros(2, 1, dtype=F64), flat)
    with pytest.raises(RuntimeError, match="max slicer iters 3"):
        step.step(state, SimpleNamespace(width=torch.ones(2, 1, dtype=F64)), flat,
                  torch.Generator().manual_seed(0))


# ------------------------------------------------------------------ discrete targets alone

def test_binary_metropolis_on_independent_bernoullis():
    p = np.array([0.2, 0.7, 0.5])
    with tb.Model() as model:
        tb.Bernoulli("z", p=torch.as_tensor(p))
    idata = tb.sample(draws=200, tune=200, chains=32, step=BinaryMetropolis(["z"]),
                      random_seed=3, progressbar=False, model=model)
    z = idata.posterior["z"].values
    assert z.dtype == np.int64
    for i in range(3):
        assert_mean(z[..., i].astype(float), p[i])
    assert set(idata.sample_stats) == {"lp", "accept", "p_jump"}


def test_binary_gibbs_on_a_coupled_pair():
    p, coupling = np.array([0.3, 0.6]), 1.5
    with tb.Model() as model:
        z = tb.Bernoulli("z", p=torch.as_tensor(p))
        tb.Potential("coupling", coupling * z[0] * z[1])
    idata = tb.sample(draws=200, tune=50, chains=32, step=BinaryGibbsMetropolis(["z"]),
                      random_seed=4, progressbar=False, model=model)
    weights = {s: np.prod(np.where(s, p, 1 - p)) * math.exp(coupling * s[0] * s[1])
               for s in itertools.product((0, 1), repeat=2)}
    total = sum(weights.values())
    assert_frequencies(idata.posterior["z"].values, {s: w / total for s, w in weights.items()})


def test_categorical_proportional_is_exact():
    # Liu's ratio (1 - pi_i) / (1 - pi_j); PyMC divides by 1 - pi_j / (1 - pi_i) instead, whose
    # chain settles on (0.48, 0.41, 0.11) for this target.
    p = np.array([0.6, 0.3, 0.1])
    with tb.Model() as model:
        tb.Categorical("k", p=torch.as_tensor(p), shape=2)
    idata = tb.sample(draws=300, tune=0, chains=32, random_seed=5, progressbar=False,
                      step=CategoricalGibbsMetropolis(["k"], proposal="proportional"), model=model)
    k = idata.posterior["k"].values
    assert_frequencies(k, {s: p[s[0]] * p[s[1]] for s in itertools.product(range(3), repeat=2)})


class _CountingDensity:
    def __init__(self, logits):
        self.logits, self.calls, self.rows = logits, 0, 0

    def logp(self, position):
        self.calls += 1
        self.rows += position.shape[0]
        return self.logits[position.long()].sum(-1)

    def __call__(self, position):
        return self.logp(position), torch.zeros_like(position)


def test_categorical_gibbs_evaluates_all_categories_in_one_call_per_coordinate():
    counting = _CountingDensity(torch.log(torch.tensor([0.1, 0.2, 0.3, 0.4], dtype=F64)))
    block = StepBlock(torch.arange(3), torch.ones(3, dtype=torch.bool),
                      torch.full((3,), 4), False, ("k",))
    step = CategoricalGibbsMetropolis(["k"]).bind(block, ["k"])
    density = BlockDensity(counting, torch.zeros(5, 3, dtype=F64), block.indices)
    state = step.init(torch.zeros(5, 3, dtype=F64), density)
    counting.calls = counting.rows = 0
    counts = torch.zeros(4)
    g = torch.Generator().manual_seed(2)
    for _ in range(400):
        state, _ = step.step(state, None, density, g)
        counts += torch.bincount(state.position.long().flatten(), minlength=4)
    # one call per coordinate, with every category of every chain as its rows
    assert counting.calls == 400 * 3 and counting.rows == 400 * 3 * 4 * 5
    np.testing.assert_allclose((counts / counts.sum()).numpy(), [0.1, 0.2, 0.3, 0.4], atol=0.02)


def test_metropolis_on_a_count_with_a_poisson_proposal():
    rate = 3.5
    with tb.Model() as model:
        tb.Poisson("n", mu=rate)
    idata = tb.sample(draws=300, tune=200, chains=32, random_seed=6, progressbar=False,
                      step=Metropolis(["n"], proposal_dist=PoissonProposal), model=model)
    n = idata.posterior["n"].values
    assert n.dtype == np.int64 and n.min() >= 0
    assert_mean(n.astype(float), rate)
    assert_mean((n == 3).astype(float), math.exp(-rate) * rate ** 3 / 6)


# ------------------------------------------------------------------ bookkeeping

def test_de_metropolis_history_drops_warm_up_and_grows():
    tuning = DEMetropolisZTuning(tune=10, tune_interval=100, scaling=0.001, lamb=None,
                                 tune_target="scaling", tune_drop_fraction=0.9)
    kernel_state = SimpleNamespace(position=torch.zeros(2, 1, dtype=F64),
                                   accepted=torch.zeros(2, 1, dtype=F64))
    state = tuning.init(kernel_state)
    assert float(state.params.lamb[0]) == pytest.approx(2.38 / math.sqrt(2))
    for i in range(80):
        kernel_state.position = torch.full((2, 1), float(i), dtype=F64)
        state = tuning.update(state, kernel_state, None, i)
        count = int(state.params.count[0])
        history = state.params.history[0, :count, 0].tolist()
        if i == 9:                       # warm-up over: 90% of the 10 positions dropped
            assert history == [9.0]
    assert history == [9.0] + [float(i) for i in range(10, 80)] and count == 71
    assert state.history.shape[1] >= 71


def test_same_seed_same_draws():
    settings = dict(draws=20, tune=20, chains=4, random_seed=9, progressbar=False,
                    step=DEMetropolisZ())
    a = tb.sample(model=_gaussian_model(), **settings)
    b = tb.sample(model=_gaussian_model(), **settings)
    np.testing.assert_array_equal(a.posterior["x"].values, b.posterior["x"].values)
