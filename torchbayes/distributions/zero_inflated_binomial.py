"""Zero-inflated binomial distribution, PyMC's ``ZeroInflatedBinomial(psi, n, p)``."""
from __future__ import annotations

from . import constraints
from ._broadcast import broadcast_parameters
from ._zero_inflated import ZeroInflated
from .binomial import Binomial

__all__ = ["ZeroInflatedBinomial"]


class ZeroInflatedBinomial(ZeroInflated):
    r"""Binomial counts with extra zeros: zero with probability ``1 - psi``, else Binomial(n, p).

    .. math:: p(0) = (1 - \psi) + \psi (1 - p)^n, \qquad
              p(k) = \psi \binom{n}{k} p^k (1 - p)^{n - k}, \; k = 1, \ldots, n

    Parameters
    ----------
    psi : float or Tensor
        Probability of a binomial draw, in ``[0, 1]``.
    n : int or Tensor
        Number of trials, a non-negative integer.
    p : float or Tensor
        Probability of success of each trial, in ``[0, 1]``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import ZeroInflatedBinomial
    >>> ZeroInflatedBinomial(0.5, 4, 0.5).log_prob(torch.tensor([0.0, 4.0, 5.0]))
    tensor([-0.6325, -3.4657,    -inf])
    """

    arg_constraints = {"psi": constraints.unit_interval, "n": constraints.nonnegative_integer,
                       "p": constraints.unit_interval}

    def __init__(self, psi, n, p, *, validate_args=False):
        psi, self.n, self.p = broadcast_parameters(psi, n, p)
        self._set_parts(psi, Binomial(self.n, self.p), validate_args)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self.n)
