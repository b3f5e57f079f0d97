"""Mixture of normals, PyMC's ``NormalMixture(w, mu, sigma | tau)``."""
from __future__ import annotations

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from ._ndtr import ndtr
from .mixture import Mixture
from .normal import Normal

__all__ = ["NormalMixture"]


class NormalMixture(Mixture):
    r"""A mixture of ``K`` normals; every parameter has the component axis last.

    .. math:: \log p(x) = \operatorname{logsumexp}_i \bigl(\log w_i
              + \log \mathcal N(x \mid \mu_i, \sigma_i)\bigr)

    All parameters are tensors (no distribution objects), so inside a model any of them may be
    a model variable: this is the form to fit mixture means and scales.

    Parameters
    ----------
    w : Tensor, shape ``(..., K)``
        Weights on the simplex.
    mu : Tensor, shape ``(..., K)``
        Component means.
    sigma : Tensor, shape ``(..., K)``, optional
        Component standard deviations, ``> 0`` (default 1); or give ``tau = sigma ** -2``.
    tau : Tensor, shape ``(..., K)``, optional
        Component precisions.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import NormalMixture
    >>> d = NormalMixture(torch.tensor([0.5, 0.5]), torch.tensor([-2.0, 2.0]), 1.0)
    >>> round(float(d.log_prob(torch.tensor(0.0))), 4)
    -2.9189
    """

    # The component axis is part of each parameter's own (event) dimensions: a chain axis
    # goes in front of it, never between the batch and the components.
    arg_constraints = {"w": constraints.simplex,
                       "mu": constraints.independent(constraints.real, 1),
                       "sigma": constraints.independent(constraints.positive, 1),
                       "tau": constraints.independent(constraints.positive, 1)}
    nested_params: dict[str, int] = {}
    support = constraints.real
    has_rsample = False

    def __init__(self, w, mu, sigma=None, *, tau=None, validate_args=False):
        if sigma is not None and tau is not None:
            raise ValueError("NormalMixture: give sigma or tau, not both")
        if sigma is None:
            sigma = 1.0 if tau is None else broadcast_parameters(tau)[0] ** -0.5
        w, mu, sigma = broadcast_parameters(w, mu, sigma)
        if mu.dim() == 0:
            raise ValueError("NormalMixture: mu, sigma and w need a last axis indexing the "
                             "components")
        self.mu, self.sigma = mu, sigma
        super().__init__(w, Normal(mu, sigma), validate_args=validate_args)

    @property
    def tau(self) -> Tensor:
        return self.sigma ** -2

    def logcdf(self, value: Tensor) -> Tensor:
        return self._mix_log("logcdf", value)

    def logccdf(self, value: Tensor) -> Tensor:
        return self._mix_log("logccdf", value)

    def cdf(self, value: Tensor) -> Tensor:
        z = (value.unsqueeze(-1) - self.mu) / self.sigma
        return (self.w * ndtr(z)).sum(-1)
