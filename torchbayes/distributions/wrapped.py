"""Any ``torch.distributions.Distribution`` as a torchbayes family.

``TorchDistribution(torch.distributions.Gumbel, loc=0.0, scale=1.0)`` builds the torch family
(with ``validate_args=False``: torchbayes validates once, when a model is built) and delegates
to it; ``TorchDistribution(instance)`` wraps a distribution already built. The parameters keep
torch's names, and torch's ``arg_constraints`` give their event dimensions to the model layer
(through :meth:`TorchDistribution.parameter_constraints`), so a chain axis lands in front of a
``MultivariateNormal``'s ``loc`` vector as it does for torchbayes' own families.
"""
from __future__ import annotations

import functools
import inspect

import torch
from torch import Tensor
from torch.distributions import Distribution as _TorchDistribution

from . import constraints
from .distribution import Distribution

__all__ = ["TorchDistribution", "from_torch"]


def _delegated(name: str):
    def method(self, value: Tensor) -> Tensor:
        return getattr(self.base, name)(value)
    method.__name__ = name
    method.__doc__ = f"The wrapped distribution's ``{name}``."
    return method


class TorchDistribution(Distribution):
    """A torch distribution (class and parameters, or an instance) as a torchbayes family.

    Parameters
    ----------
    distribution : type or torch.distributions.Distribution
        A torch distribution class (then ``**params`` are its constructor's arguments) or an
        instance (then no ``params``).
    **params
        Keyword arguments of the class, torch's names (``loc``, ``scale``, ``concentration``...).

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import TorchDistribution
    >>> d = TorchDistribution(torch.distributions.Gumbel, loc=0.0, scale=2.0)
    >>> d.sample((3,)).shape, d.support
    (torch.Size([3]), Real())
    >>> round(float(d.log_prob(torch.tensor(1.0))), 4)
    -1.7997
    """

    arg_constraints: dict = {}
    is_discrete = False  # per instance: the base's (or the support's) discreteness

    def __init__(self, distribution, /, *, validate_args=False, **params):
        if isinstance(distribution, _TorchDistribution):
            if params:
                raise TypeError("TorchDistribution: an instance takes no parameters, got "
                                f"{sorted(params)}")
            base = distribution
        elif inspect.isclass(distribution) and issubclass(distribution, _TorchDistribution):
            base = distribution(**params, validate_args=False)
        else:
            raise TypeError("TorchDistribution: give a torch.distributions class or instance, "
                            f"got {distribution!r}")
        self.base = base
        self.has_rsample = bool(base.has_rsample)
        self.is_discrete = bool(base.support.is_discrete) if _has_support(base) else False
        super().__init__(base.batch_shape, base.event_shape, validate_args=validate_args)

    @classmethod
    def parameter_constraints(cls, params: dict) -> dict[str, constraints.Constraint]:
        """torch's constraints of the parameters given (for conversion, checks and event dims)."""
        family = params.get("distribution")
        if not inspect.isclass(family):
            return {}
        return {name: constraint for name, constraint in family.arg_constraints.items()
                if name in params}

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> constraints.Constraint:
        return self.base.support

    @property
    def mean(self) -> Tensor:
        return self.base.mean

    @property
    def mode(self) -> Tensor:
        return self.base.mode

    @property
    def variance(self) -> Tensor:
        return self.base.variance

    log_prob = _delegated("log_prob")
    cdf = _delegated("cdf")
    icdf = _delegated("icdf")

    def logcdf(self, value: Tensor) -> Tensor:
        logcdf = getattr(self.base, "logcdf", None)
        return logcdf(value) if logcdf is not None else torch.log(self.base.cdf(value))

    def entropy(self) -> Tensor:
        return self.base.entropy()

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        return self.base.sample(sample_shape)

    def rsample(self, sample_shape=torch.Size()) -> Tensor:
        return self.base.rsample(sample_shape)

    def __repr__(self) -> str:
        return f"TorchDistribution({self.base!r})"


def _has_support(base: _TorchDistribution) -> bool:
    try:
        return base.support is not None
    except NotImplementedError:
        return False


def from_torch(family: type[_TorchDistribution]):
    """A constructor of torchbayes distributions from a torch class: ``from_torch(cls)(**params)``.

    Inside a model, write ``tb.TorchDistribution("x", cls, **params)``.

    Examples
    --------
    >>> import torch
    >>> Gumbel = from_torch(torch.distributions.Gumbel)
    >>> Gumbel(loc=0.0, scale=1.0).batch_shape
    torch.Size([])
    """
    if not (inspect.isclass(family) and issubclass(family, _TorchDistribution)):
        raise TypeError(f"from_torch: give a torch.distributions class, got {family!r}")
    return functools.partial(TorchDistribution, family)
