"""The tokenizer and the relation component on their own."""

import pytest
import spacy

from zxie.components.relations import Entity, RelationExtractor, candidate_pairs
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


def test_relation_model_round_trips_and_refuses_untrusted_files(tmp_path):
    records = list(select(list(read_records(GOLD)), "train"))
    rx = RelationExtractor()
    info = rx.fit(records)
    assert info["positive"] > 100
    rx.to_disk(tmp_path / "rel")
    back = RelationExtractor().from_disk(tmp_path / "rel")
    sample = records[0]
    ents = [Entity(e["label"], e["start_offset"], e["end_offset"]) for e in sample["entities"]]
    assert back.predict(sample["text"], ents) == rx.predict(sample["text"], ents)
    import skops.io as sio

    sio.dump({"payload": print}, tmp_path / "rel" / "model.skops")  # a callable: must not load
    with pytest.raises(ValueError, match="does not load"):
        RelationExtractor().from_disk(tmp_path / "rel")


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
