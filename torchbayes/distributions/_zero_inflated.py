"""What zero-inflated families share: extra zeros mixed into a count distribution.

With probability ``1 - psi`` the value is a structural zero, otherwise a draw from the
base count distribution (PyMC's ``psi`` is the weight of the base). A subclass builds
``self._base`` and ``self.psi``; the density, draws and moments follow here.
"""
from __future__ import annotations

import torch
from torch import Tensor

from .distribution import Discrete, Distribution

__all__ = ["ZeroInflated"]


class ZeroInflated(Discrete):
    r"""Mixture ``(1 - psi) * delta_0 + psi * base``.

    .. math:: \log p(0) = \log\bigl((1 - \psi) + \psi\, p_{\text{base}}(0)\bigr), \qquad
              \log p(k) = \log\psi + \log p_{\text{base}}(k), \; k > 0
    """

    psi: Tensor
    _base: Distribution

    def _set_parts(self, psi: Tensor, base: Distribution, validate_args) -> None:
        self.psi, self._base = psi, base
        Discrete.__init__(self, base.batch_shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.psi * self._base.mean

    @property
    def variance(self) -> Tensor:
        base_mean = self._base.mean
        second = self.psi * (self._base.variance + base_mean ** 2)
        return second - (self.psi * base_mean) ** 2

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        with torch.no_grad():
            keep = torch.rand(shape, dtype=self.psi.dtype, device=self.psi.device) < self.psi
            return torch.where(keep, self._base.sample(sample_shape), 0.0)

    def log_prob(self, value: Tensor) -> Tensor:
        base = self._base.log_prob(value)
        log_psi = torch.log(self.psi)
        at_zero = torch.logaddexp(torch.log1p(-self.psi), log_psi + base)
        # Outside the base's support log_psi + base is already -inf.
        return torch.where(value == 0, at_zero, log_psi + base)
