"""torchbayes: Bayesian modelling for PyTorch.

PyMC's way of writing models, PyTorch's way of owning them, and samplers that run many chains
as one batch on the device.

>>> import torchbayes as tb
>>> with tb.Model() as m:
...     z = tb.Normal("z", mu=0.0, sigma=5.0)
...     x = tb.Normal("x", mu=z, sigma=1.0, observed=5.0)
>>> round(float(m.logp({"z": 2.5})), 6)
-6.697315
"""
from . import distributions as distributions
from . import transforms as transforms
from .densities import logp as logp
from .model import *  # noqa: F401,F403  (Model, the front doors, Data, ...; see model.__all__)
from .model import __all__ as _model_all
from .mcmc.step_methods import HMC as HMC
from .mcmc.step_methods import NUTS as NUTS
from .mcmc.step_methods import BinaryGibbsMetropolis as BinaryGibbsMetropolis
from .mcmc.step_methods import BinaryMetropolis as BinaryMetropolis
from .mcmc.step_methods import CategoricalGibbsMetropolis as CategoricalGibbsMetropolis
from .mcmc.step_methods import CompoundStep as CompoundStep
from .mcmc.step_methods import DEMetropolisZ as DEMetropolisZ
from .mcmc.step_methods import Metropolis as Metropolis
from .mcmc.step_methods import Slice as Slice
from .model.random_variable import ImputationWarning as ImputationWarning
from .predictive import compute_deterministics as compute_deterministics
from .predictive import compute_log_likelihood as compute_log_likelihood
from .predictive import sample_posterior_predictive as sample_posterior_predictive
from .predictive import sample_prior_predictive as sample_prior_predictive
from .sampling import sample as sample

__version__ = "0.1.0"

_STEP_METHODS = ["NUTS", "HMC", "Metropolis", "BinaryMetropolis", "BinaryGibbsMetropolis",
                 "CategoricalGibbsMetropolis", "Slice", "DEMetropolisZ", "CompoundStep"]

__all__ = ["distributions", "transforms", "logp", "sample", "sample_prior_predictive",
           "sample_posterior_predictive", "compute_log_likelihood", "compute_deterministics",
           "ImputationWarning", *_STEP_METHODS, *_model_all]
