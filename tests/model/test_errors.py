"""Bad input fails when the model is built, with an error that names the variable and says what
is wrong (STYLE.md §12)."""
import numpy as np
import pytest
import torch

import torchbayes as tb


def test_negative_scale():
    with tb.Model():
        with pytest.raises(ValueError, match=r'Normal "y": sigma must be > 0, got -1.*'
                                             r"positive prior such as tb\.HalfNormal"):
            tb.Normal("y", mu=0.0, sigma=-1.0)


def test_negative_entry_of_a_scale_array():
    with tb.Model():
        with pytest.raises(ValueError, match=r'Normal "y": sigma must be > 0, got -2'):
            tb.Normal("y", mu=0.0, sigma=np.array([1.0, -2.0]), observed=[1.0, 2.0])


def test_zero_and_negative_scales_of_other_families():
    with tb.Model():
        with pytest.raises(ValueError, match=r'Normal "a": sigma must be > 0, got 0'):
            tb.Normal("a", 0.0, 0.0)
        with pytest.raises(ValueError, match=r'HalfCauchy "b": beta must be > 0, got -5'):
            tb.HalfCauchy("b", beta=-5.0)
        with pytest.raises(ValueError, match=r'Dirichlet "c": a must be'):
            tb.Dirichlet("c", a=np.array([1.0, -1.0]))


def test_nan_scale():
    with tb.Model():
        with pytest.raises(ValueError, match=r'HalfNormal "s": parameter sigma contains NaN'):
            tb.HalfNormal("s", sigma=float("nan"))
        with pytest.raises(ValueError, match=r'Normal "y": parameter sigma contains NaN'):
            tb.Normal("y", 0.0, torch.tensor([1.0, float("nan")]))


def test_scale_check_in_a_subclass_names_the_attribute():
    class Bad(tb.Model):
        def __init__(self):
            super().__init__()
            self.y = tb.Normal("y", 0.0, -1.0)

    with pytest.raises(ValueError, match=r'Normal "y": sigma must be > 0'):
        Bad()


@pytest.mark.parametrize("family, kwargs, observed, support", [
    (tb.Poisson, {"mu": 2.0}, np.array([1, -1, 3]), r"\[-1\.0\]"),
    (tb.Poisson, {"mu": 2.0}, np.array([1.0, 1.5]), r"\[1\.5\]"),
    (tb.HalfNormal, {"sigma": 1.0}, -2.0, r"\[-2\.0\]"),
    (tb.Beta, {"alpha": 2.0, "beta": 2.0}, [0.5, 1.5], r"\[1\.5\]"),
    (tb.Bernoulli, {"p": 0.5}, [0, 2], r"\[2\.0\]"),
], ids=["poisson_negative", "poisson_fraction", "halfnormal_negative", "beta_above_one",
        "bernoulli_two"])
def test_observed_outside_the_support(family, kwargs, observed, support):
    name = family.__name__
    with tb.Model():
        with pytest.raises(ValueError, match=rf'{name} "obs": observed value outside the '
                                             rf"support .*{support}"):
            family("obs", observed=observed, **kwargs)


def test_observed_shape_does_not_broadcast():
    with tb.Model():
        with pytest.raises(ValueError, match=r'Normal "y": observed shape \(4,\) does not '
                                             r"broadcast with the distribution's shape \(3,\)"):
            tb.Normal("y", mu=np.zeros(3), sigma=1.0, observed=np.zeros(4))
        mu = tb.Normal("mu", 0.0, 1.0, shape=3)
        with pytest.raises(ValueError, match=r'Normal "y2": observed shape \(4,\)'):
            tb.Normal("y2", mu=mu, sigma=1.0, observed=np.zeros(4))


def test_parameters_that_do_not_broadcast():
    with tb.Model():
        with pytest.raises(RuntimeError, match=r'Normal "y" \(parameters mu \(3,\), '
                                               r"sigma \(4,\)\)"):
            tb.Normal("y", mu=np.zeros(3), sigma=np.ones(4))
        with pytest.raises(ValueError, match=r'Normal "z": shape \(4,\) does not broadcast '
                                             r"with the parameters' shape \(3,\)"):
            tb.Normal("z", mu=np.zeros(3), sigma=1.0, shape=4)


def test_expression_shapes_that_do_not_broadcast():
    with tb.Model():
        a = tb.Normal("a", 0.0, 1.0, shape=3)
        b = tb.Normal("b", 0.0, 1.0, shape=4)
        with pytest.raises(RuntimeError, match=r'add on "a" \(3,\), "b" \(4,\): .*size'):
            a + b
        with pytest.raises(RuntimeError, match=r'matmul on "a" \(3,\)'):
            a @ np.ones(4)


def test_unknown_name_in_a_point():
    with tb.Model() as model:
        z = tb.Normal("z", 0.0, 1.0)
    with pytest.raises(KeyError, match=r"\['w'\].*not variables of the model.*\['z'\]"):
        model.logp({"z": 0.0, "w": 1.0})
    with pytest.raises(KeyError, match=r"\['zz'\]"):
        z.logp({"zz": 0.0})
    with pytest.raises(KeyError, match=r"\['w'\]"):
        model.dict_to_array({"z": 0.0, "w": 1.0})


def test_missing_name_and_wrong_shape_in_a_point():
    with tb.Model() as model:
        tb.Normal("z", 0.0, 1.0, shape=3)
        tb.Normal("q", 0.0, 1.0)
    with pytest.raises(KeyError, match=r'missing the free variable "q"'):
        model.logp({"z": np.zeros(3)})
    with pytest.raises(ValueError, match=r'"z" has shape \(4,\), the variable has shape \(3,\)'):
        model.logp({"z": np.zeros(4), "q": 0.0})


def test_duplicate_name():
    message = r'a variable named "z" already exists in the model; variable names must be unique'
    with tb.Model():
        z = tb.Normal("z", 0.0, 1.0)
        with pytest.raises(ValueError, match=message):
            tb.HalfNormal("z", 1.0)
        with pytest.raises(ValueError, match=message):
            tb.Deterministic("z", 2 * z)
        with pytest.raises(ValueError, match=message):
            tb.Data("z", [1.0])


def test_duplicate_name_through_attributes():
    class Twice(tb.Model):
        def __init__(self):
            super().__init__()
            self.a = tb.Normal("z", 0.0, 1.0)
            self.b = tb.Normal("z", 0.0, 1.0)

    with pytest.raises(ValueError, match=r'a variable named "z" already exists'):
        Twice()


def test_dims_naming_an_unknown_coord():
    with tb.Model(coords={"school": list("ab")}):
        with pytest.raises(ValueError, match=r'Normal "t": dims names \[\'schol\'\], which are '
                                             r"not in the model's coords \['school'\]"):
            tb.Normal("t", 0.0, 1.0, dims="schol")
        with pytest.raises(ValueError, match=r'"d": dims names "schol"'):
            tb.Data("d", [1.0, 2.0], dims="schol")
        with pytest.raises(ValueError, match=r'Normal "u": shape \(2,\) does not broadcast'):
            tb.Normal("u", np.zeros(3), 1.0, dims="school")


def test_wrong_parameter_name():
    with tb.Model():
        with pytest.raises(TypeError, match=r"Normal \"z\": .*unexpected keyword argument 'sd'"):
            tb.Normal("z", mu=0.0, sd=1.0)


def test_observed_given_a_model_node():
    with tb.Model():
        mu = tb.Normal("mu", 0.0, 1.0)
        with pytest.raises(TypeError, match=r'Normal "y": observed= takes data'):
            tb.Normal("y", 0.0, 1.0, observed=2 * mu)


def test_truth_value_of_a_variable_says_what_to_do():
    with tb.Model():
        z = tb.Normal("z", 0.0, 1.0)
        with pytest.raises(TypeError, match=r"torch\.where.*forward\(\)"):
            if z > 0:
                pass


def test_dims_outside_a_model_says_where_to_declare_it():
    class WithDims(tb.Model):
        def __init__(self):
            super().__init__(coords={"school": list("abc")})
            self.theta = tb.Normal(0.0, 1.0, dims="school")

    with pytest.raises(ValueError, match=r"dims= needs the model's coords.*with self:"):
        WithDims()
