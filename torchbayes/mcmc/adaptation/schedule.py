"""Warm-up schedules as data: which tuning iterations feed the mass-matrix estimator, and after
which ones a new inverse mass matrix is set.

Two schedules live here. :func:`stan_schedule` is Stan's windowed adaptation: a fast initial
buffer (step size only), slow windows that double in length (step size and mass matrix), and a
fast terminal buffer. :func:`fisher_schedule` is nutpie's: the estimator runs over the first
85% of tuning, and its "background" half is promoted to the foreground every 10 draws early on and
every 80 draws afterwards. The schedule is computed on the host once, so the driver branches on
Python booleans and never on device values. See ``docs/notes/adaptation.md``.

References
----------
Stan Reference Manual, "HMC algorithm parameters: automatic parameter tuning"
(``stan/mcmc/windowed_adaptation.hpp``).
Seyboldt, A. et al. nutpie / nuts-rs, ``adapt_strategy.rs`` (early_window 0.3,
step_size_window 0.15, mass_matrix_switch_freq 80, early_mass_matrix_switch_freq 10).
"""
from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

__all__ = ["AdaptationSchedule", "stan_schedule", "fisher_schedule", "schedule_windows"]


class AdaptationSchedule(NamedTuple):
    """One entry per tuning iteration (CPU bool tensors of shape ``(tune,)``).

    ``slow[i]``: the draw of iteration ``i`` is added to the mass-matrix estimator.
    ``window_end[i]``: after iteration ``i`` a new inverse mass matrix is set (Stan: end of a
    slow window; nutpie: the background estimator becomes the foreground).
    """

    slow: Tensor
    window_end: Tensor


def stan_schedule(tune: int, *, init_buffer: int = 75, term_buffer: int = 50,
                  base_window: int = 25) -> AdaptationSchedule:
    """Stan's windowed schedule for ``tune`` iterations.

    With fewer than 20 tuning iterations no mass matrix is adapted. When the buffers and first
    window do not fit, Stan falls back to a 15% / 75% / 10% split. A window that would leave
    less than twice its doubled size before the terminal buffer is stretched to reach it. A
    remainder shorter than ``base_window`` joins the window before it (see the notes).

    Examples
    --------
    >>> schedule_windows(stan_schedule(1000))
    [(75, 100), (100, 150), (150, 250), (250, 450), (450, 950)]
    >>> schedule_windows(stan_schedule(100))
    [(15, 90)]
    """
    slow = torch.zeros(tune, dtype=torch.bool)
    window_end = torch.zeros(tune, dtype=torch.bool)
    if tune < 20:
        return AdaptationSchedule(slow, window_end)
    if init_buffer + base_window + term_buffer > tune:
        # Stan assigns the products to unsigned ints, which truncates.
        init_buffer = int(0.15 * tune)
        term_buffer = int(0.10 * tune)
        base_window = tune - (init_buffer + term_buffer)
    last = tune - term_buffer - 1          # the iteration that closes the final slow window
    slow[init_buffer:tune - term_buffer] = True
    size, next_end = base_window, init_buffer + base_window - 1
    while next_end <= last:
        if 0 < last - next_end < base_window:
            # Deliberate deviation from Stan: for 150 < tune < 175 Stan closes with a window
            # of fewer than 25 draws (one draw at tune=151), a degenerate variance estimate.
            # The short remainder joins the current window instead.
            next_end = last
        window_end[next_end] = True
        if next_end == last:
            break
        size *= 2
        next_end += size
        if next_end != last and next_end + 2 * size >= tune - term_buffer:
            next_end = last
    return AdaptationSchedule(slow, window_end)


def fisher_schedule(tune: int, *, early_window: float = 0.3, step_size_window: float = 0.15,
                    switch_every: int = 80, early_switch_every: int = 10) -> AdaptationSchedule:
    """nutpie's schedule for the gradient-based diagonal mass matrix.

    The estimator sees every draw before the final ``step_size_window`` share of tuning (the
    last 15% tune the step size alone). It keeps a foreground and a background estimate; the
    background (which started with the initial point) replaces the foreground once it holds
    ``early_switch_every`` draws during the first ``early_window`` share of tuning, and
    ``switch_every`` draws afterwards, unless that would come too close to the final window.

    Examples
    --------
    >>> schedule = fisher_schedule(1000)
    >>> int(schedule.slow.sum()), torch.nonzero(schedule.window_end).flatten().tolist()[:4]
    (850, [8, 18, 28, 38])
    """
    slow = torch.zeros(tune, dtype=torch.bool)
    window_end = torch.zeros(tune, dtype=torch.bool)
    final_window_start = tune - int(step_size_window * tune)
    early_end = int(early_window * tune)
    background_count = 1                    # the initial point seeds both estimates
    for iteration in range(final_window_start):
        slow[iteration] = True
        background_count += 1
        every = early_switch_every if iteration < early_end else switch_every
        if background_count >= every and every + iteration <= final_window_start:
            window_end[iteration] = True
            background_count = 0
    return AdaptationSchedule(slow, window_end)


def schedule_windows(schedule: AdaptationSchedule) -> list[tuple[int, int]]:
    """The slow windows as half-open ``(start, stop)`` iteration ranges.

    Examples
    --------
    >>> schedule_windows(stan_schedule(150))
    [(75, 100)]
    """
    ends = torch.nonzero(schedule.window_end).flatten().tolist()
    starts = torch.nonzero(schedule.slow).flatten().tolist()
    windows, start = [], starts[0] if starts else 0
    for end in ends:
        windows.append((start, end + 1))
        start = end + 1
    return windows
