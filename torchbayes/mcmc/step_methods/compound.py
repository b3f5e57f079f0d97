"""CompoundStep: a list of step methods over index blocks; one sweep applies each in turn.

Each member sees its ``(C, k)`` block and a :class:`~.block.BlockDensity` (the joint with the
rest of the current position fixed, proportional to the block's conditional density). The
joint log density is handed from one member to the next, so a gradient-free member costs no
extra evaluation; a Hamiltonian member recomputes its gradient once per sweep.

The compound is a kernel for :func:`~torchbayes.mcmc.run_mcmc`: its state is a NamedTuple of
tensors with the full ``position`` (C, D) and ``logp`` (C,), plus each member's own state. Its
warm-up is :class:`CompoundAdaptation`, the members' adaptations side by side (window
adaptation for NUTS/HMC on its block, scale tuning for Metropolis, ...), handed to the driver
as its ``adaptation=``; so checkpoints and resume work unchanged.

Statistics: the compound's Info has ``lp`` and ``diverging`` (what the driver and progress bar
read) and every member field as ``sampler_<i>__<name>``, PyMC's flat names.
:meth:`CompoundStep.sample_stats` merges them for ArviZ the way PyMC does: a statistic that one
member reports keeps its name; one that several report gets a trailing axis (ArviZ names it
``<name>_dim_0``), one entry per member in sweep order.
"""
from __future__ import annotations

import math
from collections import namedtuple
from typing import NamedTuple, Sequence

import torch
from torch import Tensor

from ..initialize import InitialPointError, initial_positions
from ..kernel import Density, Kernel
from .block import BlockDensity, StepMethod, log_density

__all__ = ["CompoundAdaptation", "CompoundAdaptationState", "CompoundParams", "CompoundState",
           "CompoundStep", "compound_initial_positions"]

# Info fields whose PyMC name is a Python keyword.
_PYMC_NAMES = {"lamb": "lambda"}


class CompoundState(NamedTuple):
    """Where each chain is after a sweep."""

    position: Tensor    # (C, D) the full flat vector
    logp: Tensor        # (C,) the joint log density there
    members: tuple      # CompoundStep.Members: each member's state after its last step


class CompoundParams(NamedTuple):
    """Tuned parameters of the members; ``step_size`` is the first Hamiltonian member's
    (NaN without one), for the driver's records and the progress bar."""

    step_size: Tensor   # (C,)
    members: tuple


def _flatten(methods) -> list:
    flat = []
    for method in methods:
        flat.extend(_flatten(method.methods) if isinstance(method, CompoundStep) else [method])
    return flat


class CompoundStep(Kernel):
    """Step methods applied in sequence, each to its own block (PyMC's ``CompoundStep``).

    Parameters
    ----------
    methods : list of step methods (nested CompoundSteps are flattened)
        Built by the user with ``vars=``, or bound to blocks by
        :func:`~.assign.assign_step_methods` (which ``tb.sample`` calls).

    Examples
    --------
    >>> import torchbayes as tb
    >>> from torchbayes.mcmc.step_methods import Metropolis, NUTS
    >>> with tb.Model():
    ...     rate = tb.Gamma("rate", alpha=2.0, beta=1.0)
    ...     count = tb.Poisson("count", mu=rate)
    ...     idata = tb.sample(draws=30, tune=30, chains=2, random_seed=1, progressbar=False,
    ...                       step=CompoundStep([NUTS([rate]), Metropolis([count])]))
    >>> str(idata.posterior["count"].dtype), "scaling" in idata.sample_stats
    ('int64', True)
    """

    def __init__(self, methods: Sequence):
        self.methods = tuple(_flatten(methods))
        for method in self.methods:
            if not isinstance(method, StepMethod):
                raise TypeError(f"CompoundStep takes step methods, got {method!r}")
        fields, self._slices, start = ["lp", "diverging"], [], 2
        for i, method in enumerate(self.methods):
            names = method.Info._fields
            fields += [f"sampler_{i}__{name}" for name in names]
            self._slices.append(slice(start, start + len(names)))
            start += len(names)
        self.Info = namedtuple("CompoundInfo", fields)
        # Per-member states and parameters sit in a named tuple too, so that a checkpoint is
        # nested dicts of tensors (torch.load's weights_only) and resumes on any device.
        self.Members = namedtuple("CompoundMembers", [f"sampler_{i}" for i in
                                                      range(len(self.methods))])
        self._hamiltonian = [i for i, m in enumerate(self.methods) if m.needs_gradient]

    @property
    def vars(self) -> list:
        return [var for method in self.methods for var in method.vars or []]

    # -- kernel ----------------------------------------------------------------------------
    def init(self, position: Tensor, density: Density) -> CompoundState:
        """The state at the full ``position`` (C, D): each member evaluates its own state."""
        members = self.Members(*(m.init(position[:, m.block.indices],
                                         BlockDensity(density, position, m.block.indices))
                                  for m in self.methods))
        logp = members[-1].logp if members else log_density(density, position)
        return CompoundState(position, logp, members)

    def step(self, state: CompoundState, params: CompoundParams, density: Density,
             generator) -> tuple[CompoundState, tuple]:
        """One sweep: every member in order, each on its block given the rest."""
        position, logp = state.position, state.logp
        members, infos = [], []
        for method, member_state, member_params in zip(self.methods, state.members,
                                                       params.members):
            indices = method.block.indices
            block_density = BlockDensity(density, position, indices)
            member_state = method.restart(member_state, position[:, indices], logp, block_density)
            member_state, info = method.step(member_state, member_params, block_density, generator)
            position = position.index_copy(1, indices, member_state.position)
            logp = member_state.logp
            members.append(member_state)
            infos.append(info)
        diverging = torch.zeros(position.shape[0], dtype=torch.bool, device=position.device)
        for i in self._hamiltonian:
            diverging = diverging | infos[i].diverging
        flat = [field for info in infos for field in info]
        return CompoundState(position, logp, self.Members(*members)), \
            self.Info(logp, diverging, *flat)

    # -- statistics ------------------------------------------------------------------------
    def split_info(self, info) -> tuple:
        """Each member's Info from the compound's flat Info."""
        return tuple(method.Info(*info[part]) for method, part in zip(self.methods, self._slices))

    def stat_names(self) -> dict[str, list[str]]:
        """PyMC's statistic name -> the compound Info fields that report it, in sweep order."""
        names: dict[str, list[str]] = {"lp": ["lp"]}
        for i, method in enumerate(self.methods):
            for field in method.Info._fields:
                if field != "lp":     # the joint after the sweep is the compound's lp
                    names.setdefault(_PYMC_NAMES.get(field, field), []).append(
                        f"sampler_{i}__{field}")
        if self._hamiltonian:
            names["step_size"], names["step_size_bar"] = ["step_size"], ["step_size_bar"]
        return names

    def sample_stats(self, stats: dict[str, Tensor]) -> dict[str, Tensor]:
        """The driver's ``(C, n)`` records merged for ``sample_stats`` (see the module doc)."""
        merged = {}
        for name, fields in self.stat_names().items():
            values = [stats[field] for field in fields if field in stats]
            if len(values) == 1:
                merged[name] = values[0]
            elif values:
                dtype = values[0].dtype
                for value in values[1:]:
                    dtype = torch.promote_types(dtype, value.dtype)
                merged[name] = torch.stack([v.to(dtype) for v in values], -1)
        return merged

    # -- warm-up -----------------------------------------------------------------------------
    def adaptation(self, tune: int, **sampler_settings) -> "CompoundAdaptation":
        """The members' warm-ups together; ``sampler_settings`` are ``metric`` and
        ``target_accept`` for Hamiltonian members."""
        return CompoundAdaptation(self, tune, **sampler_settings)

    def __repr__(self) -> str:
        return "CompoundStep\n" + "\n".join(f">{method!r}" for method in self.methods)


class CompoundAdaptationState(NamedTuple):
    members: tuple
    params: CompoundParams


class CompoundAdaptation:
    """``init / update / params / step_size_bar`` over the members' own adaptations.

    ``update`` returns the same state object when no member changed (after warm-up), which
    the driver uses to skip work.
    """

    def __init__(self, compound: CompoundStep, tune: int, **sampler_settings):
        self.compound = compound
        self.members = [method.adaptation(tune, **sampler_settings)
                        for method in compound.methods]
        self._first_hamiltonian = compound._hamiltonian[0] if compound._hamiltonian else None

    def init(self, kernel_state: CompoundState) -> CompoundAdaptationState:
        members = self.compound.Members(*(a.init(s) for a, s in
                                          zip(self.members, kernel_state.members)))
        return CompoundAdaptationState(members, self._params(members, kernel_state.position))

    def _params(self, members: tuple, like: Tensor) -> CompoundParams:
        params = self.compound.Members(*(a.params(s) for a, s in zip(self.members, members)))
        if self._first_hamiltonian is None:
            step_size = torch.full((like.shape[0],), math.nan, dtype=torch.float64,
                                   device=like.device)
        else:
            step_size = params[self._first_hamiltonian].step_size
        return CompoundParams(step_size, params)

    def update(self, state: CompoundAdaptationState, kernel_state: CompoundState, info,
               iteration: int) -> CompoundAdaptationState:
        member_infos = self.compound.split_info(info)
        members = self.compound.Members(*(
            a.update(s, k, i, iteration) for a, s, k, i in
            zip(self.members, state.members, kernel_state.members, member_infos)))
        if all(new is old for new, old in zip(members, state.members)):
            return state
        return CompoundAdaptationState(members, self._params(members, kernel_state.position))

    def params(self, state: CompoundAdaptationState) -> CompoundParams:
        return state.params

    def step_size_bar(self, state: CompoundAdaptationState) -> Tensor:
        if self._first_hamiltonian is None:
            return state.params.step_size.to(torch.float64)
        i = self._first_hamiltonian
        return self.members[i].step_size_bar(state.members[i])


def compound_initial_positions(compound: CompoundStep, density: Density, base: Tensor,
                               chains: int, jitter: bool, generator) -> Tensor:
    """Starting points ``(C, D)``: PyMC's jitter on the Hamiltonian members' coordinates only
    (integer coordinates must stay integers), every chain checked for a finite density.

    Examples
    --------
    >>> import torchbayes as tb
    >>> from torchbayes.mcmc.step_methods import assign_step_methods
    >>> with tb.Model() as m:
    ...     rate = tb.Gamma("rate", alpha=2.0, beta=1.0)
    ...     count = tb.Poisson("count", mu=rate, initval=3)
    >>> start = compound_initial_positions(assign_step_methods(m), m.logp_dlogp_function(),
    ...                                    m.dict_to_array({"rate": 2.0, "count": 3.0}), 4,
    ...                                    True, torch.Generator().manual_seed(0))
    >>> start[:, 1].tolist()                     # the count is not jittered
    [3.0, 3.0, 3.0, 3.0]
    """
    position = base.reshape(-1).expand(chains, base.numel()).clone()
    indices = [m.block.indices for m in compound.methods if m.needs_gradient]
    if not indices:        # nothing to jitter, and maybe no gradient to take: check logp only
        logp = log_density(density, position)
        if not bool(torch.isfinite(logp).all()):
            raise InitialPointError(f"The initial point has a non-finite log density "
                                    f"({logp[0].item()}); give better initial values "
                                    "(initvals=...)", list(range(chains)), [])
        return position
    indices = torch.cat(indices)
    block = initial_positions(BlockDensity(density, position, indices), base.reshape(-1)[indices],
                              chains, jitter=jitter, generator=generator)
    return position.index_copy(1, indices, block)
