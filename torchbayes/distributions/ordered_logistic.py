"""Ordered logistic distribution, PyMC's ``OrderedLogistic(eta, cutpoints)``."""
from __future__ import annotations

from torch.nn.functional import softplus

from . import constraints
from ._broadcast import promote_parameters
from ._ordered import OrderedCategorical, padded_cutpoints
from ._special import log1mexp

__all__ = ["OrderedLogistic"]


class OrderedLogistic(OrderedCategorical):
    r"""Ordinal outcome ``0 .. K``: a logistic latent ``eta + e`` cut at ``K`` increasing cutpoints.

    .. math:: P(y \le k) = \sigma(c_k - \eta), \qquad
              \log P(y = k) = \log\bigl(\sigma(c_k - \eta) - \sigma(c_{k-1} - \eta)\bigr)

    computed as :math:`-\operatorname{softplus}(-h) - \operatorname{softplus}(l)
    + \log(1 - e^{l - h})` with ``h = c_k - eta``, ``l = c_{k-1} - eta``, exact in both tails.

    Parameters
    ----------
    eta : float or Tensor
        Location of the latent variable (a linear predictor).
    cutpoints : Tensor, shape ``(..., K)``
        Increasing cutpoints; there are ``K + 1`` categories.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import OrderedLogistic
    >>> OrderedLogistic(0.0, torch.tensor([-1.0, 1.0])).log_prob(torch.tensor([0.0, 1.0, 3.0]))
    tensor([-1.3133, -0.7719,    -inf])
    """

    arg_constraints = {"eta": constraints.real, "cutpoints": constraints.ordered_vector}

    def __init__(self, eta, cutpoints, *, validate_args=False):
        eta, cutpoints = promote_parameters(eta, cutpoints)
        if cutpoints.dim() == 0:
            raise ValueError("OrderedLogistic: cutpoints must be a vector (the last axis)")
        self._set_shapes(eta, cutpoints, validate_args)
        lower, upper = padded_cutpoints(self.eta, self.cutpoints)
        # sigma(h) - sigma(l) = sigma(h) sigma(-l) (1 - e^(l - h)).
        self._log_p = -softplus(-upper) - softplus(lower) + log1mexp(lower - upper)
