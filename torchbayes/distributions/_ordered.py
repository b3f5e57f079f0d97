"""What ordinal families share: categories ``0 .. K`` cut from a latent scale at ``K`` cutpoints.

A subclass computes the log probabilities of every category (``_log_p``, shape
``batch_shape + (K + 1,)``) from ``eta`` and ``cutpoints``; the support, ``log_prob``,
``sample`` and the moments follow here.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from .distribution import Discrete

__all__ = ["OrderedCategorical", "padded_cutpoints"]


def padded_cutpoints(eta: Tensor, cutpoints: Tensor) -> tuple[Tensor, Tensor]:
    """Latent distances ``(lower, upper)`` of each category's interval, ``batch + (K + 1,)``.

    Category ``k`` is ``c_{k-1} < latent <= c_k`` with ``c_{-1} = -inf`` and ``c_K = +inf``.
    """
    distance = cutpoints - eta.unsqueeze(-1)
    infinity = torch.full_like(distance[..., :1], math.inf)
    return torch.cat([-infinity, distance], -1), torch.cat([distance, infinity], -1)


class OrderedCategorical(Discrete):
    """Base of OrderedLogistic and OrderedProbit: categorical draws from ``_log_p``."""

    _log_p: Tensor

    def _set_shapes(self, eta: Tensor, cutpoints: Tensor, validate_args) -> None:
        batch_shape = torch.broadcast_shapes(eta.shape, cutpoints.shape[:-1])
        self.eta = eta.expand(batch_shape)
        self.cutpoints = cutpoints.expand(batch_shape + cutpoints.shape[-1:])
        Discrete.__init__(self, batch_shape, validate_args=validate_args)

    @property
    def n_categories(self) -> int:
        return self.cutpoints.shape[-1] + 1

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self.n_categories - 1)

    @property
    def p(self) -> Tensor:
        """Probabilities of the categories, ``batch_shape + (K + 1,)`` (PyMC's ``compute_p``)."""
        return self._log_p.exp()

    def _moment(self, power: int) -> Tensor:
        categories = torch.arange(self.n_categories, dtype=self.eta.dtype, device=self.eta.device)
        return (self.p * categories ** power).sum(-1)

    @property
    def mean(self) -> Tensor:
        return self._moment(1)

    @property
    def variance(self) -> Tensor:
        return self._moment(2) - self._moment(1) ** 2

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        sample_shape = torch.Size(sample_shape)
        with torch.no_grad():
            rows = self.p.reshape(-1, self.n_categories)
            draws = torch.multinomial(rows, sample_shape.numel(), replacement=True)
        return draws.T.reshape(sample_shape + self.batch_shape).to(self.eta.dtype)

    def cdf(self, value: Tensor) -> Tensor:
        k = value.floor().clamp(0, self.n_categories - 1).long().unsqueeze(-1)
        cumulative, k = torch.broadcast_tensors(torch.cumsum(self.p, -1), k)
        below = cumulative.gather(-1, k[..., :1]).squeeze(-1)
        return torch.where(value < 0, 0.0, below)

    def log_prob(self, value: Tensor) -> Tensor:
        inside = (value >= 0) & (value <= self.n_categories - 1) & (value == value.floor())
        index = torch.where(inside, value, 0.0).long()
        log_p, index = torch.broadcast_tensors(self._log_p, index.unsqueeze(-1))
        logp = log_p.gather(-1, index[..., :1]).squeeze(-1)
        return torch.where(inside, logp, -math.inf)
