"""The seed's numbers (DESIGN.md §2): z ~ N(0, 5), x ~ N(z, 1) observed 5, at z = 2.5.

The seed printed float32 results; the float64 joint is -6.69731498, so the tolerance is the
seed's float32 rounding (1e-6), while the exact values are checked to 1e-10 below.
"""
import math

import pytest
import torch

import torchbayes as tb


@pytest.fixture
def seed_model():
    with tb.Model() as model:
        z = tb.Normal("z", mu=0.0, sigma=5.0)
        x = tb.Normal("x", mu=z, sigma=1.0, observed=5.0)
    return model, z, x


def test_logp_of_a_variable(seed_model):
    _, z, _ = seed_model
    assert tb.logp(z, 2.5).item() == pytest.approx(-2.65337645, abs=1e-8)


def test_observed_term_given_z(seed_model):
    _, _, x = seed_model
    assert x.logp({"z": 2.5}).item() == pytest.approx(-4.0439386, abs=1e-7)


def test_joint(seed_model):
    model, _, _ = seed_model
    assert model.logp({"z": 2.5}).item() == pytest.approx(-6.6973152, abs=1e-6)
    assert model.logp({"z": 2.5}).dtype == torch.float64


def test_joint_is_the_sum_of_its_terms(seed_model):
    model, _, _ = seed_model
    terms = model.logp({"z": 2.5}, sum=False)
    assert set(terms) == {"z", "x"}
    assert float(terms["z"] + terms["x"]) == pytest.approx(float(model.logp({"z": 2.5})),
                                                           abs=1e-12)


def test_exact_float64_values(seed_model):
    model, z, x = seed_model
    half_log_2pi = 0.5 * math.log(2 * math.pi)
    z_term = -0.5 * (2.5 / 5.0) ** 2 - math.log(5.0) - half_log_2pi
    x_term = -0.5 * 2.5 ** 2 - half_log_2pi
    assert tb.logp(z, 2.5).item() == pytest.approx(z_term, abs=1e-10)
    assert x.logp({"z": 2.5}).item() == pytest.approx(x_term, abs=1e-10)
    assert model.logp({"z": 2.5}).item() == pytest.approx(z_term + x_term, abs=1e-10)


def test_bare_distribution():
    assert tb.logp(tb.Normal.dist(0, 1), 5.0).item() == pytest.approx(-13.418938533204672,
                                                                      abs=1e-6)
    exact = tb.Normal.dist(torch.tensor(0.0, dtype=torch.float64), 1.0).log_prob(
        torch.tensor(5.0, dtype=torch.float64))
    assert exact.item() == pytest.approx(-13.418938533204672, abs=1e-12)
