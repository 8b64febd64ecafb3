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

Arithmetic at prediction (`numpy_blas`, on by default): each document is its own batch and the
model's matrix products go to numpy's BLAS (OpenBLAS in numpy's wheels) on one thread, instead of
thinc's bundled blis over the whole batch. On CPUs for which that blis has only its generic
kernels (this project's machine) this about halves the NER's cost, and a document's scores are
then the same whatever else is in its batch, window or worker: OpenBLAS's result for a row depends
on the shape of the product and the row's place in it, and, with threads, on how the work is
split, so one document per product and one thread make it depend on the document alone
(tests/test_invariance.py). Only prediction changes: training and the ops of every other model
are left alone (the ops are swapped on this component's model for the duration of `predict`, and
the BLAS thread limit, set with threadpoolctl, is lifted afterwards).
"""

from __future__ import annotations

from contextlib import contextmanager
from itertools import islice

import numpy as np
from spacy.language import Language
from spacy.pipeline.tagger import Tagger
from spacy.scorer import get_ner_prf
from spacy.tokens import Doc, Span
from spacy.training import validate_examples, validate_get_examples
from spacy.util import registry
from thinc.api import Model, NumpyOps, SequenceCategoricalCrossentropy

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
    default_config={"model": DEFAULT_MODEL, "labels": None, "numpy_blas": True},
    default_score_weights={"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0, "ents_per_type": None},
)
def make_tag_ner(nlp: Language, name: str, model: Model, labels: list[str] | None, numpy_blas: bool = True):
    """`numpy_blas = true`: predict each document as its own batch with numpy's BLAS on one thread
    (batch-invariant, and faster than blis here; see the module's docstring); false: spaCy's ops
    over whole batches."""
    return TagNER(nlp.vocab, model, name, labels=labels, numpy_blas=numpy_blas)


# numpy's matrix product (use_blis=False); every other operation is thinc's NumpyOps as usual
NUMPY_BLAS_OPS = NumpyOps(use_blis=False)
_THREADS = None  # threadpoolctl's ThreadpoolController, made at the first prediction


@contextmanager
def numpy_blas(model: Model):
    """Within the block, MODEL's layers use NUMPY_BLAS_OPS and numpy's BLAS runs on one thread;
    both are restored after. Nothing changes for a model on another device (CupyOps)."""
    global _THREADS
    nodes = [node for node in model.walk() if type(node.ops) is NumpyOps]
    if not nodes:
        yield
        return
    if _THREADS is None:
        from threadpoolctl import ThreadpoolController

        _THREADS = ThreadpoolController()
    saved = [node.ops for node in nodes]
    try:
        for node in nodes:
            node.ops = NUMPY_BLAS_OPS
        with _THREADS.limit(limits=1, user_api="blas"):
            yield
    finally:
        for node, ops in zip(nodes, saved):
            node.ops = ops


class TagNER(Tagger):
    """A `Tagger` whose tags are BILUO entity tags and whose annotations are `doc.ents`."""

    def __init__(self, vocab, model, name="ner", *, labels=None, numpy_blas=True):
        super().__init__(vocab, model, name, overwrite=False)
        # the entity labels, by default the schema's (pipeline/zxie/schema.py), and the tags scored
        self.cfg["labels"] = list(labels or load_schema().entity_labels)
        self.cfg["tags"] = biluo_tags(self.cfg["labels"])
        # how predict computes (not in cfg: the config decides, not the saved component)
        self.numpy_blas = numpy_blas

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
        """Per-token tag probabilities, one (tokens × tags) array per doc. With `numpy_blas`, each
        doc is its own batch (its scores do not depend on the other docs)."""
        if not any(len(doc) for doc in docs):
            return [np.zeros((len(doc), len(self.tags)), dtype="float32") for doc in docs]
        if not self.numpy_blas:
            return [self.model.ops.to_numpy(s) for s in self.model.predict(docs)]
        with numpy_blas(self.model):
            return [self.model.ops.to_numpy(self.model.predict([doc])[0]) if len(doc) else
                    np.zeros((0, len(self.tags)), dtype="float32") for doc in docs]

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
        starts, lengths = uncertain_stretches(probs)
        labels = self.labels
        return [(a, b, labels[j]) for a, b, j in viterbi_stretches(probs, starts, lengths)]

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


def uncertain_stretches(probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(starts, lengths) of the runs of tokens whose O probability is under SURE_OUTSIDE."""
    unsure = ~(probs[:, 0] >= SURE_OUTSIDE)
    edges = np.flatnonzero(np.diff(np.concatenate(([False], unsure, [False])).astype(np.int8)))
    return edges[0::2], edges[1::2] - edges[0::2]


def viterbi_biluo(probs: np.ndarray, labels: tuple[str, ...]) -> list[tuple[int, int, str]]:
    """Exact Viterbi over the BILUO automaton, with tag k of label i at column 1 + 4i + k
    (B, I, L, U) and O at column 0, for a stretch that starts and ends outside any entity."""
    n = len(probs)
    spans = viterbi_stretches(probs, np.array([0] if n else [], dtype=np.int64), np.array([n] if n else [], dtype=np.int64))
    return [(a, b, labels[j]) for a, b, j in spans]


def viterbi_stretches(probs: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> list[tuple[int, int, int]]:
    """`viterbi_biluo` of every stretch probs[start:start + length] (each starting and ending
    outside any entity), all stretches at once: entities (start, end, label index), sorted.

    The stretches go through the recursion in lockstep, longest first, so each step is a few
    array operations over all stretches still running. It computes what a step-by-step search
    over one stretch with numpy scalars computes, in the same precision: a path's score outside
    an entity is summed in the probabilities' dtype until the path first closes an entity (L),
    where it becomes float64 like the scores inside one; ties go to O, then L, then U, to the
    first label, and to B over I (tests/test_tag_ner.py holds that search as the reference)."""
    if not len(starts):
        return []
    logp = np.log(np.maximum(probs, 1e-12))
    dt = logp.dtype
    n_labels = (logp.shape[1] - 1) // 4
    order = np.argsort(-lengths, kind="stable")
    starts, lengths = np.asarray(starts)[order], np.asarray(lengths)[order]
    steps = int(lengths[0])
    running = len(lengths) - np.searchsorted(lengths[::-1], np.arange(steps), side="right")  # stretches with length > t
    out = np.zeros(len(starts))  # best score outside an entity (O, L or U) at t
    wide = np.zeros(len(starts), dtype=bool)  # that score is float64 (it closed an entity), else in dt
    inside = np.full((len(starts), n_labels), -np.inf)  # best score inside an entity (B or I) of label j
    out_steps, from_b = [], []  # back-pointers: 0 O, 1 + j L-j, 1 + J + j U-j; inside: B (True) or I
    for t in range(steps):
        k = int(running[t])
        lp = logp[starts[:k] + t]
        lp64 = lp.astype(np.float64)
        was, wide_k, in_k = out[:k], wide[:k], inside[:k]
        narrow = was.astype(dt)  # exact: a score that is not wide is a value of dt

        def after(column, lp=lp, lp64=lp64, was=was, narrow=narrow, wide_k=wide_k):
            """was + log p of COLUMN (a slice or 0), summed in the precision of `was`."""
            a, a64 = lp[:, column], lp64[:, column]
            if a.ndim == 2:
                return np.where(wide_k[:, None], was[:, None] + a64, (narrow[:, None] + a).astype(np.float64))
            return np.where(wide_k, was + a64, (narrow + a).astype(np.float64))

        rows = np.arange(k)
        stay = after(0)
        close = in_k + lp64[:, 3::4]
        single = after(slice(4, None, 4))
        jc, ju = close.argmax(axis=1), single.argmax(axis=1)
        best_close, best_single = close[rows, jc], single[rows, ju]
        is_close = best_close > stay
        best = np.where(is_close, best_close, stay)
        is_single = best_single > best
        out_steps.append(np.where(is_single, 1 + n_labels + ju, np.where(is_close, 1 + jc, 0)))
        opened = after(slice(1, None, 4))
        going = in_k + lp64[:, 2::4]
        b = opened >= going
        from_b.append(b)
        inside[:k] = np.where(b, opened, going)
        out[:k] = np.where(is_single, best_single, best)
        wide[:k] = wide_k | (is_close & ~is_single)
    # trace back from outside at each stretch's last token
    state = np.full(len(starts), -1)  # -1: outside; else the label of the entity being traced
    end = np.zeros(len(starts), dtype=np.int64)
    found = []  # (stretch, start, end, label) arrays
    for t in range(steps - 1, -1, -1):
        k = int(running[t])
        st, step = state[:k], out_steps[t]
        tracing = np.flatnonzero(st >= 0)
        opens = tracing[from_b[t][tracing, st[tracing]]]  # the entity began here (B)
        if len(opens):
            found.append((opens, np.full(len(opens), t), end[opens], st[opens]))
        outside = st < 0
        single = np.flatnonzero(outside & (step > n_labels))
        if len(single):
            found.append((single, np.full(len(single), t), np.full(len(single), t + 1), step[single] - 1 - n_labels))
        closes = np.flatnonzero(outside & (step >= 1) & (step <= n_labels))
        state[opens] = -1
        state[closes] = step[closes] - 1
        end[closes] = t + 1
    if not found:
        return []
    which, a, b, label = (np.concatenate(x) for x in zip(*found))
    a, b = a + starts[which], b + starts[which]
    keep = np.argsort(a, kind="stable")
    return [(int(x), int(y), int(j)) for x, y, j in zip(a[keep], b[keep], label[keep])]
