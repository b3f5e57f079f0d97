"""Autoregressive process of order p, PyMC's ``AR(rho, sigma | tau, constant, init_dist)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor
from torch.distributions import Distribution as _TorchDistribution

from . import constraints
from ._broadcast import promote_parameters
from .distribution import Continuous
from .normal import Normal
from .random_walk import time_first

__all__ = ["AR"]

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class AR(Continuous):
    r"""``x_t = c + \sum_{i=1}^p \rho_i x_{t-i} + \sigma \epsilon_t``, ``\epsilon_t \sim N(0, 1)``.

    The density conditions on the first ``p`` values, which ``init_dist`` models:

    .. math:: \log p(x) = \sum_{t<p} \log p_0(x_t) + \sum_{t \ge p}
              \log \mathcal N\Bigl(x_t \Bigm| c + \sum_{i=1}^p \rho_i x_{t-i}, \sigma\Bigr)

    The predictions for every ``t`` come from one ``unfold`` of the series into windows of
    ``p`` lags (no loop over time); drawing is a loop over time, which the recursion needs.

    Parameters
    ----------
    rho : Tensor, shape ``(..., p)`` or ``(..., p + 1)``
        Coefficients, ``rho[..., i - 1]`` for lag ``i``; with ``constant=True`` the first entry
        is the constant ``c`` and the lags follow (PyMC's layout).
    sigma : float or Tensor
        Innovation standard deviation, ``> 0`` (default 1); or give ``tau = sigma ** -2``.
    constant : bool
        Whether ``rho[..., 0]`` is a constant term.
    init_dist : Distribution, optional
        Law of the first ``p`` values: univariate (they are i.i.d. from it; its batch shape
        broadcasts with the series' batch) or with event shape ``(p,)``. Default
        ``Normal(0, 100)``.
    ar_order : int, optional
        ``p``; read from ``rho``'s last axis when absent.
    steps : int
        Values after the first ``p``: the series has ``steps + p`` values. Inside a model it
        may come from ``shape``/``dims``/``observed``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import AR
    >>> ar = AR(torch.tensor([0.5]), 1.0, steps=99)
    >>> ar.sample((4,)).shape
    torch.Size([4, 100])
    """

    arg_constraints = {"rho": constraints.real_vector, "sigma": constraints.positive,
                       "tau": constraints.positive}
    nested_params = {"init_dist": 0}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, rho, sigma=None, *, tau=None, constant: bool = False, init_dist=None,
                 ar_order: int | None = None, steps=None, validate_args=False):
        if sigma is not None and tau is not None:
            raise ValueError("AR: give sigma or tau, not both")
        if sigma is None:
            sigma = 1.0 if tau is None else promote_parameters(tau)[0] ** -0.5
        rho, sigma = promote_parameters(rho, sigma)
        self.rho = rho if rho.dim() else rho.unsqueeze(0)
        self.sigma, self.constant = sigma, bool(constant)
        self.ar_order = self._order(self.rho.shape[-1], self.constant, ar_order)
        if steps is None or int(steps) < 1:
            raise ValueError("AR: give steps >= 1 (the series has steps + ar_order values), or "
                             "shape/dims/observed when it is a model variable")
        self.steps = int(steps)
        if init_dist is None:
            init_dist = Normal(self.sigma.new_zeros(()), 100.0)
        if not isinstance(init_dist, _TorchDistribution):
            raise TypeError(f"AR: init_dist must be a distribution, got {type(init_dist).__name__}")
        if init_dist.event_shape not in ((), (self.ar_order,)):
            raise ValueError(f"AR: init_dist has event shape {tuple(init_dist.event_shape)}; it "
                             f"must be univariate or ({self.ar_order},)")
        self.init_dist = init_dist
        batch_shape = torch.broadcast_shapes(self.rho.shape[:-1], self.sigma.shape,
                                             init_dist.batch_shape)
        super().__init__(batch_shape, torch.Size((self.steps + self.ar_order,)),
                         validate_args=validate_args)

    @staticmethod
    def _order(length: int, constant: bool, ar_order: int | None) -> int:
        order = length - int(constant)
        if ar_order is not None and int(ar_order) != order:
            raise ValueError(f"AR: ar_order={ar_order} but rho has {length} entries"
                             f"{' with a constant' if constant else ''}")
        if order < 1:
            raise ValueError("AR: rho needs at least one lag coefficient")
        return order

    @classmethod
    def steps_from_shape(cls, shape, params: dict) -> int:
        rho = params.get("rho")
        length = rho.shape[-1] if getattr(rho, "shape", ()) else 1
        order = params.get("ar_order") or length - int(bool(params.get("constant", False)))
        return shape[-1] - order

    @property
    def _lags(self) -> Tensor:
        """Lag coefficients reversed, ``(..., p)``: the last entry weighs ``x_{t-1}``."""
        return self.rho[..., int(self.constant):].flip(-1)

    @property
    def _intercept(self) -> Tensor | float:
        return self.rho[..., 0] if self.constant else 0.0

    def _init_log_prob(self, first: Tensor) -> Tensor:
        if self.init_dist.event_shape:
            return self.init_dist.log_prob(first)
        # i.i.d. initial values: time in front, so the law's batch meets the series' batch
        return self.init_dist.log_prob(time_first(first, -1, 0, len(self.batch_shape))).sum(0)

    def log_prob(self, value: Tensor) -> Tensor:
        p = self.ar_order
        windows = value.unfold(-1, p, 1)[..., :-1, :]          # (..., T - p, p)
        prediction = (windows * self._lags.unsqueeze(-2)).sum(-1)
        intercept = self._intercept
        if isinstance(intercept, Tensor):
            intercept = intercept.unsqueeze(-1)
        z = (value[..., p:] - prediction - intercept) / self.sigma.unsqueeze(-1)
        innovations = (-0.5 * z * z - _HALF_LOG_2PI).sum(-1) \
            - (value.shape[-1] - p) * self.sigma.log()
        return self._init_log_prob(value[..., :p]) + innovations

    def _initial_draws(self, shape: torch.Size, sample_shape, method: str) -> Tensor:
        law, p = self.init_dist, self.ar_order
        if law.event_shape:
            prefix = shape[:len(shape) - len(law.batch_shape)]
            return getattr(law, method)(prefix).expand(shape + (p,))
        prefix = (p,) + shape[:len(shape) - len(law.batch_shape)]
        return getattr(law, method)(prefix).expand((p,) + shape).movedim(0, -1)

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        shape = torch.Size(sample_shape) + self.batch_shape
        method = "rsample" if self.init_dist.has_rsample else "sample"
        history = list(self._initial_draws(shape, sample_shape, method).unbind(-1))
        noise = torch.randn((self.steps,) + shape, dtype=self.sigma.dtype,
                            device=self.sigma.device) * self.sigma
        lags, intercept = self._lags, self._intercept
        for t in range(self.steps):
            recent = torch.stack(history[-self.ar_order:], dim=-1)
            history.append(intercept + (recent * lags).sum(-1) + noise[t])
        return torch.stack(history, dim=-1)

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        with torch.no_grad():
            return self.rsample(sample_shape)
