"""The zero-sum transform: ``R^(n-1)`` onto vectors of length ``n`` that sum to zero.

Example
-------
>>> import torch
>>> y = ZeroSumTransform()(torch.tensor([1.0, 2.0]))
>>> y.shape, bool(y.sum().abs() < 1e-6)
(torch.Size([3]), True)
"""
import math

import torch
from torch import Tensor
from torch.distributions import constraints
from torch.distributions.transforms import Transform

from ..distributions.constraints import sum_to_zero

__all__ = ["ZeroSumTransform"]


class ZeroSumTransform(Transform):
    r"""Maps ``R^(n-1)`` isometrically onto the sum-to-zero vectors of ``R^n`` (last dimension).

    The map appends a coordinate and applies a Householder reflection that sends the
    ``n``-th basis vector to ``1 / sqrt(n)``: its first ``n - 1`` columns are an orthonormal
    basis of the sum-zero hyperplane, applied in ``O(n)`` without forming a matrix. This is
    PyMC's ``ZeroSumTransform`` on the last axis.

    Notes
    -----
    With :math:`s = \sum_i x_i` and :math:`c = s / (\sqrt{n} + n)`:

    .. math:: y_i = x_i - c \;(i < n), \qquad y_n = -s / \sqrt{n}.

    The inverse is :math:`x_i = y_i - y_n \sqrt{n} / (\sqrt{n} + n)`. The map is an isometry
    onto the hyperplane, so :math:`\log |\det J| = 0` with respect to the hyperplane's own
    (Hausdorff) measure, the measure PyMC's ``ZeroSumNormal`` density refers to. (Measured on
    the first ``n - 1`` coordinates instead it would be the constant ``-log(n) / 2``.)

    References
    ----------
    PyMC developers, ``pymc.distributions.transforms.ZeroSumTransform`` (``extend_axis``).

    Example
    -------
    >>> transform = ZeroSumTransform()
    >>> x = torch.randn(4, 2)
    >>> y = transform(x)
    >>> y.shape, transform.log_abs_det_jacobian(x, y).shape
    (torch.Size([4, 3]), torch.Size([4]))
    >>> torch.allclose(transform.inv(y), x, atol=1e-6)
    True
    """

    domain = constraints.real_vector
    codomain = sum_to_zero
    bijective = True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ZeroSumTransform)

    def __hash__(self) -> int:
        return hash(type(self))

    def forward_shape(self, shape: torch.Size) -> torch.Size:
        return torch.Size(shape[:-1]) + (shape[-1] + 1,)

    def inverse_shape(self, shape: torch.Size) -> torch.Size:
        return torch.Size(shape[:-1]) + (shape[-1] - 1,)

    def _call(self, x: Tensor) -> Tensor:
        root_n = math.sqrt(x.shape[-1] + 1)
        total = x.sum(dim=-1, keepdim=True)
        shift = total / (root_n + root_n**2)
        return torch.cat([x - shift, -total / root_n], dim=-1)

    def _inverse(self, y: Tensor) -> Tensor:
        root_n = math.sqrt(y.shape[-1])
        last = y[..., -1:]
        return y[..., :-1] - last * (root_n / (root_n + root_n**2))

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        return x.new_zeros(x.shape[:-1])
