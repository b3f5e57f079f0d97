"""Prior and posterior predictive sampling: one batched evaluation over all draws.

Both run the model's generative program (:class:`~torchbayes.model.forward.ForwardProgram`)
once for every draw at the same time, on the model's device; nothing loops over draws in
Python. Every variable comes back as ``(chain, draw, *shape)``.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from ..io import to_inference_data, to_numpy
from ..model.context import modelcontext
from ..model.forward import ForwardProgram

__all__ = ["sample_prior_predictive", "sample_posterior_predictive", "forked_rng", "data_groups",
           "posterior_arrays"]


class forked_rng:
    """Seed torch's global generator (which families sample from) for a block, then restore it."""

    def __init__(self, random_seed, device):
        self.random_seed, self.device = random_seed, torch.device(device)
        devices = [self.device] if self.device.type == "cuda" else []
        self._fork = torch.random.fork_rng(devices=devices, enabled=random_seed is not None)

    def __enter__(self):
        self._fork.__enter__()
        if self.random_seed is not None:
            torch.manual_seed(int(self.random_seed))
        return self

    def __exit__(self, *exc):
        return self._fork.__exit__(*exc)


def _observed_array(rv) -> np.ndarray:
    data = to_numpy(rv.observed_value)
    if getattr(rv, "imputed", None) is not None:  # the buffer holds zeros where data was missing
        data = np.where(to_numpy(rv.observed_mask), data, np.nan)
    return data


def data_groups(model) -> dict:
    """The ``observed_data`` (NaN where imputed) and ``constant_data`` groups of a model."""
    return {
        "observed_data": {rv.name: _observed_array(rv) for rv in model.observed_RVs},
        "constant_data": {d.name: to_numpy(d.data) for d in model.data_vars} or None,
    }


def _reshaped(values: dict, chains: int, draws: int, model) -> dict[str, np.ndarray]:
    return {name: to_numpy(value.reshape((chains, draws) + tuple(value.shape[1:])),
                           integer=getattr(model[name], "is_discrete", False))
            for name, value in values.items()}


def sample_prior_predictive(draws: int = 500, model=None, var_names: Sequence[str] | None = None,
                            random_seed=None):
    """Draw from the prior and the prior predictive, all draws in one batched evaluation.

    Returns ArviZ data with ``prior`` (free variables and deterministics), ``prior_predictive``
    (observed variables) and ``observed_data``; shapes ``(1, draws, *shape)``.

    Examples
    --------
    >>> import torchbayes as tb
    >>> with tb.Model():
    ...     mu = tb.Normal("mu", 0.0, 1.0)
    ...     y = tb.Normal("y", mu, 1.0, observed=[0.5, 1.5])
    ...     prior = tb.sample_prior_predictive(100, random_seed=1)
    >>> prior.prior_predictive["y"].shape
    (1, 100, 2)
    """
    model = modelcontext(model)
    free = [rv.name for rv in model.free_RVs] + [d.name for d in model.deterministics]
    observed = [rv.name for rv in model.observed_RVs]
    names = list(var_names) if var_names is not None else free + observed
    with forked_rng(random_seed, model.device), torch.no_grad():
        values = ForwardProgram(model).draw(draws, names)
    values = _reshaped(values, 1, draws, model)
    groups = {
        "prior": {k: v for k, v in values.items() if k not in observed},
        "prior_predictive": {k: v for k, v in values.items() if k in observed},
        **data_groups(model),
    }
    return to_inference_data(groups, dims=model.variable_dims(), coords=model.coords)


def posterior_arrays(idata, names: Sequence[str]) -> tuple[dict[str, np.ndarray], int, int]:
    """Posterior values of ``names`` flattened to (chain * draw, *shape), with chains, draws."""
    posterior = idata.posterior if hasattr(idata, "posterior") else idata["posterior"]
    chains, draws = posterior.sizes["chain"], posterior.sizes["draw"]
    missing = [name for name in names if name not in posterior]
    if missing:
        raise KeyError(f"the posterior lacks {missing}; sample with these variables kept")
    flat = {name: np.asarray(posterior[name].values).reshape(
        (chains * draws,) + posterior[name].shape[2:]) for name in names}
    return flat, chains, draws


def sample_posterior_predictive(idata, model=None, var_names: Sequence[str] | None = None,
                                random_seed=None, predictions: bool = False,
                                extend_inferencedata: bool = False):
    """Draw the observed variables (or ``var_names``) given each posterior draw, all at once.

    With data replaced by ``tb.set_data`` the observed variables take the shape their
    parameters now have. ``predictions=True`` names the group ``predictions`` and adds
    ``predictions_constant_data``.

    Examples
    --------
    >>> import torchbayes as tb
    >>> with tb.Model():
    ...     mu = tb.Normal("mu", 0.0, 1.0)
    ...     y = tb.Normal("y", mu, 1.0, observed=[0.5, 1.5])
    ...     idata = tb.sample(draws=20, tune=20, chains=2, progressbar=False, random_seed=1)
    ...     ppc = tb.sample_posterior_predictive(idata, random_seed=2)
    >>> ppc.posterior_predictive["y"].shape
    (2, 20, 2)
    """
    model = modelcontext(model)
    free = [rv.name for rv in model.free_RVs]
    names = list(var_names) if var_names is not None else [rv.name for rv in model.observed_RVs]
    given, chains, draws = posterior_arrays(idata, free)
    with forked_rng(random_seed, model.device), torch.no_grad():
        values = ForwardProgram(model, given=free).draw(chains * draws, names, given)
    group = "predictions" if predictions else "posterior_predictive"
    groups = {group: _reshaped(values, chains, draws, model)}
    if predictions:
        groups["predictions_constant_data"] = data_groups(model)["constant_data"]
    else:
        groups.update(data_groups(model))
    result = to_inference_data(groups, dims=model.variable_dims(), coords=model.coords)
    if extend_inferencedata:
        idata.extend(result)
        return idata
    return result
