"""Integrators checked against physics: the harmonic oscillator."""
from __future__ import annotations

import pytest
import torch

from torchbayes.mcmc.hamiltonian.integrators import LEAPFROG, MCLACHLAN, integrate, leapfrog
from torchbayes.mcmc.hamiltonian.metrics import kinetic_energy, velocity

F64 = torch.float64


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    # tiny tensors: intra-op threads only add contention on a shared box
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def oscillator(stiffness: torch.Tensor):
    """Potential ``k x^2 / 2`` per coordinate: ``logp = -sum k x^2 / 2``."""
    def density(x):
        return -0.5 * (stiffness * x * x).sum(-1), -stiffness * x
    return density


def energy(density, inverse_mass_matrix, x, p):
    return kinetic_energy(p, velocity(inverse_mass_matrix, p)) - density(x)[0]


def max_energy_error(step, coefficients, total_time=3.0):
    density = oscillator(torch.tensor([1.0, 4.0], dtype=F64))
    inv_mass = torch.tensor([[1.0, 0.5]], dtype=F64)
    x, p = torch.tensor([[1.0, -0.5]], dtype=F64), torch.tensor([[0.3, 1.0]], dtype=F64)
    g = density(x)[1]
    h0 = energy(density, inv_mass, x, p)
    worst = 0.0
    for _ in range(round(total_time / step)):
        x, p, g, _ = integrate(x, p, g, torch.full((1, 1), step, dtype=F64), inv_mass,
                               density, coefficients)
        worst = max(worst, (energy(density, inv_mass, x, p) - h0).abs().item())
    return worst


@pytest.mark.parametrize("coefficients", [LEAPFROG, MCLACHLAN])
def test_energy_error_is_second_order(coefficients):
    coarse, fine = max_energy_error(0.1, coefficients), max_energy_error(0.05, coefficients)
    assert 0 < fine < coarse
    assert coarse / fine == pytest.approx(4.0, rel=0.15)


def test_exact_oscillator_phase():
    # leapfrog on x'' = -x has the exact modified frequency cos(w h) = 1 - h^2 / 2
    density = oscillator(torch.ones(1, dtype=F64))
    h, n = 0.1, 50
    x, p = torch.ones(1, 1, dtype=F64), torch.zeros(1, 1, dtype=F64)
    out = integrate(x, p, -x, torch.full((n, 1), h, dtype=F64), torch.ones(1, 1, dtype=F64),
                    density)
    omega = torch.arccos(torch.tensor(1 - h * h / 2, dtype=F64)) / h
    assert out[0].item() == pytest.approx(torch.cos(omega * h * n).item(), abs=1e-12)


@pytest.mark.parametrize("dense", [False, True])
def test_time_reversible(dense):
    density = oscillator(torch.tensor([1.0, 9.0, 0.3], dtype=F64))
    inv_mass = torch.tensor([[1.0, 0.2, 2.0]], dtype=F64)
    if dense:
        inv_mass = torch.diag_embed(inv_mass) + 0.05
    x = torch.tensor([[0.5, -1.0, 2.0]], dtype=F64)
    p = torch.tensor([[1.0, 0.1, -0.4]], dtype=F64)
    steps = torch.full((40, 1), 0.07, dtype=F64)
    x1, p1, g1, _ = integrate(x, p, density(x)[1], steps, inv_mass, density)
    x2, p2, _, _ = integrate(x1, -p1, g1, steps, inv_mass, density)
    torch.testing.assert_close(x2, x, rtol=0, atol=1e-12)
    torch.testing.assert_close(-p2, p, rtol=0, atol=1e-12)
    # a negative step integrates backwards in time
    x3, p3, _, _ = integrate(x1, p1, g1, -steps, inv_mass, density)
    torch.testing.assert_close(x3, x, rtol=0, atol=1e-12)


@pytest.mark.parametrize("dense", [False, True])
def test_batch_equals_stacked_single_runs(dense):
    chains, d = 5, 3
    gen = torch.Generator().manual_seed(0)
    stiffness = torch.tensor([1.0, 3.0, 0.5], dtype=F64)
    density = oscillator(stiffness)
    x = torch.randn(chains, d, generator=gen, dtype=F64)
    p = torch.randn(chains, d, generator=gen, dtype=F64)
    inv_mass = torch.rand(chains, d, generator=gen, dtype=F64) + 0.5
    if dense:
        a = torch.randn(chains, d, d, generator=gen, dtype=F64) * 0.3
        inv_mass = torch.diag_embed(inv_mass) + a @ a.mT
    steps = (torch.rand(7, chains, generator=gen, dtype=F64) - 0.3) * 0.2
    batch = integrate(x, p, density(x)[1], steps, inv_mass, density)
    for c in range(chains):
        single = integrate(x[c:c + 1], p[c:c + 1], density(x[c:c + 1])[1], steps[:, c:c + 1],
                           inv_mass[c:c + 1], density)
        for b, s in zip(batch, single):
            torch.testing.assert_close(b[c:c + 1], s, rtol=1e-13, atol=1e-13)


def test_zero_step_stays_put_and_leapfrog_matches_integrate():
    density = oscillator(torch.ones(2, dtype=F64))
    x = torch.tensor([[1.0, 2.0], [0.5, -1.0]], dtype=F64)
    p = torch.tensor([[0.1, 0.2], [0.3, 0.4]], dtype=F64)
    steps = torch.tensor([[0.1, 0.0]], dtype=F64)
    inv_mass = torch.ones(2, 2, dtype=F64)
    out = integrate(x, p, -x, steps, inv_mass, density)
    torch.testing.assert_close(out[0][1], x[1], rtol=0, atol=0)
    torch.testing.assert_close(out[1][1], p[1], rtol=0, atol=0)
    step = steps.T
    single = leapfrog(x, p, -x, step, 0.5 * step, inv_mass, density)
    for a, b in zip(out, single):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
