"""ArviZ output: numpy arrays by group and name in, the installed ArviZ's data object out.

This is the bottom of layer L2: it knows arrays, dims and coords, never models or samplers.
On ArviZ 0.x the result is an ``InferenceData``; on ArviZ 1.x an ``xarray.DataTree``. Both
are built from ``xarray.Dataset`` objects, one per group.
"""
from __future__ import annotations

import datetime
from typing import Any, Mapping

import arviz as az
import numpy as np
import xarray as xr

__all__ = ["to_inference_data", "dataset", "to_numpy", "SAMPLE_GROUPS"]

# Groups whose variables carry (chain, draw) in front.
SAMPLE_GROUPS = ("posterior", "sample_stats", "log_likelihood", "prior", "prior_predictive",
                 "posterior_predictive", "predictions", "warmup_posterior",
                 "warmup_sample_stats")


def to_numpy(value, integer: bool = False) -> np.ndarray:
    """A tensor as a numpy array on the host; discrete values (held in floating tensors, torch's
    convention) rounded to int64 when ``integer``."""
    array = value.detach().cpu().numpy()
    return np.rint(array).astype(np.int64) if integer else array


def _dims_for(name: str, array: np.ndarray, leading: tuple[str, ...],
              dims: Mapping[str, tuple[str, ...]], coords: Mapping[str, Any]) -> list[str]:
    own = list(dims.get(name) or ())
    extra = array.ndim - len(leading)
    own = own[:extra]
    # dims whose coords have the wrong length (data replaced by set_data) fall back to defaults
    own = [d if d not in coords or len(coords[d]) == array.shape[len(leading) + i]
           else f"{name}_dim_{i}" for i, d in enumerate(own)]
    own += [f"{name}_dim_{i}" for i in range(len(own), extra)]
    return [*leading, *own]


def dataset(variables: Mapping[str, np.ndarray], *, leading: tuple[str, ...] = ("chain", "draw"),
            dims: Mapping[str, tuple[str, ...]] | None = None,
            coords: Mapping[str, Any] | None = None,
            attrs: Mapping[str, Any] | None = None) -> xr.Dataset:
    """An ``xarray.Dataset`` of arrays whose leading axes are ``leading``.

    Examples
    --------
    >>> ds = dataset({"x": np.zeros((2, 10, 3))}, dims={"x": ("k",)}, coords={"k": [1, 2, 3]})
    >>> dict(ds.sizes)
    {'chain': 2, 'draw': 10, 'k': 3}
    """
    dims, coords = dims or {}, coords or {}
    data_vars, used = {}, {}
    for name, array in variables.items():
        array = np.asarray(array)
        names = _dims_for(name, array, leading, dims, coords)
        data_vars[name] = (names, array)
        for axis, dim in enumerate(names):
            if dim in coords and len(coords[dim]) == array.shape[axis]:
                used[dim] = list(coords[dim])
            elif dim in ("chain", "draw"):
                used[dim] = np.arange(array.shape[axis])
    base = {"created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "inference_library": "torchbayes"}
    return xr.Dataset(data_vars, coords=used, attrs={**base, **(attrs or {})})


def to_inference_data(groups: Mapping[str, Mapping[str, np.ndarray]], *,
                      dims: Mapping[str, tuple[str, ...]] | None = None,
                      coords: Mapping[str, Any] | None = None,
                      attrs: Mapping[str, Any] | None = None):
    """Build the installed ArviZ's data object from ``{group: {name: array}}``.

    Sample groups (``posterior``, ``sample_stats``, ...) have ``(chain, draw)`` in front; data
    groups (``observed_data``, ``constant_data``, ...) do not.

    Examples
    --------
    >>> idata = to_inference_data({"posterior": {"mu": np.zeros((4, 100))},
    ...                            "observed_data": {"y": np.ones(3)}})
    >>> sorted(idata.groups())
    ['observed_data', 'posterior']
    """
    datasets = {}
    for group, variables in groups.items():
        if variables is None:
            continue
        leading = ("chain", "draw") if group in SAMPLE_GROUPS else ()
        group_attrs = attrs if group in ("posterior", "sample_stats") else None
        datasets[group] = dataset(variables, leading=leading, dims=dims, coords=coords,
                                  attrs=group_attrs)
    if hasattr(az, "InferenceData"):
        return az.InferenceData(**datasets)
    return xr.DataTree.from_dict(datasets)  # ArviZ 1.x
