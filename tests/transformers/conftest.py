"""Fixtures of the transformer tests: a tiny offline BERT and no network."""

import importlib.util
import socket

import pytest

# The transformers extra is optional: without it these tests are not collected
# (the extra's ImportError is tested in tests/test_imports_extras.py).
if importlib.util.find_spec("transformers") is None:  # pragma: no cover
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="session")
def tiny_bert_dir(tmp_path_factory):
    """A tiny random BERT model directory (config, safetensors, tokenizer)."""
    from tests.transformers._tiny_bert import build_tiny_bert

    return build_tiny_bert(tmp_path_factory.mktemp("tiny_bert"))


class NetworkAccessError(AssertionError):
    """A test tried to open a network connection."""


@pytest.fixture
def no_network(monkeypatch):
    """Make every attempt to open a network connection fail loudly.

    Yields the list of addresses that were tried, so a test can also assert
    that nothing was attempted (an error swallowed by a library still shows).
    """
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args[1:2] or args[:1])
        raise NetworkAccessError(f"network access attempted: {args!r:.200}")

    def refuse_connect(self, address, *args, **kwargs):
        if self.family == getattr(socket, "AF_UNIX", None):
            return original_connect(self, address, *args, **kwargs)
        attempts.append(address)
        raise NetworkAccessError(f"network access attempted: {address!r}")

    original_connect = socket.socket.connect
    monkeypatch.setattr(socket.socket, "connect", refuse_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse_connect)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield attempts
