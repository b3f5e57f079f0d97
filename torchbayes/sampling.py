"""``tb.sample``: the entry point that ties a model's density to the batched samplers.

The model gives one flat density (``logp_dlogp_function``); the MCMC layer runs all chains on
it as one batch and keeps only flat unconstrained draws; afterwards the constrained values and
deterministics are computed in batches and handed to ArviZ.
"""
from __future__ import annotations

import sys
import time
from typing import Any, Sequence

import numpy as np
import torch
from torch import Tensor

from .io import to_inference_data, to_numpy
from .mcmc import Kernel, ProgressBar, WindowAdaptation, initial_positions, run_mcmc
from .mcmc.step_methods import (CompoundStep, StepMethod, assign_step_methods,
                                compound_initial_positions, describe_steps)
from .model.context import modelcontext
from .model.density import DensityProgram
from .predictive.forward_sampling import data_groups

__all__ = ["sample", "posterior_values", "INIT_METHODS"]

# PyMC's init names, plus the gradient-based (Fisher) diagonal nutpie introduced.
INIT_METHODS = {
    "adapt_diag": (False, "diag"), "jitter+adapt_diag": (True, "diag"),
    "adapt_full": (False, "dense"), "jitter+adapt_full": (True, "dense"),
    "adapt_fisher": (False, "fisher"), "jitter+adapt_fisher": (True, "fisher"),
}
_STAT_NAMES = ("lp", "acceptance_rate", "diverging", "energy", "energy_error",
               "max_energy_error", "n_steps", "tree_depth", "reached_max_treedepth",
               "step_size", "step_size_bar")


def _generator(random_seed, device) -> torch.Generator:
    if random_seed is None:
        random_seed = int(np.random.SeedSequence().generate_state(1)[0])
    return torch.Generator(device=device).manual_seed(int(random_seed))


def _initial_vector(model, initvals: dict | None) -> Tensor:
    point = {rv.name: rv.value.detach() for rv in model.free_RVs}
    for name, value in (initvals or {}).items():
        if name not in point:
            raise KeyError(f'initvals: "{name}" is not a free variable of the model')
        point[name] = value
    return model.dict_to_array(point)


def _step_plan(model, step, *, tune: int, metric: str, target_accept: float,
               max_treedepth: int, progressbar: bool):
    """The kernel and its warm-up: a bare kernel as given, else the step methods assigned to
    the free variables (one Hamiltonian step over the whole vector runs as a bare kernel)."""
    if isinstance(step, Kernel) and not isinstance(step, (StepMethod, CompoundStep)):
        discrete = [rv.name for rv in model.free_RVs if rv.is_discrete]
        if discrete:
            raise TypeError(f"{type(step).__name__} runs on the whole flat vector, but "
                            f"{discrete} are discrete; pass step methods instead, e.g. "
                            "step=tb.mcmc.step_methods.NUTS() for the continuous variables")
        return step, None
    compound = assign_step_methods(model, step,
                                   step_kwargs={"nuts": {"max_treedepth": max_treedepth}})
    if progressbar:
        print(describe_steps(compound), file=sys.stderr)
    whole = compound.methods[0] if len(compound.methods) == 1 else None
    dim = sum(rv.unconstrained.numel() for rv in model.free_RVs)
    if whole is not None and whole.needs_gradient and torch.equal(
            whole.block.indices.cpu(), torch.arange(dim)):
        return whole, WindowAdaptation(tune, metric=metric,
                                       target_accept=whole.resolved_target_accept(target_accept))
    return compound, compound.adaptation(tune, metric=metric, target_accept=target_accept)


def posterior_values(model, flat_draws: Tensor, var_names: Sequence[str],
                     batch_size: int = 4096) -> dict[str, np.ndarray]:
    """Constrained values of ``var_names`` for flat draws of shape (C, D, d), in batches.

    Examples
    --------
    >>> import torchbayes as tb
    >>> with tb.Model() as m:
    ...     s = tb.HalfNormal("s", 1.0)
    >>> posterior_values(m, torch.zeros(2, 3, 1, dtype=torch.float64), ["s"])["s"].shape
    (2, 3)
    """
    chains, draws, dim = flat_draws.shape
    program = DensityProgram(model)
    nodes = [model[name] for name in var_names]
    flat = flat_draws.reshape(chains * draws, dim).to(dtype=model.dtype)
    pieces: dict[str, list[Tensor]] = {name: [] for name in var_names}
    with torch.no_grad():
        for start in range(0, max(flat.shape[0], 1), batch_size):
            chunk = flat[start:start + batch_size]
            for name, node, value in zip(var_names, nodes, program.values_of(chunk, nodes)):
                if value.dim() == node.dim():  # does not vary with the draws
                    value = value.expand((chunk.shape[0],) + tuple(value.shape))
                pieces[name].append(value)
    out = {}
    for name, node in zip(var_names, nodes):
        value = torch.cat(pieces[name]) if pieces[name] else torch.zeros((0,) + node.shape)
        value = value.reshape((chains, draws) + tuple(value.shape[1:]))
        out[name] = to_numpy(value, integer=getattr(node, "is_discrete", False))
    return out


def _stats_arrays(stats: dict[str, Tensor], kernel=None) -> dict[str, np.ndarray]:
    if isinstance(kernel, CompoundStep):  # its members' statistics, merged PyMC's way
        return {name: to_numpy(value) for name, value in kernel.sample_stats(stats).items()}
    return {name: to_numpy(value) for name, value in stats.items() if name in _STAT_NAMES}


def _log_likelihood(model, flat_draws: Tensor, batch_size: int = 4096) -> dict[str, np.ndarray]:
    program = DensityProgram(model)
    chains, draws, dim = flat_draws.shape
    flat = flat_draws.reshape(chains * draws, dim).to(dtype=model.dtype)
    pieces: dict[str, list[Tensor]] = {}
    with torch.no_grad():
        for start in range(0, flat.shape[0], batch_size):
            chunk = flat[start:start + batch_size]
            for name, value in program.observed_log_prob(chunk).items():
                pieces.setdefault(name, []).append(value)
    return {name: to_numpy(torch.cat(parts).reshape((chains, draws) + parts[0].shape[1:]))
            for name, parts in pieces.items()}


def _default_var_names(model) -> list[str]:
    imputed = [rv.name for rv in model.observed_RVs if rv.imputed is not None]
    return [rv.name for rv in model.free_RVs] + imputed + [d.name for d in model.deterministics]


def _stored_names(model, var_names) -> list[str]:
    # Checked before sampling: a typo must not cost the run its draws.
    model.trace_forward()   # a forward() model declares its variables when first run
    names = list(var_names or _default_var_names(model))
    unknown = [name for name in names if name not in model.named_vars]
    if unknown:
        raise KeyError(f"var_names: {unknown} are not variables of the model; it has "
                       f"{list(model.named_vars)}")
    return names


def build_inference_data(model, result, var_names, *, log_likelihood: bool,
                         attrs: dict[str, Any], kernel=None):
    """ArviZ data from a run's flat draws and statistics (constrained values computed here)."""
    groups = {
        "posterior": posterior_values(model, result.draws, var_names),
        "sample_stats": _stats_arrays(result.stats, kernel),
        **data_groups(model),
    }
    if result.warmup_draws is not None:
        groups["warmup_posterior"] = posterior_values(model, result.warmup_draws, var_names)
        groups["warmup_sample_stats"] = _stats_arrays(result.warmup_stats, kernel)
    if log_likelihood:
        groups["log_likelihood"] = _log_likelihood(model, result.draws)
    return to_inference_data(groups, dims=model.variable_dims(), coords=model.coords,
                             attrs=attrs)


def sample(draws: int = 1000, tune: int = 1000, chains: int = 4, step=None,
           init: str = "jitter+adapt_diag", target_accept: float = 0.8, random_seed=None,
           progressbar: bool = True, device=None, model=None, var_names=None,
           discard_tuned_samples: bool = True, initvals: dict | None = None,
           max_treedepth: int = 10, idata_kwargs: dict | None = None,
           resume: dict | None = None, stop_after: int | None = None,
           return_state: bool = False, compile: bool = False, threads: int | None = None):
    """Draw samples from the posterior with NUTS, all chains batched on the model's device.

    Parameters
    ----------
    draws, tune, chains : int
        Kept draws per chain, tuning iterations, number of chains (one batch).
    step : step method, list of step methods, CompoundStep or kernel, optional
        Step methods (``tb.mcmc.step_methods``: NUTS, Metropolis, Slice, ...) for some or all
        free variables; the rest are assigned automatically (NUTS for continuous,
        BinaryGibbsMetropolis for Bernoulli, CategoricalGibbsMetropolis for Categorical,
        Metropolis for other discrete) and one sweep applies each in turn. A bare kernel with
        ``init``/``step`` runs on the whole flat vector.
    init : str
        ``"jitter+adapt_diag"`` (default), ``"adapt_diag"``, ``"adapt_full"``,
        ``"jitter+adapt_full"``, ``"adapt_fisher"`` or ``"jitter+adapt_fisher"`` (nutpie's
        gradient-based diagonal mass matrix).
    target_accept : float
        Dual averaging's target acceptance statistic.
    random_seed : int, optional
        Same seed, same draws.
    progressbar : bool
        tqdm bar with draws/s, divergences and step size.
    device : optional
        Moves the model there first (``model.to(device)``).
    model : Model, optional
        Default: the enclosing ``with`` block's model.
    var_names : list of str, optional
        Variables stored in the posterior (default: free variables and deterministics).
    discard_tuned_samples : bool
        When False, the tuning draws are returned in ``warmup_posterior``.
    initvals : dict, optional
        Initial values (constrained) by name.
    idata_kwargs : dict, optional
        ``{"log_likelihood": True}`` adds the pointwise log likelihood group.
    resume : dict, optional
        A sampler state returned with ``return_state=True``; the run continues exactly.
    stop_after : int, optional
        Stop after this many iterations (tuning included), e.g. to checkpoint.
    return_state : bool
        Also return the sampler's whole state (a dict of tensors) for ``resume=``.
    compile : bool
        ``torch.compile`` the density and its gradient: several times faster per step on small
        models, after a compile of seconds (see docs/benchmarks.md); worth it for long runs.
    threads : int, optional
        torch's intra-op threads for this run (restored afterwards). One thread is fastest for
        small models on a busy CPU; large data sets gain from more. Default: torch's setting.

    Returns
    -------
    InferenceData (ArviZ 0.x) or DataTree (ArviZ 1.x); with ``return_state``, a tuple
    ``(idata, state)``. A KeyboardInterrupt returns the draws so far.

    Examples
    --------
    >>> import torchbayes as tb
    >>> with tb.Model():
    ...     x = tb.Normal("x", 0.0, 1.0)
    ...     idata = tb.sample(draws=50, tune=50, chains=2, random_seed=1, progressbar=False)
    >>> idata.posterior["x"].shape
    (2, 50)
    """
    model = modelcontext(model)
    if device is not None:
        model.to(device)
    previous_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(int(threads))
    try:
        return _sample(model, draws, tune, chains, step, init, target_accept, random_seed,
                       progressbar, var_names, discard_tuned_samples, initvals, max_treedepth,
                       idata_kwargs, resume, stop_after, return_state, compile)
    finally:
        torch.set_num_threads(previous_threads)


def _sample(model, draws, tune, chains, step, init, target_accept, random_seed, progressbar,
            var_names, discard_tuned_samples, initvals, max_treedepth, idata_kwargs, resume,
            stop_after, return_state, compile):
    if init not in INIT_METHODS:
        raise ValueError(f"init must be one of {sorted(INIT_METHODS)}, got {init!r}")
    jitter, metric = INIT_METHODS[init]
    var_names = _stored_names(model, var_names)
    density = model.logp_dlogp_function(compile=compile)
    generator = _generator(random_seed, model.device)
    kernel, adaptation = _step_plan(model, step, tune=tune, metric=metric,
                                    target_accept=target_accept, max_treedepth=max_treedepth,
                                    progressbar=progressbar)
    if resume is None:
        start = _initial_vector(model, initvals)
        if isinstance(kernel, CompoundStep):
            start = compound_initial_positions(kernel, density, start, chains, jitter, generator)
        else:
            start = initial_positions(density, start, chains, jitter=jitter, generator=generator)
    else:
        start = resume["kernel_state"]["position"]
        chains = start.shape[0]
    bar = ProgressBar(tune, draws, chains, disable=not progressbar,
                      initial=resume["iteration"] if resume else 0)
    began = time.perf_counter()
    try:
        result = run_mcmc(density, start, kernel, tune=tune, draws=draws, generator=generator,
                          metric=metric, target_accept=target_accept,
                          discard_tuned_samples=discard_tuned_samples, callback=bar,
                          state=resume, stop_after=stop_after, adaptation=adaptation)
    finally:
        bar.close()
    seconds = time.perf_counter() - began
    attrs = {"sampling_time": seconds, "tuning_steps": tune, "n_draws": draws,
             "interrupted": int(result.interrupted), "sampler": type(kernel).__name__,
             "init": init}
    idata_kwargs = idata_kwargs or {}
    idata = build_inference_data(model, result, var_names,
                                 log_likelihood=bool(idata_kwargs.get("log_likelihood")),
                                 attrs=attrs, kernel=kernel)
    return (idata, result.state_dict()) if return_state else idata
