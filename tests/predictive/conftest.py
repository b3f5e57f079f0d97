import pytest
import torch


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    # Small batched draws on a shared 2-core box: extra intra-op threads only contend.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
