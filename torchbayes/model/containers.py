"""Named nodes that are not random variables: Deterministic, Potential and Data."""
from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from .context import current_model, modelcontext
from .node import Node, _value_in
from .random_variable import DEFAULT_DTYPE, as_data_tensor

__all__ = ["Deterministic", "Potential", "Data", "set_data"]


def _as_node(expression: Any, label: str) -> Node:
    if isinstance(expression, Node):
        return expression
    raise TypeError(f"{label}: expected an expression of model variables, got "
                    f"{type(expression).__name__}")


class _Named(Node):
    """A named node that stands for an expression."""

    def __init__(self, name: str | None, expression: Any, kind: str):
        self.name = name
        self.expression = _as_node(expression, f'{kind} "{name}"')
        self.build_value = self.expression.build_value
        self.dims = None
        model = current_model()
        if model is not None and name is not None:
            model.register(self)

    def dependencies(self) -> list[Node]:
        return [self.expression]

    def evaluate(self, evaluation) -> Tensor:
        return _value_in(evaluation, self.expression)

    def __repr__(self) -> str:
        return f'{type(self).__name__}("{self.name}", shape={tuple(self.shape)})'


class Deterministic(_Named):
    """A named function of other variables, stored with the draws.

    Examples
    --------
    >>> import torchbayes as tb
    >>> with tb.Model() as m:
    ...     mu = tb.Normal("mu", 0.0, 1.0)
    ...     double = tb.Deterministic("double", 2 * mu)
    >>> [v.name for v in m.deterministics]
    ['double']
    """

    def __init__(self, name: str, expression: Any, dims=None):
        super().__init__(name, expression, "Deterministic")
        self.dims = (dims,) if isinstance(dims, str) else tuple(dims) if dims else None


class Potential(_Named):
    """An extra term added to the model's log density (summed).

    Examples
    --------
    >>> import torchbayes as tb
    >>> with tb.Model() as m:
    ...     x = tb.Normal("x", 0.0, 1.0)
    ...     tb.Potential("pull", -x ** 2)
    Potential("pull", shape=())
    """

    def __init__(self, name: str, expression: Any):
        super().__init__(name, expression, "Potential")


class Data(nn.Module, Node):
    """A data container whose value can be replaced with :func:`set_data`.

    Examples
    --------
    >>> import torchbayes as tb
    >>> with tb.Model() as m:
    ...     x = tb.Data("x", [1.0, 2.0, 3.0])
    ...     tb.set_data({"x": [4.0, 5.0]})
    >>> m["x"].shape
    torch.Size([2])
    """

    def __init__(self, name: str, value: Any, dims=None, dtype: torch.dtype | None = None):
        nn.Module.__init__(self)
        self.name = name
        self.dims = (dims,) if isinstance(dims, str) else tuple(dims) if dims else None
        model = current_model()
        tensor = as_data_tensor(value, None, name)
        if tensor.is_floating_point() or dtype is not None:
            tensor = tensor.to(dtype or (model.dtype if model is not None else DEFAULT_DTYPE))
        if torch.isnan(tensor).any() if tensor.is_floating_point() else False:
            raise ValueError(f'Data "{name}": contains NaN')
        self.register_buffer("data", tensor)
        self._model_ref = None
        if model is not None:
            model.register(self)

    @property
    def build_value(self) -> Tensor:
        return self.data

    def set_value(self, value: Any) -> None:
        tensor = as_data_tensor(value, None, self.name)
        if tensor.is_floating_point() or self.data.is_floating_point():
            tensor = tensor.to(self.data.dtype)
        self.data = tensor.to(self.data.device)

    def evaluate(self, evaluation) -> Tensor:
        return self.data

    def forward(self) -> Tensor:
        return self.data

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other):
        return self is other

    def extra_repr(self) -> str:
        return f'"{self.name}", shape={tuple(self.data.shape)}'


def set_data(new_data: dict[str, Any], model=None, coords: dict | None = None) -> None:
    """Replace the values of data containers (for out-of-sample prediction).

    Examples
    --------
    >>> import torchbayes as tb
    >>> with tb.Model() as m:
    ...     x = tb.Data("x", [1.0, 2.0])
    >>> tb.set_data({"x": [3.0, 4.0, 5.0]}, model=m)
    >>> m["x"].shape
    torch.Size([3])
    """
    model = modelcontext(model)
    for name, value in new_data.items():
        node = model.named_vars.get(name)
        if not isinstance(node, Data):
            raise KeyError(f'set_data: "{name}" is not a tb.Data container of this model')
        node.set_value(value)
    if coords:
        model.coords.update({k: list(v) for k, v in coords.items()})
