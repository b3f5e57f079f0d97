"""The regularised incomplete beta function, which torch lacks, in log space and batched.

``I_x(a, b)`` is the cdf of Beta(a, b) at ``x``; the Binomial and NegativeBinomial cdfs are
values of it (``P(K <= k) = I_{1-p}(n - k, k + 1)`` and ``I_p(n, k + 1)``). It is evaluated by
the continued fraction of Numerical Recipes (``betacf``), on the side of the symmetry
``I_x(a, b) = 1 - I_{1-x}(b, a)`` where the fraction converges fast, always in float64.
The prefactor ``x^a (1 - x)^b / B(a, b)`` is kept as a logarithm, so ``log I`` stays accurate
far in the tails where ``I`` itself underflows. Gradients (in ``x``, ``a`` and ``b``) are those
of the evaluated terms, by autograd.

The fraction runs a fixed number of terms, never testing convergence: a test is a host sync
on a GPU, and a Truncated or Censored family's ``log_prob`` is called at every leapfrog step.
The count gives float64 accuracy while ``a`` and ``b`` stay below about 3000 (a Beta with
that concentration, a Binomial's ``n``); StudentT's ``(nu / 2, 1 / 2)`` converge for any ``nu``.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor

__all__ = ["betainc", "log1mexp", "log_betainc", "log_betainc_and_complement", "log_betaincc"]

# Pairs of terms of the fraction. Where it is evaluated it converges within about
# sqrt(max(a, b)) pairs: 48 reach float64 accuracy at a = b = 1000, 64 at 3000, 96 at 10^4.
_TERMS = 64


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
    """The continued fraction of ``I_x(a, b)`` by its convergents, elementwise.

    ``_TERMS`` pairs of terms, with no convergence test (see the module's docstring).
    """
    # Every coefficient at once (one batch of kernels); only the recurrence runs term by term.
    m = torch.arange(1, _TERMS + 1, dtype=x.dtype, device=x.device)
    a, b, x = a[..., None], b[..., None], x[..., None]
    even = (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))).unbind(-1)
    odd = (-(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))).unbind(-1)
    a, b, x = a[..., 0], b[..., 0], x[..., 0]
    # Convergents A_k / B_k of 1 / (1 + d_1 / (1 + d_2 / ...)) with A_k = A_{k-1} + d_k A_{k-2}
    # (B likewise), two terms a step; dividing by B after each step keeps both finite and
    # leaves B = 1, so A is the value (Numerical Recipes, 2nd edition, betacf).
    previous_a, previous_b = torch.ones_like(x), torch.ones_like(x)
    current_a, current_b = torch.ones_like(x), 1 - (a + b) * x / (a + 1)
    for even_term, odd_term in zip(even, odd):
        next_a = torch.addcmul(current_a, even_term, previous_a)
        next_b = torch.addcmul(current_b, even_term, previous_b)
        last_a = torch.addcmul(next_a, odd_term, current_a)
        scale = torch.addcmul(next_b, odd_term, current_b).reciprocal()
        previous_a, previous_b = next_a * scale, next_b * scale
        current_a, current_b = last_a * scale, torch.ones_like(x)
    return current_a


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


def log_betainc_and_complement(a, b, x: Tensor) -> tuple[Tensor, Tensor]:
    """``(log I_x(a, b), log(1 - I_x(a, b)))`` from one evaluation of the fraction.

    Examples
    --------
    >>> [round(float(part.exp()), 4) for part in log_betainc_and_complement(2.0, 3.0,
    ...                                                                    torch.tensor(0.5))]
    [0.6875, 0.3125]
    """
    log_value, log_complement, dtype = _log_parts(a, b, x)
    return log_value.to(dtype), log_complement.to(dtype)


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
    Press, Teukolsky, Vetterling and Flannery (1992), Numerical Recipes, 2nd edition, 6.4.

    Examples
    --------
    >>> betainc(2.0, 3.0, torch.tensor([0.0, 0.5, 1.0]))
    tensor([0.0000, 0.6875, 1.0000])
    """
    return log_betainc(a, b, x).exp()
