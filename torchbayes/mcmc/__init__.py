"""MCMC (layer L2): kernels, adaptation and the driver; consumes a density, produces tensors."""
from .adaptation import HMCParams as HMCParams
from .adaptation import WindowAdaptation as WindowAdaptation
from .adaptation import WindowAdaptationState as WindowAdaptationState
from .initialize import InitialPointError as InitialPointError
from .initialize import initial_positions as initial_positions
from .progress import ProgressBar as ProgressBar
from .sampler import MCMCResult as MCMCResult
from .sampler import run_mcmc as run_mcmc

__all__ = [
    "HMCParams", "InitialPointError", "MCMCResult", "ProgressBar", "WindowAdaptation",
    "WindowAdaptationState", "initial_positions", "run_mcmc",
]
