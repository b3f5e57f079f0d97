"""Carry a leading chain axis through recorded operations, by hand.

Model code sees one point: every variable has its own shape and no chain axis. A batched
density evaluates the same recorded expressions on values of shape ``(C, *shape)``. For the
operations models use most (pointwise arithmetic, matrix products, indexing, reductions, shape
changes, stack/cat) a rule here rewrites the call so that it is right for the batch, which costs
nothing beyond the operation itself. Any other operation is wrapped in ``torch.func.vmap``, and
where vmap cannot run it (Python control flow on a value) it falls back to one call per chain,
with a warning, once. See docs/notes/batching.md.

Every rule receives ``args``/``kwargs`` in which the node arguments were already replaced by
their values, and ``batched``, the set of argument positions (a flat index over the nodes in
``find_nodes((args, kwargs))`` order) that carry the chain axis, via :class:`Call`.
"""
from __future__ import annotations

import operator
import warnings
from typing import Any, Callable

import torch
from torch import Tensor

from .node import _matrix_transpose, _transpose

__all__ = ["BatchedCall", "node_positions", "unsqueeze_after_batch"]


def unsqueeze_after_batch(x: Tensor, count: int) -> Tensor:
    """Insert ``count`` singleton dimensions right after the chain axis."""
    if count <= 0:
        return x
    if count == 1:  # the common case, and the cheapest call
        return x.unsqueeze(1)
    return x.reshape(x.shape[:1] + (1,) * count + x.shape[1:])


def _names(*names: str) -> list[str]:
    return list(names)


_POINTWISE_NAMES = _names(
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "pow",
    "float_power", "neg", "negative", "abs", "exp", "exp2", "expm1", "log", "log2", "log10",
    "log1p", "sqrt", "rsqrt", "square", "sigmoid", "logit", "tanh", "sinh", "cosh", "sin", "cos",
    "tan", "asin", "acos", "atan", "atan2", "arctan2", "erf", "erfc", "erfinv", "lgamma",
    "digamma", "polygamma", "where", "clamp", "clip", "maximum", "minimum", "fmax", "fmin",
    "logaddexp", "reciprocal", "sign", "floor", "ceil", "round", "trunc", "remainder", "fmod",
    "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_not", "isnan",
    "isfinite", "xlogy", "hypot", "lerp", "addcmul", "addcdiv", "relu", "nan_to_num",
    "to", "double", "float", "clone", "detach", "__add__", "__radd__", "__sub__", "__rsub__",
    "__mul__", "__rmul__", "__truediv__", "__rtruediv__", "__pow__", "__rpow__", "__neg__",
    "__abs__", "__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__", "__and__", "__or__",
    "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__",
)


def _collect(names: list[str], *namespaces) -> set[Callable]:
    found = set()
    for namespace in namespaces:
        for name in names:
            function = getattr(namespace, name, None)
            if function is not None:
                found.add(function)
    return found


POINTWISE = _collect(_POINTWISE_NAMES, torch, torch.Tensor, torch.special) | {
    operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv,
    operator.mod, operator.pow, operator.neg, operator.pos, operator.abs, operator.lt,
    operator.le, operator.gt, operator.ge, operator.and_, operator.or_, operator.xor,
    operator.invert, torch.nn.functional.softplus, torch.nn.functional.logsigmoid,
    torch.nn.functional.relu, torch.special.expit, torch.special.log_ndtr, torch.special.ndtr,
    torch.special.ndtri, torch.special.gammaln, torch.special.xlog1py, torch.special.log1p,
    torch.special.erfcx, torch.special.i0, torch.special.i1, torch.special.i0e,
    torch.special.i1e, _matrix_transpose,
}
MATMUL = {operator.matmul, torch.matmul, torch.Tensor.matmul, torch.Tensor.__matmul__,
          torch.Tensor.__rmatmul__, torch.mv, torch.Tensor.mv, torch.mm, torch.Tensor.mm,
          torch.dot, torch.Tensor.dot}
# ``norm`` is left to vmap: its first positional argument is ``p``, not ``dim``.
REDUCTIONS = _collect(_names("sum", "mean", "prod", "logsumexp", "std", "var", "amax", "amin",
                             "cumsum", "cumprod", "softmax", "log_softmax", "nansum",
                             "all", "any", "count_nonzero"), torch, torch.Tensor) | {
    torch.nn.functional.softmax, torch.nn.functional.log_softmax, torch.special.logsumexp}
# Positional parameters after the tensor, by name; those in _DIM_PARAMETERS are dimensions.
_SHAPE_SIGNATURES = {
    "unsqueeze": ("dim",), "squeeze": ("dim",), "transpose": ("dim0", "dim1"),
    "swapaxes": ("axis0", "axis1"), "movedim": ("source", "destination"),
    "flatten": ("start_dim", "end_dim"), "flip": ("dims",), "roll": ("shifts", "dims"),
    "diagonal": ("offset", "dim1", "dim2"), "select": ("dim", "index"),
    "narrow": ("dim", "start", "length"), "permute": ("dims",),
}
_DIM_PARAMETERS = {"dim", "dim0", "dim1", "dim2", "axis0", "axis1", "source", "destination",
                   "start_dim", "end_dim", "dims"}
# Defaults that count from the front, so they must move past the chain axis too.
_DIM_DEFAULTS = {"flatten": {"start_dim": 0}, "diagonal": {"dim1": 0, "dim2": 1}}
SHAPE_DIMS = {function: name for name in _SHAPE_SIGNATURES
              for function in _collect([name], torch, torch.Tensor)}
STACKING = {torch.stack, torch.cat, torch.concatenate, torch.concat, torch.hstack, torch.vstack}


def _shift(dim):
    """Move a dimension index of one point to the batched tensor (negative stays)."""
    if isinstance(dim, (tuple, list)):
        return type(dim)(_shift(d) for d in dim)
    return dim + 1 if isinstance(dim, int) and dim >= 0 else dim


def _matmul(a, b, flag_a, flag_b, rank_a, rank_b):
    if rank_a == 2 and flag_b and not flag_a and rank_b <= 2:
        # data (n, k) @ batched (C, k[, m]): multiply from the right, one matrix product over
        # all chains, not a broadcast copy of the data per chain (a bmm)
        return b @ a.mT if rank_b == 1 else (b.mT @ a.mT).mT
    # Vectors become matrices, as torch.matmul does, so that the chain axis lines up.
    a_vector, b_vector = rank_a == 1, rank_b == 1
    if a_vector:
        a, rank_a = a.unsqueeze(-2), 2
    if b_vector:
        b, rank_b = b.unsqueeze(-1), 2
    rank = max(rank_a, rank_b)
    if flag_a:
        a = unsqueeze_after_batch(a, rank - rank_a)
    if flag_b:
        b = unsqueeze_after_batch(b, rank - rank_b)
    out = torch.matmul(a, b)
    if b_vector:
        out = out.squeeze(-1)
    if a_vector:
        out = out.squeeze(-1 if b_vector else -2)
    return out


def _reduction(op, x, args, kwargs):
    dim = kwargs.get("dim", args[0] if args else None)
    if dim is None:
        if op in (torch.cumsum, torch.Tensor.cumsum, torch.cumprod, torch.Tensor.cumprod):
            raise TypeError(f"{op.__name__} needs dim=")
        # reshape, not flatten(1): a scalar variable's batch (C,) has no dimension 1
        rest = {k: v for k, v in kwargs.items() if k != "dim"}
        out = op(x.reshape(x.shape[0], -1), 1, *args[1:], **rest)
        if rest.get("keepdim", False):
            out = out.reshape((x.shape[0],) + (1,) * (x.dim() - 1))
        return out
    if "dim" in kwargs:
        return op(x, *args, **{**kwargs, "dim": _shift(dim)})
    return op(x, _shift(dim), *args[1:], **kwargs)


def _shape_op(op, name, x, args, kwargs):
    if name in ("flip", "permute") and args and not isinstance(args[0], (tuple, list)):
        args = (tuple(args),)  # Tensor.flip(0, 1) and Tensor.permute(1, 0) take varargs
    named = {**_DIM_DEFAULTS.get(name, {}), **dict(zip(_SHAPE_SIGNATURES[name], args)), **kwargs}
    if name == "squeeze" and named.get("dim") is None:
        # squeeze() would drop a chain axis of length 1: name the point's singleton dims
        named["dim"] = tuple(i for i, size in enumerate(x.shape[1:]) if size == 1)
    if name == "roll" and named.get("dims") is None:
        return NotImplemented  # rolls the flattened tensor: vmap gets it right
    if name == "permute":
        named["dims"] = (0, *(d + 1 if d >= 0 else d for d in named["dims"]))
        return x.permute(named["dims"])
    named = {k: _shift(v) if k in _DIM_PARAMETERS else v for k, v in named.items()}
    return op(x, **named)


class BatchedCall:
    """How one recorded expression runs on batched values; decided once, when a density is built.

    ``flags`` lists, for each node argument of the expression in ``find_nodes`` order, whether
    its value carries the chain axis; ``ranks`` their point ranks; ``out_rank`` the point rank of
    the result.
    """

    def __init__(self, op: Callable, flags: list[bool], ranks: list[int], out_rank: int):
        self.op, self.flags, self.ranks, self.out_rank = op, flags, ranks, out_rank
        self._mode = "rule"
        self._pads: list[tuple] | None = None  # a pointwise op's plan, made at the first call

    def __call__(self, args: tuple, kwargs: dict, node_positions: list[tuple]) -> Tensor:
        if self._pads is not None:  # the hot path: most recorded operations are pointwise
            return self._pointwise(args, kwargs)
        if self._mode == "rule":
            result = self._by_rule(args, kwargs, node_positions)
            if result is not NotImplemented:
                return result
            self._mode = "vmap"
        if self._mode == "vmap":
            try:
                return self._vmapped(args, kwargs, node_positions)
            except Exception:  # vmap rejects data-dependent control flow: fall back, once
                self._mode = "loop"
                warnings.warn(f"{getattr(self.op, '__name__', self.op)} could not be batched "
                              "over chains; evaluating one chain at a time", stacklevel=2)
        return self._looped(args, kwargs, node_positions)

    def _by_rule(self, args, kwargs, node_positions):
        op = self.op
        top_level = [p for p in node_positions if len(p) == 1]
        if op in POINTWISE and len(top_level) == len(node_positions):
            # A batched argument of lower point rank gets singleton dims after its chain axis,
            # so that broadcasting (aligned from the right) keeps the chain axis first.
            self._pads = [(key, self.out_rank - rank)
                          for (key,), flag, rank in zip(node_positions, self.flags, self.ranks)
                          if flag and rank < self.out_rank]
            return self._pointwise(args, kwargs)
        if op in MATMUL and len(args) == 2 and not kwargs and len(top_level) == len(node_positions):
            flag = {p[0]: (f, r) for p, f, r in zip(node_positions, self.flags, self.ranks)}
            (flag_a, rank_a) = flag.get(0, (False, args[0].dim()))
            (flag_b, rank_b) = flag.get(1, (False, args[1].dim()))
            return _matmul(args[0], args[1], flag_a, flag_b, rank_a, rank_b)
        only_first = node_positions == [(0,)] and self.flags == [True]
        if op is operator.getitem and only_first:
            index = args[1] if isinstance(args[1], tuple) else (args[1],)
            return args[0][(slice(None),) + index]
        if op in REDUCTIONS and only_first:
            return _reduction(op, args[0], args[1:], kwargs)
        if op in SHAPE_DIMS and only_first:
            return _shape_op(op, SHAPE_DIMS[op], args[0], args[1:], kwargs)
        if op in (torch.reshape, torch.Tensor.reshape, torch.Tensor.view) and only_first:
            shape = args[1] if len(args) == 2 and isinstance(args[1], (tuple, list)) else args[1:]
            return args[0].reshape((args[0].shape[0], *shape))
        if op is _transpose and only_first:
            return args[0].permute(0, *reversed(range(1, args[0].dim())))
        if op in STACKING and len(node_positions) and all(p[0] == 0 for p in node_positions):
            return self._stack(op, args, kwargs, node_positions)
        return NotImplemented

    def _pointwise(self, args, kwargs):
        if not self._pads:
            return self.op(*args, **kwargs)
        args, kwargs = list(args), dict(kwargs)
        for key, count in self._pads:
            container = kwargs if isinstance(key, str) else args
            container[key] = unsqueeze_after_batch(container[key], count)
        return self.op(*args, **kwargs)

    def _stack(self, op, args, kwargs, node_positions):
        if op in (torch.hstack, torch.vstack):
            return NotImplemented
        items = list(args[0])
        batched = {p[1]: f for p, f in zip(node_positions, self.flags) if len(p) == 2}
        size = max(items[i].shape[0] for i, f in batched.items() if f)
        items = [item if batched.get(i) else item.expand((size,) + tuple(item.shape))
                 for i, item in enumerate(items)]
        dim = kwargs.get("dim", args[1] if len(args) > 1 else 0)
        return op(items, dim=_shift(dim))

    def _split(self, args, kwargs, node_positions):
        """Separate the batched node values from the rest of the call."""
        batched_positions = [p for p, f in zip(node_positions, self.flags) if f]
        values = [_get(args, kwargs, p) for p in batched_positions]

        def call(*point_values):
            a, k = list(args), dict(kwargs)
            for position, value in zip(batched_positions, point_values):
                a, k = _set(a, k, position, value)
            return self.op(*a, **k)
        return call, values

    def _vmapped(self, args, kwargs, node_positions):
        call, values = self._split(args, kwargs, node_positions)
        sizes = {v.shape[0] for v in values}
        if len(sizes) > 1:  # some values carry one row for every chain: broadcast them
            size = max(sizes)
            values = [v.expand((size,) + v.shape[1:]) for v in values]
        return torch.func.vmap(call)(*values)

    def _looped(self, args, kwargs, node_positions):
        call, values = self._split(args, kwargs, node_positions)
        size = max(v.shape[0] for v in values)
        return torch.stack([call(*[v[min(i, v.shape[0] - 1)] for v in values])
                            for i in range(size)])


def _get(args, kwargs, position):
    head, *rest = position
    value = kwargs[head] if isinstance(head, str) else args[head]
    for index in rest:
        value = value[index]
    return value


def _set(args, kwargs, position, new):
    head, *rest = position
    container = kwargs if isinstance(head, str) else args
    if not rest:
        container[head] = new
        return args, kwargs
    inner = list(container[head])
    inner[rest[0]] = new if len(rest) == 1 else _set(list(inner), {}, tuple(rest), new)[0]
    container[head] = type(container[head])(inner) if isinstance(container[head], tuple) else inner
    return args, kwargs


def node_positions(args: tuple, kwargs: dict, is_node: Callable[[Any], bool]) -> list[tuple]:
    """Where the nodes sit in ``(args, kwargs)``: ``(i,)`` or ``(i, j)`` or ``("key",)``."""
    positions = []
    for i, arg in enumerate(args):
        if is_node(arg):
            positions.append((i,))
        elif isinstance(arg, (list, tuple)):
            positions += [(i, j) for j, item in enumerate(arg) if is_node(item)]
    for key, arg in kwargs.items():
        if is_node(arg):
            positions.append((key,))
        elif isinstance(arg, (list, tuple)):
            positions += [(key, j) for j, item in enumerate(arg) if is_node(item)]
    return positions
