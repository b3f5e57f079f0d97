"""Nodes of a model graph, and how they act as tensors.

Every variable, expression and data container is a :class:`Node`. A node takes part in torch
arithmetic and functions (``mu + tau * z``, ``x @ beta``, ``torch.exp(sigma)``, indexing): torch
calls ``__torch_function__``, Python operators call :func:`apply_op`. While a model is being
written this records an :class:`Expression`; while a model is evaluated (a ``forward()`` run) it
computes a tensor at once. The graph is recorded once and never edited.

Each node keeps ``build_value``, its value when it was recorded. It gives shapes and dtypes at
build time and lets a bad broadcast fail where the user wrote it.
"""
from __future__ import annotations

import operator
from typing import Any, Callable

import numpy as np
import torch
from torch import Tensor

from .context import active_evaluation

__all__ = ["Node", "Expression", "apply_op", "map_nodes", "find_nodes"]


def map_nodes(structure: Any, fn: Callable[["Node"], Any]) -> Any:
    """Replace every node inside nested lists, tuples and dicts by ``fn(node)``."""
    if isinstance(structure, Node):
        return fn(structure)
    if isinstance(structure, (list, tuple)):
        mapped = [map_nodes(item, fn) for item in structure]
        return mapped if isinstance(structure, list) else tuple(mapped)
    if isinstance(structure, dict):
        return {key: map_nodes(item, fn) for key, item in structure.items()}
    return structure


def find_nodes(structure: Any) -> list["Node"]:
    """The nodes inside nested lists, tuples and dicts, in order of appearance."""
    found: list[Node] = []
    map_nodes(structure, found.append)
    return found


def _value_in(evaluation, node: "Node") -> Tensor:
    value = evaluation.values.get(id(node))
    if value is None:
        value = node.evaluate(evaluation)
        evaluation.values[id(node)] = value
    return value


def apply_op(op: Callable, args: tuple, kwargs: dict | None = None):
    """Apply ``op`` to arguments that contain nodes: compute now or record an expression."""
    kwargs = kwargs or {}
    evaluation = active_evaluation()
    if evaluation is not None:
        def value(node):
            return _value_in(evaluation, node)
        return op(*map_nodes(args, value), **map_nodes(kwargs, value))
    return Expression(op, args, kwargs)


class Node:
    """Anything in a model graph that stands for a tensor."""

    # numpy must hand ``array @ node`` and ``array + node`` over to the node
    __array_ufunc__ = None
    __array_priority__ = 1000

    build_value: Tensor

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return apply_op(func, args, kwargs)

    # -- what a graph needs -------------------------------------------------------------
    def dependencies(self) -> list["Node"]:
        """Nodes whose values this node's value is computed from."""
        return []

    def evaluate(self, evaluation) -> Tensor:
        """The value of this node given the values already in ``evaluation``."""
        raise NotImplementedError

    # -- tensor facts ---------------------------------------------------------------------
    @property
    def shape(self) -> torch.Size:
        return self.build_value.shape

    @property
    def dtype(self) -> torch.dtype:
        return self.build_value.dtype

    @property
    def ndim(self) -> int:
        return self.build_value.dim()

    def dim(self) -> int:
        return self.build_value.dim()

    def size(self, dim: int | None = None):
        return self.build_value.shape if dim is None else self.build_value.shape[dim]

    def __len__(self) -> int:
        return len(self.build_value)

    def __bool__(self) -> bool:
        raise TypeError("a model variable has no truth value while the model is being written; "
                        "use torch.where for branches, or write the model with a forward()")

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    @property
    def T(self):
        return apply_op(_transpose, (self,))

    @property
    def mT(self):
        return apply_op(_matrix_transpose, (self,))


def _transpose(x: Tensor) -> Tensor:
    return x.permute(*reversed(range(x.dim())))


def _matrix_transpose(x: Tensor) -> Tensor:
    return x.transpose(-2, -1)


_BINARY = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "truediv": operator.truediv,
    "floordiv": operator.floordiv, "mod": operator.mod, "pow": operator.pow,
    "matmul": operator.matmul, "and": operator.and_, "or": operator.or_, "xor": operator.xor,
    "lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
}
_UNARY = {"neg": operator.neg, "pos": operator.pos, "abs": operator.abs, "invert": operator.invert}


def _operand(node: "Node", other: Any) -> Any:
    # ``array @ tensor`` has no numpy or torch implementation: an array operand becomes a
    # tensor, floating data in the variable's dtype (numpy's float64 would not fit a float32 model)
    if not isinstance(other, np.ndarray):
        return other
    tensor = torch.as_tensor(other)
    return tensor.to(node.dtype) if tensor.is_floating_point() and node.dtype.is_floating_point \
        else tensor


def _binary_method(op: Callable) -> Callable:
    def method(self, other):
        return apply_op(op, (self, _operand(self, other)))
    return method


def _reflected_method(op: Callable) -> Callable:
    def method(self, other):
        return apply_op(op, (_operand(self, other), self))
    return method


def _unary_method(op: Callable) -> Callable:
    def method(self):
        return apply_op(op, (self,))
    return method


def _tensor_method(name: str) -> Callable:
    function = getattr(torch.Tensor, name)

    def method(self, *args, **kwargs):
        return apply_op(function, (self, *args), kwargs)
    method.__name__ = name
    method.__doc__ = f"``torch.Tensor.{name}`` on the node's value."
    return method


for _name, _op in _BINARY.items():
    setattr(Node, f"__{_name}__", _binary_method(_op))
    if _name not in ("lt", "le", "gt", "ge"):
        setattr(Node, f"__r{_name}__", _reflected_method(_op))
for _name, _op in _UNARY.items():
    setattr(Node, f"__{_name}__", _unary_method(_op))


def _as_index(index):
    # Discrete variables hold integer values in floating tensors (torch's convention); as an
    # index they must be integers, so ``mus[k]`` works for a Categorical ``k``.
    if isinstance(index, Node) and getattr(index, "is_discrete", False):
        return apply_op(torch.Tensor.long, (index,))
    if isinstance(index, tuple):
        return tuple(_as_index(item) for item in index)
    return index


def _getitem(self, index):
    return apply_op(operator.getitem, (self, _as_index(index)))


Node.__getitem__ = _getitem

# Tensor methods a model commonly calls on a variable (``theta.sum()``, ``x.exp()``, ...).
TENSOR_METHODS = (
    "abs", "exp", "expm1", "log", "log1p", "sqrt", "rsqrt", "square", "sigmoid", "tanh", "sin",
    "cos", "softmax", "log_softmax", "logsumexp", "sum", "mean", "prod", "cumsum", "cumprod",
    "std", "var", "max", "min", "amax", "amin", "norm", "clamp", "pow", "matmul", "dot", "mv",
    "mm", "reshape", "view", "flatten", "unsqueeze", "squeeze", "transpose", "permute", "expand",
    "repeat", "t", "diag", "diagonal", "tril", "triu", "flip", "roll", "gather", "index_select",
    "to", "double", "float", "clone", "detach", "neg", "reciprocal", "erf", "lgamma", "digamma",
)
for _name in TENSOR_METHODS:
    setattr(Node, _name, _tensor_method(_name))


class Expression(Node):
    """A recorded operation ``op(*args, **kwargs)`` whose arguments may contain nodes.

    Examples
    --------
    >>> import torchbayes as tb
    >>> with tb.Model():
    ...     mu = tb.Normal("mu", 0.0, 1.0)
    ...     e = torch.exp(mu) + 1.0
    >>> type(e).__name__, e.shape
    ('Expression', torch.Size([]))
    """

    def __init__(self, op: Callable, args: tuple, kwargs: dict):
        self.op = op
        self.args = args
        self.kwargs = kwargs
        self._parents = _unique(find_nodes((args, kwargs)))
        def build_value(node):
            return node.build_value
        try:
            self.build_value = op(*map_nodes(args, build_value), **map_nodes(kwargs, build_value))
        except (RuntimeError, ValueError, TypeError, IndexError) as error:
            names = ", ".join(_describe(node) for node in self._parents)
            raise type(error)(f"{_op_name(op)} on {names}: {error}") from error
        if not isinstance(self.build_value, Tensor):
            raise TypeError(f"{_op_name(op)} on model variables returned "
                            f"{type(self.build_value).__name__}, not a tensor")

    def dependencies(self) -> list[Node]:
        return self._parents

    def evaluate(self, evaluation) -> Tensor:
        def value(node):
            return _value_in(evaluation, node)
        return self.op(*map_nodes(self.args, value), **map_nodes(self.kwargs, value))

    def __repr__(self) -> str:
        return f"Expression({_op_name(self.op)}, shape={tuple(self.shape)})"


def _unique(nodes: list[Node]) -> list[Node]:
    seen: dict[int, Node] = {}
    for node in nodes:
        seen.setdefault(id(node), node)
    return list(seen.values())


def _op_name(op: Callable) -> str:
    return getattr(op, "__name__", repr(op))


def _describe(node: Node) -> str:
    name = getattr(node, "name", None)
    return f'"{name}" {tuple(node.shape)}' if name else f"a {tuple(node.shape)} expression"
