"""Join NER pipelines trained apart into one pipeline whose NER averages their tag probabilities.

Each member is a `tok2vec` + `ner` (zxie_tag_ner) pipeline from `spacy train`, trained with its own
seed. Its tok2vec is folded into its tagger (`Language.replace_listeners`), and the joined `ner`
is a zxie_tag_ner whose model is `zxie.TaggerEnsemble.v1` over the members: `spacy.load` rebuilds
it from the config and reads every member's weights back. A single member is joined the same way,
so that its tok2vec, inside the `ner`, predicts with the NER's own arithmetic (tag_ner.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import spacy
from spacy.language import Language


def join_taggers(paths: list[Path]) -> Language:
    """The first member's pipeline (tokenizer, vocab, vectors) with one `ner` over all members."""
    nlps = [spacy.load(p) for p in paths]
    base = nlps[0]
    for path, nlp in zip(paths, nlps):
        if nlp.pipe_names != ["tok2vec", "ner"]:
            raise ValueError(f"{path}: a member must be a tok2vec + ner pipeline, not {nlp.pipe_names}")
        if not np.array_equal(nlp.vocab.vectors.data, base.vocab.vectors.data):
            raise ValueError(f"{path}: its static vectors differ from {paths[0]}'s; members must share them")
        if nlp.get_pipe("ner").labels != base.get_pipe("ner").labels:
            raise ValueError(f"{path}: its entity labels differ from {paths[0]}'s")
        nlp.replace_listeners("tok2vec", "ner", ["model.tok2vec"])
    members = {f"member{k}": nlp.config.interpolate()["components"]["ner"]["model"] for k, nlp in enumerate(nlps)}
    weights = [nlp.get_pipe("ner").model.to_bytes() for nlp in nlps]
    labels = list(base.get_pipe("ner").labels)
    base.remove_pipe("ner")
    base.remove_pipe("tok2vec")
    ner = base.add_pipe("zxie_tag_ner", name="ner", config={
        "labels": labels, "model": {"@architectures": "zxie.TaggerEnsemble.v1", "*": members}})
    for layer, data in zip(ner.model.layers, weights):
        layer.from_bytes(data)
    return base
