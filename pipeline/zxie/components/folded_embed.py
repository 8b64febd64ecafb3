"""The NER's embedding layer at prediction, with its tables folded into its first product.

spaCy's `MultiHashEmbed` sums a few rows of each hash-embedding table per token (and looks up the
token's static vector and projects it), concatenates those vectors and sends the concatenation
through a Maxout layer: a product with a (pieces × width) × (tables × width) matrix per token,
then the maximum over the pieces and a layer norm. Everything before the maximum is linear, so
each table can be multiplied by its slice of the Maxout weights once, when the model is used, and
a token then costs a few row lookups of the folded tables instead of the product: the same
function up to float rounding (1e-6 in the tag probabilities), about 8 % of the NER's prediction
time saved (models/README.md "Speed").
Every token is still computed from its own rows only, so the result does not depend on the
other documents of a batch.

`folded(model, cache)` swaps the forward of every MultiHashEmbed inside MODEL for the folded one
for the duration of a block (prediction only: the folded forward refuses to train). The folded
tables are kept in CACHE, which the caller must empty whenever the weights change (TagNER does
on update and on loading). A MultiHashEmbed of another shape (e.g. a custom architecture) is left
as it is.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from thinc.api import Model


@dataclass
class Folded:
    """What a folded MultiHashEmbed computes with."""

    extractor: Model  # FeatureExtractor: the token attributes, one column each
    hashed: list[tuple[int, int, int, np.ndarray]]  # per HashEmbed: column, seed, rows, folded table
    static: np.ndarray | None  # folded static vectors, one zero row appended for unknown keys
    bias: np.ndarray  # the Maxout's, (width × pieces,)
    width: int
    pieces: int
    norm: Model | None  # the LayerNorm after the Maxout


def _names(node: Model) -> list[str]:
    return [layer.name for layer in node.layers]


def _chained(node: Model) -> list[Model]:
    """The layers of a chain, nested chains expanded; [NODE] for anything else."""
    if node.layers and node.name == ">>".join(layer.name for layer in node.layers):
        return [leaf for layer in node.layers for leaf in _chained(layer)]
    return [node]


def _parts(node: Model) -> tuple | None:
    """(extractor, hash embeddings with their column, static vectors or None, maxout, layernorm or
    None) of a spaCy MultiHashEmbed (v1/v2) chain; None for anything else."""
    if not node.name.endswith(">>ragged2list") or len(node.layers) not in (3, 5):
        return None
    if len(node.layers) == 3:  # with static vectors: concatenate(features, static_vectors), maxout, ragged2list
        concat, maxout_node, _ = node.layers
        if concat.name.split("|")[-1] != "static_vectors" or len(concat.layers) != 2:
            return None
        features, static = concat.layers
        if _names(features)[:2] != ["extract_features", "list2ragged"] or len(features.layers) != 3:
            return None
        extractor, _, embeds = features.layers
    else:  # extract_features, list2ragged, with_array(concatenate(...)), with_array(maxout...), ragged2list
        extractor, _, embeds, maxout_node, _ = node.layers
        static = None
        if extractor.name != "extract_features":
            return None
    hashed = []
    concat = embeds.layers[0] if embeds.name.startswith("with_array") else embeds
    for layer in concat.layers:
        if _names(layer) != ["ints-getitem", "hashembed"]:
            return None
        index = layer.layers[0].attrs.get("index")
        if not (isinstance(index, tuple) and len(index) == 2 and isinstance(index[1], int)):
            return None
        hashed.append((index[1], layer.layers[1]))
    layers = _chained(maxout_node.layers[0] if maxout_node.name.startswith("with_array") else maxout_node)
    if not layers or layers[0].name != "maxout" or any(x.name not in ("layernorm", "dropout") for x in layers[1:]):
        return None
    norm = next((x for x in layers if x.name == "layernorm"), None)
    return extractor, hashed, static, layers[0], norm


def fold(node: Model, vocab) -> Folded | None:
    """The folded tables of NODE, a MultiHashEmbed, with VOCAB's static vectors; None if NODE is not one."""
    parts = _parts(node)
    if parts is None:
        return None
    extractor, hashed, static, maxout, norm = parts
    width, pieces, n_in = (maxout.get_dim(d) for d in ("nO", "nP", "nI"))
    W = maxout.get_param("W").reshape(width * pieces, n_in)
    tables, at = [], 0
    for column, embed in hashed:
        E = embed.get_param("E")
        tables.append((column, int(embed.attrs["seed"]), E.shape[0], np.ascontiguousarray(E @ W[:, at : at + E.shape[1]].T)))
        at += E.shape[1]
    folded_static = None
    if static is not None:
        if vocab.vectors.mode != "default":
            return None
        projected = np.asarray(vocab.vectors.data, dtype=W.dtype) @ static.get_param("W").T
        folded_static = np.vstack([projected @ W[:, at:].T, np.zeros((1, width * pieces), dtype=W.dtype)])
        at += projected.shape[1]
    if at != n_in:
        return None
    return Folded(extractor, tables, folded_static, maxout.get_param("b").reshape(-1).copy(), width, pieces, norm)


def folded_forward(f: Folded):
    def forward(model: Model, docs, is_train: bool):
        if is_train:
            raise ValueError("a folded embedding only predicts; train the model itself")
        lengths = [len(doc) for doc in docs]
        ids = model.ops.xp.concatenate(f.extractor.predict(docs)) if docs else np.zeros((0, 1), dtype="uint64")
        Y = np.zeros((len(ids), f.width * f.pieces), dtype=f.bias.dtype)
        if len(ids):
            if f.static is not None:
                vectors = docs[0].vocab.vectors
                keys = np.concatenate([doc.to_array(vectors.attr) for doc in docs])
                rows = vectors.find(keys=keys)
                Y += f.static[np.where(rows < 0, len(f.static) - 1, rows)]
            for column, seed, n_rows, table in f.hashed:
                keys = model.ops.hash(np.ascontiguousarray(ids[:, column], dtype="uint64"), seed) % n_rows
                Y += model.ops.gather_add(table, keys)
            Y += f.bias
        best, _ = model.ops.maxout(Y.reshape(len(Y), f.width, f.pieces))
        if f.norm is not None:
            best = f.norm.predict(best)
        out, at = [], 0
        for n in lengths:
            out.append(best[at : at + n])
            at += n
        return out, lambda d_out: []

    return forward


@contextmanager
def folded(model: Model, vocab, cache: dict):
    """Within the block, every MultiHashEmbed in MODEL predicts with folded tables (kept in CACHE by node id)."""
    swapped = []
    try:
        for node in model.walk():
            if node.id not in cache:
                cache[node.id] = fold(node, vocab)
            if cache[node.id] is not None:
                swapped.append((node, node._func))
                node._func = folded_forward(cache[node.id])
        yield
    finally:
        for node, func in swapped:
            node._func = func
