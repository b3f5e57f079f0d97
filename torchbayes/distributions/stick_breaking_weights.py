"""Truncated stick-breaking weights, PyMC's ``StickBreakingWeights(alpha, K)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Continuous

__all__ = ["StickBreakingWeights"]


class StickBreakingWeights(Continuous):
    r"""Weights of a Dirichlet process truncated at ``K`` breaks, a vector of length ``K + 1``.

    ``x_k = v_k prod_{l < k} (1 - v_l)`` for ``k <= K`` with ``v_k ~ Beta(1, alpha)``, and
    ``x_{K+1}`` the rest of the stick. On the first ``K`` coordinates of the simplex,

    .. math:: \log p(x) = -K \log B(1, \alpha) + (\alpha - 1)\log x_{K+1}
              - \sum_{k=1}^{K} \log \sum_{j \ge k} x_j

    Parameters
    ----------
    alpha : float or Tensor
        Concentration, ``> 0``.
    K : int
        Number of breaks, ``>= 1``.

    References
    ----------
    Ishwaran and James (2001), Gibbs sampling methods for stick-breaking priors, Journal of
    the American Statistical Association 96(453).

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import StickBreakingWeights
    >>> StickBreakingWeights(1.0, 2).log_prob(torch.tensor([0.5, 0.25, 0.25]))
    tensor(0.6931)
    """

    # K is structural (it sets the shapes): left out of arg_constraints, so a model
    # passes it unconverted, as RandomWalk's steps; the constructor checks it.
    arg_constraints = {"alpha": constraints.positive}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, alpha, K: int, *, validate_args=False):
        if int(K) < 1:
            raise ValueError(f"StickBreakingWeights: K must be >= 1, got {K}")
        self.K = int(K)
        (self.alpha,) = broadcast_parameters(alpha)
        super().__init__(self.alpha.shape, torch.Size([self.K + 1]), validate_args=validate_args)

    def _powers(self, base: Tensor) -> Tensor:
        """``base^0, ..., base^K`` along a new last axis."""
        exponents = torch.arange(self.K + 1, dtype=self.alpha.dtype, device=self.alpha.device)
        return base.unsqueeze(-1) ** exponents

    @property
    def mean(self) -> Tensor:
        # E[v] = 1 / (1 + alpha) and E[1 - v] = alpha / (1 + alpha), breaks independent.
        rest = self._powers(self.alpha / (1 + self.alpha))
        head = rest[..., :-1] / (1 + self.alpha).unsqueeze(-1)
        return torch.cat([head, rest[..., -1:]], -1)

    @property
    def variance(self) -> Tensor:
        # E[v^2] = 2 / ((1 + alpha)(2 + alpha)), E[(1 - v)^2] = alpha / (2 + alpha).
        rest = self._powers(self.alpha / (2 + self.alpha))
        scale = 2 / ((1 + self.alpha) * (2 + self.alpha))
        second = torch.cat([rest[..., :-1] * scale.unsqueeze(-1), rest[..., -1:]], -1)
        return second - self.mean ** 2

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        u = torch.rand(shape[:-1] + (self.K,), dtype=self.alpha.dtype, device=self.alpha.device)
        # Beta(1, alpha) by inversion: log(1 - v) = log(1 - u) / alpha.
        log_rest = torch.log1p(-u) / self.alpha.unsqueeze(-1)
        log_stick = torch.cumsum(log_rest, -1)
        before = torch.cat([torch.zeros_like(log_stick[..., :1]), log_stick[..., :-1]], -1)
        breaks = torch.exp(before) * -torch.expm1(log_rest)
        return torch.cat([breaks, torch.exp(log_stick[..., -1:])], -1)

    def log_prob(self, value: Tensor) -> Tensor:
        tolerance = math.sqrt(torch.finfo(value.dtype).eps) * value.shape[-1]
        inside = (value > 0).all(-1) & ((value.sum(-1) - 1).abs() <= tolerance)
        x = torch.where(inside.unsqueeze(-1), value, 1.0 / value.shape[-1])
        remaining = torch.flip(torch.cumsum(torch.flip(x, [-1]), -1), [-1])
        log_beta = -torch.log(self.alpha)            # log B(1, alpha) = -log alpha
        logp = (-self.K * log_beta + (self.alpha - 1) * torch.log(x[..., -1])
                - torch.log(remaining[..., :-1]).sum(-1))
        return torch.where(inside, logp, -math.inf)
