"""Zero-sum normal distribution, PyMC's ``ZeroSumNormal(sigma, n_zerosum_axes, support_shape)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Continuous

__all__ = ["ZeroSumNormal"]

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class ZeroSumNormal(Continuous):
    r"""Normal vectors of length ``K`` constrained to sum to zero: ``N(0, sigma^2 (I - J / K))``.

    A draw is an i.i.d. ``N(0, sigma)`` vector minus its mean. The density is with respect to
    Lebesgue measure on the hyperplane (the ``K - 1`` dimensional measure that the default
    :class:`~torchbayes.transforms.ZeroSumTransform` preserves):

    .. math:: \log p(x) = -\tfrac12 \sum_i (x_i / \sigma)^2
              - (K - 1)\bigl(\log\sigma + \tfrac12 \log 2\pi\bigr), \quad \sum_i x_i = 0

    Parameters
    ----------
    sigma : float or Tensor
        Scale of the underlying normal, ``> 0``, of the batch shape (torch's shapes: PyMC
        writes the same scale with a trailing zero-sum axis of length one, left out here).
    n_zerosum_axes : int
        Number of trailing axes that sum to zero; only ``1`` (the last axis) for now, since
        the zero-sum constraint and transform act on one axis.
    support_shape : int or tuple of int
        ``(K,)``, the length of the zero-sum axis. Required for a bare distribution; a model
        variable reads it from its ``shape``, ``dims`` or ``observed`` when it is not given.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import ZeroSumNormal
    >>> ZeroSumNormal(1.0, support_shape=3).log_prob(torch.tensor([1.0, -0.5, -0.5]))
    tensor(-2.5879)
    """

    # n_zerosum_axes and support_shape are structural (they set the shapes): left out of
    # arg_constraints, so a model passes them unconverted, as RandomWalk's steps.
    arg_constraints = {"sigma": constraints.positive}
    support = constraints.sum_to_zero
    has_rsample = True

    def __init__(self, sigma=1.0, n_zerosum_axes=1, support_shape=None, *, validate_args=False):
        if int(n_zerosum_axes) != 1:
            raise NotImplementedError("ZeroSumNormal: only n_zerosum_axes=1 (the last axis) is "
                                      f"supported, got {n_zerosum_axes}")
        if support_shape is None:
            raise ValueError("ZeroSumNormal: give support_shape, the length of the zero-sum axis "
                             "(a model variable reads it from shape=, dims= or observed=)")
        if isinstance(support_shape, Tensor):
            support_shape = support_shape.long().tolist()
        size = (int(support_shape),) if isinstance(support_shape, (int, float)) \
            else tuple(int(s) for s in support_shape)
        if len(size) != 1 or size[0] < 1:
            raise ValueError(f"ZeroSumNormal: support_shape must be one length >= 1, got {size}")
        (self.sigma,) = broadcast_parameters(sigma)
        self.n_zerosum_axes = 1
        super().__init__(self.sigma.shape, torch.Size(size), validate_args=validate_args)

    @classmethod
    def support_shape_from_shape(cls, shape: torch.Size, params: dict) -> tuple[int, ...]:
        """``support_shape`` of a variable of ``shape`` (the model layer asks when none is
        given): its last ``n_zerosum_axes`` axes, as PyMC reads it."""
        return tuple(shape[len(shape) - int(params.get("n_zerosum_axes", 1)):])

    @property
    def mean(self) -> Tensor:
        return torch.zeros(self.batch_shape + self.event_shape, dtype=self.sigma.dtype,
                           device=self.sigma.device)

    @property
    def variance(self) -> Tensor:
        size = self.event_shape[0]
        return (self.sigma ** 2 * (1 - 1 / size)).unsqueeze(-1).expand(
            self.batch_shape + self.event_shape)

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        draws = torch.randn(shape, dtype=self.sigma.dtype, device=self.sigma.device)
        draws = draws * self.sigma.unsqueeze(-1)
        return draws - draws.mean(-1, keepdim=True)

    def log_prob(self, value: Tensor) -> Tensor:
        sigma = self.sigma.unsqueeze(-1)
        freedom = self.event_shape[0] - 1
        logp = (-0.5 * (value / sigma).pow(2).sum(-1)
                - freedom * (self.sigma.log() + _HALF_LOG_2PI))
        return torch.where(constraints.sum_to_zero.check(value), logp, -math.inf)
