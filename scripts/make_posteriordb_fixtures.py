"""Write the in-repo posteriordb fixtures that the sampler tests check posteriors against.

Reads the full posteriordb copy (data, 10 x 1000 reference draws, metadata) through its
``reference.py`` and writes, for every posterior, a folder ``tests/posteriordb/<posterior>/``:

``data.json`` or ``data.json.zip``
    the dataset, copied byte for byte (nothing parsed or rounded). diamonds is the one zip: its
    JSON is 2.35 MB, its original zip 0.3 MB, and the loader reads either.
``reference.json``
    a summary of the reference draws per Stan column ("theta[1]", "mu", ...): mean, sd, bulk and
    tail ESS, the Monte Carlo standard errors of the mean and of the sd (ArviZ: the sd's is the
    delta method over the ESS of the squared deviations), plus 200 reference draws per column,
    20 from each of the 10 chains at draws 25, 75, ..., 975, for Stein-identity checks of log
    densities. Floats are written with ``repr`` precision (shortest round trip), never rounded.

Run from the repository root::

    python scripts/make_posteriordb_fixtures.py [--source /work/shared/posteriordb]

The output is deterministic: rerunning it on the same source gives identical files.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import shutil
import sys

import arviz as az
import numpy as np

DEFAULT_SOURCE = "/work/shared/posteriordb"
OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "tests", "posteriordb")
DRAWS_PER_CHAIN_KEPT = 20


def _import_reference(source: str):
    """Import posteriordb's reference.py by path (it is not a package on sys.path)."""
    spec = importlib.util.spec_from_file_location("_posteriordb_source", os.path.join(source, "reference.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building the class
    spec.loader.exec_module(module)
    return module


def _thinned_indices(n_chains: int, n_draws: int, per_chain: int) -> tuple[np.ndarray, np.ndarray]:
    """(chain, draw) of ``per_chain`` evenly spaced draws in every chain, chain-major.

    Centres of equal blocks (25, 75, ..., 975 for 1000 draws and 20 per chain), so draws kept in
    one chain are 50 apart: the reference is already thinned by 10, so these are nearly
    independent."""
    step = n_draws // per_chain
    draw = np.arange(per_chain) * step + step // 2
    return np.repeat(np.arange(n_chains), per_chain), np.tile(draw, n_chains)


def _column_summary(x: np.ndarray) -> dict:
    """Summary of one column laid out (chains, draws)."""
    return {
        "mean": float(x.mean()),
        "sd": float(x.std(ddof=1)),
        "ess_bulk": float(az.ess(x, method="bulk")),
        "ess_tail": float(az.ess(x, method="tail")),
        "mcse_mean": float(az.mcse(x, method="mean")),
        "mcse_sd": float(az.mcse(x, method="sd")),
    }


def _copy_data(folder: str, out: str) -> str:
    for name in ("data.json", "data.json.zip"):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            shutil.copyfile(path, os.path.join(out, name))
            return name
    raise FileNotFoundError(f"{folder}: no data.json or data.json.zip")


def _sha256(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def write_posterior(source_module, name: str, output: str) -> None:
    post = source_module.load_posterior(name)
    out = os.path.join(output, name)
    os.makedirs(out, exist_ok=True)
    data_file = _copy_data(os.path.join(source_module.ROOT, name), out)
    columns = post.parameter_names
    n_chains, n_draws = post.draws[columns[0]].shape
    chain, draw = _thinned_indices(n_chains, n_draws, DRAWS_PER_CHAIN_KEPT)
    info = post.info
    run = info["reference_posterior_info"]["inference"]
    record = {
        "posterior": name,
        "reference_posterior_name": info["posterior"]["reference_posterior_name"],
        "model_name": info["posterior"]["model_name"],
        "data_name": info["posterior"]["data_name"],
        "dimensions": info["posterior"]["dimensions"],
        "source": {
            "repository": info["source"]["repository"],
            "commit": info["source"]["commit"],
            "reference_draws_path": info["source"]["reference_draws_path"],
            "reference_draws_zip_sha256": info["source"]["reference_draws_zip_sha256"],
            "data_path": info["source"]["data_path"],
            "data_file": data_file,
            "data_file_sha256": _sha256(os.path.join(out, data_file)),
        },
        "reference_run": {"method": run["method"], **run["method_arguments"]},
        "n_chains": int(n_chains),
        "n_draws_per_chain": int(n_draws),
        "summary_method": "arviz " + az.__version__ + ": ess bulk/tail (rank-normalised); "
                          "mcse_mean, mcse_sd (delta method on the squared deviations)",
        "columns": columns,
        "summary": {c: _column_summary(post.draws[c]) for c in columns},
        "thinned": {"chain": chain.tolist(), "draw": draw.tolist()},
        "draws": {c: post.draws[c][chain, draw].tolist() for c in columns},
    }
    with open(os.path.join(out, "reference.json"), "w", encoding="utf-8") as fh:
        json.dump(record, fh, indent=1)
        fh.write("\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=DEFAULT_SOURCE, help="posteriordb copy with reference.py")
    parser.add_argument("--output", default=os.path.normpath(OUTPUT))
    args = parser.parse_args(argv)
    source_module = _import_reference(args.source)
    names = source_module.list_posteriors()
    for name in names:
        write_posterior(source_module, name, args.output)
        print(f"wrote {name}")
    print(f"{len(names)} posteriors under {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
