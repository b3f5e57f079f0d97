#!/usr/bin/env python
"""Posterior predictive sampling: torchbayes beside PyMC on the same model and posterior.

A linear regression with ``--n`` observations (``y ~ Normal(a + b x, sigma)``, ``x`` a data
container) and a made-up posterior of ``--chains`` x ``--draws`` values of ``a``, ``b`` and
``sigma``, the same arrays for both libraries, so no sampling is timed: only
``tb.sample_posterior_predictive`` and ``pm.sample_posterior_predictive`` on that posterior.
PyMC runs in a subprocess with the peers' Python (``~/.cache/peers-venv``, PyMC 5) in the same
invocation; both sides use one thread. Each side is called ``--repeats`` times; the table shows
the first call (PyMC compiles its function on every call; torchbayes builds its forward program
on every call) and the median.

    python scripts/bench_predictive.py --repeats 5
    python scripts/bench_predictive.py --peers-python none      # torchbayes alone

The script also checks each side's per-observation predictive means and standard deviations
against the exact ones of the posterior it was given.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

DEFAULT_PEERS_PYTHON = os.path.expanduser("~/.cache/peers-venv/bin/python")
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}

PYMC_RUNNER = r"""
import json, statistics, sys, time, warnings
import numpy as np
import arviz as az
import pymc as pm

warnings.simplefilter("ignore")
inputs = np.load(sys.argv[1])
repeats = int(sys.argv[2])
with pm.Model() as model:
    x = pm.Data("x", inputs["x"])
    a = pm.Normal("a", 0.0, 10.0)
    b = pm.Normal("b", 0.0, 10.0)
    sigma = pm.HalfNormal("sigma", 2.0)
    pm.Normal("y", a + b * x, sigma, observed=inputs["y"])
idata = az.from_dict(posterior={k: inputs[k] for k in ("a", "b", "sigma")})
times = []
for repeat in range(repeats):
    start = time.perf_counter()
    ppc = pm.sample_posterior_predictive(idata, model=model, random_seed=repeat,
                                         progressbar=False)
    times.append(time.perf_counter() - start)
draws = ppc.posterior_predictive["y"].values
draws = draws.reshape(-1, draws.shape[-1])
np.save(sys.argv[3], np.stack([draws.mean(0), draws.std(0)]))
print(json.dumps({"times": times, "version": pm.__version__, "shape": list(ppc.posterior_predictive["y"].shape)}))
"""


def make_inputs(n: int, chains: int, draws: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = 1.0 + 2.0 * x + rng.normal(0.0, 0.5, size=n)
    return {"x": x, "y": y,
            "a": rng.normal(1.0, 0.02, size=(chains, draws)),
            "b": rng.normal(2.0, 0.02, size=(chains, draws)),
            "sigma": np.abs(rng.normal(0.5, 0.01, size=(chains, draws)))}


def run_torchbayes(inputs: dict, repeats: int, dtype) -> tuple[list[float], np.ndarray]:
    import torchbayes as tb
    from torchbayes.io import to_inference_data

    with tb.Model(dtype=dtype) as model:
        x = tb.Data("x", inputs["x"])
        a = tb.Normal("a", 0.0, 10.0)
        b = tb.Normal("b", 0.0, 10.0)
        sigma = tb.HalfNormal("sigma", 2.0)
        tb.Normal("y", a + b * x, sigma, observed=inputs["y"])
    idata = to_inference_data({"posterior": {k: inputs[k] for k in ("a", "b", "sigma")}})
    times = []
    for repeat in range(repeats):
        start = time.perf_counter()
        ppc = tb.sample_posterior_predictive(idata, model=model, random_seed=repeat)
        times.append(time.perf_counter() - start)
    draws = ppc.posterior_predictive["y"].values
    assert draws.shape == inputs["a"].shape + inputs["x"].shape
    draws = draws.reshape(-1, draws.shape[-1])
    return times, np.stack([draws.mean(0), draws.std(0)])


def run_pymc(python: str, inputs: dict, repeats: int) -> tuple[dict, np.ndarray]:
    with tempfile.TemporaryDirectory() as folder:
        data, moments = os.path.join(folder, "inputs.npz"), os.path.join(folder, "moments.npy")
        np.savez(data, **inputs)
        script = os.path.join(folder, "pymc_runner.py")
        with open(script, "w") as handle:
            handle.write(PYMC_RUNNER)
        done = subprocess.run([python, script, data, str(repeats), moments], check=True,
                              capture_output=True, text=True, env={**os.environ, **ONE_THREAD})
        return json.loads(done.stdout.strip().splitlines()[-1]), np.load(moments)


def agreement(inputs: dict, moments: np.ndarray) -> str:
    """Per-observation predictive means and sds against the exact ones of this posterior."""
    line = inputs["a"].reshape(-1, 1) + inputs["b"].reshape(-1, 1) * inputs["x"]
    count = line.shape[0]
    variance = line.var(0) + (inputs["sigma"] ** 2).mean()
    # y_rep - (a + b x) = sigma * e: the mean's Monte Carlo error is sqrt(E sigma^2 / draws)
    z = (moments[0] - line.mean(0)) / np.sqrt((inputs["sigma"] ** 2).mean() / count)
    sd_error = np.max(np.abs(moments[1] / np.sqrt(variance) - 1))
    return (f"mean z-scores: sd {z.std():.2f}, largest {np.abs(z).max():.2f}; "
            f"largest sd error {100 * sd_error:.1f}%")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="observations")
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--peers-python", default=DEFAULT_PEERS_PYTHON,
                        help="Python with PyMC installed, or 'none'")
    args = parser.parse_args()

    import torch
    torch.set_num_threads(1)
    inputs = make_inputs(args.n, args.chains, args.draws)
    rows, checks = [], []
    for label, dtype in (("torchbayes (float64)", torch.float64),
                         ("torchbayes (float32)", torch.float32)):
        times, moments = run_torchbayes(inputs, args.repeats, dtype)
        rows.append((label, times))
        checks.append(f"{label}: {agreement(inputs, moments)}")
    if args.peers_python != "none":
        result, moments = run_pymc(args.peers_python, inputs, args.repeats)
        label = f"PyMC {result['version']}"
        rows.append((label, result["times"]))
        checks.append(f"{label}: {agreement(inputs, moments)}")

    reference = statistics.median(rows[0][1])
    print(f"Posterior predictive, {args.chains} x {args.draws} draws, {args.n} observations, "
          f"1 thread; {datetime.date.today()}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores; torch {torch.__version__}")
    print()
    print("| library | first call (s) | median of "
          f"{args.repeats} (s) | median / torchbayes float64 |")
    print("|---|---:|---:|---:|")
    for label, values in rows:
        median = statistics.median(values)
        print(f"| {label} | {values[0]:.3f} | {median:.3f} | {median / reference:.1f}x |")
    print()
    print("Against the exact predictive of this posterior (per observation):")
    for check in checks:
        print(f"- {check}")


if __name__ == "__main__":
    sys.exit(main())
