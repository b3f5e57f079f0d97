"""Random-walk Metropolis, batched over chains, with PyMC's settings, stats and tuning.

A proposal ``position + scaling * deviate`` (rounded on integer coordinates) is accepted with
probability ``min(1, p(proposal) / p(position))`` under the block's conditional density.
As in PyMC, a step over one non-scalar variable updates its coordinates one at a time in a
random order (each coordinate has its own tuned scale); ``blocked=True`` proposes the whole
block at once (one density call per step), which suits ``MultivariateNormalProposal``.
Every chain draws its own order; chains never wait on each other and nothing syncs to the host.

References
----------
Metropolis, N. et al. (1953). Equation of State Calculations by Fast Computing Machines.
PyMC, ``pymc/step_methods/metropolis.py`` (``Metropolis``, ``tune``).
"""
from __future__ import annotations

from typing import NamedTuple, Optional

import torch
from torch import Tensor

from ..kernel import Density
from .block import Competence, StepMethod, VariableFacts, log_density, metropolis_accept
from .proposals import MultivariateNormalProposal, NormalProposal
from .tuning import ScaleParams, ScaleTuning

__all__ = ["Metropolis", "MetropolisInfo", "MetropolisState", "acceptance_probability"]


class MetropolisState(NamedTuple):
    """Where each chain is, and what its last step accepted."""

    position: Tensor    # (C, k)
    logp: Tensor        # (C,) joint log density
    accepted: Tensor    # (C, m) float64: the last step's acceptance per update group


class MetropolisInfo(NamedTuple):
    """PyMC's statistics, all ``(C,)`` float64."""

    accept: Tensor      # mean acceptance probability min(1, ratio) over the updates
    accepted: Tensor    # fraction of updates accepted
    scaling: Tensor     # mean proposal scale


def acceptance_probability(log_ratio: Tensor) -> Tensor:
    """``min(1, exp(log_ratio))`` with NaN as 0, in float64.

    Examples
    --------
    >>> acceptance_probability(torch.tensor([0.5, -0.6931, float("nan")]))
    tensor([1.0000, 0.5000, 0.0000], dtype=torch.float64)
    """
    probability = log_ratio.to(torch.float64).clamp(max=0.0).exp()
    return torch.nan_to_num(probability, nan=0.0)


class Metropolis(StepMethod):
    """Metropolis-Hastings with a symmetric proposal and PyMC's scale tuning.

    Parameters
    ----------
    vars : list of variables or names, optional
        Default: every free variable no other step takes. Several variables become one step
        each unless ``blocked=True`` (PyMC's default ``blocked=False``).
    S : float, array (k,) or matrix (k, k), optional
        Scale of ``proposal_dist`` (default 1); a matrix selects ``MultivariateNormalProposal``.
    proposal_dist : Proposal class, optional
        ``NormalProposal`` (default), ``UniformProposal``, ``CauchyProposal``,
        ``LaplaceProposal``, ``PoissonProposal`` or ``MultivariateNormalProposal``; called
        with ``S``.
    scaling : float or array
        Initial scale factor of the proposal.
    tune : bool
        Tune ``scaling`` during warm-up with PyMC's rule.
    tune_interval : int
        Steps between two scale updates.
    blocked : bool, optional
        ``True``: one joint proposal for the whole block. ``False`` (default): one step per
        variable, coordinate by coordinate within a variable.

    Examples
    --------
    >>> density = lambda x: (-0.5 * (x * x).sum(-1), -x)
    >>> step = Metropolis(blocked=True)
    >>> state = step.init(torch.zeros(4, 2, dtype=torch.float64), density)
    >>> params = ScaleParams(torch.ones(4, 2, dtype=torch.float64))
    >>> state, info = step.step(state, params, density, torch.Generator().manual_seed(0))
    >>> info._fields
    ('accept', 'accepted', 'scaling')

    References
    ----------
    Metropolis et al. (1953); PyMC ``Metropolis``.
    """

    Info = MetropolisInfo
    default_blocked = False

    def __init__(self, vars=None, *, S=None, proposal_dist=None, scaling=1.0, tune: bool = True,
                 tune_interval: int = 100, blocked: Optional[bool] = None):
        super().__init__(vars, blocked=blocked)
        scale = 1.0 if S is None else S
        if proposal_dist is not None:
            self.proposal = proposal_dist(scale)
        elif torch.as_tensor(scale).dim() == 2:
            self.proposal = MultivariateNormalProposal(scale)
        else:
            self.proposal = NormalProposal(scale)
        self.scaling = scaling
        self.tune = bool(tune)
        self.tune_interval = int(tune_interval)

    @staticmethod
    def competence(variable: VariableFacts) -> Competence:
        return Competence.COMPATIBLE

    def adaptation(self, tune: int, **sampler_settings) -> ScaleTuning:
        return ScaleTuning(tune, self.tune_interval, self.scaling, enabled=self.tune)

    def _coordinatewise(self, size: int) -> bool:
        # PyMC: a scalar needs no loop, and a multivariate discrete variable (a Multinomial)
        # has dependent coordinates that one-at-a-time moves would leave its support.
        multivariate_discrete = self.block is not None and self.block.multivariate_discrete
        return not self.blocked and size > 1 and not multivariate_discrete

    def init(self, position: Tensor, density: Density) -> MetropolisState:
        """The state at ``position`` (C, k): one density evaluation."""
        groups = position.shape[1] if self._coordinatewise(position.shape[1]) else 1
        accepted = torch.zeros(position.shape[0], groups, dtype=torch.float64,
                               device=position.device)
        return MetropolisState(position, log_density(density, position), accepted)

    def _proposal(self, position: Tensor, scaling: Tensor, generator) -> Tensor:
        delta = self.proposal.sample(position, generator) * scaling.to(position.dtype)
        return position + torch.where(self._discrete(position), delta.round(), delta)

    def step(self, state: MetropolisState, params: ScaleParams, density: Density,
             generator) -> tuple[MetropolisState, MetropolisInfo]:
        """One Metropolis step of every chain (``k`` density calls when coordinatewise)."""
        position, logp = state.position, state.logp
        proposal = self._proposal(position, params.scaling, generator)
        if self._coordinatewise(position.shape[1]):
            position, logp, accepted, probability = self._coordinates(
                position, logp, proposal, density, generator)
        else:
            proposed_logp = log_density(density, proposal)
            log_ratio = proposed_logp - logp
            accept = metropolis_accept(log_ratio, generator, position)
            position = torch.where(accept[:, None], proposal, position)
            logp = torch.where(accept, proposed_logp, logp)
            accepted = accept[:, None].to(torch.float64)
            probability = acceptance_probability(log_ratio)[:, None]
        info = MetropolisInfo(probability.mean(1), accepted.mean(1),
                              params.scaling.to(torch.float64).mean(1))
        return MetropolisState(position, logp, accepted), info

    def _coordinates(self, position: Tensor, logp: Tensor, proposal: Tensor, density: Density,
                     generator) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        chains, size = position.shape
        options = dict(generator=generator, dtype=position.dtype, device=position.device)
        order = torch.argsort(torch.rand(chains, size, **options), dim=1)  # a permutation each
        log_uniform = torch.rand(chains, size, **options).log()
        accepted = torch.zeros(chains, size, dtype=torch.float64, device=position.device)
        probability = torch.zeros_like(accepted)
        for j in range(size):
            index = order[:, j:j + 1]                                   # (C, 1)
            candidate = position.scatter(1, index, proposal.gather(1, index))
            candidate_logp = log_density(density, candidate)
            log_ratio = candidate_logp - logp
            accept = log_uniform[:, j] < log_ratio
            position = torch.where(accept[:, None], candidate, position)
            logp = torch.where(accept, candidate_logp, logp)
            accepted = accepted.scatter(1, index, accept[:, None].to(torch.float64))
            probability = probability.scatter(1, index, acceptance_probability(log_ratio)[:, None])
        return position, logp, accepted, probability
