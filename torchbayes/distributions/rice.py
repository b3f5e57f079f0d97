"""Rice distribution, PyMC's ``Rice(nu, sigma | b)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Continuous

__all__ = ["Rice"]


class Rice(Continuous):
    r"""Length of a 2-d normal vector with mean length ``nu`` and per-axis scale ``sigma``.

    .. math:: \log p(x) = \log\frac{x}{\sigma^2} - \frac{x^2 + \nu^2}{2\sigma^2}
              + \log I_0\Bigl(\frac{x\nu}{\sigma^2}\Bigr), \quad x \ge 0

    ``log I0(t)`` is evaluated as ``log(i0e(t)) + t`` so large arguments do not overflow.

    Parameters
    ----------
    nu : float or Tensor
        Noncentrality, ``>= 0``; or give ``b = nu / sigma``.
    sigma : float or Tensor
        Scale, ``> 0``.
    b : float or Tensor, optional
        Shape ``nu / sigma``, ``>= 0``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import Rice
    >>> Rice(nu=1.0, sigma=1.0).log_prob(torch.tensor([1.0, -1.0]))
    tensor([-0.7641,    -inf])
    """

    arg_constraints = {"nu": constraints.nonnegative, "sigma": constraints.positive,
                       "b": constraints.nonnegative}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, nu=None, sigma=1.0, *, b=None, validate_args=False):
        if (nu is None) == (b is None):
            raise ValueError("Rice: give exactly one of nu or b")
        if nu is None:
            b, sigma = broadcast_parameters(b, sigma)
            nu = b * sigma
        self.nu, self.sigma = broadcast_parameters(nu, sigma)
        super().__init__(self.nu.shape, validate_args=validate_args)

    @property
    def b(self) -> Tensor:
        return self.nu / self.sigma

    @property
    def mean(self) -> Tensor:
        # sigma sqrt(pi / 2) L_{1/2}(-nu^2 / 2 sigma^2), the Laguerre function through i0e/i1e.
        t = self.nu ** 2 / (4 * self.sigma ** 2)
        laguerre = (1 + 2 * t) * torch.special.i0e(t) + 2 * t * torch.special.i1e(t)
        return self.sigma * math.sqrt(math.pi / 2) * laguerre

    @property
    def variance(self) -> Tensor:
        return 2 * self.sigma ** 2 + self.nu ** 2 - self.mean ** 2

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        first = torch.randn(shape, dtype=self.nu.dtype, device=self.nu.device)
        second = torch.randn(shape, dtype=self.nu.dtype, device=self.nu.device)
        return torch.hypot(self.nu + self.sigma * first, self.sigma * second)

    def log_prob(self, value: Tensor) -> Tensor:
        inside = value >= 0
        x = torch.where(inside, value, 0.0)
        variance = self.sigma ** 2
        t = x * self.nu / variance
        logp = (torch.log(x / variance) - (x - self.nu) ** 2 / (2 * variance)
                + torch.log(torch.special.i0e(t)))
        return torch.where(inside, logp, -math.inf)
