"""Euler-Maruyama discretisation of an SDE, PyMC's ``EulerMaruyama(dt, sde_fn, sde_pars)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor
from torch.distributions import Distribution as _TorchDistribution

from . import constraints
from ._broadcast import promote_parameters
from .distribution import Continuous
from .normal import Normal

__all__ = ["EulerMaruyama"]

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class EulerMaruyama(Continuous):
    r"""A path of ``dX = f(X, \theta) dt + g(X, \theta) dW`` on a grid of step ``dt``.

    .. math:: x_{t+1} \mid x_t \sim \mathcal N\bigl(x_t + f(x_t)\,\Delta t,\;
              g(x_t) \sqrt{\Delta t}\bigr), \qquad x_0 \sim \text{init\_dist}

    ``sde_fn(x, *sde_pars)`` returns ``(f, g)`` and must act elementwise (torch
    broadcasting): the log density calls it once on the whole path ``x[..., :-1]``, with every
    parameter given a trailing time axis (``p[..., None]``, as PyMC does), so the density has no
    loop over time. Drawing loops over time, which the recursion needs.

    Parameters
    ----------
    dt : float or Tensor
        Time step, ``> 0``.
    sde_fn : callable
        ``sde_fn(x, *sde_pars) -> (drift, diffusion)``.
    sde_pars : sequence of Tensor
        Parameters passed to ``sde_fn``; each has the path's batch shape (or broadcasts to it).
    init_dist : Distribution, optional
        Univariate law of ``x_0``; default ``Normal(0, 100)``.
    steps : int
        Steps after ``x_0`` (the path has ``steps + 1`` values). Inside a model it may come
        from ``shape``/``dims``/``observed``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import EulerMaruyama, Normal
    >>> def ornstein_uhlenbeck(x, theta, sigma):
    ...     return -theta * x, sigma
    >>> path = EulerMaruyama(0.1, ornstein_uhlenbeck, (1.0, 0.5), init_dist=Normal(0.0, 1.0),
    ...                      steps=20)
    >>> path.sample((3,)).shape
    torch.Size([3, 21])
    """

    arg_constraints = {"dt": constraints.positive}
    nested_params = {"sde_pars": 0, "init_dist": 0}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, dt, sde_fn, sde_pars=(), *, init_dist=None, steps=None,
                 validate_args=False):
        if not callable(sde_fn):
            raise TypeError("EulerMaruyama: sde_fn must be a function (x, *sde_pars) -> (f, g)")
        self.dt, *parameters = promote_parameters(dt, *sde_pars)
        self.sde_fn, self.sde_pars = sde_fn, tuple(parameters)
        if steps is None or int(steps) < 1:
            raise ValueError("EulerMaruyama: give steps >= 1 (the path has steps + 1 values), "
                             "or shape/dims/observed when it is a model variable")
        self.steps = int(steps)
        if init_dist is None:
            init_dist = Normal(self.dt.new_zeros(()), 100.0)
        if not isinstance(init_dist, _TorchDistribution) or init_dist.event_shape:
            raise ValueError("EulerMaruyama: init_dist must be a univariate distribution")
        self.init_dist = init_dist
        batch_shape = torch.broadcast_shapes(self.dt.shape, init_dist.batch_shape,
                                             *(p.shape for p in self.sde_pars))
        super().__init__(batch_shape, torch.Size((self.steps + 1,)), validate_args=validate_args)

    @classmethod
    def steps_from_shape(cls, shape, params: dict) -> int:
        return shape[-1] - 1

    def _transition(self, previous: Tensor, parameters, dt) -> tuple[Tensor, Tensor]:
        drift, diffusion = self.sde_fn(previous, *parameters)
        return previous + dt * drift, torch.sqrt(dt) * diffusion

    def log_prob(self, value: Tensor) -> Tensor:
        with_time = [p.unsqueeze(-1) for p in self.sde_pars]
        mean, scale = self._transition(value[..., :-1], with_time, self.dt.unsqueeze(-1))
        z = (value[..., 1:] - mean) / scale
        path = (-0.5 * z * z - torch.log(torch.as_tensor(scale)) - _HALF_LOG_2PI).sum(-1)
        return self.init_dist.log_prob(value[..., 0]) + path

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        shape = torch.Size(sample_shape) + self.batch_shape
        prefix = shape[:len(shape) - len(self.init_dist.batch_shape)]
        law = self.init_dist
        state = (law.rsample(prefix) if law.has_rsample else law.sample(prefix)).expand(shape)
        noise = torch.randn((self.steps,) + shape, dtype=self.dt.dtype, device=self.dt.device)
        path = [state]
        for t in range(self.steps):
            mean, scale = self._transition(path[-1], self.sde_pars, self.dt)
            path.append(mean + scale * noise[t])
        return torch.stack(path, dim=-1)

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        with torch.no_grad():
            return self.rsample(sample_shape)
