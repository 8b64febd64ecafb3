"""Lexicon features (zxie/tokenizer.py Lexicon, pipeline/zxie/training/lexicon.py)."""

import csv
import gzip
import random
import shutil

import pytest
import spacy

from tests.conftest import ROOT, SHARED
from zxie.tokenizer import LEXICON_FILE, LEXICON_INDEX, NO_MATCH, Lexicon

GAZETTEERS = SHARED / "datasets" / "gazetteers"


def brute_force(entries, text):
    """Every substring of text looked up in the word lists: the reference for Lexicon.features."""
    out = {}
    for src, cats in entries.items():
        feats = [set() for _ in text]
        for cat, words in cats.items():
            words = set(words)
            for a in range(len(text)):
                for b in range(a + 1, len(text) + 1):
                    if text[a:b] in words:
                        if b - a == 1:
                            feats[a].add(f"S_{cat}")
                        else:
                            feats[a].add(f"B_{cat}")
                            feats[b - 1].add(f"E_{cat}")
                            for j in range(a + 1, b - 1):
                                feats[j].add(f"I_{cat}")
        out[src] = feats
    return out


@pytest.mark.parametrize("seed", range(5))
def test_matcher_against_brute_force(seed):
    rng = random.Random(seed)
    alphabet = "崇川区街道社村委"
    entries = {src: {cat: ["".join(rng.choices(alphabet, k=rng.randint(1, 4))) for _ in range(rng.randint(0, 12))]
                     for cat in rng.sample(["A", "B", "C"], rng.randint(1, 3))}
               for src in rng.sample(["gazetteer", "jieba", "corpus"], rng.randint(1, 3))}
    lexicon = Lexicon(entries)
    saved = Lexicon.from_bytes(lexicon.to_bytes(), lexicon.index_bytes())  # the compiled trie, read back
    assert saved._entries is None  # the word lists are read only when asked for
    for _ in range(20):
        text = "".join(rng.choices(alphabet, k=rng.randint(0, 40)))
        assert lexicon.features(text) == brute_force(entries, text) == saved.features(text)
    assert saved.entries == lexicon.entries and saved.sha256() == lexicon.sha256() and saved.size == lexicon.size


def test_an_index_of_other_word_lists_is_not_used():
    old, new = Lexicon({"gazetteer": {"REGION": ["崇川"]}}), Lexicon({"gazetteer": {"REGION": ["学田"]}})
    loaded = Lexicon.from_bytes(new.to_bytes(), old.index_bytes())
    assert loaded.features("崇川学田") == new.features("崇川学田")


def test_unknown_source_refused():
    with pytest.raises(ValueError, match="unknown lexicon sources"):
        Lexicon({"wikipedia": {"X": ["崇川"]}})


def lexicon_tokenizer(entries, tmp_path):
    path = tmp_path / "lexicon.bin"
    path.write_bytes(Lexicon(entries).to_bytes())
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": "zxie.ReportTokenizer.v1", "words": False, "lexicon": True}}})
    nlp.tokenizer.initialize(lexicon=str(path))
    return nlp


ENTRIES = {"gazetteer": {"REGION": ["崇川区", "崇川"], "STREET": ["学田街道"]},
           "jieba": {"nr": ["刘浩"]},
           "corpus": {"SUR": ["刘"], "ORGSUF": ["政协"]}}


def test_token_features_across_a_layout_break(tmp_path):
    nlp = lexicon_tokenizer(ENTRIES, tmp_path)
    doc = nlp("刘浩到崇川\n区政协，学田 街道")
    assert doc.text == "刘浩到崇川\n区政协，学田 街道"
    by_text = [(t.text, t.lemma_, t.tag_, str(t.morph)) for t in doc]
    assert by_text[0] == ("刘", NO_MATCH, "B_nr", "Lex=S_SUR")
    assert by_text[3] == ("崇", "B_REGION", NO_MATCH, "")
    assert by_text[4] == ("川", "E_REGION|I_REGION", NO_MATCH, "")  # 崇川 and 崇川区
    assert by_text[5] == ("\n", NO_MATCH, NO_MATCH, "")
    assert by_text[6] == ("区", "E_REGION", NO_MATCH, "")  # 崇川区 read past the line break
    assert [t.lemma_ for t in doc][-4:] == ["B_STREET", "I_STREET", "I_STREET", "E_STREET"]  # a space inside
    assert doc[-3].whitespace_ == " "


def test_round_trip(tmp_path):
    nlp = lexicon_tokenizer(ENTRIES, tmp_path)
    text = "刘浩到崇川区政协"
    want = [(t.lemma_, t.tag_, str(t.morph)) for t in nlp(text)]
    nlp.to_disk(tmp_path / "model")
    assert (tmp_path / "model" / "tokenizer" / LEXICON_FILE).exists()
    assert (tmp_path / "model" / "tokenizer" / LEXICON_INDEX).exists()
    loaded = spacy.load(tmp_path / "model")
    assert [(t.lemma_, t.tag_, str(t.morph)) for t in loaded(text)] == want
    again = spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": "zxie.ReportTokenizer.v1", "words": False, "lexicon": True}}})
    again.tokenizer.from_bytes(nlp.tokenizer.to_bytes())
    assert [(t.lemma_, t.tag_, str(t.morph)) for t in again(text)] == want
    assert again.tokenizer.lexicon.sha256() == nlp.tokenizer.lexicon.sha256()


def test_lexicon_with_word_features_goes_to_morph(tmp_path):
    """words = true keeps LEMMA / TAG for the word features; every source becomes a MORPH field."""
    path = tmp_path / "lexicon.bin"
    path.write_bytes(Lexicon(ENTRIES).to_bytes())
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": "zxie.ReportTokenizer.v1", "words": True, "lexicon": True}}})
    nlp.tokenizer.initialize(lexicon=str(path))
    doc = nlp("刘浩到崇川区政协")
    assert [t.tag_ for t in doc][:2] == ["S", "S"]  # no segmenter: one-character words
    assert str(doc[0].morph) == "Dict=B_nr|Lex=S_SUR"
    assert str(doc[4].morph) == "Gaz=E_REGION,I_REGION"
    assert str(doc[2].morph) == ""


def test_short_forms():
    from zxie.training.lexicon import _community_form, _region_forms, _street_forms

    assert _region_forms("崇川区") == {"崇川区", "崇川"}
    assert _region_forms("江苏省") == {"江苏省", "江苏"}
    assert _region_forms("广西壮族自治区") == {"广西壮族自治区", "广西"}
    assert _region_forms("黔东南苗族侗族自治州") == {"黔东南苗族侗族自治州", "黔东南"}
    assert _street_forms("东华门街道办事处") == {"东华门街道", "东华门"}
    assert _street_forms("张芝山镇") == {"张芝山镇", "张芝山"}
    assert _community_form("多福巷社区居委会") == "多福巷社区"
    assert _community_form("三彭村民委员会") == "三彭村"
    assert _community_form("王家村村委会") == "王家村"


@pytest.fixture(scope="module")
def lexicon_datasets(tiny_data, tmp_path_factory):
    """The tiny public corpora plus the first rows of each gazetteer file."""
    root = tmp_path_factory.mktemp("lexicon-data") / "datasets"
    shutil.copytree(tiny_data / "datasets", root)
    (root / "gazetteers").mkdir()
    for name in ("provinces.csv", "cities.csv", "areas.csv", "streets.csv", "villages.csv.gz"):
        opener = gzip.open if name.endswith(".gz") else open
        with opener(GAZETTEERS / name, "rt", encoding="utf-8", newline="") as src, \
                opener(root / "gazetteers" / name, "wt", encoding="utf-8", newline="") as dst:
            writer = csv.writer(dst)
            for k, row in enumerate(csv.reader(src)):
                if k > 300:
                    break
                writer.writerow(row)
    return root


def test_tiny_pipeline_with_lexicon(tiny_data, lexicon_datasets):
    """Lexicon built by `zxie train`, features trained on end to end, saved in the model directory."""
    from zxie.training.train import TrainSettings, train_pipeline

    out = train_pipeline(TrainSettings(
        output=tiny_data / "model-lexicon",
        gold=tiny_data / "gold.jsonl",
        datasets=lexicon_datasets,
        config=ROOT / "configs" / "ner.cfg",
        augment_copies=1,
        overrides={"training.max_steps": 20, "training.eval_frequency": 10,
                   "components.tok2vec.model.encode.width": 32, "components.tok2vec.model.encode.depth": 1,
                   "nlp.tokenizer.words": False, "nlp.tokenizer.lexicon": True,
                   "nlp.tokenizer.lexicon_sources": ["gazetteer", "jieba", "corpus"],  # all three, not only the default
                   "components.tok2vec.model.embed.attrs": ["NORM", "SHAPE", "LEMMA", "TAG", "MORPH"],
                   "components.tok2vec.model.embed.rows": [500, 50, 100, 100, 100]},
    ), log=lambda m: None)
    nlp = spacy.load(out)
    lexicon = nlp.tokenizer.lexicon
    assert lexicon is not None and lexicon.sources == ["gazetteer", "jieba", "corpus"]
    meta = nlp.meta["zxie"]["lexicon"]
    assert meta["lexicon_sha256"] == lexicon.sha256()
    assert set(meta["inputs_sha256"]) >= {"gazetteers/streets.csv", "jieba/dict.txt", "ner/msra_dev.bio"}
    assert meta["counts"]["gazetteer"]["STREET"] > 0 and meta["counts"]["corpus"]["SUR"] > 0
    doc = nlp("北京市东城区东华门街道多福巷社区")
    assert doc[0].lemma_ == "B_REGION" and "B_COMMUNITY" in doc[-5].lemma_
    assert all(e.label_ for e in doc.ents)
