"""Wald (inverse Gaussian) distribution, PyMC's ``Wald(mu, lam | phi, alpha)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Continuous

__all__ = ["Wald"]

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class Wald(Continuous):
    r"""Inverse Gaussian distribution with mean ``mu``, shape ``lam`` and shift ``alpha``.

    .. math:: \log p(x) = \tfrac12 \log\frac{\lambda}{2\pi y^3}
              - \frac{\lambda (y - \mu)^2}{2 \mu^2 y}, \quad y = x - \alpha > 0

    Parameters
    ----------
    mu : float or Tensor
        Mean of ``x - alpha``, ``> 0``.
    lam : float or Tensor
        Shape, ``> 0``; or give ``phi = lam / mu``.
    phi : float or Tensor, optional
        Shape over mean, ``> 0``.
    alpha : float or Tensor
        Shift, ``>= 0`` (PyMC's default 0).

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import Wald
    >>> Wald(mu=1.0, lam=2.0).log_prob(torch.tensor([1.0, -1.0]))
    tensor([-0.5724,    -inf])
    """

    arg_constraints = {"mu": constraints.positive, "lam": constraints.positive,
                       "phi": constraints.positive, "alpha": constraints.nonnegative}
    has_rsample = False

    def __init__(self, mu=None, lam=None, *, phi=None, alpha=0.0, validate_args=False):
        if mu is None or (lam is None) == (phi is None):
            raise ValueError("Wald: give mu with exactly one of lam or phi")
        if lam is None:
            mu, phi = broadcast_parameters(mu, phi)
            lam = mu * phi
        self.mu, self.lam, self.alpha = broadcast_parameters(mu, lam, alpha)
        super().__init__(self.mu.shape, validate_args=validate_args)

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.greater_than(self.alpha)

    @property
    def phi(self) -> Tensor:
        return self.lam / self.mu

    @property
    def mean(self) -> Tensor:
        return self.mu + self.alpha

    @property
    def variance(self) -> Tensor:
        return self.mu ** 3 / self.lam

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        """Michael, Schucany and Haas (1976): a root of the chi-square equation, chosen at random.

        References
        ----------
        Michael, Schucany and Haas (1976), Generating random variates using transformations
        with multiple roots, The American Statistician 30.
        """
        shape = self._extended_shape(torch.Size(sample_shape))
        mu, lam = self.mu.expand(shape), self.lam.expand(shape)
        with torch.no_grad():
            y = torch.randn(shape, dtype=mu.dtype, device=mu.device) ** 2
            root = mu + mu * (mu * y - torch.sqrt(4 * mu * lam * y + (mu * y) ** 2)) / (2 * lam)
            root = root.clamp(min=torch.finfo(mu.dtype).tiny)
            u = torch.rand(shape, dtype=mu.dtype, device=mu.device)
            draws = torch.where(u <= mu / (mu + root), root, mu ** 2 / root)
        return draws + self.alpha

    def log_prob(self, value: Tensor) -> Tensor:
        shifted = value - self.alpha
        inside = shifted > 0
        y = torch.where(inside, shifted, 1.0)
        logp = (0.5 * torch.log(self.lam) - _HALF_LOG_2PI - 1.5 * torch.log(y)
                - self.lam * (y - self.mu) ** 2 / (2 * self.mu ** 2 * y))
        return torch.where(inside, logp, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        return torch.exp(self.logcdf(value))

    def logcdf(self, value: Tensor) -> Tensor:
        # Phi(a) + exp(2 lam / mu) Phi(b), summed in log space so exp(2 lam / mu) cannot overflow.
        shifted = value - self.alpha
        inside = shifted > 0
        y = torch.where(inside, shifted, 1.0)
        root = torch.sqrt(self.lam / y)
        first = torch.special.log_ndtr(root * (y / self.mu - 1))
        second = 2 * self.lam / self.mu + torch.special.log_ndtr(-root * (y / self.mu + 1))
        return torch.where(inside, torch.logaddexp(first, second), -math.inf)
