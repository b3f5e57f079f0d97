"""ArviZ input/output (bottom of layer L2): arrays in, the installed ArviZ's data object out."""
from .inference_data import dataset as dataset
from .inference_data import to_inference_data as to_inference_data
from .inference_data import to_numpy as to_numpy

__all__ = ["dataset", "to_inference_data", "to_numpy"]
