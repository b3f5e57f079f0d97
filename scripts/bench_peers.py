#!/usr/bin/env python
"""torchbayes beside the peer PPLs (PyMC, nutpie, NumPyro, Pyro) on the same models, one run.

The peers' harness lives in ``../shared/bench/peers`` (models, data and runners; it runs in its
own virtual environment, ``~/.cache/peers-venv`` made by its ``setup.sh``). This script runs
torchbayes on the same models and data (``models.make_data``, same seed, same settings), each
model in a fresh worker process, then the requested peers through the harness's ``run.py``, and
prints one table with ESS/s, gradient evaluations/s and wall time (compile included), with the
ratio of torchbayes' ESS/s to each peer's.

    python scripts/bench_peers.py --peers pymc,nutpie,numpyro,pyro \\
        --models eight_schools_noncentered,mvn_100 --chains 4 --tune 1000 --draws 1000

``--peers none`` runs torchbayes alone; ``--chains-tb`` adds torchbayes runs with more chains
(batched chains are where a GPU or a large CPU batch pays off). Every number comes from the same
invocation: a ratio is only a claim when both sides ran together.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_PEERS_DIR = os.path.join(ROOT, "..", "shared", "bench", "peers")
DEFAULT_PEERS_PYTHON = os.path.expanduser("~/.cache/peers-venv/bin/python")


def torchbayes_model(name: str, data: dict):
    """The peers' model ``name`` written with torchbayes (same parameterisation and names)."""
    import torchbayes as tb

    with tb.Model() as model:
        if name == "eight_schools_noncentered":
            mu = tb.Normal("mu", 0.0, 5.0)
            tau = tb.HalfCauchy("tau", 5.0)
            theta_raw = tb.Normal("theta_raw", 0.0, 1.0, shape=data["J"])
            tb.Normal("y", mu + tau * theta_raw, data["sigma"], observed=data["y"])
        elif name == "eight_schools_centered":
            mu = tb.Normal("mu", 0.0, 5.0)
            tau = tb.HalfCauchy("tau", 5.0)
            theta = tb.Normal("theta", mu, tau, shape=data["J"])
            tb.Normal("y", theta, data["sigma"], observed=data["y"])
        elif name.startswith("logistic_regression"):
            intercept = tb.Normal("intercept", 0.0, 5.0)
            beta = tb.Normal("beta", 0.0, 1.0, shape=data["X"].shape[1])
            tb.Bernoulli("y", logit_p=intercept + data["X"] @ beta, observed=data["y"])
        elif name == "hierarchical_linear":
            mu_a = tb.Normal("mu_a", 0.0, 10.0)
            sigma_a = tb.HalfNormal("sigma_a", 5.0)
            a_raw = tb.Normal("a_raw", 0.0, 1.0, shape=data["n_groups"])
            b = tb.Normal("b", 0.0, 10.0)
            sigma_y = tb.HalfNormal("sigma_y", 5.0)
            a = mu_a + sigma_a * a_raw
            tb.Normal("y", a[data["group"]] + b * data["x"], sigma_y, observed=data["y"])
        elif name == "mvn_100":
            import numpy as np
            tb.MvNormal("x", mu=np.zeros(data["D"]), chol=data["chol"])
        else:
            raise KeyError(name)
    return model


def run_torchbayes(spec: dict) -> dict:
    """One model with tb.sample in this process; the peers' metrics."""
    import numpy as np
    import torch

    sys.path.insert(0, spec["peers_dir"])
    import models as peer_models
    import peers as peer_runs

    torch.set_num_threads(spec["threads"])
    import torchbayes as tb

    name = spec["model"]
    began = time.perf_counter()
    model = torchbayes_model(name, peer_models.make_data(name))
    idata = tb.sample(draws=spec["draws"], tune=spec["tune"], chains=spec["chains"],
                      random_seed=spec["seed"], init=spec["init"], progressbar=False,
                      discard_tuned_samples=False, model=model, compile=spec["compile"])
    wall = time.perf_counter() - began
    stats, warmup = idata.sample_stats, idata.warmup_sample_stats
    posterior = {v: idata.posterior[v].values for v in peer_models.FREE_VARS[name]}
    result = dict(
        peer=spec["label"], model=name, chains=spec["chains"], tune=spec["tune"],
        draws=spec["draws"], seed=spec["seed"], wall_time_s=wall,
        sampling_time_s=float(stats.attrs["sampling_time"]),
        grad_evals_total=int(warmup["n_steps"].values.sum() + stats["n_steps"].values.sum()),
        divergences=int(stats["diverging"].values.sum()),
        mean_tree_depth=float(stats["tree_depth"].values.mean()),
        threads=spec["threads"], init=spec["init"], compile=spec["compile"],
    )
    result["compile_time_s"] = wall - result["sampling_time_s"]
    result.update(peer_runs.summarize(name, posterior))
    return peer_runs._finish(result)


def _in_worker(spec: dict, timeout: float) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        spec_path, out_path = os.path.join(folder, "spec.json"), os.path.join(folder, "out.json")
        with open(spec_path, "w") as handle:
            json.dump(spec, handle)
        try:
            subprocess.run([sys.executable, __file__, "--worker", spec_path, out_path],
                           timeout=timeout, check=True)
            with open(out_path) as handle:
                return json.load(handle)
        except (subprocess.SubprocessError, OSError) as error:
            return dict(peer=spec["label"], model=spec["model"], status="error", error=str(error))


def run_peers(args, models: list[str]) -> list[dict]:
    if args.peers == "none":
        return []
    out = os.path.join(args.out_dir, "peers.json")
    command = [args.peers_python, os.path.join(args.peers_dir, "run.py"), "--fresh",
               "--peers", args.peers, "--models", ",".join(models), "--chains", str(args.chains),
               "--tune", str(args.tune), "--draws", str(args.draws), "--seed", str(args.seed),
               "--evalbench", "no", "--wait-idle", "0", "--max-attempts", "1",
               "--timeout", str(args.timeout), "--pyro-budget", str(args.pyro_budget),
               "--out", out,
               "--md", os.path.join(args.out_dir, "PEERS.md"),
               "--log", os.path.join(args.out_dir, "peers.log")]
    if args.no_default_overrides:
        command.append("--no-default-overrides")
    subprocess.run(command, check=False, cwd=args.peers_dir)
    with open(out) as handle:
        return json.load(handle)["runs"]


def _fmt(value, digits=3):
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}g}" if abs(value) < 1e4 else f"{value:.0f}"
    return str(value)


def table(rows: list[dict]) -> str:
    """Markdown: one line per (model, runner), with the ESS/s of torchbayes (4 chains, eager and
    compiled) divided by this runner's."""
    lines = ["| model | runner | settings | wall s | compile s | min ESS | ESS/s | grad evals | "
             "grad/s | div | R-hat | tb eager ÷ this | tb compiled ÷ this |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for model in dict.fromkeys(r["model"] for r in rows):
        group = [r for r in rows if r["model"] == model]
        reference = {label: next((r["ess_per_s"] for r in group if r.get("peer") == label
                                  and r.get("ess_per_s")), None)
                     for label in ("torchbayes", "torchbayes compiled")}
        for r in group:
            ratios = [_fmt(ours / r["ess_per_s"]) if ours and r.get("ess_per_s") else "–"
                      for ours in reference.values()]
            settings = f'{r.get("chains")}x({r.get("tune")}+{r.get("draws")})'
            lines.append(
                f'| {model} | {r.get("peer")} | {settings} | {_fmt(r.get("wall_time_s"))} | '
                f'{_fmt(r.get("compile_time_s"))} | {_fmt(r.get("min_ess_bulk"), 4)} | '
                f'{_fmt(r.get("ess_per_s"))} | {_fmt(r.get("grad_evals_total"))} | '
                f'{_fmt(r.get("grad_evals_per_s"))} | {_fmt(r.get("divergences"))} | '
                f'{_fmt(r.get("max_rhat"), 4)} | {ratios[0]} | {ratios[1]} |'
                + (f' {r.get("status")}: {r.get("error", "")[:60]}' if r.get("status") == "error"
                   else ""))
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--peers", default="pymc,nutpie,numpyro,pyro")
    parser.add_argument("--models", default="eight_schools_noncentered,eight_schools_centered,"
                                             "mvn_100,hierarchical_linear,logistic_regression")
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--chains-tb", default="", help="extra torchbayes chain counts, e.g. 64")
    parser.add_argument("--tune", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--threads", type=int, default=1, help="torch threads for torchbayes")
    parser.add_argument("--init", default="jitter+adapt_diag")
    parser.add_argument("--modes", default="eager,compiled",
                        help="torchbayes density modes to run: eager, compiled or both")
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--pyro-budget", type=float, default=300.0,
                        help="passed to the peers' harness: Pyro runs a reduced probe when the "
                             "full run is predicted to take longer")
    parser.add_argument("--peers-dir", default=DEFAULT_PEERS_DIR)
    parser.add_argument("--peers-python", default=DEFAULT_PEERS_PYTHON)
    parser.add_argument("--no-default-overrides", action="store_true")
    parser.add_argument("--out-dir", default=os.path.join(ROOT, "bench_out"))
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        with open(args.worker[0]) as handle:
            spec = json.load(handle)
        result = run_torchbayes(spec)
        with open(args.worker[1], "w") as handle:
            json.dump(result, handle, default=float)
        return 0
    args.peers_dir = os.path.abspath(args.peers_dir)
    os.makedirs(args.out_dir, exist_ok=True)
    models = [m for m in args.models.split(",") if m]
    rows = []
    modes = [mode for mode in args.modes.split(",") if mode]
    variants = [(args.chains, mode) for mode in modes]
    variants += [(int(c), mode) for c in args.chains_tb.split(",") if c for mode in modes]
    for model in models:
        for chains, mode in variants:
            label = "torchbayes" + ("" if mode == "eager" else f" {mode}") + (
                "" if chains == args.chains else f" ({chains} chains)")
            spec = dict(model=model, chains=chains, tune=args.tune, draws=args.draws,
                        seed=args.seed, threads=args.threads, init=args.init, label=label,
                        peers_dir=args.peers_dir, compile=mode == "compiled")
            row = _in_worker(spec, args.timeout)
            print(json.dumps({k: row.get(k) for k in ("peer", "model", "wall_time_s",
                                                      "min_ess_bulk", "ess_per_s", "status")}))
            rows.append(row)
    rows += run_peers(args, models)
    rows.sort(key=lambda r: (models.index(r["model"]) if r["model"] in models else 99))
    with open(os.path.join(args.out_dir, "results.json"), "w") as handle:
        json.dump({"argv": sys.argv, "date": time.strftime("%Y-%m-%d %H:%M"), "rows": rows},
                  handle, indent=1, default=str)
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
