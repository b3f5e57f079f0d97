"""GARCH(1,1) returns, PyMC's ``GARCH11(omega, alpha_1, beta_1, initial_vol)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Continuous

__all__ = ["GARCH11"]

_LOG_2PI = math.log(2 * math.pi)


class GARCH11(Continuous):
    r"""Returns ``r_t ~ N(0, sigma_t^2)`` whose variance follows the GARCH(1,1) recursion.

    .. math:: \sigma_0 = \text{initial\_vol}, \qquad
              \sigma_t^2 = \omega + \alpha_1 r_{t-1}^2 + \beta_1 \sigma_{t-1}^2

    The variance recursion is linear in ``sigma^2`` given the returns, so it is solved for
    every ``t`` at once rather than looped:
    ``sigma_t^2 = beta^t (sigma_0^2 + sum_{j<=t} beta^{-j} u_j)`` with
    ``u_j = omega + alpha r_{j-1}^2``, taken in log space
    (``t log beta + logaddexp(log sigma_0^2, logcumsumexp_j(log u_j - j log beta))``) and in
    float64, so neither ``beta^-j`` nor long series overflow. Drawing loops over time.

    Parameters
    ----------
    omega : float or Tensor
        Variance intercept, ``> 0``.
    alpha_1 : float or Tensor
        Weight of the last squared return, ``>= 0``.
    beta_1 : float or Tensor
        Weight of the last variance, ``>= 0`` (stationary when ``alpha_1 + beta_1 < 1``).
    initial_vol : float or Tensor
        ``sigma_0``, ``> 0``.
    steps : int
        Returns after the first: the series has ``steps + 1`` values. Inside a model it may
        come from ``shape``/``dims``/``observed``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import GARCH11
    >>> garch = GARCH11(0.1, 0.2, 0.7, 0.5, steps=49)
    >>> garch.sample((3,)).shape
    torch.Size([3, 50])
    """

    arg_constraints = {"omega": constraints.positive, "alpha_1": constraints.nonnegative,
                       "beta_1": constraints.nonnegative, "initial_vol": constraints.positive}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, omega, alpha_1, beta_1, initial_vol, *, steps=None, validate_args=False):
        self.omega, self.alpha_1, self.beta_1, self.initial_vol = broadcast_parameters(
            omega, alpha_1, beta_1, initial_vol)
        if steps is None or int(steps) < 1:
            raise ValueError("GARCH11: give steps >= 1 (the series has steps + 1 values), or "
                             "shape/dims/observed when it is a model variable")
        self.steps = int(steps)
        super().__init__(self.omega.shape, torch.Size((self.steps + 1,)),
                         validate_args=validate_args)

    @classmethod
    def steps_from_shape(cls, shape, params: dict) -> int:
        return shape[-1] - 1

    @property
    def mean(self) -> Tensor:
        return self.omega.new_zeros(self.batch_shape + self.event_shape)

    def log_variance(self, value: Tensor) -> Tensor:
        """``log sigma_t^2`` for every ``t`` given the returns ``value`` (``(..., T)``)."""
        dtype = value.dtype
        value = value.double()
        omega, alpha, beta, vol = (p.double().unsqueeze(-1) for p in
                                   (self.omega, self.alpha_1, self.beta_1, self.initial_vol))
        # beta = 0 is the limit of tiny beta; its log must stay finite for the t * log beta terms
        log_beta = torch.log(beta.clamp(min=torch.finfo(torch.float64).tiny))
        steps = torch.arange(1, value.shape[-1], dtype=torch.float64, device=value.device)
        log_u = torch.log(omega + alpha * value[..., :-1] ** 2)           # u_1 .. u_{T-1}
        accumulated = torch.logcumsumexp(log_u - steps * log_beta, dim=-1)
        log_initial = 2 * torch.log(vol)
        later = steps * log_beta + torch.logaddexp(log_initial, accumulated)
        first = log_initial.expand(later.shape[:-1] + (1,))
        return torch.cat([first, later], dim=-1).to(dtype)

    def log_prob(self, value: Tensor) -> Tensor:
        log_variance = self.log_variance(value)
        return -0.5 * (_LOG_2PI + log_variance + value ** 2 * torch.exp(-log_variance)).sum(-1)

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        noise = torch.randn(shape, dtype=self.omega.dtype, device=self.omega.device)
        variance = (self.initial_vol ** 2).expand(shape[:-1])
        returns = [noise[..., 0] * variance.sqrt()]
        for t in range(1, shape[-1]):
            variance = self.omega + self.alpha_1 * returns[-1] ** 2 + self.beta_1 * variance
            returns.append(noise[..., t] * variance.sqrt())
        return torch.stack(returns, dim=-1)

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        with torch.no_grad():
            return self.rsample(sample_shape)
