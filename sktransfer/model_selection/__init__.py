"""Domain-aware cross-validation splitters and scorers.

Splitters that keep source and target rows in every fold, and unsupervised
model-selection scorers, land here; see the project issues for the roadmap.
"""

__all__ = []
