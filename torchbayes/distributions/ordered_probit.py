"""Ordered probit distribution, PyMC's ``OrderedProbit(eta, cutpoints, sigma=1)``."""
from __future__ import annotations

import torch
from torch.special import log_ndtr

from . import constraints
from ._broadcast import promote_parameters
from ._ordered import OrderedCategorical, padded_cutpoints
from ._special import log1mexp

__all__ = ["OrderedProbit"]


class OrderedProbit(OrderedCategorical):
    r"""Ordinal outcome ``0 .. K``: a normal latent ``N(eta, sigma)`` cut at ``K`` cutpoints.

    .. math:: P(y \le k) = \Phi\bigl((c_k - \eta) / \sigma\bigr), \qquad
              \log P(y = k) = \log\bigl(\Phi(h) - \Phi(l)\bigr)

    evaluated on the side of zero where both ``Phi`` are small (``Phi(h) - Phi(l) =
    Phi(-l) - Phi(-h)``), so that far-tail categories keep their digits.

    Parameters
    ----------
    eta : float or Tensor
        Mean of the latent variable.
    cutpoints : Tensor, shape ``(..., K)``
        Increasing cutpoints; there are ``K + 1`` categories.
    sigma : float or Tensor
        Standard deviation of the latent variable, ``> 0`` (default 1).

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import OrderedProbit
    >>> OrderedProbit(0.0, torch.tensor([-1.0, 1.0])).log_prob(torch.tensor([0.0, 1.0]))
    tensor([-1.8410, -0.3817])
    """

    arg_constraints = {"eta": constraints.real, "cutpoints": constraints.ordered_vector,
                       "sigma": constraints.positive}

    def __init__(self, eta, cutpoints, sigma=1.0, *, validate_args=False):
        eta, cutpoints, sigma = promote_parameters(eta, cutpoints, sigma)
        if cutpoints.dim() == 0:
            raise ValueError("OrderedProbit: cutpoints must be a vector (the last axis)")
        eta, _ = torch.broadcast_tensors(eta, sigma)
        self._set_shapes(eta, cutpoints, validate_args)
        self.sigma = sigma.expand(self.batch_shape)
        scale = self.sigma.unsqueeze(-1)
        lower, upper = padded_cutpoints(self.eta / self.sigma, self.cutpoints / scale)
        right_tail = lower > 0
        log_left = log_ndtr(upper) + log1mexp(log_ndtr(lower) - log_ndtr(upper))
        log_right = log_ndtr(-lower) + log1mexp(log_ndtr(-upper) - log_ndtr(-lower))
        self._log_p = torch.where(right_tail, log_right, log_left)
