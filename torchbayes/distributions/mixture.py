"""Finite mixtures, PyMC's ``Mixture(w, comp_dists)``.

The components are either a list of distributions of any families (one per component, each
with the mixture's batch and event shapes, or shapes that broadcast to them), or one
distribution whose *last batch axis* indexes the components. Multivariate components (an
``event_shape`` of ``(k,)`` or more) mix whole vectors.

Inside a model, component parameters may be model variables: ``tb.Normal.dist(mu[0], s)``
becomes a recipe that the mixture's variable rebuilds at each evaluation (see
``torchbayes/model/composed.py``); :class:`~.normal_mixture.NormalMixture` covers the common
all-normal case with plain tensor parameters.
"""
from __future__ import annotations

import math
from numbers import Number

import torch
from torch import Tensor

from . import constraints
from .distribution import Distribution, as_tensor_param

__all__ = ["Mixture"]


def _same_constraint(first: constraints.Constraint, second: constraints.Constraint) -> bool:
    if first is second:
        return True
    if type(first) is not type(second):
        return False
    bounds = ("lower_bound", "upper_bound")
    for name in bounds:
        a, b = getattr(first, name, None), getattr(second, name, None)
        if not (isinstance(a, Number) and isinstance(b, Number) and a == b or a is b):
            return False
    return getattr(first, "event_dim", 0) == getattr(second, "event_dim", 0)


def _union_support(supports: list, event_dims: int) -> constraints.Constraint:
    """The components' common support, or the smallest simple constraint holding all of them."""
    first = supports[0]
    if all(_same_constraint(first, other) for other in supports[1:]):
        return first
    lower = [getattr(s, "lower_bound", None) for s in supports]
    nonnegative = event_dims == 0 and all(isinstance(b, Number) and b >= 0 for b in lower) \
        and all(getattr(s, "upper_bound", math.inf) == math.inf for s in supports
                if isinstance(getattr(s, "upper_bound", math.inf), Number))
    if all(s.is_discrete for s in supports):
        return constraints.nonnegative_integer if nonnegative \
            else constraints.integer_interval(-math.inf, math.inf)
    if nonnegative:
        return constraints.nonnegative
    return constraints.independent(constraints.real, event_dims) if event_dims \
        else constraints.real


class Mixture(Distribution):
    r"""A finite mixture: ``value`` comes from component ``i`` with probability ``w[..., i]``.

    .. math:: \log p(x) = \log \sum_{i=1}^K w_i\, p_i(x)
              = \operatorname{logsumexp}_i (\log w_i + \log p_i(x))

    Parameters
    ----------
    w : Tensor, shape ``(..., K)``
        Mixture weights on the simplex (last axis).
    comp_dists : list of Distribution, or Distribution
        ``K`` component distributions of any families (same event shape), or one distribution
        whose batch shape ends in ``K``.

    Notes
    -----
    Draws are ancestral: a component index from ``Categorical(w)``, then that component's
    draw (every component is drawn, one is kept, so drawing stays a batched tensor operation).
    ``cdf``/``logcdf``/``logccdf`` exist for univariate mixtures whose components have them.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import Mixture, Normal, StudentT
    >>> d = Mixture(torch.tensor([0.3, 0.7]), [Normal(-1.0, 1.0), StudentT(4.0, 2.0, 1.0)])
    >>> d.sample((5,)).shape
    torch.Size([5])
    >>> batched = Mixture(torch.tensor([0.5, 0.5]), Normal(torch.tensor([-2.0, 2.0]), 1.0))
    >>> round(float(batched.log_prob(torch.tensor(0.0))), 4)
    -2.9189
    """

    arg_constraints = {"w": constraints.simplex}
    # Parameters holding distributions (the model layer rebuilds them from their parameters);
    # the value is how many trailing batch axes a single distribution there has beyond the
    # mixture's batch: one, the component axis.
    nested_params = {"comp_dists": 1}
    has_rsample = False
    is_discrete = False  # per instance: whether every component is discrete

    def __init__(self, w, comp_dists, *, validate_args=False):
        if isinstance(comp_dists, (list, tuple)):
            if not comp_dists:
                raise ValueError("Mixture: comp_dists is empty; give at least one component")
            self.components = list(comp_dists)
            self.batched_component = None
            shapes = {tuple(c.event_shape) for c in self.components}
            if len(shapes) > 1:
                raise ValueError(f"Mixture: components have different event shapes {shapes}")
            event_shape = self.components[0].event_shape
            try:
                component_batch = torch.broadcast_shapes(*(c.batch_shape for c in self.components))
            except RuntimeError:
                raise ValueError("Mixture: the components' batch shapes "
                                 f"{[tuple(c.batch_shape) for c in self.components]} do not "
                                 "broadcast") from None
            count = len(self.components)
        else:
            if not isinstance(comp_dists, torch.distributions.Distribution):
                raise TypeError("Mixture: comp_dists must be a list of distributions or one "
                                f"batched distribution, got {type(comp_dists).__name__}")
            if not comp_dists.batch_shape:
                raise ValueError("Mixture: one component distribution needs a last batch axis "
                                 "that indexes the components (batch shape (..., K)); give a "
                                 "list for components of different families")
            self.components = None
            self.batched_component = comp_dists
            event_shape = comp_dists.event_shape
            component_batch, count = comp_dists.batch_shape[:-1], comp_dists.batch_shape[-1]
        self.w = as_tensor_param(w)
        if self.w.dim() == 0 or self.w.shape[-1] != count:
            raise ValueError(f"Mixture: w has shape {tuple(self.w.shape)}, its last axis must "
                             f"hold the weights of the {count} components")
        self.n_components = count
        parts = self.components if self.components is not None else [self.batched_component]
        self.is_discrete = all(bool(part.support.is_discrete) for part in parts)
        try:
            batch_shape = torch.broadcast_shapes(self.w.shape[:-1], component_batch)
        except RuntimeError:
            raise ValueError(f"Mixture: w's batch shape {tuple(self.w.shape[:-1])} does not "
                             f"broadcast with the components' {tuple(component_batch)}") from None
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    # -- the components as one axis ----------------------------------------------------------
    @staticmethod
    def _stack(values: list[Tensor], event_dims: int = 0) -> Tensor:
        """Per-component tensors ``(..., *event)`` stacked on a component axis before the event."""
        return torch.stack(torch.broadcast_tensors(*values), dim=-1 - event_dims)

    def _component_log_prob(self, value: Tensor) -> Tensor:
        """``log p_i(value)``, shape ``(..., K)``."""
        if self.batched_component is not None:
            return self.batched_component.log_prob(value.unsqueeze(-1 - len(self.event_shape)))
        return self._stack([c.log_prob(value) for c in self.components])

    def _component_statistic(self, name: str) -> Tensor:
        """Component means or variances, shape ``(..., K, *event)``."""
        if self.batched_component is not None:
            return getattr(self.batched_component, name)
        return self._stack([getattr(c, name) for c in self.components], len(self.event_shape))

    def _weights_for_events(self) -> Tensor:
        return self.w.reshape(self.w.shape + (1,) * len(self.event_shape))

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> constraints.Constraint:
        parts = [self.batched_component] if self.batched_component is not None \
            else self.components
        return _union_support([c.support for c in parts], len(self.event_shape))

    @property
    def mean(self) -> Tensor:
        weights = self._weights_for_events()
        return (weights * self._component_statistic("mean")).sum(-1 - len(self.event_shape))

    @property
    def variance(self) -> Tensor:
        weights, axis = self._weights_for_events(), -1 - len(self.event_shape)
        means = self._component_statistic("mean")
        second = (weights * (self._component_statistic("variance") + means ** 2)).sum(axis)
        return second - (weights * means).sum(axis) ** 2

    def log_prob(self, value: Tensor) -> Tensor:
        return torch.logsumexp(torch.log(self.w) + self._component_log_prob(value), dim=-1)

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        sample_shape = torch.Size(sample_shape)
        shape = sample_shape + self.batch_shape
        with torch.no_grad():
            weights = self.w.expand(self.batch_shape + self.w.shape[-1:])
            flat = weights.reshape(-1, weights.shape[-1])
            index = torch.multinomial(flat, sample_shape.numel(), replacement=True)
            # (batch, S) -> (S, batch)
            index = index.T.reshape(sample_shape + self.batch_shape)
            def draw(component, batch_dims: int) -> Tensor:
                # the component draws what its batch lacks of the mixture's full shape
                return component.sample(shape[:len(shape) - batch_dims])
            if self.batched_component is not None:
                component = self.batched_component
                draws = draw(component, len(component.batch_shape) - 1)
                draws = draws.expand(shape + (self.n_components,) + self.event_shape)
            else:
                draws = torch.stack([draw(c, len(c.batch_shape)).expand(shape + self.event_shape)
                                     for c in self.components], dim=len(shape))
            index = index.reshape(shape + (1,) + (1,) * len(self.event_shape))
            index = index.expand(shape + (1,) + self.event_shape)
            return draws.gather(len(shape), index).squeeze(len(shape))

    def _mix_log(self, method: str, value: Tensor) -> Tensor:
        if self.event_shape:
            raise NotImplementedError("Mixture: cdfs exist for univariate mixtures only")
        if self.batched_component is not None:
            parts = getattr(self.batched_component, method)(value.unsqueeze(-1))
        else:
            parts = self._stack([getattr(c, method)(value) for c in self.components])
        return torch.logsumexp(torch.log(self.w) + parts, dim=-1)

    def logcdf(self, value: Tensor) -> Tensor:
        return self._mix_log("logcdf", value)

    def logccdf(self, value: Tensor) -> Tensor:
        return self._mix_log("logccdf", value)

    def cdf(self, value: Tensor) -> Tensor:
        return torch.exp(self.logcdf(value))
