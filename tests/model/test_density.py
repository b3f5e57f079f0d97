"""The density program (DESIGN.md §2): gradients, batches, conditioning, layout, and the
batching rules that carry the chain axis through recorded torch operations."""
import warnings
from types import SimpleNamespace

import numpy as np
from scipy import stats
import pytest
import torch

import torchbayes as tb
from torchbayes.model.density import DensityProgram
from torchbayes.model.node import apply_op

CHAINS = 4
SCHOOL_Y = np.array([28.0, 8, -3, 7, -1, 1, 18, 12])
SCHOOL_SIGMA = np.array([15.0, 10, 16, 11, 9, 11, 10, 18])


def eight_noncentred():
    with tb.Model() as model:
        mu = tb.Normal("mu", 0.0, 5.0)
        tau = tb.HalfCauchy("tau", 5.0)
        z = tb.Normal("z", 0.0, 1.0, shape=8)
        theta = tb.Deterministic("theta", mu + tau * z)
        tb.Normal("y", mu=theta, sigma=SCHOOL_SIGMA, observed=SCHOOL_Y)
    return model


def eight_centred():
    with tb.Model() as model:
        mu = tb.Normal("mu", 0.0, 5.0)
        tau = tb.HalfCauchy("tau", 5.0)
        theta = tb.Normal("theta", mu, tau, shape=8)
        tb.Normal("y", mu=theta, sigma=SCHOOL_SIGMA, observed=SCHOOL_Y)
    return model


def constrained():
    with tb.Model() as model:
        p = tb.Dirichlet("p", a=np.array([2.0, 3.0, 4.0]))
        s = tb.Gamma("s", alpha=2.0, beta=1.0)
        u = tb.Beta("u", alpha=2.0, beta=2.0)
        tb.Potential("pull", -(p[0] - u) ** 2)
        tb.Normal("y", mu=u * (p @ np.array([1.0, 2.0, 3.0])), sigma=s,
                  observed=np.array([1.2, 2.1, 1.7]))
    return model


MODELS = {"eight_noncentred": eight_noncentred, "eight_centred": eight_centred,
          "constrained": constrained}


def _points(size, seed=0, chains=CHAINS):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(chains, size, generator=generator, dtype=torch.float64)


@pytest.mark.parametrize("name", list(MODELS))
def test_gradient_equals_central_differences(name):
    function = MODELS[name]().logp_dlogp_function()
    u = _points(function.size)[0]
    _, grad = function(u)
    step = 1e-6
    basis = torch.eye(function.size, dtype=torch.float64) * step
    plus = function.logp(u + basis)           # one batched call: a row per coordinate
    minus = function.logp(u - basis)
    torch.testing.assert_close(grad, (plus - minus) / (2 * step), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", list(MODELS))
def test_batch_equals_single_calls(name):
    function = MODELS[name]().logp_dlogp_function()
    points = _points(function.size)
    logp, grad = function(points)
    assert logp.shape == (CHAINS,) and grad.shape == points.shape
    for row in range(CHAINS):
        single_logp, single_grad = function(points[row])
        assert single_logp.shape == () and single_grad.shape == (function.size,)
        torch.testing.assert_close(single_logp, logp[row], rtol=1e-14, atol=1e-12)
        torch.testing.assert_close(single_grad, grad[row], rtol=1e-14, atol=1e-12)


def test_logp_alone_equals_the_logp_of_the_pair():
    function = eight_noncentred().logp_dlogp_function()
    points = _points(function.size)
    torch.testing.assert_close(function.logp(points), function(points)[0])
    assert not function(points)[0].requires_grad and not function(points)[1].requires_grad


@pytest.mark.parametrize("grad_vars", [["mu"], ["theta"], ["theta", "mu"]])
def test_conditional_equals_joint_with_the_rest_fixed(grad_vars):
    model = eight_centred()
    joint = model.logp_dlogp_function()
    points = _points(joint.size)
    logp, grad = joint(points)
    blocks = {b.variable.name: slice(b.start, b.stop) for b in joint.layout.blocks}
    conditional = model.logp_dlogp_function(grad_vars=grad_vars)
    assert conditional.layout.names == grad_vars
    rest = [name for name in blocks if name not in grad_vars]
    inside = torch.cat([points[:, blocks[name]] for name in grad_vars], dim=1)
    expected_grad = torch.cat([grad[:, blocks[name]] for name in grad_vars], dim=1)
    for row in range(CHAINS):
        point = model.array_to_dict(points[row])
        conditional.set_extra_values({name: point[name] for name in rest})
        row_logp, row_grad = conditional(inside[row])
        torch.testing.assert_close(row_logp, logp[row], rtol=1e-13, atol=1e-12)
        torch.testing.assert_close(row_grad, expected_grad[row], rtol=1e-13, atol=1e-12)
    # batched extra values: one row per chain, shape (C, *shape)
    batch = model.array_to_dict(points)
    conditional.set_extra_values({name: batch[name] for name in rest})
    batched_logp, batched_grad = conditional(inside)
    torch.testing.assert_close(batched_logp, logp, rtol=1e-13, atol=1e-12)
    torch.testing.assert_close(batched_grad, expected_grad, rtol=1e-13, atol=1e-12)


def test_conditional_without_jacobian_matches_the_joint_without_jacobian():
    model = eight_centred()
    points = _points(10)
    joint_logp, _ = model.logp_dlogp_function(jacobian=False)(points)
    conditional = model.logp_dlogp_function(grad_vars=["mu"], jacobian=False)
    batch = model.array_to_dict(points)
    conditional.set_extra_values({"tau": batch["tau"], "theta": batch["theta"]})
    torch.testing.assert_close(conditional(points[:, :1])[0], joint_logp)


def test_set_extra_values_names_what_is_wrong():
    conditional = eight_centred().logp_dlogp_function(grad_vars=["mu"])
    with pytest.raises(KeyError, match='missing "theta"'):
        conditional.set_extra_values({"tau": 1.0})
    with pytest.raises(KeyError, match="mu"):
        conditional.set_extra_values({"tau": 1.0, "theta": np.zeros(8), "mu": 0.0})


@pytest.mark.parametrize("name", list(MODELS))
def test_dict_to_array_round_trip(name):
    model = MODELS[name]()
    size = model.logp_dlogp_function().size
    points = _points(size)
    batch = model.array_to_dict(points)
    for rv in model.free_RVs:
        assert batch[rv.name].shape == (CHAINS, *rv.shape)
    for row in range(CHAINS):
        point = model.array_to_dict(points[row])
        assert set(point) == {rv.name for rv in model.free_RVs}
        for key in point:
            torch.testing.assert_close(point[key], batch[key][row])
        torch.testing.assert_close(model.dict_to_array(point), points[row])
    numpy_point = {k: v.numpy() for k, v in model.array_to_dict(points[0]).items()}
    torch.testing.assert_close(model.dict_to_array(numpy_point), points[0])


def test_dict_to_array_is_in_unconstrained_space():
    with tb.Model() as model:
        tb.HalfNormal("s", 1.0)
        tb.Uniform("u", 0.0, 4.0)
        tb.Normal("x", 0.0, 1.0, shape=2)
    vector = model.dict_to_array({"s": np.e, "u": 2.0, "x": [1.0, -2.0]})
    torch.testing.assert_close(vector, torch.tensor([1.0, 0.0, 1.0, -2.0], dtype=torch.float64))


def test_logp_terms_by_variable():
    model = constrained()
    point = model.array_to_dict(_points(4)[0])
    for jacobian in (True, False):
        terms = model.logp(point, jacobian=jacobian, sum=False)
        assert list(terms) == ["p", "s", "u", "pull", "y"]
        assert all(term.shape == () for term in terms.values())
        torch.testing.assert_close(sum(terms.values()), model.logp(point, jacobian=jacobian))
    with_jacobian = model.logp(point, sum=False)
    without = model.logp(point, jacobian=False, sum=False)
    # the log-Jacobian sits in the free variables' terms: log s for the positive variable
    torch.testing.assert_close(with_jacobian["s"] - without["s"],
                               torch.log(torch.as_tensor(point["s"])))
    for name in ("pull", "y"):
        torch.testing.assert_close(with_jacobian[name], without[name])


def test_dlogp_is_the_gradient_of_logp_dlogp_function():
    model = eight_centred()
    u = _points(10)[0]
    point = model.array_to_dict(u)
    torch.testing.assert_close(model.dlogp(point), model.logp_dlogp_function()(u)[1])


# -- batching rules: torch on variables, evaluated for a batch, equals each point ---------------
X = torch.as_tensor(np.random.default_rng(0).normal(size=(5, 3)))
M_NUMPY = np.random.default_rng(1).normal(size=(4, 3))
INDEX = torch.tensor([0, 2, 2, 1])
MASK = torch.tensor([True, False, True])

# v.a (3,), v.B (3, 4), v.s () positive, v.c (): model variables while recording, tensors of one
# point for the reference.
OPS = {
    "add": lambda v: v.a + 1.0, "radd": lambda v: 2.0 + v.a, "mul": lambda v: v.a * v.s,
    "div": lambda v: v.a / v.s, "rdiv": lambda v: 1.0 / v.s, "pow": lambda v: v.s ** 2,
    "rpow": lambda v: 2.0 ** v.a, "neg": lambda v: -v.a, "scalar_times_vector": lambda v: v.c * v.a,
    "vector_minus_matrix_data": lambda v: X[:, :1] - v.a,
    "numpy_at_var": lambda v: M_NUMPY @ v.a, "var_at_numpy": lambda v: v.a @ M_NUMPY.T,
    "torch_at_var": lambda v: X @ v.a, "var_at_torch": lambda v: v.a @ X.T,
    "matrix_at_numpy": lambda v: v.B @ np.ones(4), "numpy_at_matrix": lambda v: M_NUMPY @ v.B,
    "vector_at_matrix": lambda v: v.a @ v.B, "vector_at_vector": lambda v: v.a @ v.a,
    "matrix_at_matrix": lambda v: v.B.T @ v.B, "torch_matmul": lambda v: torch.matmul(X, v.a),
    "mv": lambda v: torch.mv(v.B.T, v.a), "dot": lambda v: torch.dot(v.a, X[0]),
    "index_int": lambda v: v.a[1], "index_negative": lambda v: v.a[-1],
    "slice": lambda v: v.a[1:], "slice_step": lambda v: v.a[::2],
    "index_tensor": lambda v: v.a[INDEX], "index_list": lambda v: v.a[[0, 2]],
    "index_mask": lambda v: v.a[MASK], "index_none": lambda v: v.a[None],
    "index_pair": lambda v: v.B[1, 2:], "index_column": lambda v: v.B[:, 0],
    "index_tensor_and_int": lambda v: v.B[INDEX[:3], 1], "ellipsis": lambda v: v.B[..., 0],
    "negative_slice": lambda v: v.B[:, -2:],
    "index_by_variable": lambda v: v.a[(v.B[0, :2] > 0).to(torch.int64)],
    "exp": lambda v: torch.exp(v.a), "exp_method": lambda v: v.a.exp(),
    "sqrt": lambda v: torch.sqrt(v.s), "sigmoid": lambda v: torch.sigmoid(v.c * X @ v.a),
    "softplus": lambda v: torch.nn.functional.softplus(v.a),
    "where": lambda v: torch.where(v.a > 0, v.a, v.s),
    "where_data_condition": lambda v: torch.where(X[0] > 0, v.a, 0.0),
    "clamp_kw_variable": lambda v: torch.clamp(v.a, min=v.c),
    "add_alpha": lambda v: torch.add(v.a, v.B[:, 0], alpha=2.0),
    "maximum_kw": lambda v: torch.maximum(v.a, other=v.B[:, 1]),
    "maximum_data": lambda v: torch.maximum(v.a, X[0]), "compare": lambda v: v.a >= 0,
    "sum": lambda v: v.a.sum(), "sum_scalar_variable": lambda v: v.s.sum(),
    "sum_dim0": lambda v: v.B.sum(0), "sum_dim_kw": lambda v: v.B.sum(dim=1),
    "sum_dim_negative": lambda v: v.B.sum(-1), "sum_dims_tuple": lambda v: v.B.sum((0, 1)),
    "torch_sum_dim": lambda v: torch.sum(v.B, dim=0), "torch_sum": lambda v: torch.sum(v.a),
    "mean": lambda v: v.B.mean(), "mean_keepdim": lambda v: v.B.mean(1, keepdim=True),
    "torch_mean_dim": lambda v: torch.mean(v.B, dim=-2), "prod": lambda v: v.B.prod(),
    "prod_dim": lambda v: v.B.prod(1), "amax": lambda v: v.B.amax(1),
    "amax_keepdim": lambda v: v.B.amax(keepdim=True), "std": lambda v: v.B.std(0),
    "std_all": lambda v: v.B.std(), "var": lambda v: v.B.var(0),
    "norm": lambda v: v.a.norm(), "norm_p": lambda v: v.a.norm(2),
    "norm_dim": lambda v: v.B.norm(dim=0), "logsumexp": lambda v: torch.logsumexp(v.a, 0),
    "softmax": lambda v: torch.softmax(v.B, -1), "softmax_dim0": lambda v: torch.softmax(v.B, 0),
    "cumsum": lambda v: torch.cumsum(v.a, 0), "cumsum_method": lambda v: v.a.cumsum(dim=-1),
    "cumsum_matrix": lambda v: torch.cumsum(v.B, -1),
    "reshape": lambda v: v.B.reshape(2, 6), "reshape_tuple": lambda v: v.B.reshape((12,)),
    "torch_reshape": lambda v: torch.reshape(v.B, (6, 2)), "view": lambda v: v.B.view(12),
    "flatten": lambda v: v.B.flatten(), "flatten_start": lambda v: v.B.reshape(3, 2, 2).flatten(1),
    "unsqueeze": lambda v: v.a.unsqueeze(0), "unsqueeze_last": lambda v: v.a.unsqueeze(-1),
    "squeeze": lambda v: v.B[0:1].squeeze(), "squeeze_dim": lambda v: v.B[0:1].squeeze(0),
    "transpose": lambda v: v.B.transpose(0, 1), "swapaxes": lambda v: torch.swapaxes(v.B, 0, 1),
    "movedim": lambda v: torch.movedim(v.B, 0, 1), "permute": lambda v: v.B.permute(1, 0),
    "permute_negative": lambda v: v.B.permute(-1, 0), "torch_permute": lambda v: torch.permute(v.B, (1, 0)),
    "T_matrix": lambda v: v.B.T, "T_vector": lambda v: v.a.T, "mT": lambda v: v.B.mT,
    "t": lambda v: v.B.t(), "diagonal": lambda v: v.B.diagonal(), "diagonal_offset": lambda v: v.B.diagonal(1),
    "diagonal_kw": lambda v: torch.diagonal(v.B, offset=-1), "diag": lambda v: torch.diag(v.a),
    "narrow": lambda v: torch.narrow(v.B, 1, 1, 2), "select": lambda v: torch.select(v.B, 1, 2),
    "roll": lambda v: torch.roll(v.B, 1, 1), "roll_flat": lambda v: torch.roll(v.B, 1),
    "flip": lambda v: torch.flip(v.B, [1]), "flip_varargs": lambda v: v.B.flip(0, 1),
    "expand": lambda v: v.s.expand(3), "outer": lambda v: torch.outer(v.a, v.a),
    "einsum": lambda v: torch.einsum("ij,j->i", X, v.a),
    "stack": lambda v: torch.stack([v.a, v.a * 2]), "stack_data_dim1": lambda v: torch.stack([v.a, X[0]], dim=1),
    "stack_scalars": lambda v: torch.stack([v.s, v.c]), "stack_last": lambda v: torch.stack([v.a, v.a], dim=-1),
    "cat": lambda v: torch.cat([v.a, X[0]]), "cat_dim1": lambda v: torch.cat([v.B, v.B], dim=1),
}


# The single-point reference in plain torch, where plain torch differs: it has no
# ``array @ tensor`` (and warns on ``tensor @ array``), and deprecates ``.T`` of a vector.
REFERENCE = {"numpy_at_var": lambda v: torch.as_tensor(M_NUMPY) @ v.a,
             "numpy_at_matrix": lambda v: torch.as_tensor(M_NUMPY) @ v.B,
             "var_at_numpy": lambda v: v.a @ torch.as_tensor(M_NUMPY).T,
             "matrix_at_numpy": lambda v: v.B @ torch.ones(4, dtype=torch.float64),
             "T_vector": lambda v: v.a}


def _variables():
    return (tb.Normal("a", 0.0, 1.0, shape=3), tb.Normal("B", 0.0, 1.0, shape=(3, 4)),
            tb.HalfNormal("s", 1.0), tb.Normal("c", 0.0, 1.0))


@pytest.fixture(scope="module")
def ops_values():
    """Every op as a Deterministic of one model: the points (by name) and each op's values."""
    with tb.Model() as model:
        a, B, s, c = _variables()
        variables = SimpleNamespace(a=a, B=B, s=s, c=c)
        for name, op in OPS.items():
            tb.Deterministic(name, op(variables))
    points = _points(17, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no per-chain fallback for any of these
        values = DensityProgram(model).values_of(points, [model[name] for name in OPS])
    return model.array_to_dict(points), dict(zip(OPS, values))


@pytest.mark.parametrize("name", list(OPS))
def test_op_batched_equals_each_point(name, ops_values):
    point_batch, values = ops_values
    batched = values[name]
    for row in range(CHAINS):
        variables = SimpleNamespace(**{k: v[row] for k, v in point_batch.items()})
        expected = REFERENCE.get(name, OPS[name])(variables)
        assert batched[row].shape == expected.shape
        torch.testing.assert_close(batched[row], expected.to(batched.dtype), rtol=1e-12,
                                   atol=1e-12)


def test_ops_batched_gradient_equals_single_rows():
    # every op in one potential: the gradient through the batching rules, row by row
    with tb.Model() as model:
        a, B, s, c = _variables()
        variables = SimpleNamespace(a=a, B=B, s=s, c=c)
        total = sum(op(variables).to(torch.float64).sum() for op in OPS.values())
        tb.Potential("everything", 1e-3 * total)
    function = model.logp_dlogp_function()
    points = _points(function.size, seed=4)
    logp, grad = function(points)
    for row in range(CHAINS):
        row_logp, row_grad = function(points[row:row + 1])
        torch.testing.assert_close(row_logp[0], logp[row], rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(row_grad[0], grad[row], rtol=1e-12, atol=1e-12)


def _sign_flip(x):
    # Python control flow on a value: torch.func.vmap cannot batch this
    return x * 2.0 if bool(x.sum() > 0) else -x


def test_control_flow_op_falls_back_per_chain_with_a_warning():
    with tb.Model() as model:
        a = tb.Normal("a", 0.0, 1.0, shape=2)
        tb.Potential("odd", apply_op(_sign_flip, (a,)).sum())
    function = model.logp_dlogp_function()
    points = torch.tensor([[1.0, 2.0], [-1.0, -2.0], [0.5, -2.0]], dtype=torch.float64)
    with pytest.warns(UserWarning, match="one chain at a time"):
        logp, grad = function(points)
    for row, u in enumerate(points):
        expected = -0.5 * (u ** 2).sum() - np.log(2 * np.pi) + _sign_flip(u).sum()
        torch.testing.assert_close(logp[row], expected)
    torch.testing.assert_close(grad[0], -points[0] + 2.0)
    torch.testing.assert_close(grad[1], -points[1] - 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once, not at every call
        function(points)


class Branching(tb.Model):
    def __init__(self):
        super().__init__()
        self.mu = tb.Normal(0.0, 1.0)

    def forward(self, y):
        scale = 2.0 if self.mu > 0 else 1.0
        return tb.Normal("y", mu=self.mu * scale, sigma=1.0, observed=y)


def test_forward_with_control_flow_falls_back_per_chain_with_a_warning():
    y = torch.tensor([0.5, 1.5], dtype=torch.float64)
    function = Branching().bind(y).logp_dlogp_function()
    points = torch.tensor([[-1.0], [1.0], [0.3]], dtype=torch.float64)
    with pytest.warns(UserWarning, match="one chain at a time"):
        logp, grad = function(points)
    for row, (mu,) in enumerate(points.tolist()):
        mean = mu * (2.0 if mu > 0 else 1.0)
        expected = -0.5 * mu ** 2 - 0.5 * ((y - mean) ** 2).sum() - 1.5 * np.log(2 * np.pi)
        assert float(logp[row]) == pytest.approx(float(expected), rel=1e-12)
        single_logp, single_grad = function(points[row])
        torch.testing.assert_close(single_logp, logp[row])
        torch.testing.assert_close(single_grad, grad[row])


def test_discrete_variable_indexes_as_integer():
    """``mus[k]`` with a Categorical ``k``: the float-held value is used as an integer index."""
    with tb.Model() as model:
        mus = tb.Normal("mus", 0.0, 5.0, shape=3)
        k = tb.Categorical("k", p=[0.2, 0.3, 0.5])
        tb.Normal("y", mus[k], 1.0, observed=2.0)
    density = model.logp_dlogp_function()
    position = torch.randn(4, 4, dtype=torch.float64)
    position[:, 3] = torch.tensor([0.0, 1.0, 2.0, 1.0])
    logp, _ = density(position)
    for row, value in zip(position.numpy(), logp):
        index = int(row[3])
        expected = (stats.norm.logpdf(row[:3], 0, 5).sum() + np.log([0.2, 0.3, 0.5][index])
                    + stats.norm.logpdf(2.0, row[index], 1))
        assert float(value) == pytest.approx(expected, rel=1e-12)
