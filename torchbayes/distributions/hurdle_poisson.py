"""Hurdle Poisson distribution, PyMC's ``HurdlePoisson(psi, mu)``."""
from __future__ import annotations

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from ._hurdle import Hurdle
from .distribution import Discrete
from .poisson import Poisson

__all__ = ["HurdlePoisson"]


class HurdlePoisson(Hurdle, Discrete):
    r"""Zero with probability ``1 - psi``, otherwise a Poisson(mu) count conditioned on ``> 0``.

    .. math:: p(0) = 1 - \psi, \qquad
              p(k) = \psi \frac{\mu^k e^{-\mu} / k!}{1 - e^{-\mu}}, \; k = 1, 2, \ldots

    Unlike ZeroInflatedPoisson, every zero comes from the hurdle.

    Parameters
    ----------
    psi : float or Tensor
        Probability of a positive count, in ``[0, 1]``.
    mu : float or Tensor
        Mean of the Poisson before conditioning, ``> 0``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import HurdlePoisson
    >>> HurdlePoisson(0.5, 2.0).log_prob(torch.tensor([0.0, 1.0]))
    tensor([-0.6931, -1.8546])
    """

    arg_constraints = {"psi": constraints.unit_interval, "mu": constraints.positive}
    support = constraints.nonnegative_integer

    def __init__(self, psi, mu, *, validate_args=False):
        psi, self.mu = broadcast_parameters(psi, mu)
        self._set_parts(psi, Poisson(self.mu), validate_args)

    def _sample_positive(self, shape: torch.Size) -> Tensor:
        # Given at least one event of a rate-mu process on [0, 1], the first arrival t has
        # density mu e^(-mu t) / (1 - e^(-mu)); the events after it are Poisson(mu (1 - t)).
        mu = self.mu.expand(shape)
        u = torch.rand(shape, dtype=mu.dtype, device=mu.device)
        first = -torch.log1p(u * torch.expm1(-mu)) / mu
        return 1 + torch.poisson(mu * (1 - first).clamp(min=0))
