"""Step methods (PyMC's): kernels over blocks of the flat vector, batched over chains, and
CompoundStep with automatic assignment. See ``docs/guide/step_methods.md``."""
from .assign import STEP_METHODS as STEP_METHODS
from .assign import assign_step_methods as assign_step_methods
from .assign import describe_steps as describe_steps
from .binary import BinaryGibbsMetropolis as BinaryGibbsMetropolis
from .binary import BinaryMetropolis as BinaryMetropolis
from .block import BlockDensity as BlockDensity
from .block import Competence as Competence
from .block import StepBlock as StepBlock
from .block import StepMethod as StepMethod
from .categorical import CategoricalGibbsMetropolis as CategoricalGibbsMetropolis
from .compound import CompoundAdaptation as CompoundAdaptation
from .compound import CompoundStep as CompoundStep
from .compound import compound_initial_positions as compound_initial_positions
from .de_metropolis import DEMetropolisZ as DEMetropolisZ
from .hamiltonian import HMC as HMC
from .hamiltonian import NUTS as NUTS
from .metropolis import Metropolis as Metropolis
from .proposals import CauchyProposal as CauchyProposal
from .proposals import LaplaceProposal as LaplaceProposal
from .proposals import MultivariateNormalProposal as MultivariateNormalProposal
from .proposals import NormalProposal as NormalProposal
from .proposals import PoissonProposal as PoissonProposal
from .proposals import UniformProposal as UniformProposal
from .slice import Slice as Slice
from .tuning import tune_scale as tune_scale

__all__ = [
    "STEP_METHODS", "BinaryGibbsMetropolis", "BinaryMetropolis", "BlockDensity",
    "CategoricalGibbsMetropolis", "CauchyProposal", "Competence", "CompoundAdaptation",
    "CompoundStep", "DEMetropolisZ", "HMC", "LaplaceProposal", "Metropolis",
    "MultivariateNormalProposal", "NUTS", "NormalProposal", "PoissonProposal", "Slice",
    "StepBlock", "StepMethod", "UniformProposal", "assign_step_methods",
    "compound_initial_positions", "describe_steps", "tune_scale",
]
