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

__all__ = ["choose_later", "multinomial_leaf", "progressive_choice"]


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


def progressive_choice(log_weights: Tensor, log_uniforms: Tensor) -> Tensor:
    """Which subtree holds the sample after a whole transition of biased merges.

    Subtree ``k`` (``k >= 1``; 0 is the initial point, of weight 1) replaces the sample with
    probability ``min(1, W_k / (W_0 + ... + W_{k-1}))``; the sample is the last one taken.
    All merges are independent given the weights, so they are decided at once.

    Parameters
    ----------
    log_weights : Tensor
        ``(K + 1, C)`` float64 log weight of each subtree, ``-inf`` for subtrees that did not
        join the trajectory.
    log_uniforms : Tensor
        ``(K, C)`` ``log(u)``, ``u ~ U(0, 1)``, one per merge.

    Returns
    -------
    Tensor
        ``(C,)`` long, the subtree index of the sample.

    Examples
    --------
    >>> w = torch.tensor([[0.0], [5.0], [-torch.inf]], dtype=torch.float64)
    >>> progressive_choice(w, torch.log(torch.full((2, 1), 0.5, dtype=torch.float64)))
    tensor([1])
    """
    before = torch.logcumsumexp(log_weights[:-1], 0)
    take = log_uniforms < log_weights[1:] - before
    levels = torch.arange(1, log_weights.shape[0], device=log_weights.device).unsqueeze(1)
    return torch.where(take, levels, 0).amax(0)
