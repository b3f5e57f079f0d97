"""Transforms (layer L0): bijections from unconstrained space onto each support.

``biject_to(constraint)`` gives the default bijection a sampler uses (a family's default is
``biject_to(family.support)``); ``transform_to(constraint)`` the one an optimiser uses. Every
transform is a :class:`torch.distributions.transforms.Transform` and accepts leading batch
(chain) dimensions. torch's transforms that serve as defaults are re-exported beside
torchbayes' own. The table of defaults is in ``docs/notes/transforms.md``.

Example
-------
>>> import torch
>>> from torchbayes.distributions import constraints
>>> from torchbayes.transforms import biject_to
>>> transform = biject_to(constraints.positive)
>>> transform(torch.zeros(4, 2)).shape
torch.Size([4, 2])
"""
from torch.distributions.transforms import AffineTransform as AffineTransform
from torch.distributions.transforms import ComposeTransform as ComposeTransform
from torch.distributions.transforms import CorrCholeskyTransform as CorrCholeskyTransform
from torch.distributions.transforms import ExpTransform as ExpTransform
from torch.distributions.transforms import IndependentTransform as IndependentTransform
from torch.distributions.transforms import SigmoidTransform as SigmoidTransform
from torch.distributions.transforms import StickBreakingTransform as StickBreakingTransform
from torch.distributions.transforms import Transform as Transform

from .bounded import IntervalTransform as IntervalTransform
from .bounded import LowerBoundTransform as LowerBoundTransform
from .bounded import UpperBoundTransform as UpperBoundTransform
from .cholesky import CholeskyCovTransform as CholeskyCovTransform
from .cholesky import CovarianceTransform as CovarianceTransform
from .correlation import PackedCorrelationTransform as PackedCorrelationTransform
from .ordered import OrderedTransform as OrderedTransform
from .registry import biject_to as biject_to
from .registry import transform_to as transform_to
from .zero_sum import ZeroSumTransform as ZeroSumTransform

__all__ = [
    "AffineTransform", "CholeskyCovTransform", "ComposeTransform", "CorrCholeskyTransform",
    "CovarianceTransform", "ExpTransform", "IndependentTransform", "IntervalTransform",
    "LowerBoundTransform", "OrderedTransform", "PackedCorrelationTransform", "SigmoidTransform",
    "StickBreakingTransform",
    "Transform", "UpperBoundTransform", "ZeroSumTransform", "biject_to", "transform_to",
]
