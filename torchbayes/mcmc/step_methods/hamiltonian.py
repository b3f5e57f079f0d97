"""NUTS and HMC as step methods: the engine's kernels with PyMC's ``vars=`` and warm-up.

In a :class:`~.compound.CompoundStep` each runs on its block's conditional density (the rest
of the model held at its current values) with its own :class:`WindowAdaptation` of step size
and mass matrix on that block's dimension. Other steps move the rest of the model between two
of its transitions, so its state (logp and gradient) is recomputed first: one gradient
evaluation per sweep, as PyMC's NUTS does at the start of every step.
"""
from __future__ import annotations

from typing import Optional

from torch import Tensor

from ..adaptation import WindowAdaptation
from ..hmc import HMC as _HMCKernel
from ..hmc import HMCInfo
from ..kernel import Density
from ..nuts import NUTS as _NUTSKernel
from ..nuts import NUTSInfo
from .block import Competence, StepMethod, VariableFacts

__all__ = ["HMC", "NUTS"]


class _Hamiltonian(StepMethod):
    needs_gradient = True
    default_target_accept: Optional[float] = None

    @staticmethod
    def competence(variable: VariableFacts) -> Competence:
        return Competence.INCOMPATIBLE if variable.discrete else Competence.PREFERRED

    def adaptation(self, tune: int, *, metric: str = "diag", target_accept: float = 0.8,
                   **sampler_settings) -> WindowAdaptation:
        """Window adaptation on this block; the step's own ``target_accept`` wins over the
        sampler's."""
        return WindowAdaptation(tune, metric=metric,
                                target_accept=self.resolved_target_accept(target_accept))

    def resolved_target_accept(self, sampler_target_accept: float) -> float:
        choices = (self.target_accept, self.default_target_accept, sampler_target_accept)
        return float(next(value for value in choices if value is not None))

    def restart(self, state, position: Tensor, logp: Tensor, density: Density):
        return self.init(position, density)      # the gradient changed with the rest


class NUTS(_Hamiltonian, _NUTSKernel):
    """The No-U-Turn Sampler over ``vars`` (PyMC's ``pm.NUTS``).

    Parameters
    ----------
    vars : list of variables or names, optional
        Continuous variables (default: every continuous variable no other step takes).
    target_accept : float, optional
        Dual averaging's target; default ``tb.sample``'s ``target_accept``.
    max_treedepth, max_energy_error, block_size
        As :class:`torchbayes.mcmc.NUTS`.

    Examples
    --------
    >>> import torchbayes as tb
    >>> with tb.Model():
    ...     mu = tb.Normal("mu", 0.0, 1.0)
    ...     idata = tb.sample(draws=20, tune=20, chains=2, step=NUTS([mu], target_accept=0.9),
    ...                       random_seed=1, progressbar=False)
    >>> idata.posterior["mu"].shape
    (2, 20)

    References
    ----------
    Hoffman & Gelman (2014); PyMC ``NUTS``.
    """

    Info = NUTSInfo

    def __init__(self, vars=None, *, target_accept: Optional[float] = None,
                 max_treedepth: int = 10, max_energy_error: float = 1000.0,
                 block_size: int = 16):
        StepMethod.__init__(self, vars, blocked=True)
        _NUTSKernel.__init__(self, max_treedepth=max_treedepth,
                             max_energy_error=max_energy_error, block_size=block_size)
        self.target_accept = target_accept


class HMC(_Hamiltonian, _HMCKernel):
    """Hamiltonian Monte Carlo over ``vars`` with a fixed path (PyMC's ``pm.HamiltonianMC``).

    Parameters
    ----------
    vars : list of variables or names, optional
    path_length : float, optional
        Integration time per transition (PyMC's default 2); or give ``n_steps``.
    n_steps : int, optional
    step_size_jitter : float
        Per-transition step size factor ``U(1 - j, 1 + j)`` (PyMC's default +-15%).
    target_accept : float, optional
        Default 0.65, PyMC's for HMC.

    Examples
    --------
    >>> step = HMC(path_length=1.0)
    >>> step.resolved_target_accept(0.8)
    0.65

    References
    ----------
    Neal (2011); PyMC ``HamiltonianMC``.
    """

    Info = HMCInfo
    default_target_accept = 0.65

    @staticmethod
    def competence(variable: VariableFacts) -> Competence:
        return Competence.INCOMPATIBLE if variable.discrete else Competence.COMPATIBLE

    def __init__(self, vars=None, *, path_length: Optional[float] = 2.0,
                 n_steps: Optional[int] = None, step_size_jitter: float = 0.15,
                 target_accept: Optional[float] = None, max_energy_error: float = 1000.0):
        StepMethod.__init__(self, vars, blocked=True)
        _HMCKernel.__init__(self, n_steps=n_steps,
                            path_length=None if n_steps is not None else path_length,
                            step_size_jitter=step_size_jitter, max_energy_error=max_energy_error)
        self.target_accept = target_accept
