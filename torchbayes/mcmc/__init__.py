"""MCMC (layer L2): kernels, adaptation and the driver; consumes a density, produces tensors."""
from .adaptation import WindowAdaptation as WindowAdaptation
from .adaptation import WindowAdaptationState as WindowAdaptationState
from .hamiltonian.metrics import HMCParams as HMCParams
from .hmc import HMC as HMC
from .initialize import InitialPointError as InitialPointError
from .initialize import initial_positions as initial_positions
from .kernel import Kernel as Kernel
from .nuts import NUTS as NUTS
from .progress import ProgressBar as ProgressBar
from .sampler import MCMCResult as MCMCResult
from .sampler import run_mcmc as run_mcmc

__all__ = [
    "HMC", "HMCParams", "InitialPointError", "Kernel", "MCMCResult", "NUTS", "ProgressBar",
    "WindowAdaptation", "WindowAdaptationState", "initial_positions", "run_mcmc",
]
