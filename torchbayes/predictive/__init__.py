"""Forward sampling (layer L2): prior and posterior predictive, log likelihood, deterministics."""
from .posterior_quantities import compute_deterministics as compute_deterministics
from .posterior_quantities import compute_log_likelihood as compute_log_likelihood
from .forward_sampling import sample_posterior_predictive as sample_posterior_predictive
from .forward_sampling import sample_prior_predictive as sample_prior_predictive

__all__ = ["compute_deterministics", "compute_log_likelihood", "sample_posterior_predictive",
           "sample_prior_predictive"]
