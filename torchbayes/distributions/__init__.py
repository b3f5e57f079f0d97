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
from .beta import Beta as Beta
from .exponential import Exponential as Exponential
from .gamma import Gamma as Gamma
from .half_cauchy import HalfCauchy as HalfCauchy
from .half_normal import HalfNormal as HalfNormal
from .log_normal import LogNormal as LogNormal
from .normal import Normal as Normal
from .student_t import StudentT as StudentT
from .uniform import Uniform as Uniform

# discrete
from .bernoulli import Bernoulli as Bernoulli
from .binomial import Binomial as Binomial
from .categorical import Categorical as Categorical
from .poisson import Poisson as Poisson

# multivariate
from .dirichlet import Dirichlet as Dirichlet
from .lkj_cholesky_cov import LKJCholeskyCov as LKJCholeskyCov
from .lkj_corr_cholesky import LKJCorrCholesky as LKJCorrCholesky
from .mv_normal import MvNormal as MvNormal

# composite

# time series
