"""NUTS: exactness against Stan's recursion, posterior moments, statistics, syncs."""
from __future__ import annotations

import math
from unittest import mock

import numpy as np
import pytest
import torch

from torchbayes.mcmc.hamiltonian.metrics import HMCParams, sample_momentum
from torchbayes.mcmc.nuts import NUTS

F64 = torch.float64


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    # tiny tensors: intra-op threads only add contention on a shared box
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def gaussian(scale: torch.Tensor):
    """Independent normals with standard deviations ``scale`` (d,)."""
    def density(x):
        z = x / scale
        return -0.5 * (z * z).sum(-1), -z / scale
    return density


def correlated_gaussian(cov: torch.Tensor):
    precision = torch.linalg.inv(cov)

    def density(x):
        g = -x @ precision
        return 0.5 * (x * g).sum(-1), g
    return density


def run(kernel, density, params, chains, d, n, seed, dtype=F64):
    g = torch.Generator().manual_seed(seed)
    state = kernel.init(torch.zeros(chains, d, dtype=dtype), density)
    draws, infos = [], []
    for _ in range(n):
        state, info = kernel.step(state, params, density, g)
        draws.append(state.position)
        infos.append(info)
    stats = {f: torch.stack([getattr(i, f) for i in infos]) for f in infos[0]._fields}
    return torch.stack(draws), stats


def assert_moments(draws, mean, var, n_sigma=5.0):
    """Compare per-chain means (independent chains) with MCSE from their spread."""
    chain_mean = draws.mean(0)                              # (C, d)
    chain_var = draws.var(0)
    chains = draws.shape[1]
    for estimate, truth in ((chain_mean, mean), (chain_var, var)):
        centre = estimate.mean(0)
        mcse = estimate.std(0) / math.sqrt(chains)
        assert torch.all((centre - truth).abs() < n_sigma * mcse + 1e-12), (centre, truth, mcse)


# ---------------------------------------------------------------------------------------
# Stan's recursive NUTS in numpy (base_nuts.hpp, multinomial, 2.26 extra checks), one
# chain at a time, sharing the kernel's momentum and directions: the tree it builds is
# deterministic given those, so depth, leapfrog count, acceptance sum and divergence match.

def stan_tree_statistics(x0, p0, forward, eps, inv_mass, logp_grad, max_depth, max_dh):
    def leapfrog(x, p, g, h):
        p = p + 0.5 * h * g
        x = x + h * inv_mass * p
        lp, g = logp_grad(x)
        return x, p + 0.5 * h * g, g, lp

    lp0, g0 = logp_grad(x0)
    H0 = -lp0 + 0.5 * p0 @ (inv_mass * p0)
    tally = {"n": 0, "acc": 0.0, "div": False}

    def crit(ps_minus, ps_plus, rho):
        return ps_plus @ rho > 0 and ps_minus @ rho > 0

    def build(depth, z, sign):
        if depth == 0:
            x, p, g, lp = leapfrog(*z, sign * eps)
            tally["n"] += 1
            h = -lp + 0.5 * p @ (inv_mass * p)
            if np.isnan(h):
                h = np.inf
            if h - H0 > max_dh:
                tally["div"] = True
            tally["acc"] += 1.0 if H0 - h > 0 else np.exp(H0 - h)
            ps = inv_mass * p
            return not tally["div"], (x, p, g), p.copy(), ps, ps, p, p
        ok, z, rho_i, ps_beg, ps_iend, p_beg, p_iend = build(depth - 1, z, sign)
        if not ok:
            return False, z, None, None, None, None, None
        ok, z, rho_f, ps_fbeg, ps_end, p_fbeg, p_end = build(depth - 1, z, sign)
        if not ok:
            return False, z, None, None, None, None, None
        rho = rho_i + rho_f
        persist = crit(ps_beg, ps_end, rho)
        persist &= crit(ps_beg, ps_fbeg, rho_i + p_fbeg)
        persist &= crit(ps_iend, ps_end, rho_f + p_iend)
        return persist, z, rho, ps_beg, ps_end, p_beg, p_end

    ps0 = inv_mass * p0
    left = right = (x0, p0, g0)
    ends = {"left": (p0, ps0), "right": (p0, ps0)}
    rho, depth = p0.copy(), 0
    while depth < max_depth:
        fwd = forward[depth]
        start = right if fwd else left
        ok, z, rho_s, ps_beg, ps_end, p_beg, p_end = build(depth, start, 1 if fwd else -1)
        if not ok:
            break
        depth += 1
        far_p, far_ps = ends["left" if fwd else "right"]
        near_p, near_ps = ends["right" if fwd else "left"]
        persist = crit(far_ps, ps_end, rho + rho_s)
        persist &= crit(far_ps, ps_beg, rho + p_beg)
        persist &= crit(near_ps, ps_end, rho_s + near_p)
        rho = rho + rho_s
        if fwd:
            right, ends["right"] = z, (p_end, ps_end)
        else:
            left, ends["left"] = z, (p_end, ps_end)
        if not persist:
            break
    return depth, tally["n"], tally["acc"] / tally["n"], tally["div"]


def kernel_draws(generator, inverse_mass_matrix, position, max_depth):
    """The momentum and directions NUTS.step draws first, from a copy of the generator."""
    g = torch.Generator().manual_seed(0)
    g.set_state(generator.get_state())
    momentum = sample_momentum(inverse_mass_matrix, position, g)
    forward = torch.rand((2, max_depth, position.shape[0]), generator=g, dtype=F64)[0] < 0.5
    return momentum, forward


@pytest.mark.parametrize("block_size, compact", [(1, None), (4, None), (16, None), (4, 1)])
@pytest.mark.parametrize("step", [0.05, 0.6, 3.0])
def test_matches_stan_recursion(block_size, compact, step):
    chains, d, max_depth = 24, 3, 7
    scale = torch.tensor([1.0, 2.0, 0.5], dtype=F64)
    density = gaussian(scale)
    inv_mass = torch.tensor([1.0, 3.0, 0.5], dtype=F64).expand(chains, d)
    step_size = step * torch.linspace(0.5, 1.5, chains, dtype=F64)
    generator = torch.Generator().manual_seed(3)
    position = torch.randn(chains, d, generator=generator, dtype=F64)
    momentum, forward = kernel_draws(generator, inv_mass, position, max_depth)

    kernel = NUTS(max_treedepth=max_depth, block_size=block_size, max_energy_error=10.0,
                  compact_min_chains=compact)
    state = kernel.init(position, density)
    _, info = kernel.step(state, HMCParams(step_size, inv_mass), density, generator)

    def logp_grad(x):
        lp, g = density(torch.from_numpy(x)[None])
        return lp[0].item(), g[0].numpy()

    for c in range(chains):
        depth, n, acc, div = stan_tree_statistics(
            position[c].numpy(), momentum[c].numpy(), forward[:, c].tolist(),
            step_size[c].item(), inv_mass[c].numpy(), logp_grad, max_depth, 10.0)
        assert info.tree_depth[c].item() == depth, c
        assert info.n_steps[c].item() == n, c
        assert info.acceptance_rate[c].item() == pytest.approx(acc, rel=1e-9, abs=1e-12), c
        assert info.diverging[c].item() == div, c


@pytest.mark.parametrize("compact", [None, 1])
def test_diagonal_gaussian_moments(compact):
    # compact=1: the building chains are gathered whenever half of them have finished
    chains, d = 16, 5
    scale = torch.arange(1, d + 1, dtype=F64)
    params = HMCParams(torch.full((chains,), 0.8, dtype=F64), (scale ** 2).expand(chains, d))
    kernel = NUTS(compact_min_chains=compact)
    draws, stats = run(kernel, gaussian(scale), params, chains, d, 300, seed=0)
    assert_moments(draws[50:], torch.zeros(d, dtype=F64), scale ** 2)
    assert not stats["diverging"].any()
    assert 0.6 < stats["acceptance_rate"].mean() < 1.0


def test_dense_metric_correlated_gaussian():
    chains = 16
    cov = torch.tensor([[1.0, 0.95], [0.95, 1.0]], dtype=F64)
    params = HMCParams(torch.full((chains,), 0.9, dtype=F64), cov.expand(chains, 2, 2))
    draws, stats = run(NUTS(), correlated_gaussian(cov), params, chains, 2, 300, seed=1)
    assert_moments(draws[50:], torch.zeros(2, dtype=F64), cov.diagonal())
    products = (draws[50:, :, 0] * draws[50:, :, 1]).mean(0)
    assert abs(products.mean() - 0.95) < 5 * products.std() / math.sqrt(chains)
    # a matched dense metric makes the target isotropic: short trees
    assert stats["tree_depth"].double().mean() < 3


def test_depth_and_step_counts_consistent():
    chains, d, max_depth = 32, 4, 6
    scale = torch.tensor([0.3, 1.0, 3.0, 10.0], dtype=F64)
    step = torch.logspace(-2, 0.5, chains, dtype=F64)
    params = HMCParams(step, torch.ones(chains, d, dtype=F64))
    _, stats = run(NUTS(max_treedepth=max_depth), gaussian(scale), params, chains, d, 20, seed=2)
    depth, n = stats["tree_depth"], stats["n_steps"]
    # 2^depth - 1 accepted leapfrogs, plus at most a rejected subtree of 2^depth
    assert torch.all(n >= 2 ** depth - 1) and torch.all(n <= 2 ** (depth + 1) - 1)
    full = stats["reached_max_treedepth"]
    assert torch.equal(full, depth == max_depth)
    assert torch.all(n[full] == 2 ** max_depth - 1)
    assert full[:, 0].all()          # the smallest step needs the deepest trees
    assert torch.all((stats["acceptance_rate"] >= 0) & (stats["acceptance_rate"] <= 1))


def test_huge_step_size_diverges_and_stays_put():
    chains, d = 4, 3
    density = gaussian(torch.ones(d, dtype=F64))
    params = HMCParams(torch.tensor([0.5, 50.0, 0.7, 1e3], dtype=F64),
                       torch.ones(chains, d, dtype=F64))
    kernel = NUTS()
    start = torch.full((chains, d), 0.3, dtype=F64)
    state, info = kernel.step(kernel.init(start, density), params, density,
                              torch.Generator().manual_seed(4))
    assert info.diverging.tolist() == [False, True, False, True]
    assert info.n_steps[[1, 3]].tolist() == [1, 1]
    assert info.tree_depth[[1, 3]].tolist() == [0, 0]
    assert torch.equal(state.position[[1, 3]], start[[1, 3]])
    assert torch.all(info.max_energy_error[[1, 3]] > 1000)
    assert torch.all(info.acceptance_rate[[1, 3]] < 1e-6)


def test_chains_are_independent_in_a_batch():
    # four very different chains in one batch: each one's statistics are its own
    d = 2
    density = gaussian(torch.tensor([1.0, 1.0], dtype=F64))
    step = torch.tensor([0.02, 0.4, 1.3, 80.0], dtype=F64)
    params = HMCParams(step, torch.ones(4, d, dtype=F64))
    _, stats = run(NUTS(max_treedepth=5), density, params, 4, d, 30, seed=5)
    assert stats["reached_max_treedepth"][:, 0].all()
    assert not stats["diverging"][:, :3].any()
    assert stats["diverging"][:, 3].all()
    assert torch.all(stats["n_steps"][:, 3] == 1)
    assert stats["acceptance_rate"][:, 1].mean() > 0.8
    assert torch.all(stats["n_steps"][:, 1] < 32)


def test_non_finite_density_does_not_propagate():
    # chain 0 lives next to a wall where the density is -inf and the gradient NaN
    d = 3

    def density(x):
        lp = -0.5 * (x * x).sum(-1)
        wall = x[:, 0] > 0.5
        g = torch.where(wall[:, None], torch.nan, -x)
        return torch.where(wall, -torch.inf, lp), g

    start = torch.tensor([[0.45, 0.0, 0.0], [0.0, 0.0, 0.0]], dtype=F64)
    params = HMCParams(torch.full((2,), 0.5, dtype=F64), torch.ones(2, d, dtype=F64))
    kernel = NUTS()
    state = kernel.init(start, density)
    g = torch.Generator().manual_seed(6)
    for _ in range(50):
        state, info = kernel.step(state, params, density, g)
        for value in (*state, *info):
            if value.is_floating_point():
                assert not value.isnan().any()
        assert torch.isfinite(state.logp).all() and torch.isfinite(state.position).all()
        assert torch.all(state.position[:, 0] <= 0.5)
        assert torch.isfinite(info.energy).all()


def test_same_seed_same_draws():
    density = gaussian(torch.ones(3, dtype=F64))
    params = HMCParams(torch.full((4,), 0.7, dtype=F64), torch.ones(4, 3, dtype=F64))
    a, sa = run(NUTS(), density, params, 4, 3, 10, seed=7)
    b, sb = run(NUTS(), density, params, 4, 3, 10, seed=7)
    assert torch.equal(a, b)
    assert all(torch.equal(sa[k], sb[k]) for k in sa)


def test_float32_model_keeps_dtype_and_float64_energies():
    density = gaussian(torch.ones(3))
    # adaptation keeps float64 accumulators: float64 parameters must not promote the model
    params = HMCParams(torch.full((4,), 0.7, dtype=F64), torch.ones(4, 3, dtype=F64))
    draws, stats = run(NUTS(), density, params, 4, 3, 5, seed=8, dtype=torch.float32)
    assert draws.dtype == torch.float32
    assert stats["energy"].dtype == F64 and stats["acceptance_rate"].dtype == F64
    assert stats["lp"].dtype == torch.float32


def test_host_synchronisations_per_transition():
    """At most one host sync per doubling: ``max_treedepth + 1`` per transition."""
    max_depth = 6
    density = gaussian(torch.ones(3, dtype=F64))
    params = HMCParams(torch.tensor([0.01, 0.5, 0.8, 1.0], dtype=F64),
                       torch.ones(4, 3, dtype=F64))
    kernel = NUTS(max_treedepth=max_depth, block_size=4)
    state = kernel.init(torch.zeros(4, 3, dtype=F64), density)
    g = torch.Generator().manual_seed(9)
    counts = {"n": 0}
    names = ["__bool__", "item", "tolist", "__int__", "__float__", "__index__", "numpy", "cpu"]
    originals = {name: getattr(torch.Tensor, name) for name in names}

    def counting(name):
        def wrapper(self, *args, **kwargs):
            counts["n"] += 1
            return originals[name](self, *args, **kwargs)
        return wrapper

    patches = [mock.patch.object(torch.Tensor, name, counting(name)) for name in names]
    for p in patches:
        p.start()
    try:
        for _ in range(5):
            counts["n"] = 0
            state, info = kernel.step(state, params, density, g)
            assert counts["n"] <= max_depth + 1
    finally:
        for p in patches:
            p.stop()
    assert info.reached_max_treedepth[0]
