"""Normal distribution, PyMC's ``Normal(mu, sigma | tau)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._ndtr import ndtr
from .distribution import Continuous, as_tensor_param

__all__ = ["Normal"]

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class Normal(Continuous):
    r"""Normal distribution with mean ``mu`` and standard deviation ``sigma`` (or precision ``tau``).

    .. math:: \log p(x) = -\tfrac12 ((x - \mu) / \sigma)^2 - \log \sigma - \tfrac12 \log 2\pi

    Examples
    --------
    >>> Normal(0.0, 1.0).log_prob(torch.tensor(5.0))
    tensor(-13.4189)
    """

    arg_constraints = {"mu": constraints.real, "sigma": constraints.positive,
                       "tau": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, mu=0.0, sigma=None, *, tau=None, validate_args=False):
        if sigma is None:
            sigma = 1.0 if tau is None else as_tensor_param(tau) ** -0.5
        elif tau is not None:
            raise ValueError("Normal: give sigma or tau, not both")
        self.mu, self.sigma = torch.broadcast_tensors(as_tensor_param(mu), as_tensor_param(sigma))
        super().__init__(self.mu.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.mu

    @property
    def mode(self) -> Tensor:
        return self.mu

    @property
    def variance(self) -> Tensor:
        return self.sigma ** 2

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        eps = torch.randn(shape, dtype=self.mu.dtype, device=self.mu.device)
        return self.mu + eps * self.sigma

    def log_prob(self, value: Tensor) -> Tensor:
        z = (value - self.mu) / self.sigma
        return -0.5 * z * z - self.sigma.log() - _HALF_LOG_2PI

    def cdf(self, value: Tensor) -> Tensor:
        return ndtr((value - self.mu) / self.sigma)

    def logcdf(self, value: Tensor) -> Tensor:
        return torch.special.log_ndtr((value - self.mu) / self.sigma)

    def logccdf(self, value: Tensor) -> Tensor:
        return torch.special.log_ndtr(-(value - self.mu) / self.sigma)

    def icdf(self, value: Tensor) -> Tensor:
        return self.mu + self.sigma * torch.special.ndtri(value)

    def entropy(self) -> Tensor:
        return 0.5 + _HALF_LOG_2PI + self.sigma.log()
