"""`zxie_tag_ner`: named entities as per-character BILUO tags, decoded under the BILUO constraints.

The model scores every token (here: every character) with a softmax over O and B/I/L/U-label;
the best *valid* tag sequence is then found by Viterbi decoding (an entity opens with B, goes on
with I of the same label and closes with L, or is a single U). Training is a per-token
cross-entropy against the gold BILUO tags, like spaCy's tagger. Each entity's `span._.score` is
the model's confidence in it (0-1): the geometric mean of the probabilities of its tags on the
decoded path (B, I…, L, or U).

Why not spaCy's transition-based `ner`: on 13 labels it checks the validity of all 54 moves at
every character, which made it the slowest part of the pipeline (models/README.md has the
measurements), while a softmax per character costs next to nothing and the Viterbi search still
keeps every entity well formed.
"""

from __future__ import annotations

from itertools import islice

import numpy as np
from spacy.language import Language
from spacy.pipeline.tagger import Tagger
from spacy.scorer import get_ner_prf
from spacy.tokens import Doc, Span
from spacy.training import validate_examples, validate_get_examples
from spacy.util import registry
from thinc.api import Model, SequenceCategoricalCrossentropy

from zxie.text import bad_boundary
from zxie.schema import load_schema

DEFAULT_MODEL = """
[model]
@architectures = "spacy.Tagger.v2"
nO = null
normalize = true

[model.tok2vec]
@architectures = "spacy.HashEmbedCNN.v2"
pretrained_vectors = null
width = 64
depth = 3
embed_size = 2000
window_size = 1
maxout_pieces = 3
subword_features = false
"""
# Characters whose probability of O is at least this are fixed to O before decoding: the Viterbi
# search then runs only over the short stretches between them, which keeps decoding cheap.
SURE_OUTSIDE = 0.99

if not Span.has_extension("score"):
    Span.set_extension("score", default=None)


@registry.architectures("zxie.TaggerEnsemble.v1")
def build_tagger_ensemble(*members: Model) -> Model:
    """The mean of several taggers' per-token probabilities (e.g. spacy.Tagger.v2 models, each with its
    own tok2vec). The members are trained apart and joined afterwards (`zxie train --members`), as
    independently trained networks disagree more in their errors than in their right answers."""
    return Model("tagger_ensemble", _ensemble_forward, layers=list(members))


def _ensemble_forward(model: Model, docs, is_train: bool):
    if is_train:
        raise ValueError("zxie.TaggerEnsemble.v1 only predicts: train its members apart and join them (zxie train --members)")
    outputs = [member.predict(docs) for member in model.layers]
    return [sum(per_doc) / len(outputs) for per_doc in zip(*outputs)], lambda d_scores: []


def biluo_tags(labels) -> list[str]:
    return ["O"] + [f"{move}-{label}" for label in labels for move in "BILU"]


@Language.factory(
    "zxie_tag_ner",
    assigns=["doc.ents"],
    default_config={"model": DEFAULT_MODEL, "labels": None},
    default_score_weights={"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0, "ents_per_type": None},
)
def make_tag_ner(nlp: Language, name: str, model: Model, labels: list[str] | None):
    return TagNER(nlp.vocab, model, name, labels=labels)


class TagNER(Tagger):
    """A `Tagger` whose tags are BILUO entity tags and whose annotations are `doc.ents`."""

    def __init__(self, vocab, model, name="ner", *, labels=None):
        super().__init__(vocab, model, name, overwrite=False)
        # the entity labels, by default the schema's (pipeline/zxie/schema.py), and the tags scored
        self.cfg["labels"] = list(labels or load_schema().entity_labels)
        self.cfg["tags"] = biluo_tags(self.cfg["labels"])

    # `labels` (from Tagger) are the entity labels, as for spaCy's `ner`
    @property
    def tags(self) -> tuple[str, ...]:
        """The tags the model scores: O, then B, I, L, U of each label."""
        return tuple(self.cfg["tags"])

    def initialize(self, get_examples, *, nlp=None, labels=None):
        validate_get_examples(get_examples, "TagNER.initialize")
        if labels is not None:
            self.cfg["labels"] = list(labels)
            self.cfg["tags"] = biluo_tags(self.cfg["labels"])
        index = {tag: k for k, tag in enumerate(self.tags)}
        docs, truths = [], []
        for eg in islice(get_examples(), 10):
            docs.append(eg.x)
            gold = np.zeros((len(eg.x), len(index)), dtype="float32")
            for k, tag in enumerate(eg.get_aligned_ner()):
                if tag in index:
                    gold[k, index[tag]] = 1.0
            truths.append(self.model.ops.asarray(gold))
        self.model.initialize(X=docs, Y=truths)

    def get_loss(self, examples, scores):
        validate_examples(examples, "TagNER.get_loss")
        loss_func = SequenceCategoricalCrossentropy(names=self.tags, normalize=False)
        # misaligned (None) and unannotated ("-") tokens are missing values: no gradient
        known = set(self.tags)
        truths = [[tag if tag in known else None for tag in eg.get_aligned_ner()] for eg in examples]
        d_scores, loss = loss_func(scores, truths)
        if self.model.ops.xp.isnan(loss):
            raise ValueError(f"NaN loss in component '{self.name}'")
        return float(loss), d_scores

    def predict(self, docs):
        """Per-token tag probabilities, one (tokens × tags) array per doc."""
        if not any(len(doc) for doc in docs):
            return [np.zeros((len(doc), len(self.tags)), dtype="float32") for doc in docs]
        return [self.model.ops.to_numpy(s) for s in self.model.predict(docs)]

    def set_annotations(self, docs, scores):
        if isinstance(docs, Doc):
            docs = [docs]
        column = {label: 1 + 4 * j for j, label in enumerate(self.labels)}
        for doc, probs in zip(docs, scores):
            ents, confidence = [], []
            for a, b, label in self.decode(probs):
                score = path_score(probs, a, b, column[label])
                # a span never starts or ends with whitespace, quotes, brackets or punctuation (GUIDELINES)
                while a < b and bad_boundary(doc[a].text[0]):
                    a += 1
                while b > a and bad_boundary(doc[b - 1].text[-1]):
                    b -= 1
                if a < b:
                    ents.append(Span(doc, a, b, label=label))
                    confidence.append(score)
            doc.set_ents(ents)
            for ent, score in zip(doc.ents, confidence):
                ent._.score = score

    def decode(self, probs: np.ndarray) -> list[tuple[int, int, str]]:
        """Entities (start token, end token, label) of the best valid BILUO path."""
        spans = []
        outside = probs[:, 0] >= SURE_OUTSIDE
        t, n = 0, len(probs)
        while t < n:
            if outside[t]:
                t += 1
                continue
            end = t
            while end < n and not outside[end]:
                end += 1
            spans += [(t + a, t + b, label) for a, b, label in viterbi_biluo(probs[t:end], self.labels)]
            t = end
        return spans

    def add_label(self, label):
        raise NotImplementedError("the entity labels are fixed when the component is created (config: labels)")

    def score(self, examples, **kwargs):
        return get_ner_prf(examples)


def path_score(probs: np.ndarray, start: int, end: int, column: int) -> float:
    """The confidence in the entity of tokens start..end whose B tag is at `column` (then I, L,
    U): the geometric mean of its tags' probabilities, rounded to 4 places."""
    tags = [column + 3] if end - start == 1 else [column] + [column + 1] * (end - start - 2) + [column + 2]
    p = probs[np.arange(start, end), tags]
    return round(float(np.exp(np.log(np.maximum(p, 1e-12)).mean())), 4)


def viterbi_biluo(probs: np.ndarray, labels: tuple[str, ...]) -> list[tuple[int, int, str]]:
    """Exact Viterbi over the BILUO automaton, with tag k of label i at column 1 + 4i + k
    (B, I, L, U) and O at column 0, for a stretch that starts and ends outside any entity."""
    logp = np.log(np.maximum(probs, 1e-12))
    n, n_labels = len(logp), len(labels)
    o = logp[:, 0]
    b, i, last, u = (logp[:, 1 + k :: 4] for k in range(4))
    # best score of a path ending at t outside an entity (O, L or U) / inside one (B or I) of
    # label j, and the back-pointers to trace the best path
    out_from = np.empty(n, dtype=object)  # ("O",) or ("L", j) or ("U", j)
    in_from_b = np.empty((n, n_labels), dtype=bool)  # True: the tag at t is B, else I
    out_score = 0.0
    in_score = np.full(n_labels, -np.inf)
    for t in range(n):
        close = in_score + last[t]
        single = out_score + u[t]
        cands = (out_score + o[t], close.max(), single.max())
        best = int(np.argmax(cands))
        out_from[t] = ("O",) if best == 0 else ("L", int(close.argmax())) if best == 1 else ("U", int(single.argmax()))
        opened = out_score + b[t]
        going = in_score + i[t]
        in_from_b[t] = opened >= going
        out_score, in_score = cands[best], np.where(in_from_b[t], opened, going)
    # trace back from "outside" at the last position
    spans, t = [], n - 1
    while t >= 0:
        step = out_from[t]
        if step[0] == "O":
            t -= 1
        elif step[0] == "U":
            spans.append((t, t + 1, labels[step[1]]))
            t -= 1
        else:
            j, end = step[1], t + 1
            t -= 1
            while not in_from_b[t, j]:
                t -= 1
            spans.append((t, end, labels[j]))
            t -= 1
    return spans[::-1]
