import numpy as np
import pytest

torch = pytest.importorskip("torch")

from skorch.callbacks import Callback  # noqa: E402

from sktransfer.datasets import load_sentiment_domains  # noqa: E402
from sktransfer.embeddings import Word2VecVectorizer  # noqa: E402
from sktransfer.neural import TextClassifier  # noqa: E402
from sktransfer.utils import pack_domains  # noqa: E402
from sktransfer.utils._testing import TEXT_CORPUS  # noqa: E402


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


@pytest.fixture
def small():
    """Factory of tiny seeded text nets on the CPU (a TextClassifier by default)."""

    def make(cls=TextClassifier, **params):
        base = {
            "embedding_dim": 8,
            "hidden_size": 8,
            "max_epochs": 3,
            "batch_size": 8,
            "device": "cpu",
            "random_state": 0,
        }
        base.update(params)
        return cls(**base)

    return make


@pytest.fixture(scope="module")
def vec():
    """Word vectors trained on the first half of the corpus: some words lack one."""
    return Word2VecVectorizer(vector_size=8, min_count=1, epochs=2, random_state=0).fit(
        list(TEXT_CORPUS)[:4]
    )


class RecordEmbeddings(Callback):
    """Keep the embedding matrix before training and after each epoch."""

    def on_train_begin(self, net, **kwargs):
        self.weights = [net.module_.embedding.weight.detach().clone()]

    def on_epoch_end(self, net, **kwargs):
        self.weights.append(net.module_.embedding.weight.detach().clone())


@pytest.fixture
def record_embeddings():
    """A callback recording the embedding matrix (``.weights``) at each epoch."""
    return RecordEmbeddings()


@pytest.fixture(scope="module")
def sentiment():
    """120 labelled product reviews then 60 unlabelled tweets (packed domains)."""
    data = load_sentiment_domains(["product_reviews", "tweets"])
    domain = np.asarray(data.domain)
    rng = np.random.RandomState(0)
    src = rng.choice(np.flatnonzero(domain == "product_reviews"), 120, replace=False)
    tgt = rng.choice(np.flatnonzero(domain == "tweets"), 60, replace=False)
    docs, y = list(data.data), np.asarray(data.target)
    return pack_domains(
        source=([docs[i] for i in src], y[src]), target=[docs[i] for i in tgt]
    )
