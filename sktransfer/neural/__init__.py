"""Neural fine-tuners for text (skorch and PyTorch).

Text classifiers initialised from pretrained vectors or source models land
here; see the project issues for the roadmap.
"""

__all__ = []
