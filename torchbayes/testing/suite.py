"""The conformance suite as one pytest class, for any table of :class:`FamilyCase` rows.

Our own tables use it, and so can a user's table of new families::

    # tests/test_my_families.py
    from torchbayes.testing import FamilyCase, conformance_suite
    CASES = [FamilyCase(MyFamily, {"mu": 0.0}, reference=lambda mu: stats.norm(mu, 1))]
    TestMyFamilies = conformance_suite(CASES)

Per-family quirks are fields of the rows (``improper``, ``has_cdf``, ``moments``,
``gradient_params``, ``invalid``), never branches here.
"""
from __future__ import annotations

from typing import Sequence

import torch

from .distributions import (FamilyCase, check_batch_shapes, check_goodness_of_fit,
                            check_gradients, check_invalid_parameters, check_log_prob,
                            check_logcdf, check_out_of_support, check_sample_moments)

__all__ = ["conformance_suite"]

DTYPES = (torch.float64, torch.float32)


def conformance_suite(cases: Sequence[FamilyCase], dtypes: Sequence[torch.dtype] = DTYPES):
    """A pytest test class that runs every checker over ``cases`` (pytest is imported here,
    so the library does not need it).

    Examples
    --------
    >>> from scipy import stats
    >>> from torchbayes.distributions import HalfNormal
    >>> suite = conformance_suite([FamilyCase(HalfNormal, {"sigma": 2.0},
    ...                                       lambda sigma: stats.halfnorm(0, sigma))])
    >>> sorted(name for name in vars(suite) if name.startswith("test_"))[:3]
    ['test_batch_shapes', 'test_goodness_of_fit', 'test_gradients']
    """
    import pytest

    def rows(predicate=lambda case: True):
        chosen = [case for case in cases if predicate(case)]
        return pytest.mark.parametrize("case", chosen, ids=[case.id for case in chosen])

    over_dtypes = pytest.mark.parametrize("dtype", list(dtypes), ids=str)

    class TestConformance:
        @over_dtypes
        @rows()
        def test_log_prob(self, case, dtype):
            check_log_prob(case, dtype)

        @over_dtypes
        @rows(lambda case: case.has_cdf)
        def test_logcdf(self, case, dtype):
            check_logcdf(case, dtype)

        @rows(lambda case: case.gradient_params != ())
        def test_gradients(self, case):
            check_gradients(case)

        @rows(lambda case: case.moments and not case.improper)
        def test_sample_moments(self, case):
            check_sample_moments(case)

        @rows(lambda case: not case.improper)
        def test_goodness_of_fit(self, case):
            check_goodness_of_fit(case)

        @over_dtypes
        @rows(lambda case: not case.improper)
        def test_batch_shapes(self, case, dtype):
            check_batch_shapes(case, dtype)

        @over_dtypes
        @rows()
        def test_out_of_support(self, case, dtype):
            check_out_of_support(case, dtype)

        @rows(lambda case: bool(case.invalid))
        def test_invalid_parameters(self, case):
            check_invalid_parameters(case)

    return TestConformance
