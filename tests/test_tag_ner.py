"""The BILUO tagger's decoding: exact, valid, unchanged by skipping sure-outside characters, and the
same as a step-by-step search."""

from itertools import product

import numpy as np
import pytest

from zxie.components.tag_ner import SURE_OUTSIDE, TagNER, biluo_tags, uncertain_stretches, viterbi_biluo

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


def stepwise_viterbi(probs, labels):
    """The decoder as it was before the lockstep one: one step per token with numpy scalars (the
    reference for its exact output, ties and float32 sums included)."""
    logp = np.log(np.maximum(probs, 1e-12))
    n, n_labels = len(logp), len(labels)
    o = logp[:, 0]
    b, i, last, u = (logp[:, 1 + k :: 4] for k in range(4))
    out_from = np.empty(n, dtype=object)
    in_from_b = np.empty((n, n_labels), dtype=bool)
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


def stepwise_decode(probs, labels):
    spans, outside, t = [], probs[:, 0] >= SURE_OUTSIDE, 0
    while t < len(probs):
        if outside[t]:
            t += 1
            continue
        end = t
        while end < len(probs) and not outside[end]:
            end += 1
        spans += [(t + a, t + b, label) for a, b, label in stepwise_viterbi(probs[t:end], labels)]
        t = end
    return spans


class Decoder:
    decode = TagNER.decode

    def __init__(self, labels):
        self.labels = labels


@pytest.mark.parametrize("seed", range(4))
def test_lockstep_decoding_equals_the_stepwise_search(seed):
    rng = np.random.default_rng(seed)
    for trial in range(400):
        n_labels = int(rng.integers(1, 5))
        labels = tuple("ABCD"[:n_labels])
        probs = rng.dirichlet(np.ones(1 + 4 * n_labels) * rng.choice([0.05, 0.3, 1.0]), size=int(rng.integers(0, 60)))
        if trial % 3 == 0 and len(probs):
            probs[rng.random(len(probs)) < 0.4] = np.eye(probs.shape[1])[0]  # sure-outside tokens: many stretches
        if trial % 5 == 0:
            probs = np.round(probs, 1)  # ties
        if trial % 2:
            probs = probs.astype(np.float32)  # the model's dtype: outside scores summed in float32
        assert viterbi_biluo(probs, labels) == stepwise_viterbi(probs, labels)
        assert Decoder(labels).decode(probs) == stepwise_decode(probs, labels)


def test_uncertain_stretches():
    probs = np.zeros((7, 5))
    probs[:, 0] = [1.0, 0.2, 0.3, 1.0, 0.995, 0.1, 0.5]
    starts, lengths = uncertain_stretches(probs)
    assert starts.tolist() == [1, 5] and lengths.tolist() == [2, 2]
    assert [x.tolist() for x in uncertain_stretches(np.zeros((0, 5)))] == [[], []]
