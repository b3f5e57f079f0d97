"""``tb.logp``: the log density of a variable's distribution at a value."""
from __future__ import annotations

import torch
from torch import Tensor

from .model.context import Evaluation, evaluating
from .model.node import _value_in
from .model.random_variable import RandomVariable, as_data_tensor

__all__ = ["logp"]


def logp(rv, value) -> Tensor:
    """Elementwise log density of ``rv``'s distribution at ``value`` (no Jacobian), with the
    parameters at the model's current values. ``rv`` may also be a bare distribution.

    Examples
    --------
    >>> import torchbayes as tb
    >>> with tb.Model():
    ...     z = tb.Normal("z", mu=0.0, sigma=5.0)
    >>> tb.logp(z, 2.5)
    tensor(-2.6534, dtype=torch.float64)
    >>> tb.logp(tb.Normal.dist(0.0, 1.0), 5.0)
    tensor(-13.4189)
    """
    if isinstance(rv, RandomVariable):
        evaluation = Evaluation(model=None)
        with evaluating(evaluation):
            distribution = rv.build_distribution(lambda node: _value_in(evaluation, node))
        dtype = rv.unconstrained.dtype if not rv.is_observed else rv.observed.dtype
        return distribution.log_prob(as_data_tensor(value, dtype, rv.name))
    if not isinstance(value, Tensor):
        value = torch.as_tensor(value, dtype=torch.get_default_dtype())
    return rv.log_prob(value)
