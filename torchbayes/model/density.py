"""The model's log density as a flat, batched function of tensors: the hot path.

A :class:`DensityProgram` is built once from a model: the graph is put in topological order
and every node becomes one step that reads earlier slots, so a call is a loop over prepared
closures with no dicts, modules or graph walking (STYLE.md §2). Values carry a leading chain
axis; :mod:`batching` rewrites each recorded operation for it. The program serves the density
and gradient (:class:`LogpDlogpFunction`), logp at a point, and the constrained values and
deterministics of draws.
"""
from __future__ import annotations

import warnings
from typing import Any, Callable, Sequence

import numpy as np
import torch
from torch import Tensor
from torch.distributions.transforms import ComposeTransform

from .batching import BatchedCall, node_positions, unsqueeze_after_batch
from .containers import Data, Deterministic, Potential
from .context import Evaluation, evaluating
from .layout import Layout, free_layout
from .node import Expression, Node, map_nodes
from .random_variable import RandomVariable

__all__ = ["DensityProgram", "LogpDlogpFunction", "logp_at_point", "log_prob_at_parameters",
           "topological_order"]


def topological_order(roots: Sequence[Node]) -> list[Node]:
    """Every node the roots depend on, parents before children (iterative depth-first)."""
    order, seen = [], set()
    for root in roots:
        stack = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if id(node) in seen:
                continue
            if expanded:
                seen.add(id(node))
                order.append(node)
                continue
            stack.append((node, True))
            stack.extend((parent, False) for parent in reversed(node.dependencies())
                         if id(parent) not in seen)
    return order


def _term_sum(lp: Tensor, batched: bool) -> Tensor:
    if not batched:
        return lp.sum()
    # one op, or none for a scalar variable: a reshape and a sum would be two, and each has
    # a backward op too
    return lp if lp.dim() == 1 else lp.sum(tuple(range(1, lp.dim())))


def _is_identity(transform) -> bool:
    """No transform, or torch's identity (an empty composition): nothing to apply, no Jacobian."""
    return transform is None or isinstance(transform, ComposeTransform) and not transform.parts


def _block_reader(block) -> Callable[[Tensor], Tensor]:
    """u (C, d) -> the block's unconstrained value (C, *shape), in one view op."""
    start, size, shape = block.start, block.stop - block.start, tuple(block.shape)
    # select and narrow, not u[:, i]: indexing parses its key in Python at every call
    if shape == ():
        return lambda u: u.select(1, start)
    if len(shape) == 1:
        return lambda u: u.narrow(1, start, size)
    return lambda u: u.narrow(1, start, size).reshape((u.shape[0],) + shape)


class DensityProgram:
    """A model's density and values as steps over slots, for a batch of flat vectors.

    Parameters
    ----------
    model : Model
    grad_vars : list of free variables (or names) read from the flat vector; the other free
        variables are read from ``extra_values`` (set with :meth:`set_extra_values`).
    jacobian : include the log-Jacobian of each transform.
    """

    def __init__(self, model, grad_vars=None, jacobian: bool = True):
        model.trace_forward()
        self.model = model
        self.jacobian = jacobian
        free = model.free_RVs
        if grad_vars is None:
            grad_vars = free
        grad_vars = [model[v] if isinstance(v, str) else v for v in grad_vars]
        self.layout: Layout = free_layout(grad_vars)
        self.extra_vars = [rv for rv in free if all(rv is not g for g in grad_vars)]
        self.extra_values: dict[str, Tensor] = {}
        self.dtype, self.device = model.dtype, model.device
        roots = list(model.named_vars.values())
        self.order = topological_order(roots)
        self.slot = {id(node): i for i, node in enumerate(self.order)}
        self._point_values = self._evaluate_point()
        self.batched = self._batched_flags()
        self.steps = [self._step(node) for node in self.order]
        self._forward_looped = False
        self.terms = [(node.name, self._term(node)) for node in self.order
                      if isinstance(node, Potential)
                      or isinstance(node, RandomVariable) and not node.in_forward]

    # -- building ------------------------------------------------------------------------
    def _evaluate_point(self) -> dict[int, Tensor]:
        evaluation = Evaluation(model=None)
        with torch.no_grad(), evaluating(evaluation):
            for node in self.order:
                evaluation.values[id(node)] = node.evaluate(evaluation)
        return evaluation.values

    def _batched_flags(self) -> dict[int, bool]:
        flags: dict[int, bool] = {}
        for node in self.order:
            if isinstance(node, RandomVariable):
                flags[id(node)] = not node.is_observed or node.imputed is not None
            elif isinstance(node, Data):
                flags[id(node)] = False
            else:
                flags[id(node)] = any(flags[id(p)] for p in node.dependencies())
        return flags

    def _constant(self, value: Any) -> Any:
        # numpy arrays become tensors too: batching rules and ``.float()`` need tensor constants
        if isinstance(value, np.ndarray):
            value = torch.as_tensor(value)
        if isinstance(value, Tensor):
            dtype = self.dtype if value.is_floating_point() else value.dtype
            return value.to(device=self.device, dtype=dtype)
        if isinstance(value, (list, tuple)):
            return type(value)(self._constant(item) for item in value) \
                if type(value) in (list, tuple) else value
        return value

    def _reader(self, node: Node) -> Callable[[list], Tensor]:
        slot = self.slot[id(node)]
        return lambda values: values[slot]

    def _step(self, node: Node) -> Callable[[list, Tensor], Tensor]:
        if isinstance(node, RandomVariable):
            return self._variable_step(node)
        if isinstance(node, Data):  # read at each call: tb.set_data reaches built functions
            return lambda values, u: node.data
        if isinstance(node, (Deterministic, Potential)):
            read = self._reader(node.expression)
            return lambda values, u: read(values)
        if isinstance(node, Expression):
            return self._expression_step(node)
        raise TypeError(f"cannot evaluate node {node!r}")

    def _variable_step(self, rv: RandomVariable):
        if rv.is_observed and rv.observed_node is not None:
            data = self.slot[id(rv.observed_node)]
            return lambda values, u: values[data]
        if rv.is_observed:
            observed = self._constant(rv.observed)
            if rv.imputed is not None:
                imputed = self.slot[id(rv.imputed)]
                return lambda values, u: rv.fill_missing(observed, values[imputed])
            return lambda values, u: observed
        block = self.layout.block_of(rv)
        if block is None:
            extras, name = self.extra_values, rv.name
            return lambda values, u: extras[name]
        raw = _block_reader(block)
        if rv.dynamic_transform:
            distribution = self._distribution_builder(rv)
            from ..transforms import biject_to
            return lambda values, u: biject_to(distribution(values).support)(raw(u))
        if _is_identity(rv.transform):
            return lambda values, u: raw(u)
        transform = rv.transform
        return lambda values, u: transform(raw(u))

    def _expression_step(self, node: Expression):
        positions = node_positions(node.args, node.kwargs, lambda a: isinstance(a, Node))
        nodes = [_at(node.args, node.kwargs, p) for p in positions]
        constant_args = map_nodes(node.args, lambda n: n)
        args = tuple(self._constant(a) for a in constant_args)
        kwargs = {k: self._constant(v) for k, v in node.kwargs.items()}
        op = node.op
        flags = [self.batched[id(n)] for n in nodes]
        substitute = [(p, self.slot[id(n)]) for p, n in zip(positions, nodes)]

        def fill(values):
            a, k = list(args), dict(kwargs)
            for position, slot in substitute:
                _put(a, k, position, values[slot])
            return a, k
        if not any(flags):
            def unbatched(values, u):
                a, k = fill(values)
                return op(*a, **k)
            return unbatched
        ranks = [self._point_values[id(n)].dim() for n in nodes]
        out_rank = self._point_values[id(node)].dim()
        call = BatchedCall(op, flags, ranks, out_rank)

        def batched(values, u):
            a, k = fill(values)
            return call(tuple(a), k, positions)
        return batched

    def _distribution_builder(self, rv: RandomVariable):
        """values -> the family with parameters aligned to the batched value."""
        family = rv.family
        target = len(rv.shape) - len(rv.event_shape)
        readers, constants = [], {}
        for key, value in rv._params.items():
            if isinstance(value, Node):
                slot = self.slot[id(value)]
                if self.batched[id(value)]:
                    constraint = family.arg_constraints.get(key)
                    event_dim = getattr(constraint, "event_dim", 0) if constraint else 0
                    pad = target - (self._point_values[id(value)].dim() - event_dim)
                    readers.append((key, slot, max(pad, 0)))
                else:
                    readers.append((key, slot, None))
            elif isinstance(value, Tensor):
                constants[key] = self._constant(getattr(rv, f"param_{key}"))
            else:  # a structural value (ZeroSumNormal's support_shape tuple) passes as it is
                constants[key] = value
        return _FamilyBuilder(family, constants, readers)

    def _term(self, node) -> Callable[[list, Tensor], Tensor]:
        read = self._reader(node)
        batched = self.batched[id(node)]
        if isinstance(node, Potential):
            return lambda values, u: _term_sum(read(values), batched)
        distribution = self._distribution_builder(node)
        batched = batched or any(self.batched[id(p)] for p in node.dependencies())
        scale = _minibatch_scale(node)
        block = None if node.is_observed else self.layout.block_of(node)
        if node.is_observed and node.imputed is not None:
            observed_mask = self._constant(node.observed_mask)

            def observed_part(values, u):  # the missing entries are the imputed variable's term
                log_prob = distribution(values).log_prob(read(values))
                return scale * _term_sum(log_prob * observed_mask, batched)
            return observed_part
        no_jacobian = (not self.jacobian or node.is_observed
                       or _is_identity(node.transform) and not node.dynamic_transform)
        if no_jacobian and scale != 1.0:
            def scaled_term(values, u):
                return scale * _term_sum(distribution(values).log_prob(read(values)), batched)
            return scaled_term
        if no_jacobian:
            def term(values, u):
                return _term_sum(distribution(values).log_prob(read(values)), batched)
            return term
        transform = node.transform
        if block is None:  # a variable outside grad_vars: its value is given, so is its Jacobian
            def unconstrained(u, value, bijector):
                return bijector.inv(value)
        else:
            raw = _block_reader(block)

            def unconstrained(u, value, bijector):
                return raw(u)

        def term_with_jacobian(values, u):
            dist = distribution(values)
            value = read(values)
            bijector = transform
            if node.dynamic_transform:
                from ..transforms import biject_to
                bijector = biject_to(dist.support)
            log_det = bijector.log_abs_det_jacobian(unconstrained(u, value, bijector), value)
            log_prob = dist.log_prob(value)
            if log_prob.shape == log_det.shape:  # elementwise bijectors: add first, sum once
                return _term_sum(log_prob + log_det, True)
            return _term_sum(log_prob, True) + _term_sum(log_det, True)
        return term_with_jacobian

    # -- running ---------------------------------------------------------------------------
    def set_extra_values(self, point: dict[str, Any]) -> None:
        """Values (constrained) of the free variables that are not in ``grad_vars``."""
        for rv in self.extra_vars:
            if rv.name not in point:
                raise KeyError(f'set_extra_values: missing "{rv.name}"')
            value = torch.as_tensor(point[rv.name], dtype=self.dtype, device=self.device)
            self.extra_values[rv.name] = value.unsqueeze(0) if value.dim() == rv.shape.__len__() \
                else value
        unknown = set(point) - {rv.name for rv in self.extra_vars}
        if unknown:
            raise KeyError(f"set_extra_values: {sorted(unknown)} are not free variables outside "
                           "grad_vars")

    def run(self, u: Tensor) -> list:
        """Every slot's value for a batch of flat vectors ``u`` of shape (C, d)."""
        values: list = []
        for step in self.steps:
            values.append(step(values, u))
        return values

    def logp_terms(self, u: Tensor, values: list | None = None) -> dict[str, Tensor]:
        values = self.run(u) if values is None else values
        terms = {name: term(values, u) for name, term in self.terms}
        if self.model.has_forward:
            terms.update(self._forward_terms(values))
        return terms

    def logp(self, u: Tensor) -> Tensor:
        """Joint log density, shape (C,)."""
        values = self.run(u)
        total = None
        for _, term in self.terms:
            total = term(values, u) if total is None else total + term(values, u)
        if self.model.has_forward:
            for value in self._forward_terms(values).values():
                total = value if total is None else total + value
        if total is None or total.shape != u.shape[:1]:  # not every chain has its own terms
            zeros = torch.zeros(u.shape[0], dtype=u.dtype, device=u.device)
            return zeros if total is None else zeros + total
        return total

    def values_of(self, u: Tensor, nodes: Sequence[Node]) -> list[Tensor]:
        """Values of ``nodes`` (batched with a leading axis of u's length where they vary)."""
        values = self.run(u)
        return [values[self.slot[id(node)]] for node in nodes]

    def observed_log_prob(self, u: Tensor) -> dict[str, Tensor]:
        """Elementwise log likelihood of each observed variable, shape (C, *observed shape)."""
        values = self.run(u)
        out = {}
        for node in self.order:
            if isinstance(node, RandomVariable) and node.is_observed and not node.in_forward:
                distribution = self._distribution_builder(node)(values)
                log_prob = distribution.log_prob(values[self.slot[id(node)]])
                if log_prob.dim() == len(node.shape) - len(node.event_shape):  # no chain axis
                    log_prob = log_prob.expand((u.shape[0],) + tuple(log_prob.shape))
                if node.imputed is not None:  # the likelihood of what was observed
                    log_prob = log_prob[:, node.observed_mask]
                out[node.name] = log_prob
        return out

    def _forward_terms(self, values: list) -> dict[str, Tensor]:
        model = self.model
        batched_nodes = [n for n in self.order if self.batched[id(n)]]
        fixed = {id(n): values[self.slot[id(n)]] for n in self.order if not self.batched[id(n)]}

        def one_chain(*chain_values):
            evaluation = Evaluation(values=dict(fixed), model=model)
            evaluation.values.update({id(n): v for n, v in zip(batched_nodes, chain_values)})
            with evaluating(evaluation):
                model.forward(*model._forward_args, **model._forward_kwargs)
            return {name: term for name, term in evaluation.terms}
        chain_values = [values[self.slot[id(n)]] for n in batched_nodes]
        if not chain_values:  # nothing varies with the chain
            return one_chain()
        size = max(v.shape[0] for v in chain_values)
        # extra values (grad_vars) may hold one row for every chain: broadcast them
        chain_values = [v.expand((size,) + v.shape[1:]) for v in chain_values]
        if not self._forward_looped:
            try:
                return torch.func.vmap(one_chain)(*chain_values)
            except RuntimeError:  # vmap rejects Python control flow on a value: fall back, once
                self._forward_looped = True
                warnings.warn(f"{type(model).__name__}.forward() could not be batched over "
                              "chains; evaluating one chain at a time", stacklevel=3)
        per_chain = [one_chain(*[v[i] for v in chain_values]) for i in range(size)]
        return {name: torch.stack([terms[name] for terms in per_chain]) for name in per_chain[0]}


class _FamilyBuilder:
    """Builds a variable's distribution from slot values, parameters aligned to the batch."""

    def __init__(self, family, constants: dict[str, Any], readers: list[tuple[str, int, Any]]):
        self.family, self.constants, self.readers = family, constants, readers
        # with constant parameters only (most priors) the distribution is built once
        self._fixed = family(**constants) if not readers else None

    def parameters(self, values: list) -> dict[str, Any]:
        params = dict(self.constants)
        for key, slot, pad in self.readers:
            params[key] = values[slot] if pad is None else unsqueeze_after_batch(values[slot], pad)
        return params

    def __call__(self, values: list):
        if self._fixed is not None:
            return self._fixed
        return self.family(**self.parameters(values))


def _minibatch_scale(rv: RandomVariable) -> float:
    if rv.total_size is None or not rv.is_observed:
        return 1.0
    observed = rv.observed_value
    return float(rv.total_size) / max(observed.shape[0] if observed.dim() else 1, 1)


def _at(args, kwargs, position):
    head, *rest = position
    value = kwargs[head] if isinstance(head, str) else args[head]
    for index in rest:
        value = value[index]
    return value


def _put(args: list, kwargs: dict, position, value) -> None:
    head, *rest = position
    container = kwargs if isinstance(head, str) else args
    if not rest:
        container[head] = value
        return
    inner = list(container[head])
    inner[rest[0]] = value
    container[head] = tuple(inner) if isinstance(container[head], tuple) else inner


class LogpDlogpFunction:
    """``(logp, grad)`` of a model's density on flat unconstrained vectors, in one evaluation.

    Call it on a vector of shape (d,) or a batch (C, d) (one row per chain); it returns logp of
    shape () or (C,) and the gradient of the same shape as the input. ``grad_vars`` selects the
    free variables in the vector; the others are fixed with :meth:`set_extra_values`, which
    gives the conditional density compound steps use.

    With ``compile=True`` the value and its gradient (``torch.func.grad``) are one
    ``torch.compile`` graph, the backward included: several times faster per call on small
    models, at a compile cost of seconds paid on the first call (and again for each new batch
    size). Worth it for long runs; the default is eager.

    Examples
    --------
    >>> import torchbayes as tb
    >>> with tb.Model() as m:
    ...     z = tb.Normal("z", 0.0, 5.0)
    >>> f = m.logp_dlogp_function()
    >>> logp, grad = f(torch.zeros(4, 1, dtype=torch.float64))
    >>> logp.shape, grad.shape
    (torch.Size([4]), torch.Size([4, 1]))
    """

    def __init__(self, model, grad_vars=None, jacobian: bool = True, compile: bool = False):
        self.program = DensityProgram(model, grad_vars=grad_vars, jacobian=jacobian)
        self.layout = self.program.layout
        self.size = self.layout.size
        self._compiled = torch.compile(self._value_and_grad, dynamic=False) if compile else None

    def _total(self, u: Tensor) -> tuple[Tensor, Tensor]:
        logp = self.program.logp(u)
        return logp.sum(), logp

    def _value_and_grad(self, u: Tensor) -> tuple[Tensor, Tensor]:
        grad, logp = torch.func.grad(self._total, has_aux=True)(u)
        return logp, grad

    def set_extra_values(self, point: dict[str, Any]) -> None:
        self.program.set_extra_values(point)

    def logp(self, position: Tensor) -> Tensor:
        single = position.dim() == 1
        u = position.unsqueeze(0) if single else position
        logp = self.program.logp(u)
        return logp[0] if single else logp

    def __call__(self, position: Tensor) -> tuple[Tensor, Tensor]:
        single = position.dim() == 1
        u = position.unsqueeze(0) if single else position
        if self._compiled is not None:
            logp, grad = self._compiled(u.detach())
        else:
            u = u.detach().requires_grad_(True)
            with torch.enable_grad():
                logp = self.program.logp(u)
                (grad,) = torch.autograd.grad(logp.sum(), u)
            logp = logp.detach()
        return (logp[0], grad[0]) if single else (logp, grad)


def logp_at_point(model, point: dict | None, jacobian: bool = True, sum: bool = True):
    """Joint log density (or its terms by name) at a point of constrained values by name."""
    from .layout import dict_to_array
    program = DensityProgram(model, jacobian=jacobian)
    point = dict(point) if point is not None else {rv.name: rv.value.detach()
                                                   for rv in model.free_RVs}
    u = dict_to_array(model, point).unsqueeze(0)
    if sum:
        return program.logp(u)[0]
    return {name: value[0] if value.dim() else value
            for name, value in program.logp_terms(u).items()}


def log_prob_at_parameters(model) -> Tensor:
    """Joint log density at the model's current parameters, differentiable w.r.t. them."""
    program = DensityProgram(model)
    blocks = program.layout.blocks
    if not blocks:
        return program.logp(torch.zeros(1, 0, dtype=model.dtype, device=model.device))[0]
    u = torch.cat([b.variable.unconstrained.reshape(-1) for b in blocks]).unsqueeze(0)
    return program.logp(u)[0]
