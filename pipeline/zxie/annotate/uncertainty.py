"""How unsure the model is about a document, from its own outputs.

Every decision the model takes on a document has a margin: the probability of its chosen option
minus that of the runner-up (0 = a coin toss, 1 = certain).

- NER: at each character, the probabilities of its entity tags (O, B/I/L/U-label;
  pipeline/zxie/components/tag_ner.py); margin = best − second best.
- Relations: for every candidate pair the relation classifier sees, its class probabilities
  (the schema-allowed types and NONE); margin = best − second best.

The document's uncertainty is 1 − the mean of its K = 10 smallest margins (fewer if it has fewer
decisions). Averaging the weakest few, rather than all decisions, keeps a long document of easy
characters from drowning the handful of spans an annotator must look at; using several rather
than one keeps a single odd character from deciding the order. `--order uncertain` sorts by this,
highest first.
"""

from __future__ import annotations

import numpy as np

K = 10


def ner_margins(nlp, doc) -> list[float]:
    """The margin of the NER's tag distribution at every character of DOC."""
    if "ner" not in nlp.pipe_names:
        return []
    ner = nlp.get_pipe("ner")
    top = np.sort(ner.predict([doc])[0], axis=1)[:, -2:]
    return [float(m) for m in top[:, 1] - top[:, 0]]


def relation_margins(nlp, doc) -> list[float]:
    """The margin of the relation classifier on every candidate pair of DOC's entities."""
    from zxie.components.relations import NONE, Entity, candidate_pairs, pair_features
    from zxie.schema import load_schema

    if "zxie_relations" not in nlp.pipe_names:
        return []
    comp = nlp.get_pipe("zxie_relations")
    if comp.model is None:
        return []
    ents = [Entity(e.label_, e.start_char, e.end_char) for e in doc.ents]
    pairs = candidate_pairs(doc.text, ents, comp.max_between)
    if not pairs:
        return []
    schema = load_schema()
    probs = comp.model.predict_proba([pair_features(doc.text, ents, i, j) for i, j in pairs])
    classes = list(comp.model.classes_)
    margins = []
    for (i, j), row in zip(pairs, probs):
        allowed = [p for p, c in zip(row, classes) if c == NONE or schema.allows(c, ents[i].label, ents[j].label)]
        top = sorted(allowed)[-2:]
        margins.append(float(top[-1] - top[0]) if len(top) == 2 else 1.0)
    return margins


def document_uncertainty(nlp, doc, k: int = K) -> float:
    margins = sorted(ner_margins(nlp, doc) + relation_margins(nlp, doc))[:k]
    return round(1.0 - sum(margins) / len(margins), 6) if margins else 0.0
