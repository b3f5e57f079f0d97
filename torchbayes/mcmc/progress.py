"""A tqdm progress bar for :func:`~torchbayes.mcmc.sampler.run_mcmc` that rarely touches the host.

The bar is the driver's ``callback``. Per step it only adds the divergence count on the device;
it reads values to the host (one sync) at most every ``refresh_seconds`` and at the end.
"""
from __future__ import annotations

import time
from typing import Optional

from torch import Tensor
from tqdm.auto import tqdm

__all__ = ["ProgressBar"]


class ProgressBar:
    """``callback(iteration, info, params)`` that renders draws/s, divergences and step size.

    Parameters
    ----------
    tune, draws : int
        The run's iterations (the bar's total is their sum).
    chains : int
        Shown in the description; draws/s counts draws of all chains.
    refresh_seconds : float
        Minimum time between host syncs.
    disable : bool
        No bar (the callback is then free).

    Examples
    --------
    >>> bar = ProgressBar(tune=10, draws=10, chains=4, disable=True)
    >>> bar.close()
    """

    def __init__(self, tune: int, draws: int, chains: int, *, refresh_seconds: float = 0.2,
                 disable: bool = False, initial: int = 0):
        self.tune = tune
        self.total = tune + draws
        self.chains = chains
        self.refresh_seconds = refresh_seconds
        self.disable = disable
        self._bar = tqdm(total=self.total, initial=initial, disable=disable, unit="it",
                         desc=self._description(initial), dynamic_ncols=True)
        self._divergences: Optional[Tensor] = None
        self._last_refresh = time.monotonic()
        self._last_count = initial
        self._started = time.monotonic()

    def _description(self, iteration: int) -> str:
        phase = "tuning" if iteration < self.tune else "sampling"
        return f"{self.chains} chains, {phase}"

    def __call__(self, iteration: int, info, params) -> None:
        if self.disable:
            return
        if iteration == self.tune:          # report post-tuning divergences only from here on
            self._divergences = None
        diverging = info.diverging.sum()
        self._divergences = diverging if self._divergences is None else self._divergences + diverging
        now = time.monotonic()
        if now - self._last_refresh < self.refresh_seconds and iteration + 1 < self.total:
            return
        self._refresh(iteration + 1, params, now)

    def _refresh(self, count: int, params, now: float) -> None:
        divergences = int(self._divergences) if self._divergences is not None else 0
        elapsed = max(now - self._last_refresh, 1e-9)
        draws_per_second = (count - self._last_count) * self.chains / elapsed
        step_size = float(params.step_size.float().mean())
        self._bar.set_description(self._description(count - 1), refresh=False)
        self._bar.set_postfix(divergences=divergences, step_size=f"{step_size:.3g}",
                              draws_per_s=f"{draws_per_second:.4g}", refresh=False)
        self._bar.update(count - self._bar.n)
        self._last_refresh, self._last_count = now, count

    def close(self) -> None:
        self._bar.close()

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
