"""Hurdle negative binomial distribution, PyMC's ``HurdleNegativeBinomial(psi, mu, alpha | p, n)``.
"""
from __future__ import annotations

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from ._hurdle import Hurdle
from .distribution import Discrete
from .negative_binomial import NegativeBinomial

__all__ = ["HurdleNegativeBinomial"]


class HurdleNegativeBinomial(Hurdle, Discrete):
    r"""Zero with probability ``1 - psi``, otherwise a negative binomial count given ``> 0``.

    .. math:: p(0) = 1 - \psi, \qquad
              p(k) = \psi \frac{\mathrm{NB}(k \mid \mu, \alpha)}
              {1 - \mathrm{NB}(0 \mid \mu, \alpha)}, \; k = 1, 2, \ldots

    Parameters
    ----------
    psi : float or Tensor
        Probability of a positive count, in ``[0, 1]``.
    mu, alpha : float or Tensor
        Mean and dispersion of the negative binomial before conditioning, ``> 0``; or
    p, n : float or Tensor
        its success probability in ``(0, 1)`` and number of successes ``> 0``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import HurdleNegativeBinomial
    >>> HurdleNegativeBinomial(0.5, mu=2.0, alpha=3.0).log_prob(torch.tensor([0.0, 1.0]))
    tensor([-0.6931, -1.8000])
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

    def _sample_positive(self, shape: torch.Size) -> Tensor:
        # NB is Poisson(lambda), lambda ~ Gamma(n, rate b), b = p / (1 - p). Given a positive
        # count, the first arrival t on [0, 1] has density prop. to (b + t)^-(n + 1), then
        # lambda | t ~ Gamma(n + 1, b + t) and the rest is Poisson(lambda (1 - t)): exact.
        n = self._base.n.expand(shape)
        rate = (self._base.n / self._base.mu).expand(shape)
        log_zero = n * self._base._log_p.expand(shape)
        u = torch.rand(shape, dtype=n.dtype, device=n.device)
        first = rate * torch.expm1(-torch.log1p(u * torch.expm1(log_zero)) / n)
        lam = torch._standard_gamma(n + 1) / (rate + first)
        return 1 + torch.poisson(lam * (1 - first).clamp(min=0))
