"""Piecewise-linear density through given points, PyMC's ``Interpolated(x_points, pdf_points)``."""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import constraints
from ._broadcast import promote_parameters
from .distribution import Continuous

__all__ = ["Interpolated"]


class Interpolated(Continuous):
    r"""The density interpolated linearly between ``(x_points, pdf_points)``, then normalised.

    Useful to reuse a posterior as a prior. On a segment :math:`[x_k, x_{k+1}]` the density is
    :math:`p_k + s_k (x - x_k)`, so the cdf is quadratic there and ``icdf`` solves
    :math:`\tfrac12 s_k t^2 + p_k t = r` as :math:`t = 2r / (p_k + \sqrt{p_k^2 + 2 s_k r})`
    (no division by a slope that may be zero).

    Parameters
    ----------
    x_points : Tensor, shape ``(..., K)``
        Increasing abscissae; the support is ``[x_points[0], x_points[-1]]``.
    pdf_points : Tensor, shape ``(..., K)``
        Non-negative density values at ``x_points`` (any scale; normalised here).

    Examples
    --------
    >>> import torch
    >>> from torchbayes.distributions import Interpolated
    >>> triangle = Interpolated(torch.tensor([0.0, 1.0, 2.0]), torch.tensor([0.0, 1.0, 0.0]))
    >>> triangle.log_prob(torch.tensor([1.0, 0.5, 3.0]))
    tensor([ 0.0000, -0.6931,    -inf])
    """

    arg_constraints = {"x_points": constraints.ordered_vector,
                       "pdf_points": constraints.independent(constraints.nonnegative, 1)}

    def __init__(self, x_points, pdf_points, *, validate_args=False):
        x_points, pdf_points = promote_parameters(x_points, pdf_points)
        shape = torch.broadcast_shapes(x_points.shape, pdf_points.shape)
        self.x_points, pdf_points = x_points.expand(shape), pdf_points.expand(shape)
        widths = self.x_points.diff(dim=-1)
        areas = 0.5 * widths * (pdf_points[..., 1:] + pdf_points[..., :-1])
        total = areas.sum(-1, keepdim=True)
        self.pdf_points = pdf_points / total
        # cumulative[k] = cdf at x_points[k]
        self.cumulative = torch.cat([torch.zeros_like(total), (areas / total).cumsum(-1)], -1)
        super().__init__(shape[:-1], validate_args=validate_args)

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.interval(self.x_points[..., 0], self.x_points[..., -1])

    def _segment(self, index: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """Left knot, left density, slope and cdf at the left knot of segment ``index``."""
        shape = torch.broadcast_shapes(index.shape, self.batch_shape)
        index = index.expand(shape).unsqueeze(-1)
        knots = self.x_points.expand(shape + self.x_points.shape[-1:])
        densities = self.pdf_points.expand(knots.shape)
        x0, x1 = knots.gather(-1, index).squeeze(-1), knots.gather(-1, index + 1).squeeze(-1)
        p0 = densities.gather(-1, index).squeeze(-1)
        p1 = densities.gather(-1, index + 1).squeeze(-1)
        start = self.cumulative.expand(knots.shape).gather(-1, index).squeeze(-1)
        return x0, p0, (p1 - p0) / (x1 - x0), start

    def _locate(self, value: Tensor, knots: Tensor) -> Tensor:
        last = knots.shape[-1] - 2
        return ((value.unsqueeze(-1) >= knots).sum(-1) - 1).clamp(0, last)

    @property
    def mean(self) -> Tensor:
        x0, x1 = self.x_points[..., :-1], self.x_points[..., 1:]
        p0, p1 = self.pdf_points[..., :-1], self.pdf_points[..., 1:]
        return ((x1 - x0) * (p0 * (2 * x0 + x1) + p1 * (x0 + 2 * x1)) / 6).sum(-1)

    @property
    def variance(self) -> Tensor:
        x0, x1 = self.x_points[..., :-1], self.x_points[..., 1:]
        p0, p1 = self.pdf_points[..., :-1], self.pdf_points[..., 1:]
        second = ((x1 - x0) * (p0 * (3 * x0 ** 2 + 2 * x0 * x1 + x1 ** 2)
                               + p1 * (x0 ** 2 + 2 * x0 * x1 + 3 * x1 ** 2)) / 12).sum(-1)
        return second - self.mean ** 2

    def sample(self, sample_shape=torch.Size()) -> Tensor:
        shape = self._extended_shape(torch.Size(sample_shape))
        with torch.no_grad():
            return self.icdf(torch.rand(shape, dtype=self.x_points.dtype,
                                        device=self.x_points.device))

    def log_prob(self, value: Tensor) -> Tensor:
        x0, p0, slope, _ = self._segment(self._locate(value, self.x_points))
        density = (p0 + slope * (value - x0)).clamp(min=0)
        inside = (value >= self.x_points[..., 0]) & (value <= self.x_points[..., -1])
        return torch.where(inside, torch.log(density), -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        first, last = self.x_points[..., 0], self.x_points[..., -1]
        clamped = torch.maximum(torch.minimum(value, last), first)
        x0, p0, slope, start = self._segment(self._locate(clamped, self.x_points))
        offset = clamped - x0
        return (start + p0 * offset + 0.5 * slope * offset ** 2).clamp(0, 1)

    def icdf(self, value: Tensor) -> Tensor:
        x0, p0, slope, start = self._segment(self._locate(value, self.cumulative))
        remaining = (value - start).clamp(min=0)
        root = torch.sqrt((p0 ** 2 + 2 * slope * remaining).clamp(min=0))
        offset = 2 * remaining / (p0 + root).clamp(min=torch.finfo(value.dtype).tiny)
        return torch.minimum(x0 + offset, self.x_points[..., -1])
