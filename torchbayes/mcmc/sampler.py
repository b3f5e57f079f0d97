"""The MCMC driver: a Python loop that only orchestrates tensors that stay on the device.

``run_mcmc`` steps a kernel (``init`` / ``step`` over a NamedTuple state), feeds each transition
to an adaptation (``init`` / ``update`` / ``params``) and writes the position and the kernel's
statistics into preallocated ``(C, n, ...)`` tensors. Nothing in the loop reads a device value
on the host; the only host contact is the optional callback (the progress bar throttles its own).

The whole run is resumable: :meth:`MCMCResult.state_dict` holds the kernel and adaptation
states, the iteration counter, the buffers and the generator state, and
``run_mcmc(..., state=checkpoint)`` continues bit for bit as if the run had never stopped.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple, Optional

import torch
from torch import Tensor

from .adaptation import WindowAdaptation

__all__ = ["MCMCResult", "run_mcmc"]

_FORMAT = "torchbayes.mcmc.run_mcmc/1"


@dataclass
class MCMCResult:
    """Draws, statistics and the final state of a run.

    ``draws`` is ``(C, n, d)`` for the ``n`` post-tuning iterations completed; ``warmup_draws``
    is ``(C, m, d)`` for the ``m`` tuning iterations completed when ``discard_tuned_samples`` was
    ``False`` (else ``None``). ``stats`` and ``warmup_stats`` map a statistic's name (the
    kernel's Info fields, ``step_size``, ``step_size_bar``, ``tune``) to ``(C, n)`` / ``(C, m)``.
    ``interrupted`` is set when a KeyboardInterrupt ended the run early; ``complete`` when
    all ``tune + draws`` iterations ran.
    """

    draws: Tensor
    warmup_draws: Optional[Tensor]
    stats: dict[str, Tensor]
    warmup_stats: dict[str, Tensor]
    kernel_state: Any
    adaptation_state: Any
    iteration: int
    tune: int
    n_draws: int
    interrupted: bool
    generator_state: Tensor
    _buffers: dict[str, Any] = field(repr=False)

    @property
    def complete(self) -> bool:
        return self.iteration == self.tune + self.n_draws

    def state_dict(self) -> dict[str, Any]:
        """The whole sampler state as a dict of tensors and ints, for ``torch.save`` and
        ``run_mcmc(..., state=...)``."""
        return {
            "format": _FORMAT,
            "iteration": self.iteration,
            "tune": self.tune,
            "draws": self.n_draws,
            "kernel_state": _tuple_to_dict(self.kernel_state),
            "adaptation_state": _tuple_to_dict(self.adaptation_state),
            "generator_state": self.generator_state,
            "samples": self._buffers["samples"],
            "warmup_samples": self._buffers["warmup_samples"],
            "stats": self._buffers["stats"],
        }


class _Carry(NamedTuple):
    # Everything the loop advances, committed with a single assignment so an interrupt between
    # two statements never leaves half an iteration behind.
    kernel_state: Any
    adaptation_state: Any
    params: Any
    iteration: int


def run_mcmc(
    density: Callable[[Tensor], tuple[Tensor, Tensor]],
    initial_position: Tensor,
    kernel,
    *,
    tune: int = 1000,
    draws: int = 1000,
    generator: torch.Generator,
    metric: str = "diag",
    target_accept: float = 0.8,
    initial_step_size=None,
    adaptation=None,
    discard_tuned_samples: bool = True,
    store_dtype: Optional[torch.dtype] = None,
    callback: Optional[Callable[[int, Any, Any], None]] = None,
    state: Optional[dict[str, Any]] = None,
    stop_after: Optional[int] = None,
) -> MCMCResult:
    """Run ``tune + draws`` transitions of ``kernel`` on all chains at once.

    Parameters
    ----------
    density : callable
        ``density(position) -> (logp, logp_grad)``, (C, d) -> (C,), (C, d).
    initial_position : Tensor, shape (C, d)
        Starting points (see :func:`torchbayes.mcmc.initialize.initial_positions`). Ignored
        when resuming from ``state``.
    kernel
        Has ``init(position, density) -> state`` and
        ``step(state, params, density, generator) -> (state, info)``.
    tune, draws : int
        Tuning and kept iterations.
    generator : torch.Generator
        The run's only randomness (on the device of ``initial_position``).
    metric, target_accept, initial_step_size
        Settings of the default :class:`WindowAdaptation` (``metric`` is ``"diag"``,
        ``"dense"`` or ``"fisher"``).
    adaptation : optional
        Replaces the default; has ``init(kernel_state)``, ``update(state, kernel_state, info,
        iteration)``, ``params(state)`` and ``step_size_bar(state)``.
    discard_tuned_samples : bool
        When ``False`` the tuning draws are kept in ``warmup_draws``.
    store_dtype : torch.dtype, optional
        dtype of the stored draws (default: the position's dtype).
    callback : callable, optional
        ``callback(iteration, info, params)`` after each committed iteration (0-based); a
        KeyboardInterrupt raised in it, or anywhere in the loop, ends the run with the draws
        so far and ``interrupted=True``.
    state : dict, optional
        A checkpoint from :meth:`MCMCResult.state_dict` to continue from. ``tune`` and ``draws``
        must match it; ``generator`` is reset to the checkpoint's state.
    stop_after : int, optional
        Stop once this many iterations (tuning included) have completed, e.g. to checkpoint.

    Returns
    -------
    MCMCResult

    Examples
    --------
    >>> from torchbayes.mcmc import HMC
    >>> density = lambda x: (-0.5 * (x ** 2).sum(-1), -x)
    >>> result = run_mcmc(density, torch.zeros(4, 2), HMC(n_steps=5), tune=100, draws=50,
    ...                   generator=torch.Generator().manual_seed(1))
    >>> result.draws.shape, result.stats["acceptance_rate"].shape
    (torch.Size([4, 50, 2]), torch.Size([4, 50]))
    """
    if adaptation is None:
        adaptation = WindowAdaptation(tune, metric=metric, target_accept=target_accept,
                                      initial_step_size=initial_step_size)
    total = tune + draws
    if state is None:
        kernel_state = kernel.init(initial_position, density)
        adaptation_state = adaptation.init(kernel_state)
        position = kernel_state.position
        buffers = _allocate(position, tune, draws, discard_tuned_samples, store_dtype)
        iteration = 0
    else:
        kernel_state, adaptation_state, iteration, buffers = _restore(
            state, kernel, adaptation, density, tune, draws)
        generator.set_state(state["generator_state"])
    carry = _Carry(kernel_state, adaptation_state, adaptation.params(adaptation_state), iteration)
    stop = total if stop_after is None else min(int(stop_after), total)
    step_size_bar = adaptation.step_size_bar(carry.adaptation_state)
    # The generator's state at the last commit (host-side for CPU and CUDA generators), so an
    # interrupt in the middle of a step can rewind the randomness that step consumed.
    committed_rng, i = generator.get_state(), carry.iteration
    interrupted = False
    try:
        while carry.iteration < stop:
            i = carry.iteration
            kernel_state, info = kernel.step(carry.kernel_state, carry.params, density, generator)
            adaptation_state = adaptation.update(carry.adaptation_state, kernel_state, info, i)
            if adaptation_state is not carry.adaptation_state:    # a host-side identity test
                step_size_bar = adaptation.step_size_bar(adaptation_state)
            _record(buffers, i, tune, kernel_state.position, info, carry.params, step_size_bar)
            carry = _Carry(kernel_state, adaptation_state, adaptation.params(adaptation_state), i + 1)
            committed_rng = generator.get_state()
            if callback is not None:
                callback(i, info, carry.params)
    except KeyboardInterrupt:
        interrupted = True
        if carry.iteration == i:          # interrupted mid-step: undo its random draws
            generator.set_state(committed_rng)
    return _result(carry, buffers, tune, draws, interrupted, generator)


def _allocate(position: Tensor, tune: int, draws: int, discard_tuned_samples: bool,
              store_dtype: Optional[torch.dtype]) -> dict[str, Any]:
    chains, dim = position.shape
    dtype = position.dtype if store_dtype is None else store_dtype
    options = dict(dtype=dtype, device=position.device)
    return {
        "samples": torch.zeros(chains, draws, dim, **options),
        "warmup_samples": None if discard_tuned_samples else torch.zeros(chains, tune, dim, **options),
        "stats": {},   # allocated from the first Info, whose fields are the schema
    }


def _allocate_stats(info, params, chains: int, tune: int, total: int, device) -> dict[str, Tensor]:
    stats = {name: torch.zeros(chains, total, dtype=value.dtype, device=device)
             for name, value in info._asdict().items()}
    stats["step_size"] = torch.zeros(chains, total, dtype=torch.float64, device=device)
    stats["step_size_bar"] = torch.zeros(chains, total, dtype=torch.float64, device=device)
    tune_flag = torch.zeros(chains, total, dtype=torch.bool, device=device)
    tune_flag[:, :tune] = True
    stats["tune"] = tune_flag
    return stats


def _record(buffers: dict[str, Any], i: int, tune: int, position: Tensor, info, params,
            step_size_bar: Tensor) -> None:
    # Row writes into preallocated device tensors: no allocation growth, no host copy.
    samples, warmup = buffers["samples"], buffers["warmup_samples"]
    if i >= tune:
        samples[:, i - tune] = position
    elif warmup is not None:
        warmup[:, i] = position
    stats = buffers["stats"]
    if not stats:
        chains, total = samples.shape[0], samples.shape[1] + tune
        stats.update(_allocate_stats(info, params, chains, tune, total, position.device))
    for name, value in zip(info._fields, info):
        stats[name][:, i] = value
    stats["step_size"][:, i] = params.step_size
    stats["step_size_bar"][:, i] = step_size_bar


def _result(carry: _Carry, buffers: dict[str, Any], tune: int, draws: int, interrupted: bool,
            generator: torch.Generator) -> MCMCResult:
    done = carry.iteration
    kept = max(done - tune, 0)
    tuned = min(done, tune)
    warmup = buffers["warmup_samples"]
    stats = buffers["stats"]
    return MCMCResult(
        draws=buffers["samples"][:, :kept],
        warmup_draws=None if warmup is None else warmup[:, :tuned],
        stats={name: value[:, tune:tune + kept] for name, value in stats.items()},
        warmup_stats={name: value[:, :tuned] for name, value in stats.items()},
        kernel_state=carry.kernel_state,
        adaptation_state=carry.adaptation_state,
        iteration=done,
        tune=tune,
        n_draws=draws,
        interrupted=interrupted,
        generator_state=generator.get_state(),
        _buffers=buffers,
    )


def _restore(state: dict[str, Any], kernel, adaptation, density, tune: int, draws: int):
    if state.get("format") != _FORMAT:
        raise ValueError(f"state is not a run_mcmc checkpoint (format {state.get('format')!r})")
    if (state["tune"], state["draws"]) != (tune, draws):
        raise ValueError(
            f"the checkpoint was taken with tune={state['tune']}, draws={state['draws']}; "
            f"resume with the same values (got tune={tune}, draws={draws})")
    # Templates give the NamedTuple types back; the density is evaluated once for that.
    position = state["kernel_state"]["position"]
    kernel_template = kernel.init(position.clone(), density)
    kernel_state = _dict_to_tuple(kernel_template, state["kernel_state"])
    adaptation_state = _dict_to_tuple(adaptation.init(kernel_state), state["adaptation_state"])
    warmup = state["warmup_samples"]
    buffers = {
        # Clones: the loop writes rows in place and must not edit the caller's checkpoint.
        "samples": state["samples"].clone(),
        "warmup_samples": None if warmup is None else warmup.clone(),
        "stats": {name: value.clone() for name, value in state["stats"].items()},
    }
    return kernel_state, adaptation_state, int(state["iteration"]), buffers


def _tuple_to_dict(value):
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return {name: _tuple_to_dict(item) for name, item in zip(value._fields, value)}
    return value


def _dict_to_tuple(template, value):
    if isinstance(template, tuple) and hasattr(template, "_fields"):
        return type(template)(**{name: _dict_to_tuple(getattr(template, name), value[name])
                                 for name in template._fields})
    if isinstance(template, Tensor):
        return value.to(template.device).clone()
    return value
