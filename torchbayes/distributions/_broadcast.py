"""Turn a family's parameters into tensors of one floating dtype and one broadcast shape.

Parameters arrive as python numbers, numpy arrays or tensors that may already carry leading
batch dimensions (a chain axis). Tensors decide the dtype and device (python numbers follow
them, as in torch arithmetic); with no tensor among them, torch's default dtype is used.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

__all__ = ["broadcast_parameters", "parameter_like", "promote_parameters"]


def broadcast_parameters(*values) -> tuple[Tensor, ...]:
    """Parameters as floating tensors of a common dtype and device, broadcast together.

    Examples
    --------
    >>> a, b = broadcast_parameters(torch.zeros(3, 1, dtype=torch.float64), 2.0)
    >>> a.shape, b.dtype
    (torch.Size([3, 1]), torch.float64)
    """
    return tuple(torch.broadcast_tensors(*promote_parameters(*values)))


def promote_parameters(*values) -> tuple[Tensor, ...]:
    """Parameters as floating tensors of a common dtype and device, each keeping its shape.

    Examples
    --------
    >>> mu, cov = promote_parameters([0.0, 0.0], torch.eye(2, dtype=torch.float64))
    >>> mu.dtype, cov.shape
    (torch.float64, torch.Size([2, 2]))
    """
    tensors = [torch.as_tensor(v) if isinstance(v, np.ndarray) else v for v in values]
    floating = [t for t in tensors if isinstance(t, Tensor) and t.is_floating_point()]
    dtype = torch.get_default_dtype()
    if floating:
        dtype = floating[0].dtype
        for tensor in floating[1:]:
            dtype = torch.promote_types(dtype, tensor.dtype)
    devices = [t.device for t in tensors if isinstance(t, Tensor)]
    device = devices[0] if devices else None
    return tuple(torch.as_tensor(t, dtype=dtype, device=device) for t in tensors)


def parameter_like(value, reference: Tensor) -> Tensor:
    """``value`` as a tensor with the dtype and device of ``reference`` (no broadcasting).

    Examples
    --------
    >>> parameter_like(1.0, torch.zeros(2, dtype=torch.float64)).dtype
    torch.float64
    """
    return torch.as_tensor(value, dtype=reference.dtype, device=reference.device)
