"""The model: an ``nn.Module`` that keeps PyMC's books and the with-block.

Three front doors give one object: variables created by name inside ``with tb.Model():``,
variables assigned without a name to attributes of a subclass (the attribute names them), and a
subclass ``forward()`` that runs arbitrary torch code per evaluation. The density, layout and
initial point are functions over a model, in their own modules.
"""
from __future__ import annotations

import weakref
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from .containers import Data, Deterministic, Potential
from .context import Evaluation, evaluating, pop_model, push_model
from .random_variable import DEFAULT_DTYPE, RandomVariable

__all__ = ["Model"]


def _coord_values(values: Any) -> list:
    if hasattr(values, "tolist"):  # pandas Index, numpy arrays
        return list(values.tolist())
    return list(values)


class Model(nn.Module):
    """A Bayesian model: random variables, their log density, and PyMC's bookkeeping.

    Parameters
    ----------
    coords : dict, optional
        Dimension name -> labels (lists, numpy arrays, pandas Index).
    dtype : torch.dtype
        Floating dtype of the model's values (float64 by default, as PyMC and Stan).

    Examples
    --------
    >>> import torchbayes as tb
    >>> with tb.Model() as m:
    ...     z = tb.Normal("z", mu=0.0, sigma=5.0)
    ...     x = tb.Normal("x", mu=z, sigma=1.0, observed=5.0)
    >>> float(m.logp({"z": 2.5}))
    -6.697315...
    """

    def __init__(self, coords: dict | None = None, dtype: torch.dtype = DEFAULT_DTYPE,
                 name: str = ""):
        super().__init__()
        object.__setattr__(self, "named_vars", {})
        self.coords: dict[str, list] = {k: _coord_values(v) for k, v in (coords or {}).items()}
        self._dtype = dtype
        self._forward_args: tuple = ()
        self._forward_kwargs: dict = {}
        self._forward_traced = False

    # -- the with-block ------------------------------------------------------------------
    def __enter__(self) -> "Model":
        push_model(self)
        return self

    def __exit__(self, *exc) -> None:
        pop_model(self)

    # -- registration --------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        # The one addition to nn.Module's __setattr__: an attribute names its variable.
        if isinstance(value, (RandomVariable, Data, Deterministic, Potential)) \
                and "named_vars" in self.__dict__:
            if value.name is None:
                value.name = name
            if self.named_vars.get(value.name) is not value:  # a clash raises in register
                self.register(value, attribute=name)
        super().__setattr__(name, value)

    def register(self, node, attribute: str | None = None) -> None:
        """Add a named node to the model's books (called by the front doors)."""
        name = node.name
        imputed = getattr(node, "imputed", None)
        if imputed is not None and imputed.name not in self.named_vars:
            self.register(imputed)
        if name in self.named_vars:
            raise ValueError(f'a variable named "{name}" already exists in the model; '
                             "variable names must be unique")
        self.named_vars[name] = node
        node._model_ref = weakref.ref(self)
        for dim in node.dims or ():
            if dim not in self.coords:
                raise ValueError(f'"{name}": dims names "{dim}", which is not in the model\'s '
                                 f"coords {list(self.coords)}")
        if isinstance(node, nn.Module) and attribute is None:
            if hasattr(type(self), name) or name in self._modules or "." in name:
                raise ValueError(f'variable name "{name}" clashes with an attribute of Model; '
                                 "choose another name")
            self.add_module(name, node)

    def add_coord(self, name: str, values: Any) -> None:
        self.coords[name] = _coord_values(values)

    def __getitem__(self, name: str):
        try:
            return self.named_vars[name]
        except KeyError:
            raise KeyError(f'no variable "{name}" in the model; it has {list(self.named_vars)}')

    # -- PyMC's books --------------------------------------------------------------------
    @property
    def dtype(self) -> torch.dtype:
        """The floating dtype of the model's variables (``float()``/``double()`` change it)."""
        for node in self.named_vars.values():
            if isinstance(node, RandomVariable) and not node.is_observed:
                return node.unconstrained.dtype
        for tensor in list(self.parameters()) + list(self.buffers()):
            if tensor.is_floating_point():
                return tensor.dtype
        return self._dtype

    @property
    def device(self) -> torch.device:
        for tensor in list(self.parameters()) + list(self.buffers()):
            return tensor.device
        return torch.device("cpu")

    def _of_kind(self, kind) -> list:
        self.trace_forward()
        return [node for node in self.named_vars.values() if kind(node)]

    @property
    def free_RVs(self) -> list[RandomVariable]:
        return self._of_kind(lambda n: isinstance(n, RandomVariable) and not n.is_observed)

    @property
    def observed_RVs(self) -> list[RandomVariable]:
        return self._of_kind(lambda n: isinstance(n, RandomVariable) and n.is_observed)

    @property
    def basic_RVs(self) -> list[RandomVariable]:
        return self._of_kind(lambda n: isinstance(n, RandomVariable))

    @property
    def deterministics(self) -> list[Deterministic]:
        return self._of_kind(lambda n: isinstance(n, Deterministic))

    @property
    def potentials(self) -> list[Potential]:
        return self._of_kind(lambda n: isinstance(n, Potential))

    @property
    def data_vars(self) -> list[Data]:
        return self._of_kind(lambda n: isinstance(n, Data))

    def variable_dims(self) -> dict[str, tuple[str, ...]]:
        """The ``dims`` of every named node that has them (for ArviZ's output)."""
        return {name: node.dims for name, node in self.named_vars.items()
                if getattr(node, "dims", None)}

    def initial_point(self) -> dict[str, np.ndarray]:
        """The constrained starting values of the free variables, by name."""
        return {rv.name: rv.value.detach().cpu().numpy() for rv in self.free_RVs}

    # -- forward() models ------------------------------------------------------------------
    @property
    def has_forward(self) -> bool:
        return type(self).forward is not Model.forward

    def forward(self, *args, **kwargs):
        """Subclasses may override: arbitrary torch code run at every evaluation."""
        raise NotImplementedError("this model has no forward(); use model.logp or log_prob()")

    def bind(self, *args, **kwargs) -> "Model":
        """Fix the arguments ``forward()`` is called with while sampling (data, covariates)."""
        self._forward_args, self._forward_kwargs = args, kwargs
        self._forward_traced = False
        self.trace_forward()
        return self

    def trace_forward(self) -> None:
        """Run ``forward()`` once to create the variables it declares."""
        if not self.has_forward or self._forward_traced:
            return
        self._forward_traced = True
        # Networks a forward() calls follow the variables' dtype (float64 by default), as the
        # data do: an nn.Linear made in float32 would otherwise refuse float64 inputs.
        dtype = self.dtype
        for module in self.children():
            if not isinstance(module, (RandomVariable, Data)):
                module.to(dtype=dtype)
        evaluation = Evaluation(model=self)
        with self, evaluating(evaluation):
            self.forward(*self._forward_args, **self._forward_kwargs)

    # -- densities (built in density.py) ---------------------------------------------------
    def logp(self, point: dict | None = None, jacobian: bool = True, sum: bool = True):
        """Joint log density at ``point`` (constrained values by name; default: current).

        With ``jacobian=True`` the log-Jacobian of each free variable's transform is included.
        ``sum=False`` returns a dict of terms by variable name.
        """
        from .density import logp_at_point
        return logp_at_point(self, point, jacobian=jacobian, sum=sum)

    def dlogp(self, point: dict | None = None, jacobian: bool = True) -> Tensor:
        """Gradient of the joint log density w.r.t. the flat unconstrained vector at ``point``."""
        vector = self.dict_to_array(point if point is not None else self.initial_point())
        return self.logp_dlogp_function(jacobian=jacobian)(vector)[1]

    def log_prob(self, *args, **kwargs) -> Tensor:
        """The joint log density at the current parameter values, differentiable w.r.t.
        ``parameters()`` (so ``-model.log_prob()`` can be minimised by any torch optimiser).

        Examples
        --------
        >>> import torchbayes as tb
        >>> with tb.Model() as m:
        ...     z = tb.Normal("z", 0.0, 1.0)
        >>> m.log_prob().requires_grad
        True
        """
        from .density import log_prob_at_parameters
        if args or kwargs:
            self.bind(*args, **kwargs)
        return log_prob_at_parameters(self)

    def logp_dlogp_function(self, grad_vars=None, jacobian: bool = True, **kwargs):
        """A callable on a flat unconstrained vector (or a batch of them, one row per chain)
        returning ``(logp, grad)`` in one evaluation. See :class:`torchbayes.model.density.
        LogpDlogpFunction`."""
        from .density import LogpDlogpFunction
        return LogpDlogpFunction(self, grad_vars=grad_vars, jacobian=jacobian, **kwargs)

    def dict_to_array(self, point: dict) -> Tensor:
        """The flat unconstrained vector of a point (constrained values by name)."""
        from .layout import dict_to_array
        return dict_to_array(self, point)

    def array_to_dict(self, vector: Tensor) -> dict[str, Tensor]:
        """The point (constrained values by name) of a flat unconstrained vector."""
        from .layout import array_to_dict
        return array_to_dict(self, vector)
