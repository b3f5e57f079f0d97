"""Micro-benchmark: microseconds per ``logp_dlogp_function`` call, generic against hand-written.

Two models, eight schools (non-centred) and a 5000 x 20 logistic regression, each written once
as a torchbayes model and once by hand in plain torch (batched over chains, gradient by
autograd). Both run for 1 and 4 chains, eager (the generic one is ``logp_dlogp_function``) and
under ``torch.compile`` (the program's log density with its gradient, ``torch.func.grad``
inside the compiled function; compile time, the first call, is reported in its own column;
inductor's on-disk cache can shorten a repeated compile).
float64, ``torch.set_num_threads(1)``. Times are thread CPU µs per call (wall beside them): on a
shared box CPU time leaves out waiting for a core. The issue's target: generic <= 1.5 x hand.

Run ``python scripts/bench_density.py`` (``--quick`` for fewer repeats, ``--no-compile`` to skip
compiling, ``--markdown`` to print the table for docs/benchmarks.md).
"""
from __future__ import annotations

import argparse
import math
import platform
import statistics
import time
from typing import Callable

import numpy as np
import torch
from torch import Tensor

import torchbayes as tb
from torchbayes.model.density import DensityProgram

DTYPE = torch.float64
SCHOOL_Y = np.array([28.0, 8, -3, 7, -1, 1, 18, 12])
SCHOOL_SIGMA = np.array([15.0, 10, 16, 11, 9, 11, 10, 18])
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
_LOG_2_OVER_PI = math.log(2 / math.pi)


# -- the models, generic -----------------------------------------------------------------------------
def eight_schools() -> tb.Model:
    with tb.Model() as model:
        mu = tb.Normal("mu", 0.0, 5.0)
        tau = tb.HalfCauchy("tau", 5.0)
        z = tb.Normal("z", 0.0, 1.0, shape=8)
        theta = tb.Deterministic("theta", mu + tau * z)
        tb.Normal("y", mu=theta, sigma=SCHOOL_SIGMA, observed=SCHOOL_Y)
    return model


def logistic_data(n: int = 5000, d: int = 20) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(n, d))
    beta = rng.normal(size=d) * 0.5
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ beta + 0.3)))).astype(float)
    return X, y


def logistic(X: np.ndarray, y: np.ndarray) -> tb.Model:
    with tb.Model() as model:
        alpha = tb.Normal("alpha", 0.0, 5.0)
        beta = tb.Normal("beta", 0.0, 1.0, shape=X.shape[1])
        tb.Bernoulli("y", logit_p=alpha + torch.as_tensor(X) @ beta, observed=y)
    return model


# -- the same densities by hand: u (C, d) -> logp (C,) -------------------------------------------------
def _normal(x: Tensor, mu, sigma: float) -> Tensor:
    z = (x - mu) / sigma
    return -0.5 * z * z - math.log(sigma) - _HALF_LOG_2PI


def eight_schools_by_hand() -> Callable[[Tensor], Tensor]:
    y, sigma = torch.as_tensor(SCHOOL_Y), torch.as_tensor(SCHOOL_SIGMA)

    def logp(u: Tensor) -> Tensor:
        mu, log_tau, z = u[:, 0], u[:, 1], u[:, 2:]
        tau = log_tau.exp()
        theta = mu[:, None] + tau[:, None] * z
        return (_normal(mu, 0.0, 5.0)
                + _LOG_2_OVER_PI - math.log(5.0) - torch.log1p((tau / 5.0) ** 2) + log_tau
                + _normal(z, 0.0, 1.0).sum(1)
                + (-0.5 * ((y - theta) / sigma) ** 2 - sigma.log() - _HALF_LOG_2PI).sum(1))
    return logp


def logistic_by_hand(X: np.ndarray, y: np.ndarray) -> Callable[[Tensor], Tensor]:
    X_t, y_t = torch.as_tensor(X), torch.as_tensor(y)

    def logp(u: Tensor) -> Tensor:
        alpha, beta = u[:, 0], u[:, 1:]
        logits = alpha[:, None] + beta @ X_t.T
        likelihood = (y_t * logits - torch.nn.functional.softplus(logits)).sum(1)
        return _normal(alpha, 0.0, 5.0) + _normal(beta, 0.0, 1.0).sum(1) + likelihood
    return logp


def with_gradient(logp: Callable[[Tensor], Tensor]) -> Callable[[Tensor], tuple[Tensor, Tensor]]:
    """(logp, grad) in one evaluation, as LogpDlogpFunction returns them."""
    def value_and_grad(u: Tensor) -> tuple[Tensor, Tensor]:
        u = u.detach().requires_grad_(True)
        with torch.enable_grad():
            value = logp(u)
            (grad,) = torch.autograd.grad(value.sum(), u)
        return value.detach(), grad
    return value_and_grad


# -- timing ----------------------------------------------------------------------------------------
def _block(function: Callable, u: Tensor, number: int) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.thread_time()
    for _ in range(number):
        function(u)
    return ((time.perf_counter() - wall) / number * 1e6,
            (time.thread_time() - cpu) / number * 1e6)


def microseconds(functions: dict[str, Callable], u: Tensor, repeats: int, number: int
                 ) -> dict[str, tuple[float, float]]:
    """(wall, thread CPU) µs per call of each function: the best of ``repeats`` blocks of
    ``number`` calls, the functions' blocks interleaved. The box is shared: CPU time leaves out
    the time this thread waited for a core, and the minimum is the least disturbed block."""
    for function in functions.values():
        for _ in range(max(number // 4, 3)):
            function(u)
    best = {name: (math.inf, math.inf) for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            wall, cpu = _block(function, u, number)
            best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
    return best


def compiled(logp: Callable[[Tensor], Tensor], u: Tensor):
    """Value and gradient compiled as one graph (``torch.func.grad`` inside ``torch.compile``,
    so the backward is compiled too and no autograd engine runs per call);
    (function, compile seconds) or (None, why it failed)."""
    def total(position: Tensor) -> tuple[Tensor, Tensor]:
        value = logp(position)
        return value.sum(), value

    def value_and_grad(position: Tensor) -> tuple[Tensor, Tensor]:
        grad, value = torch.func.grad(total, has_aux=True)(position)
        return value, grad

    torch._dynamo.reset()
    function = torch.compile(value_and_grad, dynamic=False)
    start = time.perf_counter()
    try:
        function(u)
    except Exception as error:  # report, do not stop the other rows
        return None, f"{type(error).__name__}: {str(error).splitlines()[0][:120]}"
    return function, time.perf_counter() - start


def run(quick: bool, compile_too: bool) -> list[dict]:
    torch.set_num_threads(1)
    X, y = logistic_data()
    cases = {
        "eight schools (non-centred)": (eight_schools(), eight_schools_by_hand(), 2000),
        "logistic 5000x20": (logistic(X, y), logistic_by_hand(X, y), 100),
    }
    repeats = 3 if quick else 7
    rows = []
    for name, (model, hand_logp, number) in cases.items():
        generic = model.logp_dlogp_function()
        program = DensityProgram(model)
        hand = with_gradient(hand_logp)
        for chains in (1, 4):
            u = torch.randn(chains, generic.size, generator=torch.Generator().manual_seed(0),
                            dtype=DTYPE) * 0.3
            check_g, check_h = generic(u), hand(u)
            torch.testing.assert_close(check_g[0], check_h[0])
            torch.testing.assert_close(check_g[1], check_h[1])
            n = number // (2 if quick else 1)
            timing = microseconds({"generic": generic, "hand": hand}, u, repeats, n)
            rows.append({"model": name, "chains": chains, "mode": "eager", **timing})
            if not compile_too:
                continue
            functions = {}
            row = {"model": name, "chains": chains, "mode": "compiled"}
            for label, logp in (("generic", program.logp), ("hand", hand_logp)):
                function, seconds = compiled(logp, u)
                row[f"compile_{label}"] = seconds
                if function is not None:
                    torch.testing.assert_close(function(u)[0], check_h[0])
                    torch.testing.assert_close(function(u)[1], check_h[1])
                    functions[label] = function
            row.update(microseconds(functions, u, repeats, n))
            rows.append(row)
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| model | chains | mode | generic µs | hand µs | generic / hand | "
             "wall µs (generic / hand) | compile s (generic / hand) |",
             "|---|---:|---|---:|---:|---:|---:|---|"]
    for row in rows:
        generic, hand = row.get("generic"), row.get("hand")
        cpu = [f"{t[1]:.0f}" if t else "-" for t in (generic, hand)]
        wall = " / ".join(f"{t[0]:.0f}" if t else "-" for t in (generic, hand))
        ratio = f"{generic[1] / hand[1]:.2f}" if generic and hand else "-"
        compile_time = "-"
        if row["mode"] == "compiled":
            compile_time = " / ".join(f"{t:.1f}" if isinstance(t, float) else f"failed: {t}"
                                      for t in (row["compile_generic"], row["compile_hand"]))
        lines.append(f"| {row['model']} | {row['chains']} | {row['mode']} | {cpu[0]} | "
                     f"{cpu[1]} | {ratio} | {wall} | {compile_time} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-compile", action="store_true")
    parser.add_argument("--markdown", action="store_true", help="print the machine line too")
    args = parser.parse_args()
    rows = run(args.quick, not args.no_compile)
    if args.markdown:
        print(f"{time.strftime('%Y-%m-%d')}, {platform.processor() or platform.machine()}, "
              f"2 cores (shared), torch {torch.__version__}, torch.set_num_threads(1), float64\n")
    print(table(rows))


if __name__ == "__main__":
    main()
