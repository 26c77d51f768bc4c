import pytest

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Train the tiny test models on one thread.

    Intra-op parallelism does not pay for models this small, and on a shared
    2-core machine OpenMP's spinning threads made each batch 10-100x slower.
    """
    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n_threads)
