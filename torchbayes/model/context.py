"""The two stacks a model needs: the enclosing ``with Model():`` block and the active evaluation.

*Model context*: variables created inside ``with tb.Model() as m:`` register with ``m``.

*Evaluation context*: while a model's ``forward()`` runs (or any eager evaluation), every random
variable stands for a value. Operations on variables then compute tensors at once instead of
recording expressions, and distributions called with a name add their log density term.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator

from torch import Tensor

if TYPE_CHECKING:  # pragma: no cover
    from .model import Model

__all__ = ["Evaluation", "active_evaluation", "evaluating", "modelcontext", "push_model", "pop_model"]

_MODEL_STACK: list["Model"] = []
_EVALUATION_STACK: list["Evaluation"] = []


def push_model(model: "Model") -> None:
    _MODEL_STACK.append(model)


def pop_model(model: "Model") -> None:
    if not _MODEL_STACK or _MODEL_STACK[-1] is not model:
        raise RuntimeError("model contexts exited out of order")
    _MODEL_STACK.pop()


def modelcontext(model: "Model | None" = None) -> "Model":
    """The given model, or the innermost enclosing ``with Model():`` block.

    Examples
    --------
    >>> import torchbayes as tb
    >>> with tb.Model() as m:
    ...     assert tb.modelcontext() is m
    """
    if model is not None:
        return model
    if not _MODEL_STACK:
        raise TypeError("no model on the context stack: use `with tb.Model():` or pass model=")
    return _MODEL_STACK[-1]


def current_model() -> "Model | None":
    """The innermost enclosing model, or None outside every with-block."""
    return _MODEL_STACK[-1] if _MODEL_STACK else None


@dataclass
class Evaluation:
    """Values standing in for nodes during one eager evaluation, and the log density terms met.

    ``values`` maps ``id(node)`` to its tensor; ``terms`` collects ``(name, logp)`` pairs of the
    variables created by name while the evaluation runs (a model's ``forward()``).
    """

    values: dict[int, Tensor] = field(default_factory=dict)
    terms: list[tuple[str, Tensor]] = field(default_factory=list)
    model: "Model | None" = None
    jacobian: bool = True


@contextmanager
def evaluating(evaluation: Evaluation) -> Iterator[Evaluation]:
    """Run a block with ``evaluation`` active (operations on variables compute eagerly)."""
    _EVALUATION_STACK.append(evaluation)
    try:
        yield evaluation
    finally:
        _EVALUATION_STACK.pop()


def active_evaluation() -> Evaluation | None:
    """The innermost active evaluation, or None while a model is being recorded."""
    return _EVALUATION_STACK[-1] if _EVALUATION_STACK else None
