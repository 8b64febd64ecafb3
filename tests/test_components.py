"""The tokenizer and the relation component on their own."""

import numpy as np
import pytest
import spacy

from zxie.components.linear import LinearClassifier
from zxie.components.relations import Entity, PairContext, RelationExtractor, candidate_pairs, doc_text
from zxie.corpus.interchange import read_records
from zxie.corpus.splits import select

from .conftest import GOLD


class RecordingSegmenter:
    """Cuts into two-character words and remembers what it was given."""

    def __init__(self):
        self.seen = []

    def cut(self, text):
        self.seen.append(text)
        return [text[i:i + 2] for i in range(0, len(text), 2)]


def test_tokenizer_keeps_raw_text_and_repairs_words_across_layout_breaks():
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": "zxie.ReportTokenizer.v1"}}})
    nlp.tokenizer.segmenter = seg = RecordingSegmenter()
    raw = "钱塘政 协在街道会议室召开会议,邀请居民代表共同参加了协商议\n\n事会。\n\n本报记者 卢铖卉"
    doc = nlp(raw)
    assert doc.text == raw
    assert seg.seen == ["钱塘政协在街道会议室召开会议,邀请居民代表共同参加了协商议事会。", "本报记者卢铖卉"]  # sentences, layout whitespace removed
    assert [t.text for t in doc][:4] == ["钱", "塘", "政", "协"] and doc[2].whitespace_ == " "
    k = [t.text for t in doc].index("\n\n")
    assert [(t.text, t.tag_, t.lemma_) for t in doc[k - 1:k + 2]] == [("议", "B", "议事"), ("\n\n", "_SP", "\n\n"), ("事", "E", "议事")]
    assert all(t.lemma_ for t in doc)


def test_candidates_stay_inside_sentences_and_schema():
    text = "区委书记刘浩出席。刘浩讲话。"
    ents = [Entity("TITLE", 0, 4), Entity("PERSON", 4, 6), Entity("PERSON", 9, 11)]
    assert candidate_pairs(text, ents, 80) == [(1, 0)]  # only PERSON -> TITLE, same sentence


def test_relation_model_round_trips_as_plain_data(tmp_path):
    records = list(select(list(read_records(GOLD)), "train"))
    rx = RelationExtractor()
    info = rx.fit(records)
    assert info["positive"] > 100
    rx.to_disk(tmp_path / "rel")
    assert sorted(p.name for p in (tmp_path / "rel").iterdir()) == ["cfg", "coef.npy", "intercept.npy", "linear.json"]
    back = RelationExtractor().from_disk(tmp_path / "rel")
    sample = records[0]
    ents = [Entity(e["label"], e["start_offset"], e["end_offset"]) for e in sample["entities"]]
    assert back.predict(sample["text"], ents) == rx.predict(sample["text"], ents)
    # coefficients are read without pickle: an object array does not load
    np.save(tmp_path / "rel" / "coef.npy", np.array([print], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="pickle"):
        RelationExtractor().from_disk(tmp_path / "rel")


def _sklearn_pipeline(X, y):
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    return Pipeline([("features", DictVectorizer()),
                     ("classifier", LogisticRegression(max_iter=2000, class_weight="balanced", random_state=0))]).fit(X, y)


def test_numpy_predictor_gives_scikit_learns_probabilities():
    """The stored predictor (LinearClassifier) against the scikit-learn pipeline it was made from,
    on real candidate pairs: fitted on train, scored on dev (features unseen in training included)."""
    records = list(read_records(GOLD))
    rx = RelationExtractor()
    X, y = rx.examples(select(records, "train"))
    X_dev, _ = rx.examples(select(records, "dev"))
    pipeline = _sklearn_pipeline(X, y)
    model = LinearClassifier.from_sklearn(pipeline)
    assert model.link == "softmax" and model.classes_ == list(pipeline.classes_)
    want = pipeline.predict_proba(X_dev)
    got = model.predict_proba(X_dev)
    assert got.shape == want.shape and len(X_dev) > 100
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    assert (got.argmax(axis=1) == want.argmax(axis=1)).all()
    # two classes: a binary model, one coefficient row
    binary = [label if label == "NONE" else "REL" for label in y]
    pipeline = _sklearn_pipeline(X, binary)
    model = LinearClassifier.from_sklearn(pipeline)
    assert model.link == "binary" and model.coef.shape[0] == 1
    np.testing.assert_allclose(model.predict_proba(X_dev), pipeline.predict_proba(X_dev), rtol=0, atol=1e-12)
    # string values are one-hot features, as in DictVectorizer
    pipeline = _sklearn_pipeline([{"a": "x"}, {"a": "y"}, {"a": "x", "b": 2.0}], ["P", "Q", "P"])
    rows = [{"a": "x"}, {"a": "y", "b": 1.0}, {"c": 1.0}]
    np.testing.assert_allclose(LinearClassifier.from_sklearn(pipeline).predict_proba(rows), pipeline.predict_proba(rows),
                               rtol=0, atol=1e-12)


def test_one_vs_rest_link_normalises_logistic_scores():
    model = LinearClassifier(["f", "g"], ["A", "B", "C"], np.array([[1.0, 0.0], [0.0, 2.0], [-1.0, 1.0]]),
                             np.array([0.1, -0.2, 0.0]), "ovr")
    scores = np.array([[1.1, -0.2, -1.0], [1.1, 1.8, 0.0]])  # rows {f}, {f, g}
    p = 1 / (1 + np.exp(-scores))
    np.testing.assert_allclose(model.predict_proba([{"f": 1.0}, {"f": 1.0, "g": 1.0}]), p / p.sum(axis=1, keepdims=True))


def test_a_model_saved_with_skops_still_loads(tmp_path):
    """Model directories saved before the numpy predictor (model.skops) are read, trusted types only."""
    import skops.io as sio

    records = list(read_records(GOLD))
    X, y = RelationExtractor().examples(select(records, "train"))
    pipeline = _sklearn_pipeline(X, y)
    (tmp_path / "rel").mkdir()
    (tmp_path / "rel" / "cfg").write_text('{"threshold": 0.5, "max_between": 80}')
    sio.dump(pipeline, tmp_path / "rel" / "model.skops")
    rx = RelationExtractor().from_disk(tmp_path / "rel")
    X_dev, _ = rx.examples(select(records, "dev"))
    np.testing.assert_allclose(rx.model.predict_proba(X_dev), pipeline.predict_proba(X_dev), rtol=0, atol=1e-12)
    sio.dump({"payload": print}, tmp_path / "rel" / "model.skops")  # a callable: must not load
    with pytest.raises(ValueError, match="does not load"):
        RelationExtractor().from_disk(tmp_path / "rel")


def test_pair_context_finds_what_scans_of_every_entity_find():
    """PairContext's bisections against the scans they replaced, on entities in any order,
    overlapping, sharing starts."""
    import random

    rng = random.Random(0)
    text = "，甲乙；丙丁：戊己,庚辛。" * 8
    context_of = {}
    for _ in range(200):
        ents = []
        for _ in range(rng.randint(1, 12)):
            start = rng.randrange(len(text) - 3)
            ents.append(Entity(rng.choice("AB"), start, start + rng.randint(1, 3)))
        context = context_of[id(ents)] = PairContext(text, ents)
        a, b = sorted(rng.sample(range(len(text) + 1), 2))
        assert sorted(map(id, context.starting(a, b))) == sorted(id(e) for e in ents if a <= e.start <= b)
        assert context.clause_mark(a, b) == max(text.rfind(c, a, b) for c in "，,；;：:")
        assert context.sentence_start(a) == next((x for x, y in context.sentences if x <= a < y), a)
        e, anchor = rng.choice(ents), rng.randrange(len(text))
        side = [x for x in ents if x.label == e.label and (x.start < anchor) == (e.start < anchor)]
        assert context.is_nearest(e, anchor) == (min(side, key=lambda x: abs(x.start - anchor)) is e)


def test_doc_text_is_the_docs_text():
    nlp = spacy.blank("zh")
    texts = ["", " ", "区委书记 刘浩  在\n\n崇川区\u3000调研。 ", "a\u200bb\tc "]
    assert [doc_text(nlp.make_doc(t)) for t in texts] == [nlp.make_doc(t).text for t in texts] == texts


def test_relations_of_many_documents_at_once_are_those_of_each_alone():
    """predict_many (what pipe uses) scores the pairs of a batch together: the same relations and
    scores, bit for bit, as each document alone."""
    from .conftest import SHIPPED_MODEL

    rx = spacy.load(SHIPPED_MODEL).get_pipe("zxie_relations")
    docs = [(rec["text"], [Entity(e["label"], e["start_offset"], e["end_offset"]) for e in rec["entities"]])
            for rec in select(list(read_records(GOLD)), "dev")]
    alone = [rx.predict(text, ents) for text, ents in docs]
    assert sum(map(len, alone)) > 50
    assert rx.predict_many(docs) == alone
    assert rx.predict_many(docs[::-1]) == alone[::-1]


class FixedScores:
    """A stand-in classifier: the same class probabilities for every candidate pair."""

    classes_ = ["HAS_TITLE", "NONE"]

    def __init__(self, rows):
        self.rows = rows

    def predict_proba(self, features):
        assert len(features) == len(self.rows)
        return self.rows


def test_a_title_keeps_only_its_best_scored_holder():
    text = "刘浩、王强任主任。"
    ents = [Entity("PERSON", 0, 2), Entity("PERSON", 3, 5), Entity("TITLE", 6, 8)]
    rx = RelationExtractor()
    assert candidate_pairs(text, ents, 80) == [(0, 2), (1, 2)]
    rx.model = FixedScores([[0.7, 0.3], [0.9, 0.1]])  # both above the threshold
    assert [(r["head"], r["tail"]) for r in rx.predict(text, ents)] == [(1, 2)]


def test_the_shipped_model_loads_without_scikit_learn_and_without_rebuilding_its_lexicon():
    """Start-up (issue 16): the relation model is plain data and the lexicon's trie is stored."""
    import subprocess
    import sys

    from .conftest import SHIPPED_MODEL

    assert (SHIPPED_MODEL / "zxie_relations" / "linear.json").exists()
    assert not (SHIPPED_MODEL / "zxie_relations" / "model.skops").exists()
    code = ("import sys, spacy\n"
            "nlp = spacy.load(sys.argv[1])\n"
            "lexicon = nlp.tokenizer.lexicon\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'skops', 'scipy', 'pandas', 'distributed'}),"
            " lexicon is None or lexicon._entries is None)\n")
    done = subprocess.run([sys.executable, "-c", code, str(SHIPPED_MODEL)], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["[]", "True"]
