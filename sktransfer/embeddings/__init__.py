"""Word embeddings for scikit-learn pipelines (gensim).

Word2Vec pretraining, pretrained-vector loading and document pooling land
here; see the project issues for the roadmap.
"""

__all__ = []
