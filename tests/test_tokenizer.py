"""Character bigrams in TAG (zxie/tokenizer.py, `bigrams = true`)."""

import pytest
import spacy

from zxie.tokenizer import BIGRAM_END, LEXICON_FILE, NO_MATCH, SPACE_TAG, Lexicon

TEXT = "崇川\n区政协 学田  街道"


def blank(**settings):
    return spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": "zxie.ReportTokenizer.v1", "words": False, **settings}}})


def with_lexicon(tmp_path, **settings):
    path = tmp_path / "lexicon.bin"
    path.write_bytes(Lexicon({"gazetteer": {"REGION": ["崇川区"]}, "corpus": {"ORGSUF": ["政协"]}}).to_bytes())
    nlp = blank(lexicon=True, lexicon_sources=["gazetteer", "corpus"], bigrams=True, **settings)
    nlp.tokenizer.initialize(lexicon=str(path))
    return nlp


def test_bigrams_across_a_space_not_across_a_line_break():
    doc = blank(bigrams=True)(TEXT)
    assert doc.text == TEXT
    assert [(t.text, t.tag_) for t in doc] == [
        ("崇", "崇川"), ("川", "川" + BIGRAM_END),  # the line ends
        ("\n", SPACE_TAG),
        ("区", "区政"), ("政", "政协"), ("协", "协学"),  # the single space is 协's trailing whitespace, skipped
        ("学", "学田"), ("田", "田街"),
        ("  ", SPACE_TAG),  # a run of spaces is a token of its own, skipped too
        ("街", "街道"), ("道", "道" + BIGRAM_END),  # the text ends
    ]
    assert doc[5].whitespace_ == " "
    assert [t.idx for t in doc] == [0, 1, 2, 3, 4, 5, 7, 8, 9, 11, 12]  # code points, tokenization unchanged


def test_off_by_default_tags_unchanged():
    assert [t.tag_ for t in blank()(TEXT)] == ["S", "S", SPACE_TAG, "S", "S", "S", "S", "S", SPACE_TAG, "S", "S"]
    assert [t.tag_ for t in blank(bigrams=True)("")] == []
    assert [t.tag_ for t in blank(bigrams=True)("\n政")] == [SPACE_TAG, "政" + BIGRAM_END]


def test_bigrams_beside_lexicon_features(tmp_path):
    doc = with_lexicon(tmp_path)(TEXT)
    assert [t.tag_ for t in doc][:4] == ["崇川", "川" + BIGRAM_END, SPACE_TAG, "区政"]
    assert [t.lemma_ for t in doc][:4] == ["B_REGION", "I_REGION", NO_MATCH, "E_REGION"]  # still read past the break
    assert str(doc[4].morph) == "Lex=B_ORGSUF"


def test_tag_conflicts_refused():
    with pytest.raises(ValueError, match="jieba.*lexicon_sources"):
        blank(lexicon=True, lexicon_sources=["gazetteer", "jieba"], bigrams=True)
    with pytest.raises(ValueError, match="words = false"):
        spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": "zxie.ReportTokenizer.v1", "words": True, "bigrams": True}}})
    blank(lexicon=False, bigrams=True)  # jieba among the default sources, but no lexicon: TAG is free


def test_round_trip(tmp_path):
    nlp = with_lexicon(tmp_path)
    want = [(t.tag_, t.lemma_, str(t.morph)) for t in nlp(TEXT)]
    nlp.to_disk(tmp_path / "model")
    assert (tmp_path / "model" / "tokenizer" / LEXICON_FILE).exists()
    loaded = spacy.load(tmp_path / "model")
    assert loaded.tokenizer.bigrams
    assert [(t.tag_, t.lemma_, str(t.morph)) for t in loaded(TEXT)] == want
    # the saved tokenizer carries the setting itself, on disk and in bytes
    plain = blank(lexicon=True, lexicon_sources=["gazetteer", "corpus"])
    assert [(t.tag_, t.lemma_, str(t.morph)) for t in plain.tokenizer.from_disk(tmp_path / "model" / "tokenizer")(TEXT)] == want
    plain = blank(lexicon=True, lexicon_sources=["gazetteer", "corpus"])
    assert [(t.tag_, t.lemma_, str(t.morph)) for t in plain.tokenizer.from_bytes(nlp.tokenizer.to_bytes())(TEXT)] == want
