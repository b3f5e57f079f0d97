"""Zero-inflated negative binomial distribution, PyMC's ``ZeroInflatedNegativeBinomial``."""
from __future__ import annotations

from . import constraints
from ._broadcast import broadcast_parameters
from ._zero_inflated import ZeroInflated
from .negative_binomial import NegativeBinomial

__all__ = ["ZeroInflatedNegativeBinomial"]


class ZeroInflatedNegativeBinomial(ZeroInflated):
    r"""Negative binomial counts with extra zeros: zero with probability ``1 - psi``.

    .. math:: p(0) = (1 - \psi) + \psi \Bigl(\frac{\alpha}{\mu + \alpha}\Bigr)^\alpha, \qquad
              p(k) = \psi\, \mathrm{NB}(k \mid \mu, \alpha), \; k = 1, 2, \ldots

    Parameters
    ----------
    psi : float or Tensor
        Probability of a negative binomial draw, in ``[0, 1]``.
    mu, alpha : float or Tensor
        Mean and dispersion of the negative binomial, ``> 0``; or
    p, n : float or Tensor
        its success probability in ``(0, 1]`` and number of successes ``> 0``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import ZeroInflatedNegativeBinomial
    >>> ZeroInflatedNegativeBinomial(0.5, mu=2.0, alpha=3.0).log_prob(torch.tensor([0.0, 1.0]))
    tensor([-0.4976, -2.0433])
    """

    arg_constraints = {"psi": constraints.unit_interval, **NegativeBinomial.arg_constraints}
    support = constraints.nonnegative_integer

    def __init__(self, psi, mu=None, alpha=None, *, p=None, n=None, validate_args=False):
        given = {k: v for k, v in {"mu": mu, "alpha": alpha, "p": p, "n": n}.items()
                 if v is not None}
        psi, *values = broadcast_parameters(psi, *given.values())
        base = NegativeBinomial(**dict(zip(given, values)))
        self.mu, self.alpha = base.mu, base.alpha
        self._set_parts(psi, base, validate_args)
