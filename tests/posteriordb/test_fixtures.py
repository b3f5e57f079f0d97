"""The posteriordb fixtures load, and ``compare`` passes correct draws and fails wrong ones."""
import json
import os

import numpy as np
import pytest

from reference import (ROOT, column_names, compare, constrained_reference_draws, list_posteriors,
                       load_posterior)

POSTERIORS = list_posteriors()


def _synthetic(post, rng, chains=4, draws=1000):
    """iid normal draws per column with the reference mean and sd, grouped as whole variables."""
    flat = {c: rng.normal(s["mean"], s["sd"], size=(chains, draws)) for c, s in post.summary.items()}
    out = {}
    for name, shape in post.shapes.items():
        columns = column_names(name, shape)
        out[name] = np.stack([flat[c] for c in columns], axis=-1).reshape((chains, draws) + shape)
    return out


def test_all_eighteen_posteriors_are_stored():
    assert len(POSTERIORS) == 18


def test_fixture_folder_stays_small():
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(ROOT) for f in files)
    assert size < 6e6


@pytest.mark.parametrize("name", POSTERIORS)
def test_load_posterior(name):
    post = load_posterior(name)
    assert post.data and all(isinstance(v, (np.ndarray, int, float)) for v in post.data.values())
    dims = post.meta["dimensions"]
    assert sum(int(np.prod(s)) for s in post.shapes.values()) == len(post.columns) == sum(dims.values())
    for column, stats in post.summary.items():
        assert set(stats) == {"mean", "sd", "ess_bulk", "ess_tail", "mcse_mean", "mcse_sd"}
        assert stats["sd"] > 0 and 8000 < stats["ess_bulk"] < 12000
        assert 0.5 < stats["mcse_mean"] * np.sqrt(stats["ess_bulk"]) / stats["sd"] < 2.0
        assert post.draws[column].shape == (200,) and np.all(np.isfinite(post.draws[column]))
    grouped = constrained_reference_draws(post)
    assert {k: v.shape[1:] for k, v in grouped.items()} == post.shapes
    assert all(v.shape[0] == 200 and not np.isnan(v).any() for v in grouped.values())


def test_data_fields_match_models_md():
    eight = load_posterior("eight_schools-eight_schools_noncentered").data
    assert eight["J"] == 8 and eight["y"].dtype == np.int64 and eight["sigma"].shape == (8,)
    diamonds = load_posterior("diamonds-diamonds").data
    assert diamonds["X"].shape == (5000, 25) and np.all(diamonds["X"][:, 0] == 1.0)
    assert diamonds["Y"].shape == (5000,) and diamonds["prior_only"] == 0
    assert load_posterior("garch-garch11").data["sigma1"] == 0.5


def test_centred_eight_schools_shares_the_noncentred_reference():
    centred = load_posterior("eight_schools-eight_schools_centered")
    assert centred.meta["reference_posterior_name"] == "eight_schools-eight_schools_noncentered"
    assert centred.summary == load_posterior("eight_schools-eight_schools_noncentered").summary


def test_thinned_draws_are_the_reference_draws_at_stated_positions():
    with open(os.path.join(ROOT, "arK-arK", "reference.json")) as fh:
        thinned = json.load(fh)["thinned"]
    assert thinned["chain"] == sorted(thinned["chain"]) and set(thinned["chain"]) == set(range(10))
    assert thinned["draw"][:3] == [25, 75, 125] and len(thinned["draw"]) == 200


def test_summary_agrees_with_the_thinned_draws():
    # 200 nearly independent draws: their mean is within ~4 sd/sqrt(200) of the full reference's.
    for name in POSTERIORS:
        post = load_posterior(name)
        for column, stats in post.summary.items():
            x = post.draws[column]
            assert abs(x.mean() - stats["mean"]) < 4.5 * stats["sd"] / np.sqrt(200), (name, column)


@pytest.mark.parametrize("name", POSTERIORS)
def test_compare_passes_draws_from_the_reference_distribution(name):
    post = load_posterior(name)
    result = compare(_synthetic(post, np.random.default_rng(0)), post)
    assert result.passed, result.table()


def test_compare_passes_the_reference_own_thinned_draws():
    post = load_posterior("eight_schools-eight_schools_noncentered")
    draws = constrained_reference_draws(post)
    result = compare({k: v.reshape((10, 20) + v.shape[1:]) for k, v in draws.items()}, post)
    assert result.passed, result.table()


def test_compare_fails_a_mean_shifted_by_ten_mcse():
    post = load_posterior("eight_schools-eight_schools_noncentered")
    samples = _synthetic(post, np.random.default_rng(1))
    se = np.hypot(post.summary["theta[3]"]["mcse_mean"], post.summary["theta[3]"]["sd"] / np.sqrt(4000))
    samples["theta"][..., 2] += 10 * se
    result = compare(samples, post)
    assert not result.passed
    assert [row["column"] for row in result.failures] == ["theta[3]"]
    assert "theta[3]" in result.table() and "FAIL" in result.table()


@pytest.mark.parametrize("name", ["arK-arK", "eight_schools-eight_schools_noncentered", "diamonds-diamonds"])
def test_compare_fails_an_sd_scaled_by_1_2(name):
    post = load_posterior(name)
    samples = _synthetic(post, np.random.default_rng(2))
    variable = next(iter(post.shapes))
    centre = samples[variable].mean(axis=(0, 1))
    samples[variable] = centre + 1.2 * (samples[variable] - centre)
    failures = compare(samples, post).failures
    assert {row["column"] for row in failures} == set(column_names(variable, post.shapes[variable]))
    assert all(row["why"] == "sd" for row in failures)


def test_compare_column_names_extra_latents_and_missing_columns():
    post = load_posterior("eight_schools-eight_schools_noncentered")
    samples = _synthetic(post, np.random.default_rng(3))
    by_column = {c: samples["theta"][..., i] for i, c in enumerate(column_names("theta", (8,)))}
    by_column.update(mu=samples["mu"], tau=samples["tau"], theta_trans=np.zeros((4, 1000, 8)))
    assert compare(by_column, post).passed
    del by_column["tau"]
    result = compare(by_column, post)
    assert not result.passed and result.missing == ("tau",)
    with pytest.raises(ValueError, match="theta"):
        compare({**samples, "theta": samples["theta"][..., :7]}, post)


def test_compare_fails_a_stuck_sampler():
    post = load_posterior("arK-arK")
    stuck = {k: np.repeat(v[:, :10], 100, axis=1) for k, v in _synthetic(post, np.random.default_rng(4)).items()}
    assert not compare(stuck, post).passed


def test_compare_reads_inference_data():
    az = pytest.importorskip("arviz")
    post = load_posterior("gp_pois_regr-gp_regr")
    idata = az.from_dict(posterior=_synthetic(post, np.random.default_rng(5)))
    assert compare(idata, post).passed


def test_multi_index_columns():
    assert column_names("L", (2, 3))[:4] == ["L[1,1]", "L[1,2]", "L[1,3]", "L[2,1]"]
    assert column_names("mu", ()) == ["mu"]
