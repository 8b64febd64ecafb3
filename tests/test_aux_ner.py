"""Auxiliary heads (components/aux_ner.py): each learns only from its own corpus, our NER only from
our gold, and `zxie train` ships the model without them."""

from __future__ import annotations

import numpy as np
import spacy
from spacy.training import Example
from thinc.api import fix_random_seed

from zxie.training.convert import general_doc, to_doc

CONFIG = {"@architectures": "spacy.Tagger.v2", "nO": None, "normalize": True,
          "tok2vec": {"@architectures": "spacy.Tok2VecListener.v1", "width": 32, "upstream": "*"}}
GENERAL = [("王小明出生于北京", [(0, 3, "PER"), (6, 8, "LOC")]), ("李华在上海工作", [(0, 2, "PER"), (3, 5, "LOC")])]
OURS = {"id": "g", "text": "市政协主席张三出席会议", "relations": [],
        "entities": [{"id": 1, "label": "COMMITTEE", "start_offset": 0, "end_offset": 3},
                     {"id": 2, "label": "TITLE", "start_offset": 3, "end_offset": 5},
                     {"id": 3, "label": "PERSON", "start_offset": 5, "end_offset": 7}]}


def tiny_nlp():
    fix_random_seed(0)
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": "zxie.ReportTokenizer.v1", "words": False}}})
    nlp.add_pipe("tok2vec", config={"model": {
        "@architectures": "spacy.HashEmbedCNN.v2", "width": 32, "depth": 1, "embed_size": 300, "window_size": 1,
        "maxout_pieces": 2, "subword_features": False, "pretrained_vectors": None}})
    nlp.add_pipe("zxie_tag_ner", name="ner", config={"model": CONFIG})
    nlp.add_pipe("zxie_aux_ner", name="aux_msra", config={"model": CONFIG, "spans_key": "msra"})
    examples = [Example(nlp.make_doc(t), general_doc(nlp, t, spans, "msra")) for t, spans in GENERAL]
    examples.append(Example(nlp.make_doc(OURS["text"]), to_doc(nlp, OURS)))
    nlp.initialize(lambda: examples)
    return nlp, examples


def test_each_head_learns_only_from_its_own_documents():
    nlp, examples = tiny_nlp()
    ner, aux = nlp.get_pipe("ner"), nlp.get_pipe("aux_msra")
    assert aux.labels == ("LOC", "PER")  # from the training documents' span groups
    general, ours = examples[:2], examples[2:]
    for pipe, own, other in ((ner, ours, general), (aux, general, ours)):
        scores = pipe.model.predict([eg.x for eg in own + other])
        _, d_scores = pipe.get_loss(own + other, scores)
        assert all(np.abs(d).sum() > 0 for d in d_scores[: len(own)])
        assert all(np.abs(d).sum() == 0 for d in d_scores[len(own):])  # missing: no gradient


def test_an_auxiliary_head_learns_its_corpus_and_writes_span_groups():
    nlp, examples = tiny_nlp()
    optimizer = nlp.create_optimizer()
    first = None
    for _ in range(60):
        losses = nlp.update(examples, sgd=optimizer)
        first = first if first is not None else losses["aux_msra"]
    assert losses["aux_msra"] < first / 5
    doc = nlp("王小明出生于北京")
    assert [(s.text, s.label_) for s in doc.spans["msra"]] == [("王小明", "PER"), ("北京", "LOC")]
    assert all(e.label_ in nlp.get_pipe("ner").labels for e in doc.ents)  # the head never writes doc.ents


def test_the_shipped_pipeline_has_no_heads_and_records_the_general_corpora(tiny_model, tiny_data):
    nlp = spacy.load(tiny_model)
    assert not any(name.startswith("aux_") for name in nlp.pipe_names)
    general = nlp.meta["zxie"]["general_corpora"]
    assert general["heads"] == {"aux_msra": "msra", "aux_resume": "resume", "aux_weibo": "weibo", "aux_cluener": "cluener"}
    assert general["part"] == "train" and all(n > 0 for n in general["sentences"].values())
    assert set(general["sha256"]) == {"ner/msra_dev.bio", "ner/resume_train.bmes", "ner/weibo_train.bio", "ner/cluener_train.jsonl"}
    assert nlp("市政协主席张三出席会议").ents is not None
