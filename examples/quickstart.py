"""Quickstart: eight schools, non-centred, sampled with batched NUTS.

Run: python examples/quickstart.py
"""
import arviz as az
import numpy as np
import torch

import torchbayes as tb

torch.set_num_threads(1)  # small models: one thread is fastest (see docs/benchmarks.md)

y = np.array([28.0, 8, -3, 7, -1, 1, 18, 12])
sigma = np.array([15.0, 10, 16, 11, 9, 11, 10, 18])
schools = ["Choate", "Deerfield", "Phillips Andover", "Phillips Exeter", "Hotchkiss",
           "Lawrenceville", "St. Paul's", "Mt. Hermon"]

with tb.Model(coords={"school": schools}) as eight_schools:
    mu = tb.Normal("mu", mu=0.0, sigma=5.0)
    tau = tb.HalfCauchy("tau", beta=5.0)
    z = tb.Normal("z", mu=0.0, sigma=1.0, dims="school")
    theta = tb.Deterministic("theta", mu + tau * z, dims="school")
    tb.Normal("y", mu=theta, sigma=sigma, observed=y)

    print("log density at the initial point:", float(eight_schools.logp()))
    idata = tb.sample(draws=500, tune=500, chains=4, random_seed=1)

summary = az.summary(idata, var_names=["mu", "tau", "theta"])
print(summary[["mean", "sd", "ess_bulk", "r_hat"]])
print("divergences:", int(idata.sample_stats["diverging"].sum()))
assert summary["r_hat"].max() < 1.05, "chains did not mix"
