"""The regularised incomplete beta function, which torch lacks, in log space and batched.

``I_x(a, b)`` is the cdf of Beta(a, b) at ``x``; the Binomial and NegativeBinomial cdfs are
values of it (``P(K <= k) = I_{1-p}(n - k, k + 1)`` and ``I_p(n, k + 1)``). It is evaluated by
the continued fraction of Numerical Recipes (``betacf``, modified Lentz), on the side of the
symmetry ``I_x(a, b) = 1 - I_{1-x}(b, a)`` where the fraction converges fast, always in float64.
The prefactor ``x^a (1 - x)^b / B(a, b)`` is kept as a logarithm, so ``log I`` stays accurate
far in the tails where ``I`` itself underflows. Gradients (in ``x``, ``a`` and ``b``) are those
of the converged iterations, by autograd.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor

__all__ = ["betainc", "log1mexp", "log_betainc", "log_betaincc"]

_TINY = 1e-300
_EPS = 1e-15
_BLOCK = 8          # iterations between convergence checks (one host sync per block)
_MAX_ITERATIONS = 2000


def log1mexp(x: Tensor) -> Tensor:
    """``log(1 - exp(x))`` for ``x <= 0``, accurate on both sides of ``-log 2``.

    References
    ----------
    Maechler (2012), Accurately computing log(1 - exp(-|a|)), the Rmpfr package vignette.

    Examples
    --------
    >>> log1mexp(torch.tensor([-1e-20, -1.0]))
    tensor([-46.0517,  -0.4587])
    """
    near = x > -math.log(2)
    # Each branch sees a harmless stand-in where it is not used, so no 0 * inf reaches autograd.
    close = torch.log(-torch.expm1(torch.where(near, x, -1.0)))
    far = torch.log1p(-torch.exp(torch.where(near, -1.0, x)))
    return torch.where(near, close, far)


def _continued_fraction(a: Tensor, b: Tensor, x: Tensor) -> Tensor:
    """Lentz's evaluation of the continued fraction of ``I_x(a, b)``, elementwise."""
    def guard(value: Tensor) -> Tensor:
        return torch.where(value.abs() < _TINY, torch.full_like(value, _TINY), value)

    c = torch.ones_like(x)
    d = 1 / guard(1 - (a + b) * x / (a + 1))
    fraction = d
    for start in range(1, _MAX_ITERATIONS + 1, _BLOCK):
        for m in range(start, start + _BLOCK):
            even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 / guard(1 + even * d)
            c = guard(1 + even / c)
            fraction = fraction * d * c
            odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 / guard(1 + odd * d)
            c = guard(1 + odd / c)
            step = d * c
            fraction = fraction * step
        if bool(((step - 1).abs() <= _EPS).all()):
            break
    return fraction


def _log_parts(a, b, x) -> tuple[Tensor, Tensor, Tensor]:
    """``(log I_x(a, b), log(1 - I_x(a, b)), dtype)`` computed in float64."""
    # Python numbers take x's dtype (torch's rule) and enter float64 exactly.
    dtype = x.dtype
    for shape_parameter in (a, b):
        if isinstance(shape_parameter, Tensor):
            dtype = torch.promote_types(dtype, shape_parameter.dtype)
    a, b, x = torch.broadcast_tensors(*(torch.as_tensor(t, dtype=torch.float64, device=x.device)
                                        for t in (a, b, x)))
    inner = (x > 0) & (x < 1)
    safe = torch.where(inner, x, 0.5)
    # Converge on the side x < (a + 1) / (a + b + 2); the other side is the mirror image.
    mirrored = safe * (a + b + 2) > a + 1
    first = torch.where(mirrored, b, a)
    second = torch.where(mirrored, a, b)
    point = torch.where(mirrored, 1 - safe, safe)
    log_prefactor = (first * torch.log(point) + second * torch.log1p(-point)
                     - (torch.lgamma(first) + torch.lgamma(second) - torch.lgamma(first + second))
                     - torch.log(first))
    log_near = log_prefactor + torch.log(_continued_fraction(first, second, point))
    log_far = log1mexp(log_near.clamp(max=0.0))
    log_value = torch.where(mirrored, log_far, log_near)
    log_complement = torch.where(mirrored, log_near, log_far)
    log_value = torch.where(x <= 0, -math.inf, torch.where(x >= 1, 0.0, log_value))
    log_complement = torch.where(x <= 0, 0.0, torch.where(x >= 1, -math.inf, log_complement))
    return log_value, log_complement, dtype


def log_betainc(a, b, x: Tensor) -> Tensor:
    """``log I_x(a, b)``, accurate where ``I`` is tiny and where it is close to one.

    Examples
    --------
    >>> float(log_betainc(2.0, 3.0, torch.tensor(0.5)).exp())
    0.6875
    """
    log_value, _, dtype = _log_parts(a, b, x)
    return log_value.to(dtype)


def log_betaincc(a, b, x: Tensor) -> Tensor:
    """``log(1 - I_x(a, b))``, the log of the upper tail.

    Examples
    --------
    >>> float(log_betaincc(2.0, 3.0, torch.tensor(0.5)).exp())
    0.3125
    """
    _, log_complement, dtype = _log_parts(a, b, x)
    return log_complement.to(dtype)


def betainc(a, b, x: Tensor) -> Tensor:
    """The regularised incomplete beta function ``I_x(a, b)`` (scipy.special.betainc).

    Parameters
    ----------
    a, b : float or Tensor
        Positive shape parameters, broadcast with ``x``.
    x : Tensor
        Points in ``[0, 1]``.

    Returns
    -------
    Tensor
        ``I_x(a, b)`` in the promoted dtype of the arguments.

    References
    ----------
    Press, Teukolsky, Vetterling and Flannery (2007), Numerical Recipes, 3rd edition, 6.4.

    Examples
    --------
    >>> betainc(2.0, 3.0, torch.tensor([0.0, 0.5, 1.0]))
    tensor([0.0000, 0.6875, 1.0000])
    """
    return log_betainc(a, b, x).exp()
