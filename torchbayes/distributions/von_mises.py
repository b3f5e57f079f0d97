"""Von Mises distribution, PyMC's ``VonMises(mu, kappa)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .distribution import Continuous

__all__ = ["VonMises"]

_LOG_2PI = math.log(2 * math.pi)


class VonMises(Continuous):
    r"""The circular analogue of the normal distribution, on angles in ``[-pi, pi]``.

    .. math:: \log p(x) = \kappa \cos(x - \mu) - \log(2\pi I_0(\kappa))

    ``log I0(kappa)`` is evaluated as ``log(i0e(kappa)) + kappa``. ``mean`` is ``mu`` (the
    circular mean) and ``variance`` the circular variance ``1 - I1(kappa) / I0(kappa)``.

    Parameters
    ----------
    mu : float or Tensor
        Mean direction.
    kappa : float or Tensor
        Concentration, ``>= 0``; ``kappa = 0`` is uniform on the circle.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import VonMises
    >>> VonMises(0.0, 2.0).log_prob(torch.tensor([0.0, 4.0]))
    tensor([-0.6619,    -inf])
    """

    arg_constraints = {"mu": constraints.real, "kappa": constraints.nonnegative}
    support = constraints.circular

    def __init__(self, mu=0.0, kappa=1.0, *, validate_args=False):
        self.mu, self.kappa = broadcast_parameters(mu, kappa)
        super().__init__(self.mu.shape, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.mu

    @property
    def mode(self) -> Tensor:
        return self.mu

    @property
    def variance(self) -> Tensor:
        return 1 - torch.special.i1e(self.kappa) / torch.special.i0e(self.kappa)

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        # Best and Fisher's rejection sampler, as torch implements it (global RNG).
        shape = torch.Size(sample_shape)
        torch_von_mises = torch.distributions.VonMises(self.mu, self.kappa, validate_args=False)
        return torch_von_mises.sample(shape)

    def log_prob(self, value: Tensor) -> Tensor:
        logp = (self.kappa * (torch.cos(value - self.mu) - 1) - _LOG_2PI
                - torch.log(torch.special.i0e(self.kappa)))
        inside = (value >= -math.pi) & (value <= math.pi)
        return torch.where(inside, logp, -math.inf)
