"""Zero-inflated Poisson distribution, PyMC's ``ZeroInflatedPoisson(psi, mu)``."""
from __future__ import annotations

from . import constraints
from ._broadcast import broadcast_parameters
from ._zero_inflated import ZeroInflated
from .poisson import Poisson

__all__ = ["ZeroInflatedPoisson"]


class ZeroInflatedPoisson(ZeroInflated):
    r"""Poisson counts with extra zeros: zero with probability ``1 - psi``, else Poisson(mu).

    .. math:: p(0) = (1 - \psi) + \psi e^{-\mu}, \qquad
              p(k) = \psi \frac{\mu^k e^{-\mu}}{k!}, \; k = 1, 2, \ldots

    Parameters
    ----------
    psi : float or Tensor
        Probability of a Poisson draw, in ``[0, 1]``.
    mu : float or Tensor
        Poisson mean, ``>= 0``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import ZeroInflatedPoisson
    >>> ZeroInflatedPoisson(0.5, 2.0).log_prob(torch.tensor([0.0, 2.0]))
    tensor([-0.5662, -2.0000])
    """

    arg_constraints = {"psi": constraints.unit_interval, "mu": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, psi, mu, *, validate_args=False):
        psi, self.mu = broadcast_parameters(psi, mu)
        self._set_parts(psi, Poisson(self.mu), validate_args)
