"""Adaptation schemes (step size, mass matrix) and their warm-up schedules.

Each scheme is ``init / update / final`` over its own state tuple, in its own file;
:class:`WindowAdaptation` combines them for the driver. See ``docs/notes/adaptation.md``.
"""
from .dual_averaging import DualAveragingState as DualAveragingState
from .dual_averaging import dual_averaging_final as dual_averaging_final
from .dual_averaging import dual_averaging_init as dual_averaging_init
from .dual_averaging import dual_averaging_restart as dual_averaging_restart
from .dual_averaging import dual_averaging_update as dual_averaging_update
from .fisher import FisherState as FisherState
from .fisher import fisher_final as fisher_final
from .fisher import fisher_init as fisher_init
from .fisher import fisher_initial_inverse_mass_matrix as fisher_initial_inverse_mass_matrix
from .fisher import fisher_switch as fisher_switch
from .fisher import fisher_update as fisher_update
from .schedule import AdaptationSchedule as AdaptationSchedule
from .schedule import fisher_schedule as fisher_schedule
from .schedule import schedule_windows as schedule_windows
from .schedule import stan_schedule as stan_schedule
from .welford import WelfordState as WelfordState
from .welford import welford_final as welford_final
from .welford import welford_init as welford_init
from .welford import welford_pool as welford_pool
from .welford import welford_update as welford_update
from .window_adaptation import WindowAdaptation as WindowAdaptation
from .window_adaptation import WindowAdaptationState as WindowAdaptationState

__all__ = [
    "AdaptationSchedule", "DualAveragingState", "FisherState", "WelfordState",
    "WindowAdaptation", "WindowAdaptationState", "dual_averaging_final", "dual_averaging_init",
    "dual_averaging_restart", "dual_averaging_update", "fisher_final", "fisher_init",
    "fisher_initial_inverse_mass_matrix", "fisher_schedule", "fisher_switch", "fisher_update",
    "schedule_windows", "stan_schedule", "welford_final", "welford_init", "welford_pool", "welford_update",
]
