"""Checkers for extensions: the conformance suite our own families pass, for users' families.

Examples
--------
>>> from scipy import stats
>>> from torchbayes.distributions import HalfNormal
>>> from torchbayes.testing import FamilyCase, check_log_prob
>>> check_log_prob(FamilyCase(HalfNormal, {"sigma": 2.0}, lambda sigma: stats.halfnorm(0, sigma)))
"""
from .distributions import FamilyCase as FamilyCase
from .distributions import QuadratureReference as QuadratureReference
from .distributions import check_batch_shapes as check_batch_shapes
from .distributions import check_goodness_of_fit as check_goodness_of_fit
from .distributions import check_gradients as check_gradients
from .distributions import check_invalid_parameters as check_invalid_parameters
from .distributions import check_log_prob as check_log_prob
from .distributions import check_logcdf as check_logcdf
from .distributions import check_out_of_support as check_out_of_support
from .distributions import check_sample_moments as check_sample_moments
from .distributions import make_distribution as make_distribution
from .suite import conformance_suite as conformance_suite

__all__ = [
    "FamilyCase", "QuadratureReference", "check_batch_shapes", "check_goodness_of_fit",
    "check_gradients", "check_invalid_parameters", "check_log_prob", "check_logcdf",
    "check_out_of_support", "check_sample_moments", "conformance_suite", "make_distribution",
]
