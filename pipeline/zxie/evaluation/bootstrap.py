"""Bootstrap over documents: confidence intervals, and paired p-values between two systems.

Documents (gold sections) are drawn with replacement, as many as there are, `samples` times, from
`numpy.random.default_rng(seed)`: the same seed and documents give the same intervals. Each sample's
scores come from its summed per-document counts (scoring.metrics), so a score of the sample is the
score of a corpus made of those documents. Intervals are percentile intervals.

The paired test draws the same documents for both systems and looks at the difference of a score,
d = A − B. Its two-sided p-value is the share of samples whose difference lies at least |d_obs| away
from d_obs (the bootstrap distribution shifted to the null of no difference, Koehn 2004 /
Berg-Kirkpatrick et al. 2012), as (1 + count) / (1 + samples) so it is never 0.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from zxie.evaluation.scoring import metrics


class CountTable:
    """Per-document counts as a matrix: one row per document, one column per count name."""

    def __init__(self, docs: list[Counter]):
        self.columns = sorted({k for c in docs for k in c})
        index = {k: i for i, k in enumerate(self.columns)}
        self.matrix = np.zeros((len(docs), len(self.columns)))
        for row, c in enumerate(docs):
            for k, v in c.items():
                self.matrix[row, index[k]] = v

    def summed(self, weights: np.ndarray) -> dict[str, np.ndarray]:
        """Counts of each sample: weights is (samples × documents), how often each document is drawn."""
        sums = weights @ self.matrix
        return {k: sums[:, i] for i, k in enumerate(self.columns)}


def resample_weights(n_docs: int, samples: int, seed: int) -> np.ndarray:
    """(samples × n_docs) matrix: how many times each document is drawn in each sample."""
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n_docs, size=(samples, n_docs))
    weights = np.zeros((samples, n_docs))
    np.add.at(weights, (np.arange(samples)[:, None], draws), 1)
    return weights


def confidence_intervals(docs: list[Counter], samples: int = 1000, seed: int = 0, level: float = 0.95,
                         weights: np.ndarray | None = None) -> dict[str, list[float]]:
    """Percentile interval of every score of scoring.metrics."""
    if not docs:
        return {}
    if weights is None:
        weights = resample_weights(len(docs), samples, seed)
    dist = metrics(CountTable(docs).summed(weights))
    lo, hi = 100 * (1 - level) / 2, 100 * (1 + level) / 2
    return {name: [round(float(np.percentile(v, lo)), 4), round(float(np.percentile(v, hi)), 4)] for name, v in dist.items()}


def paired_test(docs_a: list[Counter], docs_b: list[Counter], names: list[str], samples: int = 1000,
                seed: int = 0) -> dict[str, dict]:
    """Paired bootstrap of A − B for each named score (both count lists in the same document order)."""
    if len(docs_a) != len(docs_b):
        raise ValueError("paired bootstrap needs the same documents for both systems")
    weights = resample_weights(len(docs_a), samples, seed)
    total = np.ones((1, len(docs_a)))
    out = {}
    ta, tb = CountTable(docs_a), CountTable(docs_b)
    da, db = metrics(ta.summed(weights)), metrics(tb.summed(weights))
    oa, ob = metrics(ta.summed(total)), metrics(tb.summed(total))
    for name in names:
        observed = float(np.ravel(oa[name])[0] - np.ravel(ob[name])[0])
        diffs = np.broadcast_to(da[name], (samples,)) - np.broadcast_to(db[name], (samples,))
        extreme = int(np.sum(np.abs(diffs - observed) >= abs(observed) - 1e-12))
        out[name] = {"a": round(float(np.ravel(oa[name])[0]), 4), "b": round(float(np.ravel(ob[name])[0]), 4), "difference": round(observed, 4),
                     "ci": [round(float(np.percentile(diffs, 2.5)), 4), round(float(np.percentile(diffs, 97.5)), 4)],
                     "p": round((1 + extreme) / (1 + samples), 4)}
    return out
