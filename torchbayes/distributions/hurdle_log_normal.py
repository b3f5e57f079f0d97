"""Hurdle log-normal distribution, PyMC's ``HurdleLogNormal(psi, mu, sigma | tau)``."""
from __future__ import annotations

from . import constraints
from ._broadcast import broadcast_parameters
from ._hurdle import Hurdle
from .distribution import Continuous
from .log_normal import LogNormal

__all__ = ["HurdleLogNormal"]


class HurdleLogNormal(Hurdle, Continuous):
    r"""Exactly zero with probability ``1 - psi``, otherwise a LogNormal draw.

    .. math:: p(0) = 1 - \psi, \qquad p(x) = \psi\, \mathrm{LogNormal}(x \mid \mu, \sigma), \; x > 0

    a density with respect to a point mass at zero plus Lebesgue measure (PyMC's definition).
    Meant for observed data and forward sampling: a free variable never reaches zero.

    Parameters
    ----------
    psi : float or Tensor
        Probability of a positive value, in ``[0, 1]``.
    mu : float or Tensor
        Mean of the logarithm (default 0).
    sigma : float or Tensor
        Standard deviation of the logarithm, ``> 0`` (default 1); or
    tau : float or Tensor
        its precision ``1 / sigma^2``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import HurdleLogNormal
    >>> HurdleLogNormal(0.5, 0.0, 1.0).log_prob(torch.tensor([0.0, 1.0]))
    tensor([-0.6931, -1.6121])
    """

    arg_constraints = {"psi": constraints.unit_interval, **LogNormal.arg_constraints}
    support = constraints.nonnegative

    def __init__(self, psi, mu=0.0, sigma=None, *, tau=None, validate_args=False):
        given = {k: v for k, v in {"mu": mu, "sigma": sigma, "tau": tau}.items() if v is not None}
        psi, *values = broadcast_parameters(psi, *given.values())
        base = LogNormal(**dict(zip(given, values)))
        self.mu, self.sigma = base.mu, base.sigma
        self._set_parts(psi, base, validate_args)
