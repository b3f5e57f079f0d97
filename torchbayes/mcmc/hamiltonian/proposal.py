"""Multinomial sampling of a trajectory's leaves, within a span and across merged spans.

Every leaf carries the log weight ``H0 - H`` (minus its energy error). Inside a block of leaves
built in lockstep, one leaf is drawn with probability proportional to its weight by the
Gumbel-max trick: ``argmax(w + Gumbel)`` in three batched operations, no loop. Merging two
spans draws the later one's sample with probability ``W_b / (W_a + W_b)`` (uniform progressive
sampling, inside a subtree) or ``min(1, W_b / W_a)`` (biased progressive sampling, when a new
subtree joins the trajectory), which favours leaves far from the start.

References
----------
Betancourt, M. (2017). A Conceptual Introduction to Hamiltonian Monte Carlo, A.3.2.
Stan Development Team. ``stan/mcmc/hmc/nuts/base_nuts.hpp`` (``transition``, ``build_tree``).
"""
from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["choose_later", "multinomial_leaf"]


def multinomial_leaf(log_weights: Tensor, generator: torch.Generator | None) -> Tensor:
    """Index of one leaf per chain, drawn with probability ``softmax(log_weights)``.

    Parameters
    ----------
    log_weights : Tensor
        ``(L, C)`` log weights of the leaves (``-inf`` never drawn).

    Returns
    -------
    Tensor
        ``(C,)`` long, in ``[0, L)``.

    Examples
    --------
    >>> g = torch.Generator().manual_seed(0)
    >>> multinomial_leaf(torch.tensor([[0.0], [-float("inf")]]), g)
    tensor([0])
    """
    # -log(E) with E ~ Exp(1) is a standard Gumbel variate
    exponential = torch.empty_like(log_weights).exponential_(generator=generator)
    return (log_weights - exponential.log()).argmax(0)


def choose_later(log_weight_a: Tensor, log_weight_b: Tensor, log_uniform: Tensor,
                 biased: bool) -> Tensor:
    """Whether the merge of spans ``a`` then ``b`` keeps ``b``'s sample, per chain.

    Parameters
    ----------
    log_weight_a, log_weight_b : Tensor
        ``(C,)`` float64 log sums of the leaf weights of each span.
    log_uniform : Tensor
        ``(C,)`` ``log(u)`` with ``u ~ U(0, 1)``.
    biased : bool
        ``True`` for biased progressive sampling (``min(1, W_b / W_a)``), used when a new
        subtree joins the trajectory; ``False`` for uniform (``W_b / (W_a + W_b)``).

    Examples
    --------
    >>> choose_later(torch.zeros(1), torch.zeros(1), torch.tensor([-0.5]), biased=True)
    tensor([True])
    """
    if biased:
        return log_uniform < log_weight_b - log_weight_a
    return log_uniform < log_weight_b - torch.logaddexp(log_weight_a, log_weight_b)
