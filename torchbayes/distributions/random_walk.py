"""Random walks with any innovation law, PyMC's ``RandomWalk(init_dist, innovation_dist)``.

A walk of length ``T = steps + 1`` is ``x_0 ~ init_dist`` and ``x_t = x_{t-1} + e_t`` with
i.i.d. innovations ``e_t ~ innovation_dist``. The log density is vectorised over time:
``init_dist.log_prob(x_0) + sum_t innovation_dist.log_prob(diff(x)_t)``. Both laws have the
walk's batch shape (parameters per series, as in PyMC: the time axis is added, not shared);
they are evaluated with time moved to the front, so their batch shapes broadcast against the
series' batch dims and never against time. Multivariate innovations (event ``(k,)``) give
walks of event shape ``(T, k)``.
"""
from __future__ import annotations

import torch
from torch import Tensor
from torch.distributions import Distribution as _TorchDistribution

from . import constraints
from .distribution import Continuous

__all__ = ["RandomWalk"]


def _check_steps(family: str, steps) -> int:
    if steps is None:
        raise ValueError(f"{family}: give steps (the walk has steps + 1 values), or shape/dims/"
                         "observed when it is a model variable")
    steps = int(steps)
    if steps < 1:
        raise ValueError(f"{family}: steps must be >= 1, got {steps}")
    return steps


def time_first(value: Tensor, axis: int, event_dims: int, batch_rank: int) -> Tensor:
    """``value`` with its time ``axis`` moved to the front, then singleton dimensions after it
    until ``batch_rank`` dimensions precede the event: the laws' batch shapes meet the series'
    batch (a chain axis included) and never the time axis, whether or not ``value`` has one."""
    moved = value.movedim(axis, 0)
    missing = batch_rank - (moved.dim() - 1 - event_dims)
    return moved.reshape(moved.shape[:1] + (1,) * missing + moved.shape[1:]) if missing > 0 \
        else moved


class RandomWalk(Continuous):
    r"""A random walk: ``x_0 ~ init_dist``, ``x_t - x_{t-1} ~ innovation_dist``.

    .. math:: \log p(x) = \log p_0(x_0) + \sum_{t=1}^{T-1} \log p_e(x_t - x_{t-1})

    Parameters
    ----------
    init_dist : Distribution
        Law of the first value (same event shape as the innovations).
    innovation_dist : Distribution
        Law of each increment.
    steps : int
        Number of increments; the walk has ``steps + 1`` values along its time axis.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import Normal, RandomWalk, StudentT
    >>> walk = RandomWalk(Normal(0.0, 1.0), StudentT(3.0, 0.0, 1.0), steps=9)
    >>> walk.sample((4,)).shape
    torch.Size([4, 10])
    """

    arg_constraints: dict = {}
    nested_params = {"init_dist": 0, "innovation_dist": 0}

    def __init__(self, init_dist, innovation_dist, steps=None, *, validate_args=False):
        family = type(self).__name__
        for name, law in (("init_dist", init_dist), ("innovation_dist", innovation_dist)):
            if not isinstance(law, _TorchDistribution):
                raise TypeError(f"{family}: {name} must be a distribution, got "
                                f"{type(law).__name__}")
        if init_dist.event_shape != innovation_dist.event_shape:
            raise ValueError(f"{family}: init_dist and innovation_dist have event shapes "
                             f"{tuple(init_dist.event_shape)} and "
                             f"{tuple(innovation_dist.event_shape)}; they must agree")
        self.steps = _check_steps(family, steps)
        self.init_dist, self.innovation_dist = init_dist, innovation_dist
        batch_shape = torch.broadcast_shapes(init_dist.batch_shape, innovation_dist.batch_shape)
        event_shape = torch.Size((self.steps + 1,)) + innovation_dist.event_shape
        self.has_rsample = bool(init_dist.has_rsample and innovation_dist.has_rsample)
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    @classmethod
    def steps_from_shape(cls, shape: torch.Size, params: dict) -> int:
        """``steps`` for a variable of ``shape`` (the model layer asks when none is given)."""
        innovation = params.get("innovation_dist")
        return shape[-1 - len(getattr(innovation, "event_shape", ()))] - 1

    @property
    def _time_axis(self) -> int:
        return -1 - len(self.innovation_dist.event_shape)

    @constraints.dependent_property(is_discrete=False, event_dim=1)
    def support(self) -> constraints.Constraint:
        return constraints.independent(constraints.real, 1 + len(self.innovation_dist.event_shape))

    @property
    def mean(self) -> Tensor:
        steps = torch.arange(self.steps + 1, dtype=self.innovation_dist.mean.dtype,
                             device=self.innovation_dist.mean.device)
        steps = steps.reshape((-1,) + (1,) * len(self.innovation_dist.event_shape))
        value = self.init_dist.mean.unsqueeze(self._time_axis) \
            + steps * self.innovation_dist.mean.unsqueeze(self._time_axis)
        return value.expand(self.batch_shape + self.event_shape)

    @property
    def variance(self) -> Tensor:
        steps = torch.arange(self.steps + 1, dtype=self.innovation_dist.variance.dtype,
                             device=self.innovation_dist.variance.device)
        steps = steps.reshape((-1,) + (1,) * len(self.innovation_dist.event_shape))
        value = self.init_dist.variance.unsqueeze(self._time_axis) \
            + steps * self.innovation_dist.variance.unsqueeze(self._time_axis)
        return value.expand(self.batch_shape + self.event_shape)

    def log_prob(self, value: Tensor) -> Tensor:
        axis = self._time_axis
        initial = self.init_dist.log_prob(value.select(axis, 0))
        increments = time_first(torch.diff(value, dim=axis), axis,
                                len(self.innovation_dist.event_shape), len(self.batch_shape))
        return initial + self.innovation_dist.log_prob(increments).sum(0)

    def _draw(self, sample_shape, method: str) -> Tensor:
        shape = torch.Size(sample_shape) + self.batch_shape
        event = self.innovation_dist.event_shape

        def draw(law, leading=()):  # law's draws for the full batch shape, time in front
            prefix = torch.Size(leading) + shape[:len(shape) - len(law.batch_shape)]
            return getattr(law, method)(prefix).expand(torch.Size(leading) + shape + event)
        walk = torch.cat([draw(self.init_dist).unsqueeze(0),
                          draw(self.innovation_dist, (self.steps,))], dim=0)
        return walk.cumsum(0).movedim(0, self._time_axis)

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        if not self.has_rsample:
            raise NotImplementedError(f"{type(self).__name__}: a component has no rsample")
        return self._draw(sample_shape, "rsample")

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        with torch.no_grad():
            return self._draw(sample_shape, "sample")
