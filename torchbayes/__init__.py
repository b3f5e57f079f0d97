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
from .sampling import sample as sample

__version__ = "0.1.0"

__all__ = ["distributions", "transforms", "logp", "sample", *_model_all]
