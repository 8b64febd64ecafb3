"""The NER's embedding tables folded into their first product (components/folded_embed.py): the same
probabilities as the model computes itself, with and without static vectors, after updates too."""

from __future__ import annotations

import numpy as np
import spacy
from spacy.training import Example
from thinc.api import fix_random_seed

from .conftest import SHIPPED_MODEL
from zxie.training.convert import to_doc

TEXTS = ["区委书记刘浩在崇川区调研。", "市政协主席张三出席会议，听取2024年工作报告。", "多福巷社区"]
OURS = {"id": "g", "text": "市政协主席张三出席会议", "relations": [],
        "entities": [{"id": 1, "label": "COMMITTEE", "start_offset": 0, "end_offset": 3},
                     {"id": 3, "label": "PERSON", "start_offset": 5, "end_offset": 7}]}


def folded_count(ner) -> int:
    return sum(f is not None for f in ner._folded.values())


def test_the_shipped_model_folds_every_members_embedding_and_predicts_the_same():
    nlp = spacy.load(SHIPPED_MODEL)
    ner = nlp.get_pipe("ner")
    docs = [nlp.make_doc(t) for t in TEXTS]
    fast = ner.predict(docs)
    assert folded_count(ner) == len(ner.model.layers)  # one MultiHashEmbed with static vectors per member
    plain = ner.model.predict(docs)  # the model's own forward (spaCy's ops)
    for a, b in zip(fast, plain):
        assert np.allclose(a, b, atol=1e-5)


def test_a_tiny_ner_folds_and_drops_its_folded_tables_when_it_learns():
    fix_random_seed(0)
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": "zxie.ReportTokenizer.v1", "words": False}}})
    nlp.add_pipe("zxie_tag_ner", name="ner", config={"model": {
        "@architectures": "spacy.Tagger.v2", "nO": None, "normalize": True,
        "tok2vec": {"@architectures": "spacy.HashEmbedCNN.v2", "width": 32, "depth": 1, "embed_size": 300,
                    "window_size": 1, "maxout_pieces": 2, "subword_features": True, "pretrained_vectors": None}}})
    example = Example(nlp.make_doc(OURS["text"]), to_doc(nlp, OURS))
    nlp.initialize(lambda: [example])
    ner = nlp.get_pipe("ner")
    docs = [nlp.make_doc(t) for t in TEXTS]
    for _ in range(3):
        fast = ner.predict(docs)
        assert folded_count(ner) == 1
        for a, b in zip(fast, ner.model.predict(docs)):
            assert np.allclose(a, b, atol=1e-5)
        nlp.update([example], sgd=nlp.create_optimizer())
        assert not ner._folded  # stale tables are gone
