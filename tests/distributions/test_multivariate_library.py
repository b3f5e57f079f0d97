"""Conformance table of the issue-4 multivariate families.

Goodness of fit reduces draws to a univariate law with a known SciPy reference: Mahalanobis
distances are chi-square (F for the Student-t), a Multinomial count is Binomial, a
Dirichlet-multinomial count is beta-binomial, an LKJ correlation ``(r + 1) / 2`` is
Beta(eta - 1 + n/2, same), a Wishart diagonal entry over its scale is chi-square, the first
stick-breaking weight is Beta(1, alpha).
"""
import math

import numpy as np
import pytest
import torch
from scipy import special, stats

import torchbayes as tb
from torchbayes.distributions import (
    CAR, DirichletMultinomial, KroneckerNormal, LKJCorr, LKJCorrCholesky, MatrixNormal,
    Multinomial, MvStudentT, StickBreakingWeights, Wishart, ZeroSumNormal,
)
from torchbayes.testing import FamilyCase, conformance_suite

MU = [1.0, -0.5, 0.0]
COV = np.array([[2.0, 0.6, 0.2], [0.6, 1.0, -0.3], [0.2, -0.3, 0.5]])
POINTS = [[1.0, -0.5, 0.0], [0.0, 0.0, 0.0], [4.0, -3.0, 2.0], [-2.0, 1.0, -1.5]]
NOT_POSITIVE_DEFINITE = [[1.0, 2.0], [2.0, 1.0]]


def _mahalanobis(mean, cov, law):
    """Projection: ``(x - m)^T C^{-1} (x - m)`` of flattened draws, against ``law``."""
    def projection(draws, params):
        centred = draws.double().numpy().reshape(len(draws), -1) - np.ravel(mean(params))
        precision = np.linalg.inv(cov(params))
        return np.einsum("ni,ij,nj->n", centred, precision, centred), law(params)
    return projection


def _count_pit(law):
    """Projection for a count coordinate: the randomised probability integral transform
    ``u = F(x - 1) + V p(x)`` is uniform exactly when the counts follow ``law``
    (KS on the raw counts is invalid: ties)."""
    def projection(draws, params):
        frozen = law(params)
        x = draws[:, 0].double().numpy()
        jitter = np.random.default_rng(3).uniform(size=x.shape)
        return frozen.cdf(x - 1) + jitter * frozen.pmf(x), stats.uniform()
    return projection


class _WithVariance:
    """A frozen SciPy law whose ``var`` is the diagonal of its ``cov`` (multinomial)."""

    def __init__(self, frozen):
        self.frozen = frozen

    def logpmf(self, value):
        return self.frozen.logpmf(value)

    def mean(self):
        return self.frozen.mean()

    def var(self):
        return np.diagonal(self.frozen.cov(), axis1=-2, axis2=-1)


def _lkj_packed_logpdf(value, n, eta):
    """LKJ on the packed correlations through the Cholesky factor's density (Stan's form and
    normaliser) minus the Jacobian ``sum_i (n - i - 1) log L_ii`` of ``L -> C``."""
    rows, columns = np.triu_indices(n, 1)
    out = []
    for vector in np.atleast_2d(value):
        matrix = np.eye(n)
        matrix[rows, columns] = matrix[columns, rows] = vector
        diagonal = np.log(np.diag(np.linalg.cholesky(matrix)))
        order = np.arange(n)
        on_factor = ((n - order[1:] - 1 + 2 * (eta - 1)) * diagonal[1:]).sum() - sum(
            (2 * eta - 2 + n - k) * (n - k) * math.log(2)
            + (n - k) * special.betaln(eta + (n - k - 1) / 2, eta + (n - k - 1) / 2)
            for k in range(1, n))
        out.append(on_factor - ((n - order - 1) * diagonal).sum())
    return np.array(out)


def _first_correlation(draws, params):
    half = params["eta"] - 1 + params["n"] / 2
    return (draws[:, 0].double().numpy() + 1) / 2, stats.beta(half, half)


def _wishart_logpdf(value, nu, V):
    return stats.wishart(float(nu), V).logpdf(np.moveaxis(np.asarray(value), 0, -1))


def _stick_breaking_logpdf(value, alpha, K):
    """Through the breaks ``v_k = x_k / (x_k + ... + x_{K+1})``, each Beta(1, alpha), and the
    Jacobian ``prod_k 1 / (x_k + ... + x_{K+1})`` of ``x -> v`` on the first K coordinates."""
    value = np.atleast_2d(value)
    remaining = np.cumsum(value[:, ::-1], axis=1)[:, ::-1][:, :K]
    breaks = value[:, :K] / remaining
    return (stats.beta(1, alpha).logpdf(breaks) - np.log(remaining)).sum(1)


def _zero_sum_logpdf(value, sigma, support_shape):
    size = int(support_shape)
    cov = float(sigma) ** 2 * (np.eye(size) - 1 / size)
    return stats.multivariate_normal(np.zeros(size), cov, allow_singular=True).logpdf(value)


A_FACTOR = np.array([[2.0, 0.3], [0.3, 1.0]])
B_FACTOR = np.array([[1.0, 0.2, 0.0], [0.2, 2.0, 0.5], [0.0, 0.5, 1.5]])
KRON_MU = (np.arange(6.0) / 3).tolist()
KRON_POINTS = np.random.default_rng(2).normal(size=(4, 6)).tolist()


def _factors(kind):
    def build(dtype):
        matrices = [torch.as_tensor(m, dtype=dtype) for m in (A_FACTOR, B_FACTOR)]
        if kind == "chols":
            return [torch.linalg.cholesky(m) for m in matrices]
        if kind == "evds":
            return [torch.linalg.eigh(m) for m in matrices]
        return matrices
    return build


def _kronecker(noise=0.0):
    def reference(mu, covs=None, chols=None, evds=None, sigma=noise):
        cov = np.kron(A_FACTOR, B_FACTOR) + float(sigma) ** 2 * np.eye(6)
        return stats.multivariate_normal(mu, cov)
    return reference


def _kronecker_mahalanobis(noise):
    cov = np.kron(A_FACTOR, B_FACTOR) + noise ** 2 * np.eye(6)
    return _mahalanobis(lambda p: p["mu"], lambda p: cov, lambda p: stats.chi2(6))


ROWCOV = np.array([[2.0, 0.3], [0.3, 1.0]])
COLCOV = B_FACTOR
MATRIX_MU = np.arange(6.0).reshape(2, 3).tolist()
MATRIX_POINTS = np.random.default_rng(4).normal(size=(3, 2, 3)).tolist()
MATRIX_PROJECTION = _mahalanobis(lambda p: p["mu"], lambda p: np.kron(ROWCOV, COLCOV),
                                 lambda p: stats.chi2(6))

ADJACENCY = np.array([[0, 1, 1, 0], [1, 0, 1, 0], [1, 1, 0, 1], [0, 0, 1, 0]], dtype=float)
CAR_MU = [1.0, 0.0, -1.0, 0.5]


def _car_cov(params):
    precision = params["tau"] * (np.diag(params["W"].sum(1)) - params["alpha"] * params["W"])
    return np.linalg.inv(precision)


CASES = [
    FamilyCase(MvStudentT, {"nu": 6.0, "mu": MU, "scale": COV.tolist()},
               lambda nu, mu, scale: stats.multivariate_t(mu, scale, df=nu), points=POINTS,
               gradient_params=("nu", "mu"), projection=_mahalanobis(
                   lambda p: p["mu"], lambda p: p["scale"], lambda p: stats.f(3, p["nu"], 0, 3)),
               invalid={"nu": 0.0, "scale": NOT_POSITIVE_DEFINITE}),
    FamilyCase(MvStudentT, {"nu": 2.5, "mu": MU, "cov": COV.tolist()},
               lambda nu, mu, cov: stats.multivariate_t(mu, cov, df=nu), points=POINTS,
               gradient_params=("nu", "mu"), moments=False, projection=_mahalanobis(
                   lambda p: p["mu"], lambda p: p["cov"], lambda p: stats.f(3, p["nu"], 0, 3)),
               invalid={"cov": NOT_POSITIVE_DEFINITE}, name="MvStudentT-cov"),
    FamilyCase(MvStudentT, {"nu": 7.0, "mu": MU, "tau": np.linalg.inv(COV).tolist()},
               lambda nu, mu, tau: stats.multivariate_t(mu, np.linalg.inv(tau), df=nu),
               points=POINTS, gradient_params=("nu", "mu"), projection=_mahalanobis(
                   lambda p: p["mu"], lambda p: np.linalg.inv(p["tau"]),
                   lambda p: stats.f(3, p["nu"], 0, 3)), name="MvStudentT-tau"),
    FamilyCase(MvStudentT, {"nu": 5.0, "mu": MU, "chol": np.linalg.cholesky(COV).tolist()},
               lambda nu, mu, chol: stats.multivariate_t(mu, chol @ chol.T, df=nu),
               points=POINTS, projection=_mahalanobis(
                   lambda p: p["mu"], lambda p: p["chol"] @ p["chol"].T,
                   lambda p: stats.f(3, p["nu"], 0, 3)),
               invalid={"chol": [[1.0, 0.0], [0.5, -1.0]]}, name="MvStudentT-chol"),
    FamilyCase(Multinomial, {"n": 10.0, "p": [0.2, 0.3, 0.5]},
               lambda n, p: _WithVariance(stats.multinomial(n, p)),
               points=[[2.0, 3.0, 5.0], [10.0, 0.0, 0.0], [0.0, 1.0, 9.0]],
               edges=[[0.0, 0.0, 10.0]],
               outside=[[1.0, 2.0, 3.0], [-1.0, 5.0, 6.0], [2.5, 2.5, 5.0]],
               projection=_count_pit(lambda p: stats.binom(p["n"], p["p"][0])),
               invalid={"n": 2.5, "p": [0.5, -0.1, 0.6]}),
    FamilyCase(DirichletMultinomial, {"n": 8.0, "a": [0.5, 2.0, 1.5]},
               lambda n, a: stats.dirichlet_multinomial(a, n),
               points=[[2.0, 3.0, 3.0], [8.0, 0.0, 0.0], [0.0, 1.0, 7.0]],
               outside=[[1.0, 2.0, 3.0], [-1.0, 4.0, 5.0]],
               projection=_count_pit(lambda p: stats.betabinom(
                   p["n"], p["a"][0], p["a"].sum() - p["a"][0])),
               invalid={"a": [1.0, 0.0, 1.0], "n": -1.0}),
    FamilyCase(LKJCorr, {"n": 3, "eta": 2.0}, logpdf=_lkj_packed_logpdf, structural=("n",),
               points=[[0.0, 0.0, 0.0], [0.5, -0.3, 0.2], [0.9, 0.8, 0.75]],
               outside=[[0.9, 0.9, -0.9], [1.5, 0.0, 0.0]], projection=_first_correlation,
               invalid={"eta": 0.0}),
    FamilyCase(LKJCorr, {"n": 2, "eta": 0.7}, structural=("n",),
               logpdf=lambda x, n, eta: stats.beta(eta, eta).logpdf((x[:, 0] + 1) / 2)
               - math.log(2), points=[[-0.9], [0.0], [0.4]], outside=[[1.2], [-1.0]],
               projection=_first_correlation, name="LKJCorr-2"),
    FamilyCase(LKJCorr, {"n": 4, "eta": 1.0}, logpdf=_lkj_packed_logpdf, structural=("n",),
               points=[[0.0] * 6, [0.3, -0.2, 0.1, 0.25, -0.1, 0.4]],
               projection=_first_correlation, name="LKJCorr-uniform-4"),
    FamilyCase(Wishart, {"nu": 5.5, "V": [[2.0, 0.3], [0.3, 1.0]]},
               lambda nu, V: stats.wishart(float(nu), V), logpdf=_wishart_logpdf,
               points=[[[3.0, 1.0], [1.0, 2.0]], [[1.0, 0.0], [0.0, 1.0]],
                       [[10.0, -2.0], [-2.0, 0.6]]],
               outside=[NOT_POSITIVE_DEFINITE, [[1.0, 0.5], [0.0, 1.0]]],
               gradient_params=("nu",), projection=lambda draws, p: (
                   draws[:, 0, 0].double().numpy() / p["V"][0, 0], stats.chi2(p["nu"])),
               invalid={"nu": -1.0, "V": NOT_POSITIVE_DEFINITE}),
    FamilyCase(KroneckerNormal, {"mu": KRON_MU, "covs": _factors("covs")}, _kronecker(),
               points=KRON_POINTS, projection=_kronecker_mahalanobis(0.0),
               invalid={"mu": [0.0, float("nan")]}),
    FamilyCase(KroneckerNormal, {"mu": KRON_MU, "chols": _factors("chols")}, _kronecker(),
               points=KRON_POINTS, projection=_kronecker_mahalanobis(0.0),
               name="KroneckerNormal-chols"),
    FamilyCase(KroneckerNormal, {"mu": KRON_MU, "evds": _factors("evds")}, _kronecker(),
               points=KRON_POINTS, projection=_kronecker_mahalanobis(0.0),
               name="KroneckerNormal-evds"),
    FamilyCase(KroneckerNormal, {"mu": KRON_MU, "covs": _factors("covs"), "sigma": 0.7},
               _kronecker(0.7), points=KRON_POINTS, projection=_kronecker_mahalanobis(0.7),
               invalid={"sigma": -1.0}, name="KroneckerNormal-sigma"),
    FamilyCase(MatrixNormal, {"mu": MATRIX_MU, "rowcov": ROWCOV.tolist(),
                              "colcov": COLCOV.tolist()},
               lambda mu, rowcov, colcov: stats.matrix_normal(mu, rowcov, colcov),
               points=MATRIX_POINTS, gradient_params=("mu",), projection=MATRIX_PROJECTION,
               invalid={"rowcov": NOT_POSITIVE_DEFINITE}),
    FamilyCase(MatrixNormal, {"mu": MATRIX_MU, "rowchol": np.linalg.cholesky(ROWCOV).tolist(),
                              "colchol": np.linalg.cholesky(COLCOV).tolist()},
               lambda mu, rowchol, colchol: stats.matrix_normal(mu, rowchol @ rowchol.T,
                                                                colchol @ colchol.T),
               points=MATRIX_POINTS, projection=MATRIX_PROJECTION,
               invalid={"colchol": [[-1.0, 0.0], [0.0, 1.0]]}, name="MatrixNormal-chols"),
    FamilyCase(CAR, {"mu": CAR_MU, "W": ADJACENCY.tolist(), "alpha": 0.6, "tau": 1.7},
               lambda mu, W, alpha, tau: stats.multivariate_normal(
                   mu, _car_cov({"W": W, "alpha": alpha, "tau": tau})),
               points=np.random.default_rng(5).normal(size=(3, 4)).tolist(),
               gradient_params=("mu", "alpha", "tau"), projection=_mahalanobis(
                   lambda p: p["mu"], _car_cov, lambda p: stats.chi2(4)),
               invalid={"alpha": 1.5, "tau": -1.0, "W": [[0.0, 1.0], [0.0, 0.0]]}),
    FamilyCase(CAR, {"mu": CAR_MU, "W": ADJACENCY.tolist(), "alpha": -0.9, "tau": 0.4},
               lambda mu, W, alpha, tau: stats.multivariate_normal(
                   mu, _car_cov({"W": W, "alpha": alpha, "tau": tau})),
               points=np.random.default_rng(6).normal(size=(3, 4)).tolist(),
               gradient_params=("mu", "alpha", "tau"), projection=_mahalanobis(
                   lambda p: p["mu"], _car_cov, lambda p: stats.chi2(4)),
               name="CAR-negative-alpha"),
    FamilyCase(ZeroSumNormal, {"sigma": 1.3, "support_shape": 4}, logpdf=_zero_sum_logpdf,
               structural=("support_shape",),
               points=[[1.0, -0.5, -0.25, -0.25], [0.0, 0.0, 0.0, 0.0], [3.0, -3.0, 2.0, -2.0]],
               outside=[[1.0, 0.0, 0.0, 0.0]], projection=lambda draws, p: (
                   draws[:, 0].double().numpy(), stats.norm(0, p["sigma"] * math.sqrt(0.75))),
               invalid={"sigma": -1.0}),
    FamilyCase(StickBreakingWeights, {"alpha": 2.5, "K": 4}, logpdf=_stick_breaking_logpdf,
               structural=("K",),
               points=[[0.2, 0.2, 0.2, 0.2, 0.2], [0.5, 0.25, 0.125, 0.0625, 0.0625],
                       [0.01, 0.01, 0.01, 0.01, 0.96]],
               outside=[[0.5, 0.6, -0.1, 0.0, 0.0], [0.2, 0.2, 0.2, 0.2, 0.1]],
               projection=lambda draws, p: (draws[:, 0].double().numpy(),
                                            stats.beta(1, p["alpha"])),
               invalid={"alpha": 0.0}),
]
TestConformance = conformance_suite(CASES)


def test_lkj_corr_is_lkj_corr_cholesky_after_the_change_of_variables():
    """Packed values in ``numpy.triu_indices`` order; the density on the correlations is the
    one on the Cholesky factor minus ``sum_i (n - i - 1) log L_ii``."""
    packed = torch.tensor([[0.3, -0.2, 0.1, 0.25, -0.1, 0.4]], dtype=torch.float64)
    family = LKJCorr(4, torch.tensor(1.7, dtype=torch.float64))
    matrix = family.matrix(packed)[0]
    rows, columns = np.triu_indices(4, 1)
    assert matrix[rows, columns].tolist() == packed[0].tolist()
    factor = torch.linalg.cholesky(matrix)
    jacobian = ((4 - torch.arange(4.0, dtype=torch.float64) - 1)
                * factor.diagonal().log()).sum()
    on_factor = LKJCorrCholesky(4, torch.tensor(1.7, dtype=torch.float64)).log_prob(factor)
    torch.testing.assert_close(family.log_prob(packed)[0], on_factor - jacobian)


def test_parameterisations_agree():
    values = torch.as_tensor(POINTS, dtype=torch.float64)
    scale = torch.as_tensor(COV)
    nu = torch.tensor(4.0, dtype=torch.float64)
    torch.testing.assert_close(MvStudentT(nu, MU, scale).log_prob(values),
                               MvStudentT(nu, MU, cov=scale).log_prob(values))
    with pytest.raises(ValueError, match="exactly one of scale, cov, tau or chol"):
        MvStudentT(nu, MU, scale, chol=scale)
    with pytest.raises(ValueError, match="exactly one of covs, chols or evds"):
        KroneckerNormal(torch.zeros(6), covs=_factors("covs")(torch.float64),
                        chols=_factors("chols")(torch.float64))
    with pytest.raises(ValueError, match="support_shape"):
        ZeroSumNormal(1.0)
    with pytest.raises(ValueError, match="support_shape must be one length >= 1"):
        ZeroSumNormal(1.0, support_shape=0)
    with pytest.raises(NotImplementedError, match="n_zerosum_axes=1"):
        ZeroSumNormal(1.0, n_zerosum_axes=2, support_shape=(3, 4))
    batched = ZeroSumNormal(torch.tensor([1.0, 2.0]), support_shape=4)
    assert batched.batch_shape == (2,) and batched.event_shape == (4,)


def test_free_multivariate_variables_in_a_model():
    """Default transforms reach every support: sum-to-zero, simplex, positive definite,
    interval; the joint at the initial point is finite, and a batch of chains evaluates."""
    with tb.Model() as model:
        tb.ZeroSumNormal("effects", sigma=2.0, support_shape=5)
        tb.StickBreakingWeights("weights", alpha=1.5, K=4)
        tb.Wishart("precision", nu=4.0, V=np.eye(2))
        tb.LKJCorr("corr", n=3, eta=2.0)
        tb.MvStudentT("x", nu=5.0, mu=np.zeros(3), scale=COV)
    point = model.initial_point()
    assert point["effects"].shape == (5,) and abs(float(np.sum(point["effects"]))) < 1e-12
    assert np.isfinite(float(model.logp(point)))
    density = model.logp_dlogp_function()
    logp, grad = density(torch.randn(3, grad_size(model), dtype=torch.float64) * 0.1)
    assert logp.shape == (3,) and torch.isfinite(logp).all() and torch.isfinite(grad).all()


def grad_size(model) -> int:
    return int(model.dict_to_array(model.initial_point()).shape[-1])
