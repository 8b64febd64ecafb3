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

Arithmetic at prediction (`numpy_blas`, on by default): the model's matrix products go to
numpy's BLAS (OpenBLAS in numpy's wheels) on one thread, instead of thinc's bundled blis, and each
document's rows are multiplied in a product of their own (`PerDocumentOps`), of the shape the
document alone would give. On CPUs for which that blis has only its generic kernels (this
project's machine) this about halves the NER's cost, and a document's scores are the same whatever
else is in its batch, window or worker: OpenBLAS's result for a row depends on the shape of the
product and on the row's place in it, and, with threads, on how the work is split, so one product
per document and one thread make it depend on the document alone (tests/test_invariance.py). The
batch still goes through the network once, so short documents do not pay thinc's per-call cost
each. Only prediction changes: training and the ops of every other model are left alone (the ops
are swapped on this component's model for the duration of `predict`, and the BLAS thread limit,
set with threadpoolctl, is lifted afterwards). With them, the embedding tables are folded into the
embedding's first product (components/folded_embed.py), about 8 % of the prediction time.
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

from zxie.components.folded_embed import folded
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
# With numpy_blas, a batch goes through the network in groups of documents of about this many
# tokens in all (a longer document alone): it bounds the memory of a prediction, and changes
# nothing else, since a document's scores do not depend on the others.
GROUP_TOKENS = 4096
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
    """`numpy_blas = true`: predict with numpy's BLAS on one thread, one matrix product per document
    (batch-invariant, and faster than blis here; see the module's docstring); false: spaCy's ops
    (thinc's blis) over whole batches."""
    return TagNER(nlp.vocab, model, name, labels=labels, numpy_blas=numpy_blas)


_THREADS = None  # threadpoolctl's ThreadpoolController, made at the first prediction


class PerDocumentOps(NumpyOps):
    """NumpyOps whose matrix products use numpy's BLAS and treat every document of the batch as if
    it were alone: the rows of a product that belong to one document (for the lengths given) are
    multiplied in a product of their own, of the shape that document alone would give.

    What makes that possible: every other operation of the tagger is row by row, except the CNN's
    windows, and those see padding: `with_array(pad=P)` flattens each document with P zero rows on
    both sides, here P of its own on each side (thinc shares them between neighbours), P being
    the encoder's receptive field, so nothing a document's rows depend on comes from another
    document and every product is its alone-shape. A product whose rows fit neither the plain
    layout nor such a padded one sets `unknown` (the caller then predicts document by document)."""

    def __init__(self, lengths: list[int]):
        super().__init__(use_blis=False)
        self.lengths = [int(n) for n in lengths]  # all > 0
        self.total = sum(self.lengths)
        self.pads: set[int] = set()
        self.unknown = False

    def flatten(self, X, dtype=None, pad: int = 0, ndim_if_empty: int = 2):
        X = [] if X is None else [x for x in X if x.size != 0]
        if int(pad) < 1 or not X:
            return super().flatten(X, dtype=dtype, pad=pad, ndim_if_empty=ndim_if_empty)
        parts = []
        for x in X:
            zeros = np.zeros((pad,) + x.shape[1:], dtype=x.dtype)
            parts += [zeros, x, zeros]
        self.pads.add(int(pad))
        out = np.concatenate(parts)
        return out if dtype is None else np.asarray(out, dtype=dtype)

    def unflatten(self, X, lengths, pad: int = 0):
        if pad <= 0:
            return super().unflatten(X, lengths, pad=pad)
        out, at = [], 0
        for n in np.asarray(lengths).tolist():
            out.append(X[at + pad : at + pad + n] if n else X[at:at])
            at += n + 2 * pad if n else 0
        return out

    def _blocks(self, rows: int) -> list[int] | None:
        if rows == self.total:
            return self.lengths
        for pad in self.pads:
            if rows == self.total + 2 * pad * len(self.lengths):
                return [n + 2 * pad for n in self.lengths]
        return None

    def gemm(self, x, y, out=None, trans1=False, trans2=False):
        blocks = None if trans1 else self._blocks(x.shape[0])
        if blocks is None:
            self.unknown = True
        if blocks is None or len(blocks) == 1:
            return super().gemm(x, y, out=out, trans1=trans1, trans2=trans2)
        w = y.T if trans2 else y
        if out is None:
            out = np.empty((x.shape[0], w.shape[1]), dtype=np.result_type(x, w))
        at = 0
        for n in blocks:
            np.dot(x[at : at + n], w, out=out[at : at + n])
            at += n
        return out


@contextmanager
def numpy_blas(model: Model, ops: NumpyOps | None = None):
    """Within the block, MODEL's layers use OPS (by default numpy's BLAS for a batch of one
    document) and numpy's BLAS runs on one thread; both are restored after. Nothing changes for a
    model on another device (CupyOps)."""
    global _THREADS
    nodes = [node for node in model.walk() if type(node.ops) is NumpyOps]
    if not nodes:
        yield
        return
    if _THREADS is None:
        from threadpoolctl import ThreadpoolController

        _THREADS = ThreadpoolController()
    saved = [node.ops for node in nodes]
    ops = ops or NumpyOps(use_blis=False)
    try:
        for node in nodes:
            node.ops = ops
        with _THREADS.limit(limits=1, user_api="blas"):
            yield
    finally:
        for node, old in zip(nodes, saved):
            node.ops = old


class TagNER(Tagger):
    """A `Tagger` whose tags are BILUO entity tags and whose annotations are `doc.ents`."""

    def __init__(self, vocab, model, name="ner", *, labels=None, numpy_blas=True):
        super().__init__(vocab, model, name, overwrite=False)
        # the entity labels, by default the schema's (pipeline/zxie/schema.py), and the tags scored
        self.cfg["labels"] = list(labels or load_schema().entity_labels)
        self.cfg["tags"] = biluo_tags(self.cfg["labels"])
        # how predict computes (not in cfg: the config decides, not the saved component)
        self.numpy_blas = numpy_blas
        # with numpy_blas, the embedding tables folded into their first product (components/folded_embed.py),
        # made at the first prediction and dropped whenever the weights change
        self._folded: dict = {}

    def finish_update(self, sgd):
        """The optimizer's step (which update and rehearse end with): the folded tables are stale after it."""
        self._folded.clear()
        super().finish_update(sgd)

    def from_bytes(self, bytes_data, **kwargs):
        self._folded.clear()
        return super().from_bytes(bytes_data, **kwargs)

    def from_disk(self, path, **kwargs):
        self._folded.clear()
        return super().from_disk(path, **kwargs)

    # `labels` (from Tagger) are the entity labels, as for spaCy's `ner`
    @property
    def tags(self) -> tuple[str, ...]:
        """The tags the model scores: O, then B, I, L, U of each label."""
        return tuple(self.cfg["tags"])

    def gold_tags(self, eg) -> list[str | None]:
        """The gold BILUO tag of each token of eg.x: doc.ents of the reference, aligned."""
        return eg.get_aligned_ner()

    def annotated(self, eg) -> bool:
        """Whether eg carries gold for this component (every example does for doc.ents)."""
        return True

    def initialize(self, get_examples, *, nlp=None, labels=None):
        validate_get_examples(get_examples, "TagNER.initialize")
        if labels is not None:
            self.cfg["labels"] = list(labels)
            self.cfg["tags"] = biluo_tags(self.cfg["labels"])
        index = {tag: k for k, tag in enumerate(self.tags)}
        docs, truths = [], []
        for eg in islice((eg for eg in get_examples() if self.annotated(eg)), 10):
            docs.append(eg.x)
            gold = np.zeros((len(eg.x), len(index)), dtype="float32")
            for k, tag in enumerate(self.gold_tags(eg)):
                if tag in index:
                    gold[k, index[tag]] = 1.0
            truths.append(self.model.ops.asarray(gold))
        self.model.initialize(X=docs, Y=truths)
        self._folded.clear()

    def get_loss(self, examples, scores):
        validate_examples(examples, "TagNER.get_loss")
        loss_func = SequenceCategoricalCrossentropy(names=self.tags, normalize=False)
        # misaligned (None) and unannotated ("-") tokens are missing values: no gradient
        known = set(self.tags)
        truths = [[tag if tag in known else None for tag in self.gold_tags(eg)] for eg in examples]
        d_scores, loss = loss_func(scores, truths)
        if self.model.ops.xp.isnan(loss):
            raise ValueError(f"NaN loss in component '{self.name}'")
        return float(loss), d_scores

    def predict(self, docs):
        """Per-token tag probabilities, one (tokens × tags) array per doc. With `numpy_blas`, a doc's
        scores do not depend on the other docs (PerDocumentOps)."""
        if not any(len(doc) for doc in docs):
            return [np.zeros((len(doc), len(self.tags)), dtype="float32") for doc in docs]
        if not self.numpy_blas:
            return [self.model.ops.to_numpy(s) for s in self.model.predict(docs)]
        scores = []
        for group in _groups([doc for doc in docs if len(doc)], GROUP_TOKENS):
            ops = PerDocumentOps([len(doc) for doc in group])
            with numpy_blas(self.model, ops), folded(self.model, self.vocab, self._folded):
                out = self.model.predict(group)
            if ops.unknown:  # a product PerDocumentOps could not cut by document: one document at a time
                with numpy_blas(self.model), folded(self.model, self.vocab, self._folded):
                    out = [self.model.predict([doc])[0] for doc in group]
            scores += [self.model.ops.to_numpy(s) for s in out]
        scores = iter(scores)
        return [next(scores) if len(doc) else np.zeros((0, len(self.tags)), dtype="float32") for doc in docs]

    def set_annotations(self, docs, scores):
        if isinstance(docs, Doc):
            docs = [docs]
        labels = self.labels
        for doc, probs in zip(docs, scores):
            found = best_entities(probs)
            ents = []
            for (a, b, j), score in zip(found, path_scores(probs, found)):
                # a span never starts or ends with whitespace, quotes, brackets or punctuation (GUIDELINES)
                while a < b and bad_boundary(doc[a].text[0]):
                    a += 1
                while b > a and bad_boundary(doc[b - 1].text[-1]):
                    b -= 1
                if a < b:
                    ent = Span(doc, a, b, label=labels[j])
                    ent._.score = score  # kept by doc.ents: the extension is stored per character offsets
                    ents.append(ent)
            doc.set_ents(ents)

    def decode(self, probs: np.ndarray) -> list[tuple[int, int, str]]:
        """Entities (start token, end token, label) of the best valid BILUO path."""
        labels = self.labels
        return [(a, b, labels[j]) for a, b, j in best_entities(probs)]

    def add_label(self, label):
        raise NotImplementedError("the entity labels are fixed when the component is created (config: labels)")

    def score(self, examples, **kwargs):
        return get_ner_prf(examples)


def _groups(docs: list, tokens: int):
    """Consecutive groups of DOCS of at most TOKENS tokens in all (a longer doc is a group alone)."""
    group, size = [], 0
    for doc in docs:
        if group and size + len(doc) > tokens:
            yield group
            group, size = [], 0
        group.append(doc)
        size += len(doc)
    if group:
        yield group


def best_entities(probs: np.ndarray) -> list[tuple[int, int, int]]:
    """Entities (start token, end token, label index) of the best valid BILUO path over PROBS."""
    return viterbi_stretches(probs, *uncertain_stretches(probs))


def path_scores(probs: np.ndarray, entities: list[tuple[int, int, int]]) -> list[float]:
    """The confidence in each entity (start token, end token, label index): the geometric mean of
    the probabilities of its tags (B, I…, L, or U) on the decoded path, rounded to 4 places."""
    if not entities:
        return []
    start, end, label = (np.array(x, dtype=np.int64) for x in zip(*entities))
    n = end - start
    first = np.concatenate(([0], np.cumsum(n)[:-1]))
    at = np.arange(int(n.sum())) - np.repeat(first, n)  # each tag's place in its entity
    size = np.repeat(n, n)
    move = np.where(size == 1, 3, np.where(at == 0, 0, np.where(at == size - 1, 2, 1)))  # U, B, L, I
    p = probs[np.repeat(start, n) + at, np.repeat(1 + 4 * label, n) + move]
    means = np.add.reduceat(np.log(np.maximum(p, 1e-12)).astype(np.float64), first) / n
    return [round(float(x), 4) for x in np.exp(means)]


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
