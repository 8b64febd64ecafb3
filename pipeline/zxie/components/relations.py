"""`zxie_relations`: a scikit-learn classifier over candidate entity pairs, as a spaCy component.

Candidates are ordered pairs of entities in the same sentence (pipeline/zxie/text.py) whose labels some
relation type of the schema allows. Each pair is described by sparse features (labels, order,
distance, the text between, entities between, nearest-neighbour flags, whether the tail is the
subject of its sentence or clause) and classified into one of the allowed types or none; a
HAS_TITLE tail or a METRIC_OF head keeps only its best-scored relation (`ONE_PER`). Predictions go
to `doc._.relations` as dicts of plain Python types: {"head": i, "tail": j, "type": t, "score": p},
with i, j 0-based `int` indexes into `doc.ents` (records, zxie.io.records, number entities from 1
instead), t a `str` and p a `float` (0-1).

Fitting uses scikit-learn; prediction does not: the fitted model is kept as a
`zxie.components.linear.LinearClassifier` (vocabulary, coefficients, intercepts, classes, stored as
JSON and .npy), which gives the same probabilities with numpy alone. A model directory saved
before that (`model.skops`, scikit-learn's pipeline stored with skops, which loads only the types
it was told to trust) is still read, with skops and scikit-learn.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np
import srsly
from spacy.attrs import ORTH, SPACY
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import minibatch

from zxie.components.linear import LinearClassifier
from zxie.schema import load_schema
from zxie.text import sentence_spans

NONE = "NONE"
# At prediction, each entity on this side of a relation of this type keeps only its best-scored
# relation: a TITLE mention is held by one person, a METRIC has one owner (GUIDELINES §4).
ONE_PER = {"HAS_TITLE": "tail", "METRIC_OF": "head"}
PUNCT = frozenset("，,、；;：:“”()（）和及与在为由")  # a feature each, when between the pair
CLAUSE_MARK = re.compile("[，,；;：:]")  # what starts a clause
# Models saved before the numpy predictor (model.skops): the only types such a file may contain;
# skops refuses anything else.
SKOPS_FILE = "model.skops"
TRUSTED_TYPES = [
    "sklearn.pipeline.Pipeline",
    "sklearn.feature_extraction._dict_vectorizer.DictVectorizer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "numpy.dtype",
    "builtins.float",
    "builtins.int",
    "numpy.float64",
    "numpy.int64",
]

if not Doc.has_extension("relations"):
    Doc.set_extension("relations", default=None)


@Language.factory("zxie_relations", default_config={"threshold": 0.5, "max_between": 80})
def make_relation_extractor(nlp: Language, name: str, threshold: float, max_between: int):
    return RelationExtractor(name, threshold=threshold, max_between=max_between)


def _bucket(n: int) -> str:
    for limit in (0, 1, 2, 4, 8, 16, 32, 64):
        if n <= limit:
            return str(limit)
    return "more"


class Entity:
    """What the features need of an entity: label and character offsets."""

    __slots__ = ("label", "start", "end")

    def __init__(self, label: str, start: int, end: int):
        self.label, self.start, self.end = label, start, end


@lru_cache(maxsize=1)
def _allowed_pairs() -> frozenset[tuple[str, str]]:
    """(head label, tail label) of every relation type of the schema."""
    schema = load_schema()
    return frozenset((h, t) for r in schema.relation_types for h in schema.heads[r] for t in schema.tails[r])


def may_pair(ents: list[Entity]) -> bool:
    """Whether two of ENTS have a label pair some relation type allows (a quick test before
    candidate_pairs, which also needs them in one sentence)."""
    allowed = _allowed_pairs()
    labels = {e.label for e in ents}
    return len(ents) > 1 and any((h, t) in allowed for h in labels for t in labels)


def candidate_pairs(text: str, ents: list[Entity], max_between: int,
                    sentences: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """Index pairs (head, tail) of same-sentence entities with a schema-allowed label pair;
    `sentences`: sentence_spans(text), when the caller has them already."""
    allowed = _allowed_pairs()
    spans = sentence_spans(text) if sentences is None else sentences
    sentence_of, k = [], 0
    for e in ents:
        while k < len(spans) and spans[k][1] <= e.start:
            k += 1
        sentence_of.append(k)
    # sentence_of never decreases, so the entities of a sentence are one run of indexes
    run_end, end = [0] * len(ents), len(ents)
    for i in range(len(ents) - 1, -1, -1):
        if i + 1 < len(ents) and sentence_of[i + 1] != sentence_of[i]:
            end = i + 1
        run_end[i] = end
    pairs = []
    run_start = 0
    for i, a in enumerate(ents):
        if i and sentence_of[i] != sentence_of[i - 1]:
            run_start = i
        for j in range(run_start, run_end[i]):
            b = ents[j]
            if i != j and (a.label, b.label) in allowed:
                gap = max(a.start, b.start) - min(a.end, b.end)
                if gap <= max_between:
                    pairs.append((i, j))
    return pairs


class TokenTexts(dict):
    """ORTH hash -> token text, for the Docs of one vocabulary: read from its StringStore on first
    use and kept (the StringStore's own lookup costs more than the rest of doc_text)."""

    def __init__(self, strings):
        super().__init__()
        self.strings = strings

    def __missing__(self, orth: int) -> str:
        text = self[orth] = self.strings[orth]
        return text


def doc_text(doc: Doc, texts: TokenTexts | None = None) -> str:
    """`doc.text`, read from the Doc's arrays (spaCy's doc.text makes a Token object per token,
    which cost this component a third of its time on long documents); `texts`: a TokenTexts of
    the Doc's vocabulary, kept between calls."""
    if texts is None or texts.strings is not doc.vocab.strings:
        texts = TokenTexts(doc.vocab.strings)
    arrays = doc.to_array([ORTH, SPACY])
    words = list(map(texts.__getitem__, arrays[:, 0].tolist()))
    for k in np.flatnonzero(arrays[:, 1]).tolist():  # tokens followed by a space
        words[k] += " "
    return "".join(words)


def _one_per_key(rel: dict) -> tuple[str, int] | None:
    """(type, entity) for a relation whose entity keeps only one relation of the type (ONE_PER)."""
    side = ONE_PER.get(rel["type"])
    return (rel["type"], rel[side]) if side else None


class PairContext:
    """What every pair of one document's features reads, built once per document by the callers
    that score many pairs: its sentences, and its entities ordered by start (ties in `ents` order),
    all of them and by label, with their starts for bisection."""

    __slots__ = ("sentences", "sentence_starts", "by_start", "starts", "by_label", "clause_marks")

    def __init__(self, text: str, ents: list[Entity], sentences: list[tuple[int, int]] | None = None):
        self.sentences = sentence_spans(text) if sentences is None else sentences
        self.sentence_starts = [a for a, _ in self.sentences]
        self.by_start = sorted(ents, key=lambda e: e.start)  # stable
        self.starts = [e.start for e in self.by_start]
        by_label: dict[str, list[Entity]] = {}
        for e in self.by_start:
            by_label.setdefault(e.label, []).append(e)
        self.by_label = {label: ([e.start for e in es], es) for label, es in by_label.items()}
        self.clause_marks = [m.start() for m in CLAUSE_MARK.finditer(text)]

    def starting(self, a: int, b: int) -> list[Entity]:
        """The entities whose start is in [a, b]."""
        return self.by_start[bisect_left(self.starts, a):bisect_right(self.starts, b)]

    def is_nearest(self, e: Entity, anchor: int) -> bool:
        """Whether E is the entity of its label whose start is nearest ANCHOR among those on E's side
        of it (start < anchor, or not); of several as near, the first in `ents` order."""
        starts, same = self.by_label[e.label]
        k = bisect_left(starts, anchor)  # same[:k] start before the anchor
        if e.start < anchor:
            k = bisect_left(starts, starts[k - 1])  # the nearest is the last start before it
        return same[k] is e

    def clause_mark(self, a: int, b: int) -> int:
        """The offset of the last clause mark (CLAUSE_MARK) in text[a:b]; -1 if none."""
        k = bisect_left(self.clause_marks, b) - 1
        return self.clause_marks[k] if k >= 0 and self.clause_marks[k] >= a else -1

    def sentence_start(self, offset: int) -> int:
        """The start of the sentence holding OFFSET; OFFSET if no sentence does."""
        k = bisect_right(self.sentence_starts, offset) - 1
        return self.sentences[k][0] if k >= 0 and offset < self.sentences[k][1] else offset


def pair_features(text: str, ents: list[Entity], i: int, j: int, context: PairContext | None = None) -> dict[str, float]:
    """The features of the pair (ents[i], ents[j]); `context`: PairContext(text, ents), when
    scoring several pairs of a document (the same features, computed faster)."""
    if context is None:
        context = PairContext(text, ents)
    h, t = ents[i], ents[j]
    first, second = (h, t) if h.start < t.start else (t, h)
    between = text[first.end : second.start]
    squeezed = "".join(between.split())
    inside = [e for e in context.starting(first.end, second.start) if e.end <= second.start]
    pk = f"{h.label}>{t.label}"
    f = {
        f"pair={pk}": 1.0,
        f"order={'ht' if h is first else 'th'}|{pk}": 1.0,
        f"gap={_bucket(len(squeezed))}|{pk}": 1.0,
        f"n_between={_bucket(len(inside))}": 1.0,
        f"left={text[max(0, first.start - 1):first.start]}|{first.label}": 1.0,
        f"right={text[second.end:second.end + 1]}|{second.label}": 1.0,
        # the characters just inside the pair (e.g. `等` after a listed name)
        f"first_right={text[first.end:first.end + 1]}|{first.label}": 1.0,
        f"second_left={text[max(0, second.start - 1):second.start]}|{second.label}": 1.0,
        f"h_last={text[h.end - 1]}|{h.label}": 1.0,
        f"t_last={text[t.end - 1]}|{t.label}": 1.0,
    }
    if len(squeezed) <= 6:
        f[f"between={squeezed}|{pk}"] = 1.0
    inside_labels = {e.label for e in inside}
    for label in inside_labels:
        f[f"inside_label={label}"] = 1.0
    if t.label in inside_labels or h.label in inside_labels:
        f["same_label_between"] = 1.0
    for k in range(len(squeezed) - 1):
        f[f"bi={squeezed[k:k + 2]}"] = 1.0
    for char in PUNCT.intersection(squeezed):
        f[f"punct={char}"] = 1.0
    # is the tail the nearest entity of its label on its side of the head, and the other way round?
    f[f"nearest_tail={context.is_nearest(t, h.start)}|{pk}"] = 1.0
    f[f"nearest_head={context.is_nearest(h, t.start)}|{pk}"] = 1.0
    # is the tail the subject: no named entity (DATE and METRIC aside) before it in its sentence / clause?
    sent_start = context.sentence_start(t.start)
    before = [e for e in context.starting(sent_start, t.start) if e.start < t.start and e.label not in ("DATE", "METRIC")]
    clause_start = context.clause_mark(sent_start, t.start)  # -1: none
    f[f"t_subject={not before}|{pk}"] = 1.0
    f[f"t_clause_first={not any(e.start > clause_start for e in before)}|{pk}"] = 1.0
    return f


class RelationExtractor:
    def __init__(self, name: str = "zxie_relations", threshold: float = 0.5, max_between: int = 80):
        self.name = name
        self.threshold = threshold
        self.max_between = max_between
        self.model = None
        self._options_of: tuple[list[str] | None, dict] = (None, {})  # classes -> _options()
        self._texts: TokenTexts | None = None  # doc_text's cache

    # --- training -------------------------------------------------------------------------
    def examples(self, records: Iterable[dict]) -> tuple[list[dict], list[str]]:
        """Features and gold classes of every candidate pair in interchange records."""
        X, y = [], []
        for rec in records:
            ents = [Entity(e["label"], e["start_offset"], e["end_offset"]) for e in rec["entities"]]
            ids = [e["id"] for e in rec["entities"]]
            gold = {(r["from_id"], r["to_id"]): r["type"] for r in rec["relations"]}
            context = PairContext(rec["text"], ents)
            for i, j in candidate_pairs(rec["text"], ents, self.max_between):
                X.append(pair_features(rec["text"], ents, i, j, context))
                y.append(gold.get((ids[i], ids[j]), NONE))
        return X, y

    def fit(self, records: Iterable[dict], C: float = 1.0, seed: int = 0) -> dict:
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline

        X, y = self.examples(records)
        pipeline = Pipeline([
            ("features", DictVectorizer()),
            ("classifier", LogisticRegression(C=C, max_iter=2000, class_weight="balanced", random_state=seed)),
        ])
        pipeline.fit(X, y)
        self.model = LinearClassifier.from_sklearn(pipeline)  # what prediction needs, without scikit-learn
        return {"pairs": len(y), "positive": sum(label != NONE for label in y)}

    # --- prediction ----------------------------------------------------------------------
    def predict(self, text: str, ents: list[Entity]) -> list[dict]:
        return self.predict_many([(text, ents)])[0]

    def predict_many(self, docs: list[tuple[str, list[Entity]]]) -> list[list[dict]]:
        """`predict` for several (text, entities), their candidate pairs scored by the model at
        once: fewer numpy calls on short documents, and the same probabilities as one by one (the
        classifier scores each pair on its own, tests/test_components.py)."""
        if self.model is None:
            raise ValueError(f"component '{self.name}' has no trained model")
        candidates = [self._candidates(text, ents) for text, ents in docs]
        X = [features for _, pair_rows in candidates for features in pair_rows]
        probs = np.asarray(self.model.predict_proba(X)).tolist() if X else []
        out, k = [], 0
        for (_, ents), (pairs, _) in zip(docs, candidates):
            out.append(self._relations(ents, pairs, probs[k:k + len(pairs)]))
            k += len(pairs)
        return out

    def _candidates(self, text: str, ents: list[Entity]) -> tuple[list[tuple[int, int]], list[dict]]:
        """The candidate pairs of a document and their features."""
        if not may_pair(ents):
            return [], []
        sentences = sentence_spans(text)
        pairs = candidate_pairs(text, ents, self.max_between, sentences)
        context = PairContext(text, ents, sentences) if pairs else None
        return pairs, [pair_features(text, ents, i, j, context) for i, j in pairs]

    def _relations(self, ents: list[Entity], pairs: list[tuple[int, int]], probs: list[list[float]]) -> list[dict]:
        """The relations of a document from its candidate pairs' class probabilities."""
        options = self._options()
        out = []
        for (i, j), row in zip(pairs, probs):
            allowed = options.get((ents[i].label, ents[j].label))
            if allowed:
                p, c = max((row[k], c) for k, c in allowed)
                if p >= self.threshold:
                    out.append({"head": int(i), "tail": int(j), "type": c, "score": round(p, 4)})
        best = {}
        for r in out:
            if (key := _one_per_key(r)) and (key not in best or r["score"] > best[key]["score"]):
                best[key] = r
        return [r for r in out if (key := _one_per_key(r)) is None or best[key] is r]

    def _options(self) -> dict[tuple[str, str], list[tuple[int, str]]]:
        """(head label, tail label) -> the (column, type) of the model's classes the schema allows
        for it (NONE aside); label pairs that allow none are absent."""
        classes = [str(c) for c in self.model.classes_]
        if self._options_of[0] != classes:
            schema = load_schema()
            options = {}
            for h, t in _allowed_pairs():
                allowed = [(k, c) for k, c in enumerate(classes) if c != NONE and schema.allows(c, h, t)]
                if allowed:
                    options[(h, t)] = allowed
            self._options_of = (classes, options)
        return self._options_of[1]

    def _read(self, doc: Doc) -> tuple[str, list[Entity]]:
        """A Doc's text and entities (the text only when a pair is possible: no pair reads it)."""
        if self._texts is None or self._texts.strings is not doc.vocab.strings:
            self._texts = TokenTexts(doc.vocab.strings)
        ents = [Entity(e.label_, e.start_char, e.end_char) for e in doc.ents]
        return (doc_text(doc, self._texts) if may_pair(ents) else ""), ents

    def __call__(self, doc: Doc) -> Doc:
        doc._.relations = self.predict(*self._read(doc))
        return doc

    def pipe(self, docs, batch_size: int = 128):
        for batch in minibatch(docs, size=batch_size):
            for doc, relations in zip(batch, self.predict_many([self._read(doc) for doc in batch])):
                doc._.relations = relations
                yield doc

    # --- serialization -------------------------------------------------------------------
    def to_disk(self, path, *, exclude=()):
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / "cfg", {"threshold": self.threshold, "max_between": self.max_between})
        if self.model is not None:
            self.model.to_disk(path)

    def from_disk(self, path, *, exclude=()):
        path = Path(path)
        cfg = srsly.read_json(path / "cfg")
        self.threshold, self.max_between = cfg["threshold"], cfg["max_between"]
        if LinearClassifier.stored_in(path):
            self.model = LinearClassifier.from_disk(path)
        elif (path / SKOPS_FILE).exists():
            self.model = LinearClassifier.from_sklearn(_load_skops(path / SKOPS_FILE))
        return self


def _load_skops(path: Path):
    """The scikit-learn pipeline of a model saved before the numpy predictor, read with skops
    (trusted types only). Save the pipeline again (nlp.to_disk) to drop this slow path."""
    import skops.io as sio

    untrusted = set(sio.get_untrusted_types(file=path)) - set(TRUSTED_TYPES)
    if untrusted:
        raise ValueError(f"{path} holds types zxie does not load: {sorted(untrusted)}")
    return sio.load(path, trusted=TRUSTED_TYPES)
