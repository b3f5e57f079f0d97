"""Session-wide test settings: one intra-op thread, and the ``cuda`` marker's skip.

The markers themselves (``slow``, ``cuda``) are declared in ``setup.cfg``; the default run
deselects ``slow`` with ``-m "not slow"`` (README, ``.ci/run``).
"""
import pytest
import torch


def pytest_configure(config):
    # The test models are small: per-call overhead dominates and extra intra-op threads only
    # contend with each other on a shared machine (DESIGN.md §6 measured up to 4.5x slower).
    torch.set_num_threads(1)


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device (torch.cuda.is_available() is False)")
    for item in items:
        if "cuda" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def cuda_device() -> torch.device:
    """The first CUDA device; tests that take it must also carry ``@pytest.mark.cuda``."""
    return torch.device("cuda", 0)
