"""Inter-annotator agreement and the three-way merge, on real interchange files (no server)."""

from __future__ import annotations

import copy
import json

from sklearn.metrics import cohen_kappa_score
from typer.testing import CliRunner

from zxie.annotate.agreement import agreement
from zxie.annotate.convert import annotations_of, split_edges, to_record
from zxie.annotate.merge import merge
from zxie.cli.main import app
from zxie.corpus.interchange import read_records, write_records


def _gold(tiny_data, n=3):
    return [r.data for r in read_records(tiny_data / "gold.jsonl")][:n]


def _second_annotator(docs):
    """B: the first document with one span dropped (and its relations), one label changed and one
    relation dropped; the rest identical. Returns (B, what was changed)."""
    b = copy.deepcopy(docs)
    doc = b[0]
    in_rel = {r["from_id"] for r in doc["relations"]} | {r["to_id"] for r in doc["relations"]}
    free = [e for e in doc["entities"] if e["id"] not in in_rel]
    dropped, relabelled = free[0], free[1]
    doc["entities"].remove(dropped)
    old_label = relabelled["label"]
    relabelled["label"] = "PLACE" if old_label != "PLACE" else "ORG"
    lost = doc["relations"].pop(0)
    return b, {"dropped": dropped, "relabelled": (relabelled, old_label), "relation": lost}


def test_agreement_counts_what_differs(tiny_data):
    a = _gold(tiny_data)
    b, changed = _second_annotator(a)
    res = agreement(a, b)
    n_a = sum(len(d["entities"]) for d in a)
    assert res["documents"] == 3
    assert (res["spans"]["a"], res["spans"]["b"], res["spans"]["tp"]) == (n_a, n_a - 1, n_a - 2)
    assert res["spans"]["p"] == round((n_a - 2) / (n_a - 1), 4) and res["spans"]["r"] == round((n_a - 2) / n_a, 4)
    dropped_label = changed["dropped"]["label"]
    per = res["spans"]["per_label"][dropped_label]
    assert per["a"] - per["b"] >= 1 and per["tp"] < per["a"]
    n_rel = sum(len(d["relations"]) for d in a)
    assert (res["relations"]["a"], res["relations"]["b"], res["relations"]["tp"]) == (n_rel, n_rel - 1, n_rel - 1)
    assert res["relations"]["p"] == 1.0 and res["relations"]["r"] == round((n_rel - 1) / n_rel, 4)

    kinds = sorted((d["what"], d["kind"]) for d in res["disagreements"])
    assert kinds == [("relation", "only_a"), ("span", "label"), ("span", "only_a")]
    label_dis = next(d for d in res["disagreements"] if d["kind"] == "label")
    relabelled, old = changed["relabelled"]
    assert (label_dis["start"], label_dis["a"], label_dis["b"]) == (relabelled["start_offset"], old, relabelled["label"])

    # character kappa: the dropped and relabelled characters are the only disagreements
    diff_chars = (changed["dropped"]["end_offset"] - changed["dropped"]["start_offset"]
                  + relabelled["end_offset"] - relabelled["start_offset"])
    total = sum(len(d["text"]) for d in a)
    assert res["characters"]["n"] == total
    assert res["characters"]["observed"] == round((total - diff_chars) / total, 4)
    assert 0.5 < res["characters"]["kappa"] < 1.0

    same = agreement(a, copy.deepcopy(a))
    assert same["spans"]["f"] == same["relations"]["f"] == same["characters"]["kappa"] == 1.0
    assert same["disagreements"] == []


def test_kappa_is_sklearn_on_character_labels():
    a = [{"id": "d", "text": "刘浩到崇川区", "entities": [{"id": 1, "label": "PERSON", "start_offset": 0, "end_offset": 2},
                                                     {"id": 2, "label": "REGION", "start_offset": 3, "end_offset": 6}], "relations": []}]
    b = [{"id": "d", "text": "刘浩到崇川区", "entities": [{"id": 1, "label": "PERSON", "start_offset": 0, "end_offset": 2},
                                                     {"id": 2, "label": "REGION", "start_offset": 3, "end_offset": 5}], "relations": []}]
    res = agreement(a, b)
    expected = cohen_kappa_score(["PERSON", "PERSON", "O", "REGION", "REGION", "REGION"],
                                 ["PERSON", "PERSON", "O", "REGION", "REGION", "O"])
    assert res["characters"]["kappa"] == round(expected, 4)
    assert res["spans"]["per_label"]["REGION"]["f"] == 0.0 and res["spans"]["per_label"]["PERSON"]["f"] == 1.0


def test_agreement_cli(tiny_data, tmp_path):
    a = _gold(tiny_data)
    b, _ = _second_annotator(a)
    b.append({"id": "only-b", "text": "崇川", "entities": [], "relations": []})
    write_records(tmp_path / "a.jsonl", a)
    write_records(tmp_path / "b.jsonl", b)
    out = CliRunner().invoke(app, ["annotate", "agreement", str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")])
    assert out.exit_code == 0, out.output
    assert "documents compared: 3" in out.stdout and "only in b: only-b" in out.stdout
    assert "Cohen's kappa" in out.stdout and "disagreements: 3" in out.stdout
    js = CliRunner().invoke(app, ["annotate", "agreement", "--json", str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")])
    assert json.loads(js.stdout)["only_in_b"] == ["only-b"]


def test_three_way_merge(good_record):
    base = copy.deepcopy(good_record)
    doccano_changed = copy.deepcopy(base)
    doccano_changed["entities"] = doccano_changed["entities"][:4]
    doccano_changed["relations"] = [r for r in doccano_changed["relations"] if r["from_id"] != 5]
    file_changed = copy.deepcopy(base)
    file_changed["entities"][2]["label"] = "ORG"
    new = dict(copy.deepcopy(base), id="new")

    # only doccano changed: taken
    r = merge([base], [(doccano_changed, base)])
    assert r.updated == ["fixture"] and annotations_of(r.records[0]) == annotations_of(doccano_changed)
    # only the file changed: kept
    r = merge([file_changed], [(base, base)])
    assert r.kept == ["fixture"] and r.records[0] == file_changed
    # both changed differently: conflict, file untouched
    r = merge([file_changed], [(doccano_changed, base)])
    assert r.records == [file_changed] and [c[0]["id"] for c in r.conflicts] == ["fixture"]
    # both made the same change (ids renumbered): no conflict
    renumbered = copy.deepcopy(doccano_changed)
    for e in renumbered["entities"]:
        e["id"] += 10
    for rel in renumbered["relations"]:
        rel["from_id"] += 10
        rel["to_id"] += 10
    r = merge([renumbered], [(doccano_changed, base)])
    assert r.unchanged == ["fixture"] and not r.conflicts
    # a new document is added; a different text is a conflict
    r = merge([base], [(new, None), (dict(base, text=base["text"] + "。"), base)])
    assert r.added == ["new"] and len(r.records) == 2 and r.conflicts[0][1].startswith("the text")


def test_doccano_example_to_record_restores_stripped_whitespace():
    text = "\n\u3000刘浩到崇川区。\n"
    lead, core, trail = split_edges(text)
    assert (lead, core, trail) == ("\n\u3000", "刘浩到崇川区。", "\n")
    example = {"id": 7, "text": core, "meta": {"zxie_id": "d1", "zxie_edges": [lead, trail], "zxie_meta": {"split": "train"}}}
    spans = [{"id": 11, "label": 2, "start_offset": 3, "end_offset": 6}, {"id": 10, "label": 1, "start_offset": 0, "end_offset": 2}]
    rec = to_record(example, spans, [{"from_id": 10, "to_id": 11, "type": 5}], {1: "PERSON", 2: "REGION"}, {5: "AFFILIATED_WITH"})
    assert rec["text"] == text and rec["id"] == "d1" and rec["meta"] == {"split": "train"}
    assert [(text[e["start_offset"]:e["end_offset"]], e["label"]) for e in rec["entities"]] == [("刘浩", "PERSON"), ("崇川区", "REGION")]
    assert rec["relations"] == [{"id": 1, "from_id": 1, "to_id": 2, "type": "AFFILIATED_WITH"}]


def test_push_without_a_model_fails_before_touching_any_server(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCCANO_URL", "http://127.0.0.1:9")  # would be "not reachable" if contacted
    monkeypatch.setenv("DOCCANO_USERNAME", "u")
    monkeypatch.setenv("DOCCANO_PASSWORD", "p")
    (tmp_path / "d.txt").write_text("崇川区政协调研。", encoding="utf-8")
    out = CliRunner().invoke(app, ["annotate", "push", "-p", "x", "--model", str(tmp_path / "nope"), str(tmp_path / "d.txt")])
    assert out.exit_code == 1 and out.stderr.strip() == f"error: cannot load the model: no zxie model at {tmp_path / 'nope'}"
