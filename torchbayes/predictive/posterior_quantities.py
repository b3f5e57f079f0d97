"""Quantities computed from posterior draws after sampling: log likelihood and deterministics.

Both evaluate the model's density program once over all draws (chain x draw rows), with the
free variables' values taken from the posterior.
"""
from __future__ import annotations

from typing import Sequence

import torch

from ..io import to_inference_data, to_numpy
from ..model.context import modelcontext
from ..model.density import DensityProgram
from .forward_sampling import posterior_arrays

__all__ = ["compute_log_likelihood", "compute_deterministics"]


def _program_at_posterior(model, idata) -> tuple[DensityProgram, int, int, int]:
    free = [rv.name for rv in model.free_RVs]
    values, chains, draws = posterior_arrays(idata, free)
    program = DensityProgram(model, grad_vars=[], jacobian=False)
    program.set_extra_values({name: torch.as_tensor(value) for name, value in values.items()})
    return program, chains, draws, chains * draws


def compute_log_likelihood(idata, model=None, var_names: Sequence[str] | None = None,
                           extend_inferencedata: bool = True):
    """Pointwise log likelihood of each observed variable at every posterior draw.

    Adds (or returns) the ``log_likelihood`` group, shapes ``(chain, draw, *observed shape)``,
    as ``az.loo`` and ``az.waic`` expect.

    Examples
    --------
    >>> import torchbayes as tb
    >>> with tb.Model():
    ...     mu = tb.Normal("mu", 0.0, 1.0)
    ...     y = tb.Normal("y", mu, 1.0, observed=[0.5, 1.5, 1.0])
    ...     idata = tb.sample(draws=20, tune=20, chains=2, progressbar=False, random_seed=1)
    ...     idata = tb.compute_log_likelihood(idata)
    >>> idata.log_likelihood["y"].shape
    (2, 20, 3)
    """
    model = modelcontext(model)
    program, chains, draws, rows = _program_at_posterior(model, idata)
    with torch.no_grad():
        values = program.observed_log_prob(torch.zeros(rows, 0, dtype=model.dtype,
                                                       device=model.device))
    names = list(var_names) if var_names is not None else list(values)
    group = {name: to_numpy(values[name].reshape((chains, draws) + values[name].shape[1:]))
             for name in names}
    result = to_inference_data({"log_likelihood": group}, dims=model.variable_dims(), coords=model.coords)
    if extend_inferencedata:
        idata.extend(result)
        return idata
    return result


def compute_deterministics(idata, model=None, var_names: Sequence[str] | None = None,
                           extend_inferencedata: bool = True):
    """Recompute deterministics from the posterior's free variables (all draws at once).

    Examples
    --------
    >>> import torchbayes as tb
    >>> with tb.Model() as m:
    ...     mu = tb.Normal("mu", 0.0, 1.0)
    ...     twice = tb.Deterministic("twice", 2 * mu)
    ...     idata = tb.sample(draws=20, tune=20, chains=2, progressbar=False, random_seed=1,
    ...                       var_names=["mu"])
    ...     idata = tb.compute_deterministics(idata)
    >>> bool((idata.posterior["twice"] == 2 * idata.posterior["mu"]).all())
    True
    """
    model = modelcontext(model)
    names = list(var_names) if var_names is not None else [d.name for d in model.deterministics]
    program, chains, draws, rows = _program_at_posterior(model, idata)
    nodes = [model[name] for name in names]
    with torch.no_grad():
        values = program.values_of(torch.zeros(rows, 0, dtype=model.dtype, device=model.device),
                                   nodes)
    group = {}
    for name, node, value in zip(names, nodes, values):
        if not program.batched[id(node)]:  # a function of data only: no draw axis yet
            value = value.expand((rows,) + tuple(value.shape))
        group[name] = to_numpy(value.reshape((chains, draws) + tuple(value.shape[1:])))
    if extend_inferencedata:
        posterior = idata.posterior
        for name, array in group.items():
            dims = ["chain", "draw"] + [f"{name}_dim_{i}" for i in range(array.ndim - 2)]
            if node_dims := model[name].dims:
                dims[2:2 + len(node_dims)] = list(node_dims)
            posterior[name] = (dims, array)
        return idata
    return to_inference_data({"posterior": group}, dims=model.variable_dims(), coords=model.coords)
