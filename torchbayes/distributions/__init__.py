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
from .asymmetric_laplace import AsymmetricLaplace as AsymmetricLaplace
from .beta import Beta as Beta
from .cauchy import Cauchy as Cauchy
from .chi_squared import ChiSquared as ChiSquared
from .ex_gaussian import ExGaussian as ExGaussian
from .exponential import Exponential as Exponential
from .flat import Flat as Flat
from .flat import HalfFlat as HalfFlat
from .gamma import Gamma as Gamma
from .gumbel import Gumbel as Gumbel
from .half_cauchy import HalfCauchy as HalfCauchy
from .half_normal import HalfNormal as HalfNormal
from .half_student_t import HalfStudentT as HalfStudentT
from .interpolated import Interpolated as Interpolated
from .inverse_gamma import InverseGamma as InverseGamma
from .kumaraswamy import Kumaraswamy as Kumaraswamy
from .laplace import Laplace as Laplace
from .log_normal import LogNormal as LogNormal
from .logistic import Logistic as Logistic
from .logit_normal import LogitNormal as LogitNormal
from .moyal import Moyal as Moyal
from .normal import Normal as Normal
from .pareto import Pareto as Pareto
from .rice import Rice as Rice
from .skew_normal import SkewNormal as SkewNormal
from .skew_student_t import SkewStudentT as SkewStudentT
from .student_t import StudentT as StudentT
from .triangular import Triangular as Triangular
from .truncated_normal import TruncatedNormal as TruncatedNormal
from .uniform import Uniform as Uniform
from .von_mises import VonMises as VonMises
from .wald import Wald as Wald
from .weibull import Weibull as Weibull

# discrete
from .bernoulli import Bernoulli as Bernoulli
from .beta_binomial import BetaBinomial as BetaBinomial
from .binomial import Binomial as Binomial
from .categorical import Categorical as Categorical
from .dirac_delta import DiracDelta as DiracDelta
from .discrete_uniform import DiscreteUniform as DiscreteUniform
from .discrete_weibull import DiscreteWeibull as DiscreteWeibull
from .geometric import Geometric as Geometric
from .hurdle_gamma import HurdleGamma as HurdleGamma
from .hurdle_log_normal import HurdleLogNormal as HurdleLogNormal
from .hurdle_negative_binomial import HurdleNegativeBinomial as HurdleNegativeBinomial
from .hurdle_poisson import HurdlePoisson as HurdlePoisson
from .hyper_geometric import HyperGeometric as HyperGeometric
from .negative_binomial import NegativeBinomial as NegativeBinomial
from .ordered_logistic import OrderedLogistic as OrderedLogistic
from .ordered_probit import OrderedProbit as OrderedProbit
from .poisson import Poisson as Poisson
from .zero_inflated_binomial import ZeroInflatedBinomial as ZeroInflatedBinomial
from .zero_inflated_negative_binomial import (
    ZeroInflatedNegativeBinomial as ZeroInflatedNegativeBinomial,
)
from .zero_inflated_poisson import ZeroInflatedPoisson as ZeroInflatedPoisson

# multivariate
from .car import CAR as CAR
from .dirichlet import Dirichlet as Dirichlet
from .dirichlet_multinomial import DirichletMultinomial as DirichletMultinomial
from .kronecker_normal import KroneckerNormal as KroneckerNormal
from .lkj_cholesky_cov import LKJCholeskyCov as LKJCholeskyCov
from .lkj_corr import LKJCorr as LKJCorr
from .lkj_corr_cholesky import LKJCorrCholesky as LKJCorrCholesky
from .matrix_normal import MatrixNormal as MatrixNormal
from .multinomial import Multinomial as Multinomial
from .mv_normal import MvNormal as MvNormal
from .mv_student_t import MvStudentT as MvStudentT
from .stick_breaking_weights import StickBreakingWeights as StickBreakingWeights
from .wishart import Wishart as Wishart
from .zero_sum_normal import ZeroSumNormal as ZeroSumNormal

# composite
from .censored import Censored as Censored
from .custom import CustomDist as CustomDist
from .mixture import Mixture as Mixture
from .normal_mixture import NormalMixture as NormalMixture
from .truncated import Truncated as Truncated
from .wrapped import TorchDistribution as TorchDistribution
from .wrapped import from_torch as from_torch

# time series
from .ar import AR as AR
from .euler_maruyama import EulerMaruyama as EulerMaruyama
from .garch11 import GARCH11 as GARCH11
from .gaussian_random_walk import GaussianRandomWalk as GaussianRandomWalk
from .mv_gaussian_random_walk import MvGaussianRandomWalk as MvGaussianRandomWalk
from .random_walk import RandomWalk as RandomWalk
