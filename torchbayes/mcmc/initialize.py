"""Starting points for many chains: a base point plus PyMC's uniform jitter, retried per chain.

PyMC's ``init="jitter+..."`` adds ``Uniform(-1, 1)`` to every unconstrained coordinate of the
initial point so that chains start apart (which makes R-hat meaningful). A jittered point can
land where the density is not finite (a variance far in a tail, a constraint boundary): only
those chains draw again, up to ``max_tries`` times.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

__all__ = ["InitialPointError", "initial_positions"]

Density = Callable[[Tensor], "tuple[Tensor, Tensor]"]


class InitialPointError(ValueError):
    """The initial point has a non-finite log density or gradient.

    ``chains`` lists the failing chains and ``coordinates`` the flat (unconstrained) coordinates
    whose gradient is non-finite, so a caller that knows the layout can name the variables.
    """

    def __init__(self, message: str, chains: list[int], coordinates: list[int]):
        super().__init__(message)
        self.chains = chains
        self.coordinates = coordinates


def initial_positions(density: Density, base: Tensor, chains: int, jitter: bool = True,
                      generator: torch.Generator | None = None, max_tries: int = 50) -> Tensor:
    """One starting position per chain, each with a finite log density and gradient.

    Parameters
    ----------
    density : callable
        ``density(position) -> (logp, logp_grad)`` with shapes (C, d) -> (C,), (C, d).
    base : Tensor, shape (d,)
        The unconstrained initial point (the model's ``initial_point()`` as a flat vector).
    chains : int
        Number of chains, C.
    jitter : bool
        Add ``Uniform(-1, 1)`` noise per chain and coordinate (PyMC's ``jitter+...``).
    generator : torch.Generator
        Source of the jitter (on ``base``'s device).
    max_tries : int
        Jitter draws per chain before giving up. Without jitter there is a single try.

    Returns
    -------
    Tensor, shape (C, d), ``base``'s dtype and device.

    Raises
    ------
    InitialPointError
        When some chain still has a non-finite log density or gradient after the tries.

    Examples
    --------
    >>> def density(position):
    ...     return -0.5 * (position ** 2).sum(-1), -position
    >>> g = torch.Generator().manual_seed(0)
    >>> initial_positions(density, torch.zeros(3), chains=4, generator=g).shape
    torch.Size([4, 3])
    """
    base = base.reshape(-1)
    position = base.expand(chains, base.shape[0]).clone()
    tries = 0
    while True:
        if jitter:
            noise = torch.rand(position.shape, generator=generator, dtype=base.dtype,
                               device=base.device) * 2.0 - 1.0
            fresh = base + noise
            position = fresh if tries == 0 else torch.where(bad[:, None], fresh, position)
        tries += 1
        logp, logp_grad = density(position)
        finite_grad = torch.isfinite(logp_grad)
        bad = ~(torch.isfinite(logp) & finite_grad.all(-1))
        # One host sync per try: initialisation only, never inside sampling.
        if not bool(bad.any()):
            return position
        if not jitter or tries >= max_tries:
            raise _initial_point_error(bad, finite_grad, logp, tries, jitter)


def _initial_point_error(bad: Tensor, finite_grad: Tensor, logp: Tensor, tries: int,
                         jitter: bool) -> InitialPointError:
    chains = torch.nonzero(bad).flatten().tolist()
    coordinates = torch.nonzero(~finite_grad[bad].all(0)).flatten().tolist()
    attempts = f"after {tries} jittered tries" if jitter else "without jitter"
    message = (
        f"The initial point has a non-finite log density {attempts} for chains {chains} "
        f"(logp = {logp[bad].tolist()}); non-finite gradient at flat coordinates "
        f"{coordinates}. Give a better initial value (initvals=...) or priors that keep the "
        f"density finite there."
    )
    return InitialPointError(message, chains, coordinates)
