"""Chi-squared distribution, PyMC's ``ChiSquared(nu)``."""
from __future__ import annotations

from torch import Tensor

from . import constraints
from ._broadcast import broadcast_parameters
from .gamma import Gamma

__all__ = ["ChiSquared"]


class ChiSquared(Gamma):
    r"""Sum of squares of ``nu`` independent standard normals: ``Gamma(nu / 2, 1 / 2)``.

    .. math:: \log p(x) = (\tfrac{\nu}{2} - 1) \log x - \tfrac{x}{2} - \tfrac{\nu}{2} \log 2
              - \log\Gamma(\tfrac{\nu}{2}), \quad x \ge 0

    Parameters
    ----------
    nu : float or Tensor
        Degrees of freedom, ``> 0``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import ChiSquared
    >>> ChiSquared(3.0).log_prob(torch.tensor([1.0, -1.0]))
    tensor([-1.4189,    -inf])
    """

    arg_constraints = {"nu": constraints.positive}

    def __init__(self, nu, *, validate_args=False):
        (nu,) = broadcast_parameters(nu)
        super().__init__(alpha=0.5 * nu, beta=0.5, validate_args=validate_args)

    @property
    def nu(self) -> Tensor:
        return 2 * self.alpha
