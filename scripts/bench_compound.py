"""Change-point model (coal-mining-like data): torchbayes' CompoundStep against PyMC's.

A discrete switchpoint with a uniform prior over the years and two Poisson rates with
Gamma(2, 1) priors. Both libraries sample it with NUTS for the rates and Metropolis for the
switchpoint (PyMC assigns that itself to its DiscreteUniform; torchbayes' uniform Categorical
gets ``step=[Metropolis([switchpoint])]``); torchbayes' automatic assignment
(NUTS + CategoricalGibbsMetropolis, every candidate year in one density call) is a third row.
The switchpoint's exact posterior (rates integrated analytically) gives each run's total
variation distance. One run each, same data, 4 chains, 1 thread; PyMC runs in the peers venv
in a subprocess (``cores=1``, its compile time excluded from sampling time and reported).

``--many-chains N`` adds torchbayes rows with N chains (same tune and draws): a sweep costs
about the same for 4 or 64 chains, so ESS/s grows with the batch; PyMC's ``cores=1`` ESS/s
does not depend on the number of chains, so its 4-chain row stays the reference.

Usage: python scripts/bench_compound.py [--draws 1000] [--tune 1000] [--chains 4]
       [--many-chains 64] [--json out]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

PYMC_PYTHON = Path.home() / ".cache/peers-venv/bin/python"
ALPHA, BETA = 2.0, 1.0


def coal_mining_like(seed: int = 1851, years: int = 111, switch: int = 40) -> np.ndarray:
    """Disaster counts per year: rate 3.1 before the switch, 0.9 after (as in 1851-1961)."""
    rng = np.random.default_rng(seed)
    return rng.poisson(np.where(np.arange(years) < switch, 3.1, 0.9)).astype(float)


def exact_switchpoint(y: np.ndarray) -> np.ndarray:
    from scipy.special import gammaln, logsumexp
    n, cumulative = len(y), np.concatenate([[0.0], np.cumsum(y)])
    early_sum, early_n = cumulative[1:], np.arange(1, n + 1)
    late_sum, late_n = cumulative[-1] - early_sum, n - early_n
    log_post = (gammaln(ALPHA + early_sum) - (ALPHA + early_sum) * np.log(BETA + early_n)
                + gammaln(ALPHA + late_sum) - (ALPHA + late_sum) * np.log(BETA + late_n))
    return np.exp(log_post - logsumexp(log_post))


def summarize(posterior: dict[str, np.ndarray], seconds: float, exact: np.ndarray) -> dict:
    import arviz as az
    ess = {name: float(az.ess(values)) for name, values in posterior.items()}
    switchpoint = posterior["switchpoint"].ravel()
    frequencies = np.bincount(switchpoint, minlength=len(exact)) / switchpoint.size
    return {"seconds": seconds, "ess": ess, "min_ess": min(ess.values()),
            "ess_per_s": min(ess.values()) / seconds,
            "tv_switchpoint": 0.5 * float(np.abs(frequencies - exact).sum()),
            "mean": {name: float(values.mean()) for name, values in posterior.items()}}


def run_torchbayes(y: np.ndarray, draws: int, tune: int, chains: int, seed: int,
                   metropolis: bool) -> dict:
    import torch
    import torchbayes as tb
    from torchbayes.mcmc.step_methods import Metropolis
    torch.set_num_threads(1)
    years = torch.arange(float(len(y)))
    with tb.Model() as model:
        switchpoint = tb.Categorical("switchpoint", p=torch.ones(len(y)) / len(y))
        early = tb.Gamma("early_rate", alpha=ALPHA, beta=BETA)
        late = tb.Gamma("late_rate", alpha=ALPHA, beta=BETA)
        tb.Poisson("disasters", mu=torch.where(switchpoint >= years, early, late),
                   observed=torch.as_tensor(y))
    step = [Metropolis([switchpoint])] if metropolis else None
    began = time.perf_counter()
    idata = tb.sample(draws=draws, tune=tune, chains=chains, step=step, random_seed=seed,
                      progressbar=False, model=model)
    wall = time.perf_counter() - began
    posterior = {name: idata.posterior[name].values
                 for name in ("switchpoint", "early_rate", "late_rate")}
    result = summarize(posterior, float(idata.posterior.attrs["sampling_time"]),
                       exact_switchpoint(y))
    result["wall"] = wall
    return result


_PYMC = textwrap.dedent("""
    import json, sys, time
    import numpy as np, pymc as pm
    settings = json.load(sys.stdin)
    y = np.array(settings["y"]); years = np.arange(len(y))
    began = time.perf_counter()
    with pm.Model():
        switchpoint = pm.DiscreteUniform("switchpoint", lower=0, upper=len(y) - 1)
        early = pm.Gamma("early_rate", alpha=settings["alpha"], beta=settings["beta"])
        late = pm.Gamma("late_rate", alpha=settings["alpha"], beta=settings["beta"])
        pm.Poisson("disasters", pm.math.switch(switchpoint >= years, early, late), observed=y)
        idata = pm.sample(draws=settings["draws"], tune=settings["tune"],
                          chains=settings["chains"], cores=1, random_seed=settings["seed"],
                          progressbar=False, compute_convergence_checks=False)
    wall = time.perf_counter() - began
    out = {name: idata.posterior[name].values.tolist()
           for name in ("switchpoint", "early_rate", "late_rate")}
    out["sampling_time"] = float(idata.posterior.attrs["sampling_time"])
    out["wall"] = wall
    json.dump(out, sys.stdout)
""")


def run_pymc(y: np.ndarray, draws: int, tune: int, chains: int, seed: int) -> dict:
    settings = {"y": y.tolist(), "alpha": ALPHA, "beta": BETA, "draws": draws, "tune": tune,
                "chains": chains, "seed": seed}
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    completed = subprocess.run([str(PYMC_PYTHON), "-c", _PYMC], input=json.dumps(settings),
                               capture_output=True, text=True, env=env, check=True)
    out = json.loads(completed.stdout)
    posterior = {name: np.array(out[name]) for name in ("switchpoint", "early_rate", "late_rate")}
    posterior["switchpoint"] = posterior["switchpoint"].astype(np.int64)
    result = summarize(posterior, out["sampling_time"], exact_switchpoint(y))
    result["wall"] = out["wall"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--tune", type=int, default=1000)
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--many-chains", type=int, default=0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    y = coal_mining_like()
    settings = (args.draws, args.tune, args.chains, args.seed)
    results = {"load_before": os.getloadavg()[0],
               "pymc NUTS + Metropolis": run_pymc(y, *settings),
               "torchbayes NUTS + Metropolis": run_torchbayes(y, *settings, metropolis=True),
               "torchbayes NUTS + CategoricalGibbsMetropolis (auto)":
                   run_torchbayes(y, *settings, metropolis=False)}
    if args.many_chains:
        many = (args.draws, args.tune, args.many_chains, args.seed)
        results[f"torchbayes NUTS + Metropolis, {args.many_chains} chains"] = \
            run_torchbayes(y, *many, metropolis=True)
        results[f"torchbayes NUTS + CategoricalGibbsMetropolis, {args.many_chains} chains"] = \
            run_torchbayes(y, *many, metropolis=False)
    results["load_after"] = os.getloadavg()[0]
    reference = results["pymc NUTS + Metropolis"]["ess_per_s"]
    print(f"{args.chains} chains, {args.tune} tune + {args.draws} draws, 1 thread, "
          f"load {results['load_before']:.1f} -> {results['load_after']:.1f}")
    print("| sampler | sampling s | wall s | min bulk ESS | ESS/s | vs PyMC | TV(switchpoint) |")
    print("|---|---|---|---|---|---|---|")
    for name, r in results.items():
        if isinstance(r, dict):
            print(f"| {name} | {r['seconds']:.1f} | {r['wall']:.1f} | {r['min_ess']:.0f} | "
                  f"{r['ess_per_s']:.1f} | {r['ess_per_s'] / reference:.2f}x | "
                  f"{r['tv_switchpoint']:.3f} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    sys.exit(main())
