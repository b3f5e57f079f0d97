"""Hurdle gamma distribution, PyMC's ``HurdleGamma(psi, alpha, beta | mu, sigma)``."""
from __future__ import annotations

from . import constraints
from ._broadcast import broadcast_parameters
from ._hurdle import Hurdle
from .distribution import Continuous
from .gamma import Gamma

__all__ = ["HurdleGamma"]


class HurdleGamma(Hurdle, Continuous):
    r"""Exactly zero with probability ``1 - psi``, otherwise a Gamma draw.

    .. math:: p(0) = 1 - \psi, \qquad p(x) = \psi\, \mathrm{Gamma}(x \mid \alpha, \beta), \; x > 0

    a density with respect to a point mass at zero plus Lebesgue measure (PyMC's definition).
    Meant for observed data and forward sampling: a free variable never reaches zero.

    Parameters
    ----------
    psi : float or Tensor
        Probability of a positive value, in ``[0, 1]``.
    alpha, beta : float or Tensor
        Shape and rate of the gamma part, ``> 0``; or
    mu, sigma : float or Tensor
        its mean and standard deviation, ``> 0``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import HurdleGamma
    >>> HurdleGamma(0.5, 2.0, 1.0).log_prob(torch.tensor([0.0, 1.0, -1.0]))
    tensor([-0.6931, -1.6931,    -inf])
    """

    arg_constraints = {"psi": constraints.unit_interval, **Gamma.arg_constraints}
    support = constraints.nonnegative

    def __init__(self, psi, alpha=None, beta=None, *, mu=None, sigma=None, validate_args=False):
        given = {k: v for k, v in {"alpha": alpha, "beta": beta, "mu": mu, "sigma": sigma}.items()
                 if v is not None}
        psi, *values = broadcast_parameters(psi, *given.values())
        base = Gamma(**dict(zip(given, values)))
        self.alpha, self.beta = base.alpha, base.beta
        self._set_parts(psi, base, validate_args)
