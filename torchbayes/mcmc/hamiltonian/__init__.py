"""Parts of Hamiltonian Monte Carlo, named after the maths (STYLE.md §5)."""
from .integrators import LEAPFROG as LEAPFROG
from .integrators import integrate as integrate
from .integrators import leapfrog as leapfrog
from .metrics import HMCParams as HMCParams
from .metrics import kinetic_energy as kinetic_energy
from .metrics import sample_momentum as sample_momentum
from .metrics import velocity as velocity

__all__ = ["HMCParams", "LEAPFROG", "integrate", "kinetic_energy", "leapfrog",
           "sample_momentum", "velocity"]
