"""Static character vectors trained here: positive PMI over a ±2 character window, reduced by SVD.

Trained from raw text only (the public corpora and the train split of the gold corpus, never dev or
test), and written as a spaCy pipeline directory that `[initialize] vectors` loads.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np


def char_vectors(texts: Iterable[str], dim: int = 64, window: int = 2, min_count: int = 3, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Characters seen at least `min_count` times and their `dim`-dimensional vectors."""
    from scipy.sparse import coo_matrix
    from sklearn.decomposition import TruncatedSVD

    texts = ["".join(t.split()) for t in texts]
    counts = Counter(c for t in texts for c in t)
    keys = sorted(c for c, n in counts.items() if n >= min_count)
    index = {c: i for i, c in enumerate(keys)}
    rows, cols = [], []
    for t in texts:
        ids = [index.get(c, -1) for c in t]
        for offset in range(1, window + 1):
            for a, b in zip(ids, ids[offset:]):
                if a >= 0 and b >= 0:
                    rows += [a, b]
                    cols += [b, a]
    n = len(keys)
    co = coo_matrix((np.ones(len(rows), dtype=np.float64), (rows, cols)), shape=(n, n)).tocsr()
    co.sum_duplicates()
    total = co.sum()
    row_sum = np.asarray(co.sum(axis=1)).ravel()
    col_sum = np.asarray(co.sum(axis=0)).ravel() ** 0.75  # context distribution smoothing
    col_sum /= col_sum.sum()
    co = co.tocoo()
    pmi = np.log(co.data * 1.0 / total) - np.log(row_sum[co.row] / total) - np.log(col_sum[co.col])
    keep = pmi > 0
    ppmi = coo_matrix((pmi[keep], (co.row[keep], co.col[keep])), shape=(n, n)).tocsr()
    svd = TruncatedSVD(n_components=dim, random_state=seed)
    vectors = svd.fit_transform(ppmi)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-8
    return keys, vectors.astype(np.float32)


def write_vectors_pipeline(keys: list[str], vectors: np.ndarray, out_dir: str | Path, lang: str = "zh") -> None:
    """Save a blank pipeline whose vocab holds the vectors (for `[initialize] vectors`)."""
    import spacy
    from spacy.vectors import Vectors

    nlp = spacy.blank(lang)
    nlp.vocab.vectors = Vectors(strings=nlp.vocab.strings, data=vectors, keys=keys, name="zxie_chars")
    nlp.to_disk(out_dir)
