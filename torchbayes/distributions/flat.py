"""Improper flat distributions, PyMC's ``Flat()`` and ``HalfFlat()``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from .distribution import Continuous

__all__ = ["Flat", "HalfFlat"]


class Flat(Continuous):
    r"""Improper uniform density on the real line: ``log p(x) = 0``.

    It has no draws (``sample`` raises); a model gives such a variable a starting point
    instead. ``batch_shape`` sets how many independent values one instance describes.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import Flat
    >>> Flat().log_prob(torch.tensor([-3.0, 1e6]))
    tensor([0., 0.])
    """

    arg_constraints: dict = {}
    support = constraints.real

    def __init__(self, *, batch_shape=torch.Size(), validate_args=False):
        super().__init__(torch.Size(batch_shape), validate_args=validate_args)

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        raise NotImplementedError(
            f"{type(self).__name__} is improper and has no draws; give the variable an initial "
            f"value, or use a proper prior such as tb.Normal with a large sigma")

    def log_prob(self, value: Tensor) -> Tensor:
        return torch.zeros_like(value)


class HalfFlat(Flat):
    r"""Improper uniform density on the non-negative reals: 0 there, ``-inf`` below zero.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import HalfFlat
    >>> HalfFlat().log_prob(torch.tensor([3.0, -1.0]))
    tensor([0., -inf])
    """

    support = constraints.positive

    def log_prob(self, value: Tensor) -> Tensor:
        return torch.where(value >= 0, torch.zeros_like(value), -math.inf)
