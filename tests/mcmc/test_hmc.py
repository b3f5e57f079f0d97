"""HMC: posterior moments, acceptance, divergence, masking, reproducibility."""
from __future__ import annotations

import math

import pytest
import torch

from torchbayes.mcmc.hamiltonian.metrics import HMCParams
from torchbayes.mcmc.hmc import HMC

F64 = torch.float64


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    # tiny tensors: intra-op threads only add contention on a shared box
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def gaussian(scale):
    def density(x):
        z = x / scale
        return -0.5 * (z * z).sum(-1), -z / scale
    return density


def run(kernel, density, params, chains, d, n, seed, start=None):
    g = torch.Generator().manual_seed(seed)
    position = torch.zeros(chains, d, dtype=F64) if start is None else start
    state = kernel.init(position, density)
    draws, infos = [], []
    for _ in range(n):
        state, info = kernel.step(state, params, density, g)
        draws.append(state.position)
        infos.append(info)
    return torch.stack(draws), {f: torch.stack([getattr(i, f) for i in infos])
                                for f in infos[0]._fields}


def assert_moments(draws, mean, var, n_sigma=5.0):
    chains = draws.shape[1]
    for estimate, truth in ((draws.mean(0), mean), (draws.var(0), var)):
        mcse = estimate.std(0) / math.sqrt(chains)
        assert torch.all((estimate.mean(0) - truth).abs() < n_sigma * mcse), (estimate, truth)


@pytest.mark.parametrize("kernel", [HMC(n_steps=7), HMC(path_length=1.7, step_size_jitter=0.2)])
def test_diagonal_gaussian_moments(kernel):
    chains, d = 16, 4
    scale = torch.tensor([0.5, 1.0, 2.0, 4.0], dtype=F64)
    params = HMCParams(torch.full((chains,), 0.3, dtype=F64), (scale ** 2).expand(chains, d))
    draws, stats = run(kernel, gaussian(scale), params, chains, d, 300, seed=0)
    assert_moments(draws[30:], torch.zeros(d, dtype=F64), scale ** 2)
    assert stats["acceptance_rate"].mean() > 0.9
    assert not stats["diverging"].any()


def test_dense_metric_correlated_gaussian():
    chains = 16
    cov = torch.tensor([[1.0, 0.9], [0.9, 1.0]], dtype=F64)
    precision = torch.linalg.inv(cov)

    def density(x):
        g = -x @ precision
        return 0.5 * (x * g).sum(-1), g

    params = HMCParams(torch.full((chains,), 0.4, dtype=F64), cov.expand(chains, 2, 2))
    draws, _ = run(HMC(path_length=1.5, step_size_jitter=0.1), density, params, chains, 2,
                   300, seed=1)
    assert_moments(draws[30:], torch.zeros(2, dtype=F64), cov.diagonal())


def test_acceptance_rate_is_metropolis_probability():
    density = gaussian(torch.ones(3, dtype=F64))
    params = HMCParams(torch.full((64,), 1.2, dtype=F64), torch.ones(64, 3, dtype=F64))
    _, stats = run(HMC(n_steps=5), density, params, 64, 3, 40, seed=2)
    rate = stats["acceptance_rate"]
    expected = (-stats["energy_error"]).clamp(max=0).exp()
    torch.testing.assert_close(rate, expected)
    # the fraction accepted estimates the mean acceptance probability
    accepted = stats["accepted"].double().mean()
    assert abs(accepted - rate.mean()) < 4 * math.sqrt(0.25 / rate.numel())


def test_path_length_gives_per_chain_step_counts():
    chains = 3
    density = gaussian(torch.ones(2, dtype=F64))
    params = HMCParams(torch.tensor([0.1, 0.25, 3.0], dtype=F64), torch.ones(chains, 2,
                                                                               dtype=F64))
    _, stats = run(HMC(path_length=1.0), density, params, chains, 2, 3, seed=3)
    assert stats["n_steps"][0].tolist() == [10, 4, 1]


def test_divergence_rejects_and_nothing_propagates():
    d = 2

    def density(x):
        lp = -0.5 * (x * x).sum(-1)
        wall = x[:, 0] > 0.5
        return torch.where(wall, -torch.inf, lp), torch.where(wall[:, None], torch.nan, -x)

    params = HMCParams(torch.tensor([0.3, 0.3, 500.0], dtype=F64), torch.ones(3, d, dtype=F64))
    start = torch.tensor([[0.45, 0.0], [0.0, 0.0], [0.0, 0.1]], dtype=F64)
    draws, stats = run(HMC(n_steps=4), density, params, 3, d, 40, seed=4, start=start)
    assert torch.isfinite(draws).all() and torch.all(draws[..., 0] <= 0.5)
    assert stats["diverging"][:, 2].all() and not stats["accepted"][:, 2].any()
    assert torch.equal(draws[:, 2], start[2].expand(40, d))
    for key in ("acceptance_rate", "energy", "lp"):
        assert not stats[key].isnan().any()


def test_same_seed_same_draws():
    density = gaussian(torch.ones(3, dtype=F64))
    params = HMCParams(torch.full((4,), 0.3, dtype=F64), torch.ones(4, 3, dtype=F64))
    kernel = HMC(path_length=1.0, step_size_jitter=0.3)
    a, _ = run(kernel, density, params, 4, 3, 10, seed=5)
    b, _ = run(kernel, density, params, 4, 3, 10, seed=5)
    assert torch.equal(a, b)


def test_settings_are_validated():
    with pytest.raises(ValueError, match="exactly one"):
        HMC()
    with pytest.raises(ValueError, match="jitter"):
        HMC(n_steps=3, step_size_jitter=1.5)
