"""Hypergeometric distribution, PyMC's ``HyperGeometric(N, k, n)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Discrete

__all__ = ["HyperGeometric"]


def _log_choose(total: Tensor, chosen: Tensor) -> Tensor:
    return torch.lgamma(total + 1) - torch.lgamma(chosen + 1) - torch.lgamma(total - chosen + 1)


class HyperGeometric(Discrete):
    r"""Successes among ``n`` draws without replacement from ``N`` items of which ``k`` succeed.

    .. math:: \log p(x) = \log\binom{k}{x} + \log\binom{N - k}{n - x} - \log\binom{N}{n},
              \quad \max(0, n - N + k) \le x \le \min(k, n)

    Parameters
    ----------
    N : int or Tensor
        Population size, a non-negative integer.
    k : int or Tensor
        Successes in the population, an integer in ``[0, N]``.
    n : int or Tensor
        Number of draws, an integer in ``[0, N]``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import HyperGeometric
    >>> HyperGeometric(10, 4, 3).log_prob(torch.tensor([0.0, 4.0]))
    tensor([-1.7918,    -inf])
    """

    arg_constraints = {"N": constraints.nonnegative_integer,
                       "k": constraints.nonnegative_integer,
                       "n": constraints.nonnegative_integer}

    def __init__(self, N, k, n, *, validate_args=False):
        self.N, self.k, self.n = broadcast_parameters(N, k, n)
        super().__init__(self.N.shape, validate_args=validate_args)

    @property
    def _lower(self) -> Tensor:
        return (self.n - self.N + self.k).clamp(min=0)

    @property
    def _upper(self) -> Tensor:
        return torch.minimum(self.k, self.n)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(self._lower, self._upper)

    @property
    def mean(self) -> Tensor:
        return self.n * self.k / self.N

    @property
    def variance(self) -> Tensor:
        success = self.k / self.N
        return self.n * success * (1 - success) * (self.N - self.n) / (self.N - 1)

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        # Inverse cdf on the grid 0 .. max(upper): one categorical draw per batch member.
        sample_shape = torch.Size(sample_shape)
        with torch.no_grad():
            grid = torch.arange(int(self._upper.max().item()) + 1, dtype=self.N.dtype,
                                device=self.N.device)
            probabilities = self.log_prob(grid.view((-1,) + (1,) * len(self.batch_shape))).exp()
            rows = probabilities.reshape(grid.numel(), -1).T
            draws = torch.multinomial(rows, sample_shape.numel(), replacement=True)
            return draws.T.reshape(sample_shape + self.batch_shape).to(self.N.dtype)

    def log_prob(self, value: Tensor) -> Tensor:
        inside = (value >= self._lower) & (value <= self._upper) & (value == value.floor())
        x = torch.where(inside, value, self._lower)
        logp = (_log_choose(self.k, x) + _log_choose(self.N - self.k, self.n - x)
                - _log_choose(self.N, self.n))
        return torch.where(inside, logp, -math.inf)
