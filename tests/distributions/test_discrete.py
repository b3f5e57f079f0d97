"""Conformance table of the discrete families against SciPy.

Categorical's reference is SciPy's ``rv_discrete`` over its categories.
"""
import numpy as np
import pytest
import torch
from scipy import stats

from torchbayes.distributions import Bernoulli, Binomial, Categorical, Poisson
from torchbayes.testing import FamilyCase, conformance_suite


def _categorical(p):
    p = np.asarray(p) / np.sum(p)
    return stats.rv_discrete(values=(np.arange(len(p)), p))


def _expit(x):
    return 1 / (1 + np.exp(-x))


CASES = [
    FamilyCase(Bernoulli, {"p": 0.3}, lambda p: stats.bernoulli(p), outside=(-1.0, 0.5, 2.0),
               has_cdf=True, invalid={"p": 1.5}),
    FamilyCase(Bernoulli, {"logit_p": -1.2}, lambda logit_p: stats.bernoulli(_expit(logit_p)),
               outside=(0.5,), has_cdf=True, invalid={"logit_p": float("nan")},
               name="Bernoulli-logit_p"),
    FamilyCase(Binomial, {"n": 12.0, "p": 0.35}, lambda n, p: stats.binom(n, p),
               edges=(0.0, 12.0), outside=(-1.0, 13.0, 2.5), invalid={"n": -1.0, "p": -0.2}),
    FamilyCase(Binomial, {"n": 7.0, "logit_p": 0.8},
               lambda n, logit_p: stats.binom(n, _expit(logit_p)), edges=(0.0, 7.0),
               outside=(8.0,), invalid={"n": 2.5}, name="Binomial-logit_p"),
    FamilyCase(Poisson, {"mu": 3.5}, lambda mu: stats.poisson(mu), edges=(0.0,),
               outside=(-1.0, 2.5), tails=(0.0, 40.0), has_cdf=True, invalid={"mu": -1.0}),
    FamilyCase(Poisson, {"mu": 0.02}, lambda mu: stats.poisson(mu), points=(0.0, 1.0, 2.0),
               outside=(-1.0,), has_cdf=True, name="Poisson-small-mu"),
    FamilyCase(Categorical, {"p": [0.2, 0.5, 0.3]}, _categorical, points=(0.0, 1.0, 2.0),
               outside=(-1.0, 3.0, 0.5), has_cdf=True, invalid={"p": [0.5, -0.1, 0.6]}),
    FamilyCase(Categorical, {"logit_p": [0.1, -1.0, 2.0, 0.0]},
               lambda logit_p: _categorical(np.exp(logit_p)), points=(0.0, 1.0, 2.0, 3.0),
               outside=(4.0,), invalid={"logit_p": [0.0, float("nan")]},
               name="Categorical-logit_p"),
]
TestConformance = conformance_suite(CASES)


def test_logit_and_probability_parameterisations_agree():
    values = torch.tensor([0.0, 1.0])
    torch.testing.assert_close(Bernoulli(p=0.25).log_prob(values),
                               Bernoulli(logit_p=torch.tensor(0.25).logit()).log_prob(values))
    with pytest.raises(ValueError, match="exactly one of p or logit_p"):
        Binomial(3, p=0.5, logit_p=0.0)
