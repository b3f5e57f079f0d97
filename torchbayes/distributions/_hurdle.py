"""What hurdle families share: zeros from one process, positive values from another.

With probability ``1 - psi`` the value is zero; otherwise it is a draw from the base
distribution conditioned to be positive (truncated at 1 for counts; a continuous base puts
no mass at zero and is used as it is). PyMC's definition (``pymc.distributions.mixture``).
A subclass builds ``self._base`` and ``self.psi`` and draws the positive part.
"""
from __future__ import annotations

import torch
from torch import Tensor

from .distribution import Distribution

__all__ = ["Hurdle"]


class Hurdle(Distribution):
    r"""``(1 - psi) * delta_0 + psi * (base | base > 0)``.

    .. math:: \log p(0) = \log(1 - \psi), \qquad
              \log p(x) = \log\psi + \log p_{\text{base}}(x) - \log P_{\text{base}}(X > 0),
              \; x > 0

    For a continuous base the density is with respect to a point mass at zero plus Lebesgue
    measure on the positive axis, and ``P(X > 0) = 1``.
    """

    psi: Tensor
    _base: Distribution

    def _set_parts(self, psi: Tensor, base: Distribution, validate_args) -> None:
        self.psi, self._base = psi, base
        Distribution.__init__(self, base.batch_shape, validate_args=validate_args)

    def _log_positive_mass(self) -> Tensor:
        """``log P_base(X > 0)``: zero for a continuous base."""
        if not self.is_discrete:
            return torch.zeros_like(self.psi)
        return self._base.logccdf(torch.zeros_like(self.psi))

    def _sample_positive(self, shape: torch.Size) -> Tensor:
        """Draws of the base conditioned on ``X > 0``, of shape ``shape``."""
        return self._base.sample(shape[:len(shape) - len(self.batch_shape)])

    @property
    def mean(self) -> Tensor:
        return self.psi * self._base.mean / self._log_positive_mass().exp()

    @property
    def variance(self) -> Tensor:
        base_mean = self._base.mean
        second = self.psi * (self._base.variance + base_mean ** 2) / self._log_positive_mass().exp()
        return second - self.mean ** 2

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        with torch.no_grad():
            keep = torch.rand(shape, dtype=self.psi.dtype, device=self.psi.device) < self.psi
            return torch.where(keep, self._sample_positive(shape), 0.0)

    def log_prob(self, value: Tensor) -> Tensor:
        # A safe positive stand-in at zero keeps the unused branch (and its gradient) finite.
        positive = value > 0
        safe = torch.where(positive, value, 1.0)
        logp = torch.log(self.psi) + self._base.log_prob(safe) - self._log_positive_mass()
        return torch.where(value == 0, torch.log1p(-self.psi),
                           torch.where(positive, logp, -torch.inf))
