"""posteriordb gold standards for sampler tests: data, reference summaries, comparison.

Test helper, not part of the package. Every folder next to this file holds one posterior, written
by ``scripts/make_posteriordb_fixtures.py`` from posteriordb (see ``SOURCE.md``)::

    <posterior>/data.json | data.json.zip   the dataset, Stan data names, byte for byte
    <posterior>/reference.json              per-column summary of the 10 x 1000 reference draws
                                            and 200 of the draws (20 per chain)

Use in a sampler test::

    post = load_posterior("eight_schools-eight_schools_noncentered")
    post.data["y"]                                   # int64 array (8,)
    result = compare({"mu": mu, "tau": tau, "theta": theta}, post)   # (chain, draw, *shape)
    assert result.passed, result.table()

A sample name is a whole variable ("theta", trailing shape (8,)) or one Stan column ("theta[3]",
1-based). Names the reference lacks (a latent such as ``theta_trans``) are ignored; reference
columns missing from the samples fail. ``compare`` also accepts an ArviZ InferenceData, whose
``posterior`` group is read.
"""
from __future__ import annotations

import json
import math
import os
import re
import zipfile
from dataclasses import dataclass

import numpy as np

__all__ = [
    "ROOT",
    "Posterior",
    "Comparison",
    "list_posteriors",
    "load_posterior",
    "constrained_reference_draws",
    "column_names",
    "compare",
]

ROOT = os.path.dirname(os.path.abspath(__file__))
_COLUMN = re.compile(r"^([^\[\]]+)(?:\[([0-9,\s]+)\])?$")


@dataclass(frozen=True)
class Posterior:
    """One posterior's fixture.

    Attributes
    ----------
    name : posteriordb name, e.g. ``"arK-arK"``.
    data : Stan data names -> int64/float64 numpy arrays, or Python ints/floats for scalars.
    summary : column -> {"mean", "sd", "ess_bulk", "ess_tail", "mcse_mean", "mcse_sd"} of the
        full 10 x 1000 reference.
    draws : column -> float64 array (200,): reference draws 25, 75, ..., 975 of every chain,
        chain-major; the same positions for every column, so rows across columns are joint draws.
    meta : the rest of reference.json (source commit, reference run settings, dimensions).
    """

    name: str
    data: dict
    summary: dict
    draws: dict
    meta: dict

    @property
    def columns(self) -> list[str]:
        """Reference column names in posteriordb's order ("theta[1]", ..., "mu", "tau")."""
        return list(self.summary)

    @property
    def shapes(self) -> dict[str, tuple[int, ...]]:
        """Variable name -> shape implied by the columns: {"theta": (8,), "mu": ()}."""
        return {base: shape for base, (shape, _) in _variables(self.columns).items()}


# ------------------------------------------------------------------------------------------
# loading
# ------------------------------------------------------------------------------------------
def list_posteriors() -> list[str]:
    """Names of the posteriors stored next to this module."""
    return sorted(d for d in os.listdir(ROOT) if os.path.isfile(os.path.join(ROOT, d, "reference.json")))


def _read_data(folder: str) -> dict:
    plain = os.path.join(folder, "data.json")
    if os.path.exists(plain):
        with open(plain, "r", encoding="utf-8") as fh:
            return json.load(fh)
    with zipfile.ZipFile(plain + ".zip") as zf:
        members = [m for m in zf.namelist() if m.endswith(".json") and not m.startswith("__MACOSX")]
        if len(members) != 1:
            raise ValueError(f"{plain}.zip: expected one JSON member, found {members}")
        return json.loads(zf.read(members[0]).decode("utf-8"))


def _to_numpy(value):
    if isinstance(value, list):
        array = np.asarray(value)
        return array.astype(np.int64 if array.dtype.kind in "iub" else np.float64)
    return value  # scalars stay Python ints / floats, as Stan's data block declares them


def load_posterior(name: str) -> Posterior:
    """Load one posterior's data, reference summary and 200 reference draws."""
    folder = os.path.join(ROOT, name)
    if not os.path.isfile(os.path.join(folder, "reference.json")):
        raise KeyError(f"no posterior {name!r} in {ROOT}; known: {list_posteriors()}")
    with open(os.path.join(folder, "reference.json"), "r", encoding="utf-8") as fh:
        record = json.load(fh)
    data = {key: _to_numpy(value) for key, value in _read_data(folder).items()}
    draws = {column: np.asarray(values, dtype=np.float64) for column, values in record.pop("draws").items()}
    summary = record.pop("summary")
    return Posterior(name=name, data=data, summary=summary, draws=draws, meta=record)


# ------------------------------------------------------------------------------------------
# Stan column names <-> whole variables
# ------------------------------------------------------------------------------------------
def _parse(column: str) -> tuple[str, tuple[int, ...]]:
    match = _COLUMN.match(column.strip())
    if not match:
        raise ValueError(f"cannot parse column name {column!r}")
    base, index = match.group(1), match.group(2)
    return base, () if index is None else tuple(int(i) for i in index.split(","))


def _variables(columns) -> dict[str, tuple[tuple[int, ...], list[tuple[str, tuple[int, ...]]]]]:
    """Group columns by variable: base -> (shape, [(column, 0-based index), ...])."""
    parts: dict[str, list] = {}
    for column in columns:
        base, index = _parse(column)
        parts.setdefault(base, []).append((column, tuple(i - 1 for i in index)))
    out = {}
    for base, members in parts.items():
        depth = {len(index) for _, index in members}
        if len(depth) != 1:
            raise ValueError(f"{base}: columns mix index depths {sorted(depth)}")
        shape = tuple(max(index[k] for _, index in members) + 1 for k in range(depth.pop()))
        out[base] = (shape, members)
    return out


def column_names(name: str, shape: tuple[int, ...]) -> list[str]:
    """Stan column names of a variable, row-major: ("L", (2, 2)) -> L[1,1], L[1,2], L[2,1], L[2,2]."""
    return [f"{name}[{','.join(str(i + 1) for i in index)}]" if shape else name for index in np.ndindex(*shape)]


def constrained_reference_draws(posterior: str | Posterior) -> dict[str, np.ndarray]:
    """The 200 reference draws grouped by variable: {"theta": (200, 8), "mu": (200,)}.

    Rows are joint draws of all variables (constrained space, as Stan stores them), for checking
    a log density at points of the posterior."""
    post = posterior if isinstance(posterior, Posterior) else load_posterior(posterior)
    out = {}
    for base, (shape, members) in _variables(post.columns).items():
        array = np.full((len(next(iter(post.draws.values()))),) + shape, np.nan)
        for column, index in members:
            array[(slice(None),) + index] = post.draws[column]
        out[base] = array
    return out


def _flatten(samples, post: Posterior) -> dict[str, np.ndarray]:
    """{"theta": (C, D, 8), "mu[1]": (C, D)} -> {column: (C, D)} for the reference's columns."""
    if hasattr(samples, "posterior"):  # ArviZ InferenceData
        samples = {name: samples.posterior[name].values for name in samples.posterior.data_vars}
    variables = _variables(post.columns)
    out = {}
    for name, values in samples.items():
        array = np.asarray(values, dtype=np.float64)
        if name in post.summary and (name not in variables or variables[name][0] == ()):
            if array.ndim != 2:
                raise ValueError(f"{post.name}: {name!r} needs shape (chain, draw), got {array.shape}")
            out[name] = array
            continue
        if name not in variables:
            continue  # a latent or deterministic the reference does not store
        shape, members = variables[name]
        if array.ndim < 2 or array.shape[2:] != shape:
            raise ValueError(f"{post.name}: {name!r} needs shape (chain, draw, *{shape}), got {array.shape}")
        for column, index in members:
            out[column] = array[(slice(None), slice(None)) + index]
    return out


# ------------------------------------------------------------------------------------------
# comparison
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Comparison:
    """Result of ``compare``: one row per reference column, ``passed`` when every row is ok."""

    posterior: str
    rows: tuple
    missing: tuple
    z_tol: float
    sd_rtol: float

    @property
    def passed(self) -> bool:
        return not self.missing and all(row["ok"] for row in self.rows)

    @property
    def failures(self) -> list[dict]:
        return [row for row in self.rows if not row["ok"]]

    def table(self) -> str:
        lines = [
            f"{self.posterior}: {'PASS' if self.passed else 'FAIL'} (mean within {self.z_tol} "
            f"combined MCSE; sd within {self.sd_rtol:.0%} or {self.z_tol} combined MCSE of the sd)",
            f"{'column':>12} {'ref_mean':>11} {'mean':>11} {'z_mean':>7} {'ref_sd':>10} "
            f"{'sd':>10} {'sd/ref':>7} {'z_sd':>7} {'ess':>7}  ok",
        ]
        for row in self.rows:
            lines.append(
                f"{row['column']:>12} {row['ref_mean']:>11.4g} {row['mean']:>11.4g} {row['z_mean']:>7.2f} "
                f"{row['ref_sd']:>10.4g} {row['sd']:>10.4g} {row['sd_ratio']:>7.3f} {row['z_sd']:>7.2f} "
                f"{row['ess_bulk']:>7.0f}  {'yes' if row['ok'] else 'NO: ' + row['why']}"
            )
        if self.missing:
            lines.append(f"missing from the samples: {list(self.missing)}")
        return "\n".join(lines)

    __str__ = table


def _sample_stats(x: np.ndarray) -> tuple[float, float, float, float, float]:
    """mean, sd, bulk ESS, MCSE of the mean, MCSE of the sd of draws (chain, draw)."""
    import arviz as az  # imported here: loading fixtures must not need arviz

    return (float(x.mean()), float(x.std(ddof=1)), float(az.ess(x, method="bulk")),
            float(az.mcse(x, method="mean")), float(az.mcse(x, method="sd")))


def _z(difference: float, se: float) -> float:
    if se > 0:
        return difference / se
    return 0.0 if difference == 0 else math.inf


def compare(samples, posterior: str | Posterior, *, z_tol: float = 4.0, sd_rtol: float = 0.10,
            sd_z: bool = True, min_ess: float = 100.0) -> Comparison:
    """Compare a sampler's draws with the reference, column by column.

    Parameters
    ----------
    samples : dict of name -> array (chain, draw, *shape), or an ArviZ InferenceData. A name is
        a whole variable ("theta", trailing shape (8,)) or a Stan column ("theta[3]", "L[1,2]").
    posterior : a posteriordb name or a loaded ``Posterior``.
    z_tol : the sample mean must lie within ``z_tol`` combined Monte Carlo standard errors of
        the reference mean, sqrt(mcse_ref^2 + mcse_ours^2), ours from ArviZ (bulk-ESS based).
    sd_rtol : the sample sd must lie within this relative distance of the reference sd ...
    sd_z : ... or, when True, within ``z_tol`` combined MCSEs of the sd (delta method). A fixed
        10% alone fails a correct sampler on heavy-tailed columns (eight schools' tau) at a few
        thousand draws; the MCSE allowance widens only where the Monte Carlo error is that large.
    min_ess : a column whose bulk ESS is below this fails: a stuck sampler has huge MCSEs and
        would otherwise pass vacuously.

    Returns
    -------
    Comparison with ``.passed``, ``.failures`` and ``.table()``.

    Example
    -------
    >>> post = load_posterior("arK-arK")
    >>> draws = constrained_reference_draws(post)
    >>> compare({k: v.reshape((10, 20) + v.shape[1:]) for k, v in draws.items()}, post).passed
    True
    """
    post = posterior if isinstance(posterior, Posterior) else load_posterior(posterior)
    flat = _flatten(samples, post)
    rows = []
    for column in post.columns:
        if column not in flat:
            continue
        ref = post.summary[column]
        mean, sd, ess_bulk, mcse_mean, mcse_sd = _sample_stats(flat[column])
        z_mean = _z(mean - ref["mean"], math.hypot(ref["mcse_mean"], mcse_mean))
        z_sd = _z(sd - ref["sd"], math.hypot(ref["mcse_sd"], mcse_sd))
        sd_ratio = sd / ref["sd"] if ref["sd"] > 0 else math.inf
        why = []
        if not (math.isfinite(mean) and math.isfinite(sd)):
            why.append("non-finite draws")
        if not abs(z_mean) <= z_tol:
            why.append("mean")
        if not (abs(sd_ratio - 1.0) <= sd_rtol or (sd_z and abs(z_sd) <= z_tol)):
            why.append("sd")
        if not ess_bulk >= min_ess:
            why.append(f"ess<{min_ess:g}")
        rows.append(dict(column=column, ref_mean=ref["mean"], mean=mean, z_mean=z_mean,
                         ref_sd=ref["sd"], sd=sd, sd_ratio=sd_ratio, z_sd=z_sd,
                         ess_bulk=ess_bulk, mcse_mean=mcse_mean, mcse_sd=mcse_sd,
                         ok=not why, why=", ".join(why)))
    missing = tuple(column for column in post.columns if column not in flat)
    return Comparison(posterior=post.name, rows=tuple(rows), missing=missing, z_tol=z_tol, sd_rtol=sd_rtol)
