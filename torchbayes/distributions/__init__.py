"""Distribution families (layer L0): tensors in, tensors out; no models, no names.

Each family is a :class:`torch.distributions.Distribution` with PyMC's parameter names.
The model front doors (``tb.Normal("x", ...)``) wrap these; ``tb.Normal.dist(...)`` returns one.
"""
from . import constraints as constraints
from .distribution import Continuous as Continuous
from .distribution import Discrete as Discrete
from .distribution import Distribution as Distribution
from .distribution import check_parameters as check_parameters

# continuous
from .normal import Normal as Normal

# discrete

# multivariate

# composite

# time series
