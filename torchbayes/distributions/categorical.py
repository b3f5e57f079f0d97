"""Categorical distribution, PyMC's ``Categorical(p | logit_p)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Discrete

__all__ = ["Categorical"]


class Categorical(Discrete):
    r"""One draw from ``K`` categories ``0, ..., K - 1`` with probabilities ``p``.

    .. math:: \log p(k) = \log p_k

    Parameters
    ----------
    p : Tensor, shape ``(..., K)``
        Probabilities over the last axis (normalised here, as PyMC does).
    logit_p : Tensor, shape ``(..., K)``, optional
        Unnormalised log probabilities instead of ``p``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import Categorical
    >>> Categorical(torch.tensor([0.2, 0.8])).log_prob(torch.tensor([1.0, 2.0]))
    tensor([-0.2231,    -inf])
    """

    arg_constraints = {"p": constraints.simplex, "logit_p": constraints.real_vector}

    def __init__(self, p=None, *, logit_p=None, validate_args=False):
        if (p is None) == (logit_p is None):
            raise ValueError("Categorical: give exactly one of p or logit_p")
        if p is not None:
            (p,) = broadcast_parameters(p)
            self.log_p = torch.log(p / p.sum(-1, keepdim=True))
        else:
            (logit_p,) = broadcast_parameters(logit_p)
            self.log_p = logit_p - torch.logsumexp(logit_p, -1, keepdim=True)
        super().__init__(self.log_p.shape[:-1], validate_args=validate_args)

    @property
    def n_categories(self) -> int:
        return self.log_p.shape[-1]

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self.n_categories - 1)

    @property
    def p(self) -> Tensor:
        return self.log_p.exp()

    @property
    def logit_p(self) -> Tensor:
        return self.log_p

    def _moment(self, power: int) -> Tensor:
        categories = torch.arange(self.n_categories, dtype=self.log_p.dtype,
                                  device=self.log_p.device)
        return (self.p * categories ** power).sum(-1)

    @property
    def mean(self) -> Tensor:
        return self._moment(1)

    @property
    def mode(self) -> Tensor:
        return self.log_p.argmax(-1).to(self.log_p.dtype)

    @property
    def variance(self) -> Tensor:
        return self._moment(2) - self._moment(1) ** 2

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        sample_shape = torch.Size(sample_shape)
        probabilities = self.p.reshape(-1, self.n_categories)
        with torch.no_grad():
            draws = torch.multinomial(probabilities, sample_shape.numel(), replacement=True)
        draws = draws.T.reshape(sample_shape + self.batch_shape)
        return draws.to(self.log_p.dtype)

    def log_prob(self, value: Tensor) -> Tensor:
        inside = (value >= 0) & (value <= self.n_categories - 1) & (value == value.floor())
        index = torch.where(inside, value, 0.0).long()
        log_p, index = torch.broadcast_tensors(self.log_p, index.unsqueeze(-1))
        logp = log_p.gather(-1, index[..., :1]).squeeze(-1)
        return torch.where(inside, logp, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        cumulative = torch.cumsum(self.p, -1)
        index = value.floor().clamp(0, self.n_categories - 1).long().unsqueeze(-1)
        cumulative, index = torch.broadcast_tensors(cumulative, index)
        below = cumulative.gather(-1, index[..., :1]).squeeze(-1)
        return torch.where(value < 0, 0.0, below)

    def entropy(self) -> Tensor:
        return -(self.p * self.log_p).sum(-1)
