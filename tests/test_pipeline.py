"""The trained pipeline: a tiny one built end to end in the suite, and the shipped default model."""

import json

import jsonschema
import numpy as np
import pytest
import spacy

from zxie.corpus.interchange import read_corpus, read_records
from zxie.corpus.splits import select
from zxie.evaluation.evaluate import evaluate_nlp
from zxie.batch.run import extract_paths
from zxie.extract import Extractor
from zxie.io.records import record_schema
from zxie.training.ensemble import join_taggers

from .conftest import GOLD, SHARED, SHIPPED_MODEL, SHIPPED_SEGMENTER

# Floors a few points under the shipped model's scores on the test split, as measured by
# `zxie evaluate annotations/gold.jsonl annotations/composed.jsonl --split test`: a regression fails.
FLOORS = {"ner": 0.76, "relations": 0.62, "metric_norm": 0.97}  # test split: 0.787, 0.650, 1.00
# PERSON F1 on the held-out tenth of the public corpora (zxie evaluate-general): 0.748, 0.958
GENERAL_FLOORS = {"msra": 0.72, "resume": 0.91}


def check_records(path, texts):
    validator = jsonschema.Draft202012Validator(record_schema())
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for rec in records:
        validator.validate(rec)
        text = texts[rec["id"]]
        ids = {e["id"] for e in rec["entities"]}
        for e in rec["entities"]:
            assert text[e["start"]:e["end"]] == e["text"]
        for r in rec["relations"]:
            assert r["head"] in ids and r["tail"] in ids
    return records


def test_tiny_pipeline_trains_end_to_end(tiny_model, tiny_data, tmp_path):
    nlp = spacy.load(tiny_model)
    assert nlp.pipe_names == ["ner", "zxie_norms", "zxie_relations"]
    assert nlp.config["components"]["ner"]["model"]["@architectures"] == "zxie.TaggerEnsemble.v1"
    meta = nlp.meta["zxie"]
    assert len(meta["training_data_sha256"]) == 64
    assert set(meta["scores"]) == {"train", "dev", "test"}
    assert (tiny_model / "tokenizer" / "weights.npz").exists()  # the segmenter travels with the model
    assert (tiny_model / "zxie_relations" / "linear.json").exists()  # the relation model as plain data
    # extraction with it writes valid records whose spans index the input
    docs = tmp_path / "in"
    docs.mkdir()
    texts = {}
    for rec in list(read_records(tiny_data / "gold.jsonl"))[:3]:
        name = rec.id.replace("@", "_")
        (docs / f"{name}.txt").write_text(rec.text, encoding="utf-8")
        texts[name] = rec.text
    written, failed = extract_paths([docs], tmp_path / "out.jsonl", model=tiny_model)
    assert (written, failed) == (3, 0)
    assert [r["id"] for r in check_records(tmp_path / "out.jsonl", texts)] == sorted(texts)


def test_the_joined_ner_averages_its_members_tag_probabilities(tiny_model, tiny_data):
    # trained on the train split only, so each member is its best checkpoint on dev, without the
    # auxiliary heads it was trained with
    members = [tiny_data / "model.work" / f"ner-{k}" / "member" for k in range(2)]
    text = next(iter(read_records(tiny_data / "gold.jsonl"))).text
    probs = []
    for path in members:
        nlp = spacy.load(path)
        probs.append(nlp.get_pipe("ner").predict([nlp.get_pipe("tok2vec")(nlp.make_doc(text))])[0])
    assert not np.allclose(probs[0], probs[1])  # two seeds, two different taggers
    joined = spacy.load(tiny_model)
    ner = joined.get_pipe("ner")
    (mean,) = ner.predict([joined.make_doc(text)])
    assert np.allclose(mean, (probs[0] + probs[1]) / 2, atol=1e-6)
    with pytest.raises(ValueError, match="only predicts"):
        ner.model.begin_update([joined.make_doc(text)])


def test_members_with_different_vectors_are_not_joined(tiny_data, tmp_path):
    member = spacy.load(tiny_data / "model.work" / "ner-0" / "member")
    member.vocab.vectors.data[0] += 1.0
    member.to_disk(tmp_path / "other")
    with pytest.raises(ValueError, match="static vectors differ"):
        join_taggers([tiny_data / "model.work" / "ner-1" / "member", tmp_path / "other"])


def test_every_gold_entity_aligns_with_tokens(tiny_model):
    nlp = spacy.load(tiny_model)
    total = 0
    for rec in read_records(GOLD):
        doc = nlp.make_doc(rec.text)
        assert doc.text == rec.text
        for e in rec.entities:
            assert doc.char_span(e["start_offset"], e["end_offset"]) is not None, (rec.id, e)
            total += 1
    assert total == 883


def test_shipped_model_extracts_the_seeds(tmp_path):
    seeds = SHARED / "seeds"
    written, failed = extract_paths([seeds], tmp_path / "seeds.jsonl")
    assert (written, failed) == (5, 0)
    texts = {p.stem: p.read_text(encoding="utf-8") for p in seeds.glob("*.txt")}
    records = check_records(tmp_path / "seeds.jsonl", texts)
    assert [r["id"] for r in records] == sorted(texts)
    assert all(r["meta"]["model"] == Extractor().model_name for r in records)


def test_shipped_model_stays_above_its_floor_on_test():
    nlp = spacy.load(SHIPPED_MODEL)
    # the test split of the whole gold corpus: the seeds' test sections and the composed test articles
    scores = evaluate_nlp(nlp, list(select(read_corpus([GOLD, GOLD.with_name("composed.jsonl")]), "test")))
    assert scores["ner"]["f"] >= FLOORS["ner"]
    assert scores["relations"]["f"] >= FLOORS["relations"]
    assert scores["metric_norm"] >= FLOORS["metric_norm"]


def test_shipped_model_finds_persons_in_general_text():
    """News (MSRA) and résumés (Resume): the tenth of each corpus that zxie train never reads."""
    from zxie.evaluation.general import evaluate_general

    result = evaluate_general([("shipped", spacy.load(SHIPPED_MODEL))], SHARED / "datasets", corpora=list(GENERAL_FLOORS))
    for corpus, floor in GENERAL_FLOORS.items():
        assert result["corpora"][corpus]["scores"]["shipped"]["per_label"]["PERSON"]["f"] >= floor, corpus


def test_extract_cli_reads_stdin_and_reports_bad_documents(tiny_model, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    exe = str(Path(sys.executable).with_name("zxie"))
    lines = [json.dumps({"id": "a", "text": "区委书记刘浩出席会议。", "region": "崇川"}, ensure_ascii=False), "{broken",
             json.dumps({"id": "b", "text": "2024年,区政协开展活动40余场次。"}, ensure_ascii=False)]
    out = tmp_path / "out.jsonl"
    run = subprocess.run([exe, "extract", "-", "-o", str(out), "--model", str(tiny_model)],
                         input="\n".join(lines) + "\n", capture_output=True, text=True)
    assert run.returncode == 1, run.stderr
    assert "2 record(s) written" in run.stderr and "1 document(s) failed" in run.stderr
    records = check_records(out, {"a": "区委书记刘浩出席会议。", "b": "2024年,区政协开展活动40余场次。"})
    assert [r["id"] for r in records] == ["a", "b"]
    assert records[0]["meta"]["region"] == "崇川" and records[0]["source"] == "<stdin>:1"
    errors = [json.loads(line) for line in (tmp_path / "out.errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert errors == [{"id": None, "source": "<stdin>:2", "error": "json", "message": errors[0]["message"]}]
    assert "line 2" in errors[0]["message"]
    missing = subprocess.run([exe, "extract", "-", "-o", str(out), "--model", str(tmp_path / "nothing")],
                             input="", capture_output=True, text=True)
    assert missing.returncode == 2 and "no zxie model at" in missing.stderr


def test_shipped_segmenter_cuts_layout_free_text_into_words():
    from zxie.segmentation import Segmenter

    seg = Segmenter(SHIPPED_SEGMENTER)
    text = "崇川区政协召开“有事好商量”协商议事室建设推进会,区委书记刘浩出席。"
    words = seg.cut(text)
    assert "".join(words) == text
    assert "推进会" in words or "推进" in words
    assert "区委" in words and "书记" in words
