"""Adaptation schemes: dual averaging, Welford, Fisher diagonal, schedules, WindowAdaptation."""
import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from torchbayes.mcmc.adaptation import (
    WindowAdaptation, dual_averaging_final, dual_averaging_init, dual_averaging_update,
    fisher_final, fisher_init, fisher_initial_inverse_mass_matrix, fisher_schedule,
    fisher_switch, fisher_update, schedule_windows, stan_schedule, welford_final, welford_init,
    welford_pool, welford_update)



@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    # Tiny batched linear algebra on a shared 2-core box: extra intra-op threads only contend
    # (30x slower measured here), so these tests run single-threaded and restore the setting.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)

# ---------------------------------------------------------------- dual averaging

def _hmc_transition(position, step_size, generator, n_steps=5):
    """Unit-metric HMC on a standard normal; returns the new position and acceptance prob."""
    momentum = torch.randn(position.shape, generator=generator, dtype=position.dtype)
    energy = 0.5 * (position ** 2).sum(-1) + 0.5 * (momentum ** 2).sum(-1)
    q, p, eps = position, momentum, step_size[:, None]
    p = p - 0.5 * eps * q
    for step in range(n_steps):
        q = q + eps * p
        p = p - (eps if step < n_steps - 1 else 0.5 * eps) * q
    new_energy = 0.5 * (q ** 2).sum(-1) + 0.5 * (p ** 2).sum(-1)
    accept_prob = torch.exp(energy - new_energy).clamp(max=1.0).nan_to_num(0.0)
    accept = torch.rand(accept_prob.shape, generator=generator, dtype=position.dtype) < accept_prob
    return torch.where(accept[:, None], q, position), accept_prob


def test_dual_averaging_reaches_target_acceptance():
    generator = torch.Generator().manual_seed(0)
    chains, dim, target = 16, 10, 0.8
    position = torch.randn(chains, dim, generator=generator, dtype=torch.float64)
    da = dual_averaging_init(torch.full((chains,), 1.0))
    for _ in range(400):
        position, accept_prob = _hmc_transition(position, da.log_step_size.exp(), generator)
        da = dual_averaging_update(da, accept_prob, target)
    step_size = dual_averaging_final(da)
    accepts = []
    for _ in range(300):
        position, accept_prob = _hmc_transition(position, step_size, generator)
        accepts.append(accept_prob)
    accepts = torch.stack(accepts)                       # (300, C), nearly independent draws
    mcse = accepts.std() / math.sqrt(accepts.numel())
    # Dual averaging converges to the right step size only up to the noise of x_bar; allow
    # 0.05 on the acceptance plus 4 Monte Carlo standard errors.
    assert abs(accepts.mean().item() - target) < 0.05 + 4 * mcse.item()
    assert step_size.dtype == torch.float64 and step_size.shape == (chains,)


def test_dual_averaging_treats_nan_as_rejection_and_clips():
    da = dual_averaging_init(torch.ones(3))
    nan = dual_averaging_update(da, torch.tensor([float("nan"), 0.0, 2.0]))
    assert nan.log_step_size[0] == nan.log_step_size[1]
    assert nan.log_step_size[2] == dual_averaging_update(da, torch.ones(3)).log_step_size[2]


def test_dual_averaging_float32_input_stays_float64():
    da = dual_averaging_update(dual_averaging_init(torch.ones(2, dtype=torch.float32)),
                               torch.full((2,), 0.5, dtype=torch.float32))
    assert all(field.dtype == torch.float64 for field in da)


# ---------------------------------------------------------------- Welford

@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_welford_matches_numpy(dtype):
    rng = np.random.default_rng(1)
    values = rng.normal(3.0, [0.5, 2.0, 7.0], size=(4, 200, 3)) * 1.0
    diag, dense = welford_init(4, 3), welford_init(4, 3, dense=True)
    for n in range(200):
        row = torch.as_tensor(values[:, n], dtype=dtype)
        diag, dense = welford_update(diag, row), welford_update(dense, row)
    reference = values.astype(np.float32 if dtype == torch.float32 else np.float64).astype(np.float64)
    var = welford_final(diag, regularize=False)
    cov = welford_final(dense, regularize=False)
    np.testing.assert_allclose(var.numpy(), reference.var(axis=1, ddof=1), rtol=1e-10)
    for chain in range(4):
        np.testing.assert_allclose(cov[chain].numpy(), np.cov(reference[chain].T), rtol=1e-10,
                                   atol=1e-12)
    assert var.dtype == torch.float64


def test_welford_regularisation_is_stans():
    values = torch.randn(2, 30, 2, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    diag, dense = welford_init(2, 2), welford_init(2, 2, dense=True)
    for n in range(30):
        diag, dense = welford_update(diag, values[:, n]), welford_update(dense, values[:, n])
    n = 30.0
    expected = (n / (n + 5)) * values.var(dim=1) + 1e-3 * 5 / (n + 5)
    torch.testing.assert_close(welford_final(diag), expected)
    raw = welford_final(dense, regularize=False)
    expected_dense = (n / (n + 5)) * raw + 1e-3 * 5 / (n + 5) * torch.eye(2, dtype=torch.float64)
    torch.testing.assert_close(welford_final(dense), expected_dense)


def test_welford_mask_skips_chains():
    state = welford_init(2, 1)
    state = welford_update(state, torch.tensor([[1.0], [1.0]]))
    state = welford_update(state, torch.tensor([[3.0], [float("nan")]]), mask=torch.tensor([True, False]))
    assert state.count.tolist() == [2.0, 1.0]
    assert state.mean.flatten().tolist() == [2.0, 1.0]


# ---------------------------------------------------------------- Fisher

def test_fisher_recovers_gaussian_scales_exactly():
    generator = torch.Generator().manual_seed(3)
    scales = torch.tensor([0.01, 0.3, 1.0, 20.0], dtype=torch.float64)
    draws = torch.randn(5, 50, 4, generator=generator, dtype=torch.float64) * scales + 1.5
    grads = -(draws - 1.5) / scales ** 2
    state = fisher_init(draws[:, 0], grads[:, 0])
    for n in range(1, 50):
        state = fisher_update(state, draws[:, n], grads[:, n])
    estimate = fisher_final(state, torch.ones(5, 4, dtype=torch.float64))
    torch.testing.assert_close(estimate, (scales ** 2).expand(5, 4), rtol=1e-9, atol=0.0)


def test_fisher_float32_and_masking():
    scales = torch.tensor([0.5, 4.0])
    draws = torch.randn(3, 40, 2, generator=torch.Generator().manual_seed(4)) * scales
    grads = -draws / scales ** 2
    grads[1, 7] = float("nan")
    state = fisher_init(draws[:, 0], grads[:, 0])
    for n in range(1, 40):
        good = torch.isfinite(grads[:, n]).all(-1)
        state = fisher_update(state, draws[:, n], grads[:, n], good)
    estimate = fisher_final(state, torch.ones(3, 2, dtype=torch.float64))
    assert state.draws.count.tolist() == [40.0, 39.0, 40.0]
    torch.testing.assert_close(estimate, (scales.double() ** 2).expand(3, 2), rtol=1e-4, atol=0.0)


def test_fisher_switch_and_small_count_keep_previous():
    state = fisher_init(torch.zeros(2, 2), torch.ones(2, 2))
    previous = torch.full((2, 2), 7.0, dtype=torch.float64)
    assert torch.equal(fisher_final(state, previous), previous)       # one draw: no estimate
    switched = fisher_switch(fisher_update(state, torch.ones(2, 2), torch.zeros(2, 2)))
    assert switched.draws.count.tolist() == [2.0, 2.0]
    assert switched.background_draws.count.tolist() == [0.0, 0.0]
    initial = fisher_initial_inverse_mass_matrix(torch.tensor([[4.0, float("inf"), 0.0]]))
    assert initial.tolist() == [[0.25, 1.0, 1.0]]


# ---------------------------------------------------------------- schedules

def test_stan_schedule_default_windows():
    schedule = stan_schedule(1000)
    assert schedule_windows(schedule) == [(75, 100), (100, 150), (150, 250), (250, 450), (450, 950)]
    assert not schedule.slow[:75].any() and schedule.slow[75:950].all() and not schedule.slow[950:].any()


@pytest.mark.parametrize("tune", [20, 50, 100, 149, 150, 151, 175, 200, 333, 500, 2000])
def test_stan_schedule_is_sane(tune):
    schedule = stan_schedule(tune)
    windows = schedule_windows(schedule)
    assert windows, "a schedule of 20 or more iterations has a slow window"
    slow = torch.nonzero(schedule.slow).flatten()
    assert windows[0][0] == slow[0] > 0 and windows[-1][1] == slow[-1] + 1 < tune
    assert all(a[1] == b[0] for a, b in zip(windows, windows[1:]))        # contiguous
    assert all(stop - start >= min(25, windows[0][1] - windows[0][0]) for start, stop in windows)
    if tune < 150:     # Stan's 15% / 75% / 10% split
        assert windows == [(int(0.15 * tune), tune - int(0.10 * tune))]


def test_stan_schedule_short_tune_has_no_windows():
    assert not stan_schedule(19).slow.any() and not stan_schedule(0).window_end.any()


def test_fisher_schedule_shape():
    schedule = fisher_schedule(1000)
    ends = torch.nonzero(schedule.window_end).flatten().tolist()
    assert int(schedule.slow.sum()) == 850 and not schedule.slow[850:].any()
    assert ends[:3] == [8, 18, 28] and all(b - a == 80 for a, b in zip(ends[30:], ends[31:]))
    assert ends[-1] + 80 <= 850
    assert int(fisher_schedule(10).slow.sum()) == 9


# ---------------------------------------------------------------- WindowAdaptation

def _fake_transition(position, scales=1.0, accept=0.9):
    chains = position.shape[0]
    kernel_state = SimpleNamespace(position=position, logp_grad=-position / scales ** 2)
    info = SimpleNamespace(acceptance_rate=torch.full((chains,), accept, dtype=position.dtype),
                           diverging=torch.zeros(chains, dtype=torch.bool))
    return kernel_state, info


@pytest.mark.parametrize("metric", ["diag", "dense", "fisher"])
def test_window_adaptation_runs_its_schedule(metric):
    tune, chains, dim = 200, 3, 2
    adaptation = WindowAdaptation(tune, metric=metric)
    generator = torch.Generator().manual_seed(5)
    position = torch.randn(chains, dim, generator=generator, dtype=torch.float32)
    state = adaptation.init(_fake_transition(position)[0])
    assert state.params.step_size.dtype == torch.float32
    assert torch.allclose(state.params.step_size, torch.tensor(0.25 / dim ** 0.25))
    ends = set(torch.nonzero(adaptation.schedule.window_end).flatten().tolist())
    for iteration in range(tune + 5):
        scales = torch.tensor([0.5, 3.0])
        position = torch.randn(chains, dim, generator=generator) * scales
        before = state
        state = adaptation.update(state, *_fake_transition(position, scales), iteration)
        if iteration in ends and metric != "fisher":
            assert state.dual_averaging.count.eq(0).all()                # restarted, like Stan
            assert not torch.equal(state.inverse_mass_matrix, before.inverse_mass_matrix)
        if iteration == tune - 1:
            torch.testing.assert_close(state.params.step_size.double(),
                                       state.dual_averaging.log_step_size_bar.exp().float().double())
        if iteration >= tune:
            assert state is before
    assert state.params.inverse_mass_matrix.dtype == torch.float32
    diagonal = state.inverse_mass_matrix.diagonal(dim1=-2, dim2=-1) if metric == "dense" \
        else state.inverse_mass_matrix
    assert (diagonal[:, 1] > diagonal[:, 0]).all()


def test_window_adaptation_rejects_unknown_metric():
    with pytest.raises(ValueError, match="metric"):
        WindowAdaptation(100, metric="full")


def test_pooled_moments_equal_those_of_all_draws_together():
    """Chan's parallel combination: pooling C chains' Welford states equals one pass over all
    their draws (diagonal and dense), and every chain gets the pooled estimate."""
    generator = torch.Generator().manual_seed(7)
    draws = torch.randn(4, 30, 3, generator=generator, dtype=torch.float64) * torch.tensor(
        [1.0, 2.0, 0.5], dtype=torch.float64) + torch.arange(4, dtype=torch.float64)[:, None, None]
    everything = draws.reshape(-1, 3).numpy()
    for dense in (False, True):
        state = welford_init(4, 3, dense=dense)
        for i in range(30):
            state = welford_update(state, draws[:, i])
        pooled = welford_final(welford_pool(state), regularize=False)
        expected = np.cov(everything, rowvar=False) if dense else everything.var(0, ddof=1)
        for chain in range(4):
            np.testing.assert_allclose(pooled[chain].numpy(), expected, rtol=1e-12)


def test_dense_adaptation_pools_chains_by_default():
    assert WindowAdaptation(100, metric="dense").pool_chains
    assert not WindowAdaptation(100, metric="diag").pool_chains
    assert not WindowAdaptation(100, metric="dense", pool_chains=False).pool_chains
