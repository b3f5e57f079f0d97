"""The driver: shapes, determinism, checkpoint/resume, interrupts, mass-matrix recovery;
and the jittered initial positions."""
import io
import math
import pytest
import torch

from torchbayes.mcmc import (HMC, NUTS, InitialPointError, ProgressBar, initial_positions,
                             run_mcmc)
from torchbayes.mcmc.hmc import HMCInfo


def _gaussian(covariance):
    precision = torch.linalg.inv(covariance)

    def density(position):
        grad = -position @ precision
        return 0.5 * (position * grad).sum(-1), grad
    return density


def _diagonal_gaussian(scales):
    def density(position):
        grad = -position / scales ** 2
        return 0.5 * (position * grad).sum(-1), grad
    return density


def _run(**kwargs):
    settings = dict(tune=60, draws=40, generator=torch.Generator().manual_seed(11))
    settings.update(kwargs)
    density = settings.pop("density", _diagonal_gaussian(torch.tensor([0.5, 1.0, 3.0], dtype=torch.float64)))
    position = settings.pop("position", torch.zeros(4, 3, dtype=torch.float64))
    # Neal's step-size jitter breaks the near-periodic paths of fixed-length HMC on a Gaussian.
    kernel = settings.pop("kernel", HMC(n_steps=8, step_size_jitter=0.5))
    return run_mcmc(density, position, kernel, **settings)



@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    # Tiny batched linear algebra on a shared 2-core box: extra intra-op threads only contend
    # (30x slower measured here), so these tests run single-threaded and restore the setting.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)

# ---------------------------------------------------------------- shapes and determinism

def test_shapes_and_stats():
    result = _run(discard_tuned_samples=False)
    assert result.draws.shape == (4, 40, 3) and result.warmup_draws.shape == (4, 60, 3)
    assert result.complete and not result.interrupted and result.iteration == 100
    assert set(result.stats) == set(HMCInfo._fields) | {"step_size", "step_size_bar", "tune"}
    assert all(value.shape == (4, 40) for value in result.stats.values())
    assert all(value.shape == (4, 60) for value in result.warmup_stats.values())
    assert result.warmup_stats["tune"].all() and not result.stats["tune"].any()
    # after tuning every chain uses its final step size, the dual-averaging average
    step_size = result.stats["step_size"]
    assert (step_size == step_size[:, :1]).all()
    torch.testing.assert_close(step_size[:, 0], result.warmup_stats["step_size_bar"][:, -1])
    assert _run().warmup_draws is None


def test_store_dtype_and_float32_model():
    scales = torch.tensor([0.5, 1.0, 3.0])
    result = _run(density=_diagonal_gaussian(scales), position=torch.zeros(4, 3),
                  store_dtype=torch.float16)
    assert result.draws.dtype == torch.float16
    assert result.adaptation_state.inverse_mass_matrix.dtype == torch.float64
    assert result.adaptation_state.params.step_size.dtype == torch.float32


def test_same_seed_same_draws():
    first, second = _run(), _run()
    assert torch.equal(first.draws, second.draws)
    assert torch.equal(first.stats["step_size"], second.stats["step_size"])
    other = _run(generator=torch.Generator().manual_seed(12))
    assert not torch.equal(first.draws, other.draws)


# ---------------------------------------------------------------- checkpoints and interrupts

def _assert_same_run(resumed, full):
    assert torch.equal(resumed.draws, full.draws)
    assert torch.equal(resumed.warmup_draws, full.warmup_draws)
    for name in full.stats:
        assert torch.equal(resumed.stats[name], full.stats[name]), name
        assert torch.equal(resumed.warmup_stats[name], full.warmup_stats[name]), name
    assert torch.equal(resumed.generator_state, full.generator_state)


@pytest.mark.parametrize("stop_after", [0, 9, 30, 54, 75])
def test_resume_from_checkpoint_is_bit_identical(stop_after):
    # tune=60: windows (9, 54), so 9, 30 and 54 stop at a window start, inside it and after it
    full = _run(discard_tuned_samples=False)
    partial = _run(discard_tuned_samples=False, stop_after=stop_after)
    assert partial.iteration == stop_after and not partial.complete
    buffer = io.BytesIO()
    torch.save(partial.state_dict(), buffer)
    buffer.seek(0)
    checkpoint = torch.load(buffer, weights_only=True)
    resumed = _run(discard_tuned_samples=False, state=checkpoint,
                   generator=torch.Generator().manual_seed(999))    # reset from the checkpoint
    assert resumed.complete
    _assert_same_run(resumed, full)
    again = _run(discard_tuned_samples=False, state=checkpoint,
                 generator=torch.Generator())                       # the checkpoint is unchanged
    _assert_same_run(again, full)


def test_resume_with_other_settings_is_refused():
    checkpoint = _run(stop_after=10).state_dict()
    with pytest.raises(ValueError, match="tune=60, draws=40"):
        _run(state=checkpoint, draws=50)


def test_keyboard_interrupt_returns_partial_draws_and_resumes():
    def interrupt(iteration, info, params):
        if iteration == 70:
            raise KeyboardInterrupt
    partial = _run(callback=interrupt, discard_tuned_samples=False)
    assert partial.interrupted and not partial.complete and partial.iteration == 71
    assert partial.draws.shape == (4, 11, 3) and partial.stats["lp"].shape == (4, 11)
    full = _run(discard_tuned_samples=False)
    assert torch.equal(partial.draws, full.draws[:, :11])
    resumed = _run(state=partial.state_dict(), discard_tuned_samples=False)
    _assert_same_run(resumed, full)


def test_interrupt_inside_a_step_rewinds_the_generator():
    class Interrupting(HMC):
        def step(self, state, params, density, generator):
            if int(state.position.abs().sum() * 1e6) % 7 == 3:    # some step, deterministically
                torch.randn(100, generator=generator)              # randomness already consumed
                raise KeyboardInterrupt
            return super().step(state, params, density, generator)
    settings = dict(discard_tuned_samples=False)
    partial = _run(kernel=Interrupting(n_steps=8, step_size_jitter=0.5), **settings)
    assert partial.interrupted and 0 < partial.iteration < 100
    resumed = _run(state=partial.state_dict(), **settings)
    _assert_same_run(resumed, _run(**settings))


def test_progress_bar_callback():
    with ProgressBar(tune=60, draws=40, chains=4, refresh_seconds=0.0, disable=False) as bar:
        result = _run(callback=bar)
        assert bar._bar.n == 100
    assert result.complete


# ---------------------------------------------------------------- adaptation recovers the metric

def test_diag_adaptation_recovers_variances():
    scales = torch.logspace(-1, 1, 6, dtype=torch.float64)                 # 0.1 ... 10
    position = torch.randn(16, 6, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    result = _run(density=_diagonal_gaussian(scales), position=position, tune=600, draws=0)
    log_ratio = (result.adaptation_state.inverse_mass_matrix / scales ** 2).log()    # (16, 6)
    # The last window (250, 550) has 300 draws per chain, but this HMC's effective sample size
    # for x^2 is ~90 per chain (measured with arviz), so sd(log var) ~ sqrt(2 / 90) = 0.15 per
    # chain and ~0.04 for the mean of 16 chains: bounds at ~4.5 sd.
    assert log_ratio.abs().max() < 0.7
    assert log_ratio.mean(0).abs().max() < 0.2
    assert result.stats["acceptance_rate"].numel() == 0


def test_fisher_adaptation_recovers_variances():
    scales = torch.logspace(-1, 1, 6, dtype=torch.float64)
    position = torch.randn(8, 6, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    result = _run(density=_diagonal_gaussian(scales), position=position, tune=200, draws=0,
                  metric="fisher")
    # For a Gaussian sqrt(var(x) / var(grad)) is the variance exactly, whatever the draws.
    torch.testing.assert_close(result.adaptation_state.inverse_mass_matrix,
                               (scales ** 2).expand(8, 6), rtol=1e-8, atol=0.0)


# (dim, per-chain bound, 16-chain-mean bound) in units of sqrt((d + 1) / 300), the Frobenius
# relative error of a covariance from the last window's 300 independent draws. This HMC's
# effective sample size for second moments is far below 300 (about n / 6 for the correlated
# 2-d case), and adaptation inside the window biases it slightly low; over 5 seeds the largest
# errors were (4.6, 1.1) for d = 2 and (1.8, 0.4) for d = 10.
@pytest.mark.parametrize("dim, chain_bound, mean_bound", [(2, 6.5, 1.8), (10, 3.0, 0.8)])
def test_dense_adaptation_recovers_covariance(dim, chain_bound, mean_bound):
    generator = torch.Generator().manual_seed(dim)
    if dim == 2:
        covariance = torch.tensor([[1.0, 0.9 * 3.0], [0.9 * 3.0, 9.0]], dtype=torch.float64)
    else:
        basis, _ = torch.linalg.qr(torch.randn(dim, dim, generator=generator, dtype=torch.float64))
        covariance = basis @ torch.diag(torch.logspace(-0.5, 0.7, dim, dtype=torch.float64)) @ basis.T
    position = torch.randn(16, dim, generator=generator, dtype=torch.float64)
    result = _run(density=_gaussian(covariance), position=position, tune=600, draws=0,
                  metric="dense", generator=generator)
    estimate = result.adaptation_state.inverse_mass_matrix                    # (16, d, d)
    norm = torch.linalg.matrix_norm(covariance)
    error = torch.linalg.matrix_norm(estimate - covariance) / norm
    mean_error = torch.linalg.matrix_norm(estimate.mean(0) - covariance) / norm
    scale = math.sqrt((dim + 1) / 300)
    assert error.max() < chain_bound * scale and mean_error < mean_bound * scale


# ---------------------------------------------------------------- initial positions

def test_initial_positions_jitter_and_retry():
    calls = []

    def density(position):          # finite only where the first coordinate is positive
        calls.append(position.clone())
        logp = torch.where(position[:, 0] > 0, -0.5 * (position ** 2).sum(-1), float("-inf"))
        return logp, -position
    generator = torch.Generator().manual_seed(3)
    base = torch.tensor([0.5, 2.0], dtype=torch.float64)
    position = initial_positions(density, base, 16, True, generator)
    assert position.shape == (16, 2) and (position[:, 0] > 0).all()
    assert ((position - base).abs() <= 1).all() and len(calls) > 1
    # chains that were fine at the first try never move
    first_good = calls[0][:, 0] > 0
    assert torch.equal(position[first_good], calls[0][first_good])


def test_initial_positions_without_jitter_and_error():
    density = lambda position: (-0.5 * (position ** 2).sum(-1), -position)
    position = initial_positions(density, torch.ones(3), 2, False, None)
    assert torch.equal(position, torch.ones(2, 3))

    def broken(position):
        grad = -position.clone()
        grad[:, 1] = float("nan")
        return -0.5 * (position ** 2).sum(-1), grad
    with pytest.raises(InitialPointError, match="non-finite log density after 5 jittered tries") as error:
        initial_positions(broken, torch.zeros(3), 2, True, torch.Generator().manual_seed(0), max_tries=5)
    assert error.value.chains == [0, 1] and error.value.coordinates == [1]


# ---------------------------------------------------------------- with the library's NUTS

@pytest.mark.parametrize("metric", ["diag", "dense", "fisher"])
def test_nuts_run_resumes_bit_identical(metric):
    settings = dict(tune=30, draws=10, kernel=NUTS(max_treedepth=6), metric=metric,
                    position=torch.zeros(2, 3, dtype=torch.float64))
    full = _run(**settings)
    partial = _run(stop_after=25, **settings)
    resumed = _run(state=partial.state_dict(), **settings)
    assert torch.equal(resumed.draws, full.draws)
    assert torch.equal(resumed.stats["tree_depth"], full.stats["tree_depth"])
    assert full.stats["step_size"].dtype == torch.float64
