"""Distillation (zxie train --teacher): the reader's soft targets and the NER learning from them."""

from __future__ import annotations

import numpy as np
import spacy
from spacy.training import Example
from thinc.api import fix_random_seed

from zxie.components.tag_ner import SOFT_TARGETS
from zxie.training.convert import to_doc
from zxie.training.readers import add_soft_targets

OURS = {"id": "g", "text": "市政协主席张三出席会议", "relations": [],
        "entities": [{"id": 1, "label": "COMMITTEE", "start_offset": 0, "end_offset": 3},
                     {"id": 3, "label": "PERSON", "start_offset": 5, "end_offset": 7}]}
GENERAL = "王小明出生于北京"  # no gold in our labels


def test_soft_targets_mix_the_teachers_probabilities_with_the_gold(tiny_model):
    nlp = spacy.load(tiny_model)
    ner = nlp.get_pipe("ner")
    ours = Example(nlp.make_doc(OURS["text"]), to_doc(nlp, OURS))
    general = Example(nlp.make_doc(GENERAL), nlp.make_doc(GENERAL))
    add_soft_targets([ours, general], tiny_model, weight=0.25)
    teacher = ner.predict([ours.x, general.x])
    for eg, probs in zip((ours, general), teacher):
        tags, target = eg.reference.user_data[SOFT_TARGETS]
        assert tags == ner.tags and target.shape == probs.shape
        assert np.allclose(target.astype(np.float32).sum(axis=1), 1.0, atol=3e-3)
    # no gold: the teacher's probabilities alone
    assert np.allclose(general.reference.user_data[SOFT_TARGETS][1], teacher[1], atol=1e-3)
    # gold: 0.25 teacher + 0.75 gold (张三 is B-PERSON, L-PERSON)
    target = ours.reference.user_data[SOFT_TARGETS][1].astype(np.float32)
    gold = [ner.tags.index(t) for t in ours.get_aligned_ner()]
    onehot = np.eye(len(ner.tags), dtype=np.float32)[gold]
    assert np.allclose(target, 0.25 * teacher[0] + 0.75 * onehot, atol=1e-3)
    assert gold[5] == ner.tags.index("B-PERSON") and target[5, gold[5]] >= 0.75


def tiny_student():
    fix_random_seed(0)
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": "zxie.ReportTokenizer.v1", "words": False}}})
    nlp.add_pipe("zxie_tag_ner", name="ner", config={"model": {
        "@architectures": "spacy.Tagger.v2", "nO": None, "normalize": True,
        "tok2vec": {"@architectures": "spacy.HashEmbedCNN.v2", "width": 32, "depth": 1, "embed_size": 300,
                    "window_size": 1, "maxout_pieces": 2, "subword_features": False, "pretrained_vectors": None}}})
    return nlp


def test_the_ner_learns_soft_targets_and_ignores_targets_of_other_tags():
    nlp = tiny_student()
    ner = nlp.get_pipe("ner")
    ours = Example(nlp.make_doc(OURS["text"]), to_doc(nlp, OURS))
    nlp.initialize(lambda: [ours])
    general = Example(nlp.make_doc(GENERAL), nlp.make_doc(GENERAL))
    rng = np.random.default_rng(0)
    target = rng.dirichlet(np.ones(len(ner.tags)) * 0.3, size=len(GENERAL)).astype(np.float32)
    general.reference.user_data[SOFT_TARGETS] = (ner.tags, target)
    # the gradient is guesses − targets; with tags of another component the example is unannotated
    scores = ner.model.predict([general.x])
    assert np.allclose(ner.get_loss([general], scores)[1][0], scores[0] - target, atol=1e-6)
    other = Example(general.x, nlp.make_doc(GENERAL))
    other.reference.user_data[SOFT_TARGETS] = (("O", "B-X", "I-X", "L-X", "U-X"), target[:, :5])
    assert np.abs(ner.get_loss([other], scores)[1][0]).sum() == 0

    def kl():
        p = ner.model.predict([general.x])[0]
        return float((target * (np.log(target + 1e-9) - np.log(p + 1e-9))).sum(axis=1).mean())

    before = kl()
    optimizer = nlp.create_optimizer()
    for _ in range(80):
        nlp.update([general, ours], sgd=optimizer)
    assert kl() < before / 4
    assert [(e.text, e.label_) for e in nlp(OURS["text"]).ents] == [("市政协", "COMMITTEE"), ("张三", "PERSON")]
