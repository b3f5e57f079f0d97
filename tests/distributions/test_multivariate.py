"""Conformance table of the multivariate families, plus the LKJCholeskyCov change of variables.

Goodness of fit reduces draws to a univariate law: Mahalanobis distances are chi-square, a
Dirichlet coordinate is Beta, an LKJ correlation ``(r + 1) / 2`` is Beta(eta - 1 + n/2, same).
"""
import math

import numpy as np
import pytest
import torch
from scipy import special, stats

from torchbayes.distributions import (
    Dirichlet, Exponential, Gamma, LKJCholeskyCov, LKJCorrCholesky, MvNormal,
)
from torchbayes.testing import FamilyCase, conformance_suite

MU = [1.0, -0.5, 0.0]
COV = [[2.0, 0.6, 0.2], [0.6, 1.0, -0.3], [0.2, -0.3, 0.5]]
CHOL = np.linalg.cholesky(COV).tolist()
POINTS = [[1.0, -0.5, 0.0], [0.0, 0.0, 0.0], [4.0, -3.0, 2.0], [-2.0, 1.0, -1.5]]


def _mahalanobis(draws, params):
    centred = draws.double().numpy() - MU
    return np.einsum("ni,ij,nj->n", centred, np.linalg.inv(COV), centred), stats.chi2(3)


def _lkj_logpdf(x, n, eta):
    """LKJ density on the Cholesky factor's free entries (Stan), with LKJ's normaliser."""
    diagonal = np.log(np.diagonal(x, axis1=-2, axis2=-1))[..., 1:]
    order = np.arange(1, n)
    unnormalised = ((n - order - 1 + 2 * (eta - 1)) * diagonal).sum(-1)
    log_normaliser = sum(
        (2 * eta - 2 + n - k) * (n - k) * math.log(2)
        + (n - k) * special.betaln(eta + (n - k - 1) / 2, eta + (n - k - 1) / 2)
        for k in range(1, n))
    return unnormalised - log_normaliser


def _correlation_marginal(draws, params):
    half = params["eta"] - 1 + params["n"] / 2
    return (draws[..., 1, 0].double().numpy() + 1) / 2, stats.beta(half, half)


def _covariance_correlation(draws, params):
    """Correlation (2, 1) of ``L L^T``, whose (r + 1) / 2 is Beta(eta - 1 + n/2, same)."""
    covariance = draws @ draws.transpose(-1, -2)
    scale = covariance.diagonal(dim1=-2, dim2=-1).sqrt()
    correlation = covariance[:, 2, 1] / (scale[:, 2] * scale[:, 1])
    half = params["eta"] - 1 + params["n"] / 2
    return (correlation.double().numpy() + 1) / 2, stats.beta(half, half)


def _cholesky_cov_logpdf(x, eta, n, sd_dist):
    sd = np.linalg.norm(x, axis=-1)
    correlation = x / sd[..., None]
    jacobian = (np.log(np.diagonal(correlation, axis1=-2, axis2=-1)) - np.arange(n) * np.log(sd))
    return (_lkj_logpdf(correlation, n, eta) + stats.expon.logpdf(sd).sum(-1)
            + jacobian.sum(-1))


def _exponential_sd(dtype):
    return Exponential(torch.ones(3, dtype=dtype))


def _unit_exponential(dtype):
    return Exponential(torch.tensor(1.0, dtype=dtype))


_CORRELATION = np.array(COV) / np.sqrt(np.outer(np.diag(COV), np.diag(COV)))
CHOLESKY_POINTS = [np.linalg.cholesky(np.diag(sd) @ c @ np.diag(sd)).tolist() for sd, c in [
    ([1.0, 2.0, 0.5], np.eye(3)), ([0.3, 1.0, 3.0], _CORRELATION)]]
CORRELATION_POINTS = [np.eye(3).tolist(), np.linalg.cholesky(_CORRELATION).tolist()]

CASES = [
    FamilyCase(MvNormal, {"mu": MU, "cov": COV},
               lambda mu, cov: stats.multivariate_normal(mu, cov),
               points=POINTS, gradient_params=("mu",), projection=_mahalanobis,
               invalid={"cov": [[1.0, 2.0], [2.0, 1.0]]}),
    FamilyCase(MvNormal, {"mu": MU, "tau": np.linalg.inv(COV).tolist()},
               lambda mu, tau: stats.multivariate_normal(mu, np.linalg.inv(tau)), points=POINTS,
               gradient_params=("mu",), projection=_mahalanobis,
               invalid={"tau": [[-1.0, 0.0], [0.0, 1.0]]}, name="MvNormal-tau"),
    FamilyCase(MvNormal, {"mu": MU, "chol": CHOL},
               lambda mu, chol: stats.multivariate_normal(mu, np.array(chol) @ np.array(chol).T),
               points=POINTS, projection=_mahalanobis,
               invalid={"chol": [[1.0, 0.0], [0.5, -1.0]]}, name="MvNormal-chol"),
    FamilyCase(Dirichlet, {"a": [1.5, 0.7, 3.0]},
               logpdf=lambda x, a: np.array([stats.dirichlet(a).logpdf(v / v.sum()) for v in x]),
               reference=lambda a: stats.dirichlet(a),
               points=[[0.2, 0.3, 0.5], [0.01, 0.01, 0.98], [0.6, 0.3, 0.1]],
               outside=[[0.5, 0.6, -0.1], [0.2, 0.2, 0.2], [1.5, -0.25, -0.25]],
               projection=lambda draws, p: (draws[:, 0].double().numpy(),
                                            stats.beta(p["a"][0], p["a"].sum() - p["a"][0])),
               invalid={"a": [1.0, 0.0]}),
    FamilyCase(LKJCorrCholesky, {"n": 3, "eta": 2.0}, logpdf=_lkj_logpdf, structural=("n",),
               points=CORRELATION_POINTS, outside=[np.diag([1.0, 1.0, -1.0]).tolist()],
               projection=_correlation_marginal, moments=False, invalid={"eta": 0.0}),
    FamilyCase(LKJCorrCholesky, {"n": 2, "eta": 0.7}, logpdf=_lkj_logpdf, structural=("n",),
               points=[[[1.0, 0.0], [r, math.sqrt(1 - r * r)]] for r in (-0.9, 0.0, 0.4)],
               projection=_correlation_marginal, moments=False, name="LKJCorrCholesky-2"),
    FamilyCase(LKJCholeskyCov, {"eta": 2.0, "n": 3, "sd_dist": _exponential_sd},
               logpdf=_cholesky_cov_logpdf, structural=("n",), points=CHOLESKY_POINTS,
               outside=[np.diag([1.0, -1.0, 1.0]).tolist()],
               projection=lambda draws, p: (draws[:, 0, 0].double().numpy(), stats.expon()),
               moments=False, invalid={"eta": -1.0}),
    FamilyCase(LKJCholeskyCov, {"eta": 1.5, "n": 3, "sd_dist": _unit_exponential},
               logpdf=_cholesky_cov_logpdf, structural=("n",), points=CHOLESKY_POINTS,
               projection=_covariance_correlation,
               moments=False, name="LKJCholeskyCov-scalar-sd"),
]
TestConformance = conformance_suite(CASES)


def test_lkj_cholesky_cov_integrates_to_one():
    """n = 2 in Cartesian coordinates of L: the change of variables must leave total mass 1.

    ``L00 = sd_0`` is independent of the second row, so the density at ``L00 = 1`` divided
    by sd_dist's density there is the density of ``(L10, L11)``. Gauss-Legendre on a box
    holding all but 1e-8 of the mass integrates it to 1.4e-5 (a cusp at the origin limits
    the rate); a wrong Jacobian power of ``sd`` or ``C_11`` misses by tens of percent.
    """
    float64 = dict(dtype=torch.float64)
    sd_dist = Gamma(torch.tensor([3.0, 3.0], **float64), torch.tensor([1.0, 2.0], **float64))
    prior = LKJCholeskyCov(2.0, 2, sd_dist)
    nodes, weights = (torch.tensor(a, **float64) for a in np.polynomial.legendre.leggauss(800))
    below, diagonal = 12.0 * nodes, 6.0 * (nodes + 1)
    values = torch.zeros(800, 800, 2, 2, **float64)
    values[..., 0, 0] = 1.0
    values[..., 1, 0], values[..., 1, 1] = torch.meshgrid(below, diagonal, indexing="ij")
    first = Gamma(3.0, 1.0).log_prob(torch.tensor(1.0, **float64))
    density = (prior.log_prob(values) - first).exp()
    total = 12.0 * 6.0 * (weights[:, None] * weights[None, :] * density).sum()
    assert abs(total.item() - 1) < 1e-4


def test_lkj_cholesky_cov_score_identity():
    """Stein's identity on draws, n = 3: E[d log p / dL_ij] = 0 below the diagonal and
    E[L_ii d log p / dL_ii + 1] = 0 on it. A wrong Jacobian exponent breaks these by O(1)."""
    torch.manual_seed(3)
    prior = LKJCholeskyCov(1.5, 3, Exponential(torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64)))
    draws = prior.sample((20000,)).requires_grad_(True)
    (score,) = torch.autograd.grad(prior.log_prob(draws).sum(), draws)
    rows, columns = torch.tril_indices(3, 3)
    terms = score[:, rows, columns] * torch.where(rows == columns, draws[:, rows, columns], 1.0)
    terms = terms + (rows == columns).double()
    standard_error = terms.std(0) / math.sqrt(len(terms))
    assert (terms.mean(0).abs() < 5 * standard_error).all(), (terms.mean(0), standard_error)
