"""What every step method shares: its block of the flat vector, the density of that block,
the Metropolis accept, and the base class with PyMC's ``vars=`` and ``competence``.

A step method is a kernel over a ``(C, k)`` block of the flat ``(C, D)`` position. The
:class:`BlockDensity` is the model's density as a function of that block with every other
coordinate held at its current value: the joint with the rest fixed, which is proportional to
the conditional density the step needs. Steps that need no gradient call ``.logp``, which also
takes extra leading axes (candidate values of a Gibbs update), all in one density call.
"""
from __future__ import annotations

import copy
from enum import IntEnum
from typing import Any, NamedTuple, Optional, Sequence

import torch
from torch import Tensor

from ..kernel import Density, Kernel

__all__ = ["BlockDensity", "Competence", "NoTuning", "NoTuningState", "StepBlock", "StepMethod",
           "VariableFacts", "check_order", "log_density", "metropolis_accept", "visiting_order"]


class Competence(IntEnum):
    """How well a step method suits a variable (PyMC's scale; the highest wins)."""

    INCOMPATIBLE = 0
    COMPATIBLE = 1
    PREFERRED = 2
    IDEAL = 3


class VariableFacts(NamedTuple):
    """What automatic assignment knows about a free variable."""

    name: str
    discrete: bool
    n_categories: int     # Categorical: K; Bernoulli: 2; otherwise 0
    binary: bool          # Bernoulli, or Categorical with two categories
    event_ndim: int       # > 0 for multivariate families
    size: int             # number of flat coordinates


class StepBlock(NamedTuple):
    """Where a step method's variables sit in the flat vector, and what they are.

    ``indices`` (k,) long are flat coordinates; ``discrete`` (k,) bool marks integer-valued
    ones; ``n_categories`` (k,) long is the number of values of a binary/categorical coordinate
    (0 otherwise). ``names`` are the variables (for printing only).
    """

    indices: Tensor
    discrete: Tensor
    n_categories: Tensor
    multivariate_discrete: bool
    names: tuple


def log_density(density: Density, position: Tensor) -> Tensor:
    """``logp`` without a gradient when the density offers it, else the first output.

    Examples
    --------
    >>> log_density(lambda x: (-(x * x).sum(-1), -2 * x), torch.ones(2, 3))
    tensor([-3., -3.])
    """
    logp = getattr(density, "logp", None)
    if logp is not None:
        return logp(position)
    with torch.no_grad():
        return density(position)[0]


class BlockDensity:
    """The density of the block ``indices`` with the rest of ``position`` held fixed.

    Parameters
    ----------
    density : callable
        The model's density on the full flat vector, ``(C, D) -> ((C,), (C, D))``, optionally
        with ``.logp`` (no gradient).
    position : Tensor, shape (C, D)
        The current full position; only the coordinates outside the block are read.
    indices : Tensor, shape (k,)
        Flat coordinates of the block.

    Examples
    --------
    >>> density = lambda x: (-0.5 * (x * x).sum(-1), -x)
    >>> block = BlockDensity(density, torch.ones(2, 3), torch.tensor([1]))
    >>> block(torch.zeros(2, 1))[0]
    tensor([-1., -1.])
    >>> block.logp(torch.zeros(5, 2, 1)).shape     # five candidate values per chain at once
    torch.Size([5, 2])
    """

    def __init__(self, density: Density, position: Tensor, indices: Tensor):
        self.density, self.position, self.indices = density, position, indices

    def full(self, block: Tensor) -> Tensor:
        """The full position(s) with the block replaced; ``block`` is ``(..., C, k)``."""
        position = self.position.expand(block.shape[:-1] + self.position.shape[-1:])
        return position.index_copy(-1, self.indices, block)

    def __call__(self, block: Tensor) -> tuple[Tensor, Tensor]:
        logp, grad = self.density(self.full(block))
        return logp, grad.index_select(-1, self.indices)

    def logp(self, block: Tensor) -> Tensor:
        """Log density of ``block`` of shape ``(..., C, k)``: one call, shape ``(..., C)``."""
        full = self.full(block)
        flat = full.reshape(-1, full.shape[-1])
        with torch.no_grad():
            return log_density(self.density, flat).reshape(full.shape[:-1])


def metropolis_accept(log_ratio: Tensor, generator, like: Tensor) -> Tensor:
    """``log U < log_ratio`` per chain: NaN rejects, ``+inf`` (leaving an impossible state)
    accepts. Shapes ``(C,)``.

    Examples
    --------
    >>> ratio = torch.tensor([float("nan"), float("inf"), -float("inf")])
    >>> metropolis_accept(ratio, torch.Generator().manual_seed(0), ratio).tolist()
    [False, True, False]
    """
    uniform = torch.rand(log_ratio.shape, generator=generator, dtype=like.dtype,
                         device=like.device)
    return uniform.log() < log_ratio


def visiting_order(order, chains: int, size: int, generator, like: Tensor) -> Tensor:
    """``(C, k)`` coordinates in visiting order: a fresh permutation per chain for
    ``"random"``, else the given permutation for every chain.

    Examples
    --------
    >>> visiting_order([2, 0, 1], 2, 3, None, torch.zeros(1)).tolist()
    [[2, 0, 1], [2, 0, 1]]
    """
    if isinstance(order, str):
        noise = torch.rand(chains, size, generator=generator, dtype=like.dtype,
                           device=like.device)
        return torch.argsort(noise, dim=1)
    return torch.as_tensor(order, device=like.device).expand(chains, size)


def check_order(order, size: int, step: str) -> None:
    """PyMC's checks: ``"random"`` or a permutation of ``range(size)``.

    Examples
    --------
    >>> check_order([0, 0], 2, "BinaryGibbsMetropolis")
    Traceback (most recent call last):
    ...
    ValueError: BinaryGibbsMetropolis: order must be a permutation of range(2), got [0, 0]
    """
    if isinstance(order, str):
        if order != "random":
            raise ValueError(f"{step}: order must be 'random' or a permutation, got {order!r}")
    elif sorted(int(i) for i in order) != list(range(size)):
        raise ValueError(f"{step}: order must be a permutation of range({size}), got {order}")


class NoTuningState(NamedTuple):
    """Nothing to tune."""


class NoTuning:
    """The adaptation of a step method without tuned parameters: ``params`` is ``None``."""

    def init(self, kernel_state) -> NoTuningState:
        return NoTuningState()

    def update(self, state, kernel_state, info, iteration: int):
        return state

    def params(self, state) -> None:
        return None


class StepMethod(Kernel):
    """A kernel over the flat coordinates of ``vars``, batched over chains.

    Settings are frozen in ``__init__``. :func:`~.assign.assign_step_methods` resolves ``vars``
    against a model and returns a copy with ``block`` set (:meth:`bind`); a step then sees only
    its ``(C, k)`` block and a :class:`BlockDensity`. ``adaptation(tune, ...)`` returns the
    object (``init / update / params``) that tunes its parameters during warm-up.

    Subclasses set ``Info`` (their statistics schema, PyMC's names), ``default_blocked`` (when
    False, several variables become one step each, as PyMC does) and ``competence``.
    """

    Info: type = NamedTuple
    default_blocked: bool = True
    needs_gradient: bool = False

    def __init__(self, vars: Optional[Sequence[Any]] = None, *, blocked: Optional[bool] = None):
        if vars is not None and not isinstance(vars, (list, tuple)):
            vars = [vars]
        self.vars = None if vars is None else list(vars)
        self.blocked = self.default_blocked if blocked is None else bool(blocked)
        self.block: Optional[StepBlock] = None

    def bind(self, block: StepBlock, vars: Sequence[Any]):
        """A copy of this step over ``block`` (the coordinates of ``vars``)."""
        bound = copy.copy(self)
        bound.block, bound.vars = block, list(vars)
        return bound

    @staticmethod
    def competence(variable: VariableFacts) -> Competence:
        return Competence.INCOMPATIBLE

    def adaptation(self, tune: int, **sampler_settings):
        """The warm-up for this step's parameters (none by default)."""
        return NoTuning()

    def restart(self, state, position: Tensor, logp: Tensor, density: Density):
        """The state at ``position`` after other steps moved the rest of the model; ``logp``
        is the joint there (a gradient-free step needs no density evaluation)."""
        return state._replace(position=position, logp=logp)

    # -- facts of the bound block, with defaults for a step used on a plain density --------
    def _discrete(self, position: Tensor) -> Tensor:
        if self.block is None:
            return torch.zeros(position.shape[-1], dtype=torch.bool, device=position.device)
        return self.block.discrete.to(position.device)

    def __repr__(self) -> str:
        names = ", ".join(self.block.names) if self.block is not None else \
            ", ".join(getattr(v, "name", str(v)) for v in self.vars or [])
        return f"{type(self).__name__}: [{names}]"

