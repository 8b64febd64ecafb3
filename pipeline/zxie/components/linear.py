"""A fitted linear classifier over sparse feature dicts, predicted with numpy alone.

`zxie_relations` is fitted with scikit-learn (a `DictVectorizer` into a `LogisticRegression`), but
prediction needs only what those learned: the feature vocabulary, the coefficients, the intercepts
and the classes. `LinearClassifier` keeps exactly that and computes what the fitted pipeline's
`predict_proba` does — the same sparse dot product (features of a row summed in column order,
then the intercept), then the same link (softmax for a multinomial model, the logistic function
normalised over classes for one-vs-rest, or a binary model's two columns) — so the probabilities
agree with scikit-learn's to float rounding (tests/test_components.py checks it on real features).

Why not keep scikit-learn at prediction: importing it with skops (which stored the pipeline
safely), scipy and pandas cost 4.3 s of start-up and 170 MB of memory, more than the rest of the
pipeline's model load (models/README.md, "Speed"). Stored as `linear.json` (classes, link, features in
column order) and `coef.npy` / `intercept.npy` (float64, read with `allow_pickle=False`): plain
data, nothing in them can run code.
"""

from __future__ import annotations

from itertools import repeat
from numbers import Number
from pathlib import Path

import numpy as np
import srsly

META_FILE = "linear.json"
COEF_FILE = "coef.npy"
INTERCEPT_FILE = "intercept.npy"
LINKS = ("softmax", "ovr", "binary")


class LinearClassifier:
    """`predict_proba(X)` for a list of feature dicts (feature name -> number; a string value v of
    feature f is the feature `f=v` with value 1, as in DictVectorizer), rows ordered like
    `classes_`. `coef` is (outputs x features): one row per class, or one row for a binary model."""

    def __init__(self, features: list[str], classes: list[str], coef: np.ndarray, intercept: np.ndarray,
                 link: str, separator: str = "="):
        if link not in LINKS:
            raise ValueError(f"unknown link {link!r}; known: {LINKS}")
        coef = np.asarray(coef, dtype=np.float64)
        intercept = np.asarray(intercept, dtype=np.float64).reshape(-1)
        outputs = 1 if link == "binary" else len(classes)
        if coef.shape != (outputs, len(features)) or intercept.shape != (outputs,):
            raise ValueError(f"coefficients {coef.shape} and intercepts {intercept.shape} do not fit "
                             f"{len(classes)} classes ({link}) over {len(features)} features")
        self.features = list(features)
        self.classes_ = list(classes)
        self.link = link
        self.separator = separator
        self.coef = coef
        self.intercept = intercept
        self.index = {name: k for k, name in enumerate(self.features)}
        self._weights = np.ascontiguousarray(coef.T)  # (features x outputs): a row per feature

    @classmethod
    def from_sklearn(cls, pipeline) -> LinearClassifier:
        """What a fitted Pipeline([DictVectorizer, LogisticRegression]) needs to predict."""
        vectorizer, classifier = pipeline.steps[0][1], pipeline.steps[-1][1]
        classes = [str(c) for c in classifier.classes_]
        if len(classes) <= 2:
            link = "binary"
        else:
            # scikit-learn >= 1.7 fits multinomial models only; older ones could be one-vs-rest
            multi = getattr(classifier, "multi_class", "auto")
            ovr = multi == "ovr" or (multi in ("auto", "warn", "deprecated") and classifier.solver == "liblinear")
            link = "ovr" if ovr else "softmax"
        return cls(list(vectorizer.feature_names_), classes, classifier.coef_, classifier.intercept_, link,
                   separator=vectorizer.separator)

    # --- prediction ----------------------------------------------------------------------
    def _columns(self, X: list[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The rows, columns and values of X's known features, sorted by row and then column."""
        names, values, lengths = [], [], []
        for feats in X:
            names.extend(feats)
            values.extend(feats.values())
            lengths.append(len(feats))
        if values.count(1.0) != len(values):  # not all 1.0 (the features of zxie_relations are)
            names, values = self._numbers(names, values)
        rows = np.repeat(np.arange(len(X), dtype=np.int64), lengths)
        cols = np.fromiter(map(self.index.get, names, repeat(-1)), dtype=np.int64, count=len(names))
        known = cols >= 0
        rows, cols, vals = rows[known], cols[known], np.asarray(values, dtype=np.float64)[known]
        order = np.argsort(rows * len(self.features) + cols, kind="stable")  # as in a sorted CSR matrix
        return rows[order], cols[order], vals[order]

    def _numbers(self, names: list[str], values: list) -> tuple[list[str], list[float]]:
        """NAMES and VALUES with each string value v of a feature f made the feature `f=v` of value 1."""
        names, values = list(names), list(values)
        for k, (name, value) in enumerate(zip(names, values)):
            if isinstance(value, str):
                names[k], values[k] = f"{name}{self.separator}{value}", 1.0
            elif not isinstance(value, Number):
                raise TypeError(f"feature {name!r}: unsupported value {value!r}")
        return names, values

    def decision_function(self, X: list[dict]) -> np.ndarray:
        """(rows x outputs) scores: the features' weights summed in column order, plus the intercepts."""
        rows, cols, vals = self._columns(X)
        weights = self._weights[cols] * vals[:, None]
        scores = np.empty((len(X), len(self.intercept)))
        for k in range(scores.shape[1]):  # bincount adds each row's weights one by one, in order
            scores[:, k] = np.bincount(rows, weights=weights[:, k], minlength=len(X))
        scores += self.intercept
        return scores

    def predict_proba(self, X: list[dict]) -> np.ndarray:
        scores = self.decision_function(X)
        if self.link == "binary":
            p = 1.0 / (1.0 + np.exp(-scores[:, 0]))
            return np.stack([1 - p, p], axis=1)
        if self.link == "ovr":
            p = 1.0 / (1.0 + np.exp(-scores))
            total = p.sum(axis=1)
            p[total == 0] = 1.0
            total[total == 0] = p.shape[1]
            return p / total[:, None]
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores

    # --- serialization -------------------------------------------------------------------
    def to_disk(self, path: str | Path) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / META_FILE, {"classes": self.classes_, "link": self.link, "separator": self.separator,
                                            "features": self.features})
        np.save(path / COEF_FILE, self.coef, allow_pickle=False)
        np.save(path / INTERCEPT_FILE, self.intercept, allow_pickle=False)

    @classmethod
    def from_disk(cls, path: str | Path) -> LinearClassifier:
        path = Path(path)
        meta = srsly.read_json(path / META_FILE)
        coef = np.load(path / COEF_FILE, allow_pickle=False)
        intercept = np.load(path / INTERCEPT_FILE, allow_pickle=False)
        return cls(meta["features"], meta["classes"], coef, intercept, meta["link"], separator=meta.get("separator", "="))

    @staticmethod
    def stored_in(path: str | Path) -> bool:
        return (Path(path) / META_FILE).exists()
