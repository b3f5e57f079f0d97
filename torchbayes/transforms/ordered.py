"""The ordered transform: real vectors onto strictly increasing vectors.

Example
-------
>>> import torch
>>> OrderedTransform()(torch.tensor([1.0, 0.0, 0.0]))
tensor([1., 2., 3.])
"""
import torch
from torch import Tensor
from torch.distributions import constraints
from torch.distributions.transforms import Transform

from ..distributions.constraints import ordered_vector

__all__ = ["OrderedTransform"]


class OrderedTransform(Transform):
    r"""Maps ``R^n`` onto strictly increasing vectors: ``y_1 = x_1``, ``y_k = y_{k-1} + exp(x_k)``.

    Used for cut points of ordinal models and ordered mixture means (PyMC's and Stan's
    ``ordered``). Acts on the last dimension; leading dimensions are batch (chains).

    Notes
    -----
    The Jacobian is lower triangular with diagonal ``(1, exp(x_2), ..., exp(x_n))``, so
    :math:`\log |\det J| = \sum_{k \ge 2} x_k`. The inverse is
    ``x = (y_1, log(y_2 - y_1), ..., log(y_n - y_{n-1}))``.

    References
    ----------
    Stan Development Team, *Stan Reference Manual*, "Ordered vector" transform.

    Example
    -------
    >>> transform = OrderedTransform()
    >>> x = torch.tensor([[0.0, 0.0], [1.0, -1.0]])
    >>> transform.log_abs_det_jacobian(x, transform(x))
    tensor([ 0., -1.])
    >>> torch.allclose(transform.inv(transform(x)), x)
    True
    """

    domain = constraints.real_vector
    codomain = ordered_vector
    bijective = True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OrderedTransform)

    def __hash__(self) -> int:
        return hash(type(self))

    def _call(self, x: Tensor) -> Tensor:
        increments = torch.cat([x[..., :1], x[..., 1:].exp()], dim=-1)
        return increments.cumsum(dim=-1)

    def _inverse(self, y: Tensor) -> Tensor:
        return torch.cat([y[..., :1], (y[..., 1:] - y[..., :-1]).log()], dim=-1)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        return x[..., 1:].sum(dim=-1)
