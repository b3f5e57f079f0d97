"""Models (layer L1): random variables, the graph, the flat layout and the density."""
from .containers import Data as Data
from .containers import Deterministic as Deterministic
from .containers import Potential as Potential
from .containers import set_data as set_data
from .context import modelcontext as modelcontext
from .density import DensityProgram as DensityProgram
from .density import LogpDlogpFunction as LogpDlogpFunction
from .model import Model as Model
from .node import Expression as Expression
from .node import Node as Node
from .random_variable import RandomVariable as RandomVariable
from .front_doors import *  # noqa: F401,F403  (one class per family, listed in its __all__)
from .front_doors import __all__ as _front_doors

__all__ = ["Data", "Deterministic", "Potential", "set_data", "modelcontext", "DensityProgram",
           "LogpDlogpFunction", "Model", "Expression", "Node", "RandomVariable", *_front_doors]
