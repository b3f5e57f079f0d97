"""A family from a user's log density, PyMC's ``CustomDist(*dist_params, logp=..., random=...)``.

The user writes ``logp(value, *dist_params)`` for one point with torch operations; it must be
elementwise over batch dimensions (torch broadcasting, no sum over them), since a model adds a
leading chain axis to the parameters and to the value and expects one log density per chain.

Shapes follow PyMC: each parameter has ``ndims_params[i]`` core (trailing) dimensions, the
value ``ndim_supp`` (or ``signature="(),(n)->(n)"``, whose names give the event shape); the
batch shape is the broadcast of the parameters' other dimensions.
"""
from __future__ import annotations

import inspect
import math
import re
from numbers import Number
from typing import Callable

import numpy as np
import torch
from torch import Tensor

from . import constraints
from .distribution import Distribution

__all__ = ["CustomDist"]

_FLOATING_NAMES = ("floatX", "float", "float32", "float64", None)


def _parse_signature(signature: str) -> tuple[list[list[str]], list[str]]:
    """``"(),(n)->(n)"`` -> core dimension names of each parameter and of the value."""
    inputs, _, output = signature.replace(" ", "").partition("->")
    groups = re.findall(r"\(([^)]*)\)", inputs)
    core = [[name for name in group.split(",") if name] for group in groups]
    out = re.findall(r"\(([^)]*)\)", output)
    if len(out) != 1:
        raise ValueError(f"CustomDist: signature {signature!r} needs one output, e.g. '(),()->()'")
    return core, [name for name in out[0].split(",") if name]


def _as_parameter(value, reference_dtype: torch.dtype) -> Tensor:
    if isinstance(value, Tensor):
        return value
    if isinstance(value, Number) and not isinstance(value, bool):
        return torch.tensor(value, dtype=reference_dtype)
    tensor = torch.as_tensor(np.asarray(value))
    return tensor.to(reference_dtype) if tensor.is_floating_point() else tensor


class CustomDist(Distribution):
    r"""A distribution defined by ``logp(value, *dist_params)`` (and optionally ``random``).

    Parameters
    ----------
    *dist_params : Tensor
        Parameters, passed positionally to ``logp``, ``random`` and ``logcdf``; inside a model
        they may be model variables. Integer tensors keep their dtype (indices, counts).
    logp : callable
        ``logp(value, *dist_params) -> Tensor`` of the batch shape (elementwise).
    random : callable, optional
        ``random(*dist_params, rng=None, size=None)`` returning draws of shape
        ``size + event_shape`` (``size`` is ``sample_shape + batch_shape``). A torch function
        draws with torch's global generator; ``rng`` (passed only when the function takes it)
        is a NumPy ``Generator`` seeded from torch's, so PyMC-style NumPy functions work too.
    logcdf : callable, optional
        ``logcdf(value, *dist_params)``: makes the family usable in ``Truncated``/``Censored``.
    support : Constraint, optional
        Default ``real`` (integers for an integer ``dtype``); the default transform follows it.
    ndim_supp : int
        Number of event dimensions of the value (default 0).
    ndims_params : sequence of int, optional
        Core dimensions of each parameter (default 0 each).
    signature : str, optional
        PyMC's gufunc signature, e.g. ``"(n),(n,n)->(n)"``; sets both of the above.
    dtype : str or torch.dtype, optional
        ``"int64"`` (or an integer torch dtype) marks a discrete family.
    class_name : str
        A name for messages and ``repr``.

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import CustomDist
    >>> def logp(value, mu, sigma):
    ...     return -0.5 * ((value - mu) / sigma) ** 2 - torch.log(sigma) - 0.9189385332
    >>> d = CustomDist(torch.tensor(0.0), torch.tensor(1.0), logp=logp,
    ...                random=lambda mu, sigma, size: mu + sigma * torch.randn(size))
    >>> d.log_prob(torch.tensor(0.0)), d.sample((3,)).shape
    (tensor(-0.9189), torch.Size([3]))
    """

    arg_constraints: dict = {}
    is_discrete = False  # per instance: the base's (or the support's) discreteness

    def __init__(self, *dist_params, logp: Callable, random: Callable | None = None,
                 logcdf: Callable | None = None, support=None, ndim_supp: int = 0,
                 ndims_params=None, signature: str | None = None, dtype=None,
                 class_name: str = "CustomDist", validate_args=False):
        if not callable(logp):
            raise TypeError(f"{class_name}: logp must be a function (value, *dist_params)")
        floating = [p for p in dist_params if isinstance(p, Tensor) and p.is_floating_point()]
        reference = floating[0].dtype if floating else torch.get_default_dtype()
        self.dist_params = tuple(_as_parameter(p, reference) for p in dist_params)
        self.logp_fn, self.random_fn, self.logcdf_fn = logp, random, logcdf
        self.class_name = class_name
        core, output = self._core_dimensions(signature, ndim_supp, ndims_params)
        self.is_discrete = not (dtype in _FLOATING_NAMES or isinstance(dtype, torch.dtype)
                                and dtype.is_floating_point)
        if support is None:
            support = constraints.integer_interval(-math.inf, math.inf) if self.is_discrete \
                else constraints.independent(constraints.real, len(output)) if output \
                else constraints.real
        self._support = support
        batch_shapes, sizes = [], {}
        for index, (param, names) in enumerate(zip(self.dist_params, core)):
            if param.dim() < len(names):
                raise ValueError(f"{class_name}: parameter {index} has shape "
                                 f"{tuple(param.shape)}, fewer than its {len(names)} core "
                                 "dimensions")
            batch_shapes.append(param.shape[:param.dim() - len(names)])
            sizes.update(zip(names, param.shape[param.dim() - len(names):]))
        missing = [name for name in output if name not in sizes and not name.isdigit()]
        if missing:
            raise ValueError(f"{class_name}: the value's core dimensions {missing} appear in no "
                             "parameter; give them in the signature as numbers, e.g. '()->(3)'")
        event_shape = torch.Size(int(n) if n.isdigit() else sizes[n] for n in output)
        super().__init__(torch.broadcast_shapes(*batch_shapes), event_shape,
                         validate_args=validate_args)

    def _core_dimensions(self, signature, ndim_supp, ndims_params):
        """Names of the core dimensions of each parameter and of the value."""
        if signature is not None:
            core, output = _parse_signature(signature)
            if len(core) != len(self.dist_params):
                raise ValueError(f"{self.class_name}: signature {signature!r} names "
                                 f"{len(core)} parameters, got {len(self.dist_params)}")
            return core, output
        ndims = list(ndims_params) if ndims_params is not None else [0] * len(self.dist_params)
        if len(ndims) != len(self.dist_params):
            raise ValueError(f"{self.class_name}: ndims_params has {len(ndims)} entries for "
                             f"{len(self.dist_params)} parameters")
        core = [[f"p{i}_{d}" for d in range(n)] for i, n in enumerate(ndims)]
        # Without a signature the value's core sizes are the last ones of a parameter that
        # has as many core dimensions (a mean vector for a vector value).
        donor = next((names for names in core if len(names) >= ndim_supp), None)
        if ndim_supp and donor is None:
            raise ValueError(f"{self.class_name}: ndim_supp={ndim_supp} but no parameter has "
                             "that many core dimensions; give a signature such as '()->(3)'")
        return core, (donor[len(donor) - ndim_supp:] if ndim_supp else [])

    @classmethod
    def parameter_constraints(cls, params: dict) -> dict[str, constraints.Constraint]:
        """Constraints of the positional parameters ``dist_params_<i>`` for the model layer:
        real, with the parameter's core dimensions as its event dimensions."""
        values = params.get("dist_params", ())
        if params.get("signature") is not None:
            ndims = [len(names) for names in _parse_signature(params["signature"])[0]]
        else:
            ndims = list(params.get("ndims_params") or [0] * len(values))
        return {f"dist_params_{i}": constraints.independent(constraints.real, n) if n
                else constraints.real for i, n in enumerate(ndims)}

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> constraints.Constraint:
        return self._support

    def log_prob(self, value: Tensor) -> Tensor:
        return self.logp_fn(value, *self.dist_params)

    def logcdf(self, value: Tensor) -> Tensor:
        if self.logcdf_fn is None:
            raise NotImplementedError(f"{self.class_name}: give logcdf= to use its cdf")
        return self.logcdf_fn(value, *self.dist_params)

    def cdf(self, value: Tensor) -> Tensor:
        return torch.exp(self.logcdf(value))

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        if self.random_fn is None:
            raise NotImplementedError(f"{self.class_name}: give random= to draw from it")
        size = tuple(torch.Size(sample_shape) + self.batch_shape)
        keywords = {"size": size}
        accepted = inspect.signature(self.random_fn).parameters
        if "rng" in accepted or any(p.kind == p.VAR_KEYWORD for p in accepted.values()):
            keywords["rng"] = np.random.default_rng(int(torch.randint(2 ** 62, ())))
        with torch.no_grad():
            draws = self.random_fn(*self.dist_params, **keywords)
        floating = [p for p in self.dist_params if p.is_floating_point()]
        dtype = floating[0].dtype if floating else torch.get_default_dtype()
        device = self.dist_params[0].device if self.dist_params else None
        draws = torch.as_tensor(draws, device=device)
        return draws.to(dtype).expand(size + tuple(self.event_shape))

    def __repr__(self) -> str:
        return f"{self.class_name}(batch_shape={tuple(self.batch_shape)}, " \
               f"event_shape={tuple(self.event_shape)})"
