"""How unsure the model is about a document, from its own outputs.

Every decision the model takes on a document has a margin: the probability of its chosen option
minus that of the runner-up (0 = a coin toss, 1 = certain).

- NER: at each step of the transition-based parser, the softmax over the *valid* actions'
  scores; margin = best − second best.
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


def _softmax_margin(scores: np.ndarray) -> float:
    if scores.size < 2:
        return 1.0
    p = np.exp(scores - scores.max())
    p /= p.sum()
    top = np.sort(p)[-2:]
    return float(top[1] - top[0])


def ner_margins(nlp, doc) -> list[float]:
    """The margin of every action the NER took on DOC (already processed by NLP)."""
    if "ner" not in nlp.pipe_names:
        return []
    ner = nlp.get_pipe("ner")
    names = [ner.moves.get_class_name(k) for k in range(ner.moves.n_moves)]
    states = ner.moves.init_batch([doc])
    step_model = ner.model.predict([doc])
    margins = []
    try:
        states = [s for s in states if not s.is_final()]
        while states:
            scores = np.ascontiguousarray(step_model.predict(states), dtype="float32")
            for state, row in zip(states, scores):
                valid = [k for k, name in enumerate(names) if ner.moves.is_valid(state, name)]
                margins.append(_softmax_margin(np.asarray(row)[valid]))
            states = ner.transition_states(states, scores)
    finally:
        step_model.clear_memory()
    return margins


def relation_margins(nlp, doc) -> list[float]:
    """The margin of the relation classifier on every candidate pair of DOC's entities."""
    from pipeline.components.relations import NONE, Entity, candidate_pairs, pair_features
    from pipeline.schema import load_schema

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
