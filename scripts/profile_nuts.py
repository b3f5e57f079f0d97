"""Cost of a NUTS transition in eager torch: time, lockstep efficiency, torch ops per step.

Targets: a d=10 Gaussian (scales 1..10, matched diagonal metric) and eight schools,
non-centred, with a hand-written batched log density and hand-derived gradient:
mu ~ N(0, 5), tau ~ HalfCauchy(5) sampled as log tau (with its Jacobian),
theta_raw ~ N(0, 1), y ~ N(mu + tau * theta_raw, sigma).

For each target and chain count it reports microseconds per transition and per batched
leapfrog step, the lockstep efficiency (leapfrog steps the chains needed / (chains x steps
executed)), and aten operations per executed leapfrog step, split into the density and the
sampler's bookkeeping (counted with a TorchDispatchMode). Runs on one thread.

    python scripts/profile_nuts.py                  # everything (~2-4 min on a quiet core)
    python scripts/profile_nuts.py --chains 1 4 --transitions 100
"""
from __future__ import annotations

import argparse
import math
import time

import torch
from torch.utils._python_dispatch import TorchDispatchMode

from torchbayes.mcmc.hamiltonian.metrics import HMCParams
from torchbayes.mcmc.nuts import NUTS

F64 = torch.float64
Y = torch.tensor([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0], dtype=F64)
SIGMA = torch.tensor([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0], dtype=F64)


def eight_schools(position):
    """Non-centred eight schools: position (C, 10) = (mu, log tau, theta_raw[8])."""
    mu, log_tau, raw = position[:, 0], position[:, 1], position[:, 2:]
    tau = log_tau.exp()
    scaled = (Y - mu[:, None] - tau[:, None] * raw) / SIGMA          # (C, 8)
    residual = scaled / SIGMA
    tau_over_5 = tau / 5.0
    logp = (-mu * mu / 50.0 - torch.log1p(tau_over_5 * tau_over_5) + log_tau
            - 0.5 * (raw * raw).sum(-1) - 0.5 * (scaled * scaled).sum(-1))
    grad_mu = residual.sum(-1) - mu / 25.0
    grad_log_tau = (tau * ((residual * raw).sum(-1) - 0.4 * tau_over_5 / (1 + tau_over_5 ** 2))
                    + 1.0)
    grad = torch.cat((grad_mu[:, None], grad_log_tau[:, None], tau[:, None] * residual - raw), 1)
    return logp, grad


GAUSSIAN_SCALE = torch.arange(1, 11, dtype=F64)


def gaussian(position):
    z = position / GAUSSIAN_SCALE
    return -0.5 * (z * z).sum(-1), -z / GAUSSIAN_SCALE


class Counted:
    """Wraps a density to count batched evaluations and mark the ops it issues."""

    def __init__(self, density):
        self.density, self.calls, self.inside = density, 0, False

    def __call__(self, position):
        self.calls += 1
        self.inside = True
        try:
            return self.density(position)
        finally:
            self.inside = False


class OpCounter(TorchDispatchMode):
    def __init__(self, counted):
        super().__init__()
        self.counted, self.density_ops, self.other_ops = counted, 0, 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if self.counted.inside:
            self.density_ops += 1
        else:
            self.other_ops += 1
        return func(*args, **(kwargs or {}))


def op_cost(repeats: int = 5, number: int = 20000) -> float:
    """Microseconds of one tiny eager op now: a yardstick for a busy machine."""
    a, b = torch.randn(4, 10, dtype=F64), torch.randn(4, 10, dtype=F64)
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            torch.add(a, b)
        best = min(best, (time.perf_counter() - t0) / number)
    return 1e6 * best


def tune(density, d, kernel, chains=64, iterations=300, seed=0):
    """A quick stand-in for warm-up: Robbins-Monro step size to 0.8, then the variance."""
    g = torch.Generator().manual_seed(seed)
    state = kernel.init(0.5 * torch.randn(chains, d, generator=g, dtype=F64), density)
    log_step = torch.full((chains,), math.log(0.3), dtype=F64)
    inv_mass = torch.ones(chains, d, dtype=F64)
    draws = []
    for i in range(iterations):
        params = HMCParams(log_step.exp(), inv_mass)
        state, info = kernel.step(state, params, density, g)
        log_step = log_step + (info.acceptance_rate - 0.8) / (i + 10) ** 0.6
        log_step = log_step.mean().expand(chains).clone()
        draws.append(state.position)
        if i == iterations // 2:
            inv_mass = torch.stack(draws[iterations // 4:]).flatten(0, 1).var(0).expand(chains, d)
            inv_mass = inv_mass.clone()
    return state.position, HMCParams(log_step.exp(), inv_mass)


def measure(name, density, d, chains_list, transitions, kernel):
    start, params = tune(density, d, kernel)
    print(f"\n{name}: step size {params.step_size[0]:.3f}, "
          f"inverse mass {[round(v, 2) for v in params.inverse_mass_matrix[0].tolist()]}")
    print(f"{'chains':>7} {'us/trans':>9} {'us/leapfrog':>11} {'us/chain-lf':>11} "
          f"{'lockstep':>8} {'depth':>5} {'n_steps':>7} {'ops/lf':>6} {'dens':>5} {'book':>5}")
    rows = []
    for chains in chains_list:
        g = torch.Generator().manual_seed(1)
        position = start[torch.arange(chains) % start.shape[0]]
        p = HMCParams(params.step_size[0].expand(chains).clone(),
                      params.inverse_mass_matrix[0].expand(chains, d).clone())
        counted = Counted(density)
        state = kernel.init(position, counted)
        n = max(20, transitions if chains <= 64 else transitions // 4)
        for _ in range(10):
            state, _ = kernel.step(state, p, counted, g)
        counted.calls, needed, depth = 0, 0, 0.0
        t0 = time.perf_counter()
        for _ in range(n):
            state, info = kernel.step(state, p, counted, g)
            needed += int(info.n_steps.sum())
            depth += float(info.tree_depth.double().mean())
        elapsed = time.perf_counter() - t0
        executed = counted.calls
        counter = OpCounter(counted)
        calls_before = counted.calls
        with counter:
            for _ in range(10):
                state, _ = kernel.step(state, p, counted, g)
        lf = counted.calls - calls_before
        row = dict(chains=chains, us_transition=1e6 * elapsed / n,
                   us_leapfrog=1e6 * elapsed / executed,
                   us_chain_leapfrog=1e6 * elapsed / needed,
                   lockstep=needed / (chains * executed), depth=depth / n,
                   n_steps=needed / (chains * n), ops=(counter.density_ops + counter.other_ops) / lf,
                   density_ops=counter.density_ops / lf, bookkeeping_ops=counter.other_ops / lf)
        rows.append(row)
        print(f"{chains:>7} {row['us_transition']:>9.0f} {row['us_leapfrog']:>11.1f} "
              f"{row['us_chain_leapfrog']:>11.2f} {row['lockstep']:>8.3f} {row['depth']:>5.2f} "
              f"{row['n_steps']:>7.2f} {row['ops']:>6.1f} {row['density_ops']:>5.1f} "
              f"{row['bookkeeping_ops']:>5.1f}")
    return rows


def compare_compaction(name, density, d, chains_list, transitions, block_size):
    """Time per transition with and without gathering the building chains (same seed)."""
    start, params = tune(density, d, NUTS(block_size=block_size))
    print(f"\n{name}: compaction (gather the chains still building once half have finished)")
    print(f"{'chains':>7} {'us/trans off':>12} {'us/trans on':>11} {'speed-up':>8}")
    for chains in chains_list:
        times = []
        for compact in (None, 1):
            kernel = NUTS(block_size=block_size, compact_min_chains=compact)
            g = torch.Generator().manual_seed(1)
            position = start[torch.arange(chains) % start.shape[0]]
            p = HMCParams(params.step_size[0].expand(chains).clone(),
                          params.inverse_mass_matrix[0].expand(chains, d).clone())
            state = kernel.init(position, density)
            n = max(20, transitions if chains <= 64 else transitions // 4)
            for _ in range(5):
                state, _ = kernel.step(state, p, density, g)
            t0 = time.perf_counter()
            for _ in range(n):
                state, _ = kernel.step(state, p, density, g)
            times.append(1e6 * (time.perf_counter() - t0) / n)
        print(f"{chains:>7} {times[0]:>12.0f} {times[1]:>11.0f} {times[0] / times[1]:>8.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chains", type=int, nargs="+", default=[1, 4, 64, 1024])
    parser.add_argument("--transitions", type=int, default=200)
    parser.add_argument("--block-size", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--compaction", type=int, nargs="*", default=[64, 256, 1024],
                        help="chain counts at which to time compaction on and off")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    kernel = NUTS(block_size=args.block_size, compact_min_chains=None)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), {kernel}")
    print(f"yardstick: one small eager op (torch.add on (4, 10)) takes {op_cost():.2f} us "
          f"here now; compare runs on busy machines by it")
    targets = [("eight schools (non-centred, hand-written gradient)", eight_schools),
               ("gaussian d=10 (scales 1..10)", gaussian)]
    for name, density in targets:
        measure(name, density, 10, args.chains, args.transitions, kernel)
    for name, density in targets if args.compaction else []:
        compare_compaction(name, density, 10, args.compaction, args.transitions,
                           args.block_size)


if __name__ == "__main__":
    main()
