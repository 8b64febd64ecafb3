"""The BILUO tagger's decoding: exact, valid, and unchanged by skipping sure-outside characters."""

from itertools import product

import numpy as np
import pytest

from zxie.components.tag_ner import SURE_OUTSIDE, biluo_tags, viterbi_biluo

LABELS = ("A", "B")
TAGS = biluo_tags(LABELS)


def valid(seq: tuple[str, ...]) -> bool:
    inside = None  # label of the open entity
    for tag in seq:
        move, _, label = tag.partition("-")
        if inside is None and move in ("I", "L"):
            return False
        if inside is not None and (move not in ("I", "L") or label != inside):
            return False
        inside = label if move in ("B", "I") else None
    return inside is None


def spans(seq) -> list[tuple[int, int, str]]:
    out, start = [], None
    for k, tag in enumerate(seq):
        move, _, label = tag.partition("-")
        if move == "U":
            out.append((k, k + 1, label))
        elif move == "B":
            start = k
        elif move == "L":
            out.append((start, k + 1, label))
    return out


@pytest.mark.parametrize("seed", range(20))
def test_viterbi_finds_the_best_valid_sequence(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 5))
    probs = rng.dirichlet(np.ones(len(TAGS)) * 0.3, size=n)
    logp = np.log(probs)
    best = max((seq for seq in product(TAGS, repeat=n) if valid(seq)),
               key=lambda seq: sum(logp[k, TAGS.index(tag)] for k, tag in enumerate(seq)))
    assert viterbi_biluo(probs, LABELS) == spans(best)


def test_invalid_argmax_is_repaired_into_whole_entities():
    # argmax reads I-A I-A L-A (no B): the best valid path must still open the entity
    probs = np.full((3, len(TAGS)), 0.01)
    for k, tag in enumerate(["I-A", "I-A", "L-A"]):
        probs[k, TAGS.index(tag)] = 0.6
    probs[0, TAGS.index("B-A")] = 0.3
    assert viterbi_biluo(probs, LABELS) == [(0, 3, "A")]


def test_decoding_skips_only_sure_outside_characters(tiny_model):
    import spacy

    ner = spacy.load(tiny_model).get_pipe("ner")
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(len(ner.tags)) * 0.3, size=30)
    probs[[5, 12, 13, 25]] = 0.0
    probs[[5, 12, 13, 25], 0] = 1.0  # sure outside
    assert probs[:, 0].max() >= SURE_OUTSIDE
    assert ner.decode(probs) == viterbi_biluo(probs, ner.labels)


def test_entities_never_start_or_end_with_whitespace_or_quotes(tiny_model):
    import spacy

    nlp = spacy.load(tiny_model)
    ner = nlp.get_pipe("ner")
    doc = nlp.make_doc("“学田\n\n街道")
    assert [t.text for t in doc] == ["“", "学", "田", "\n\n", "街", "道"]
    probs = np.zeros((len(doc), len(ner.tags)))
    for k, tag in enumerate(["B-STREET", "I-STREET", "I-STREET", "L-STREET", "O", "O"]):
        probs[k, ner.tags.index(tag)] = 1.0
    ner.set_annotations([doc], [probs])
    assert [(e.text, e.label_) for e in doc.ents] == [("学田", "STREET")]
