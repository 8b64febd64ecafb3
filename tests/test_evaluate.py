"""Evaluation metrics against small hand-computed cases (no model needed)."""

import json
import random

import numpy as np
import pytest
from sklearn.metrics import precision_recall_fscore_support

from zxie.evaluation.evaluate import evaluate_systems, score_predictions, score_records
from zxie.evaluation import views
from zxie.evaluation.baselines import GazetteerBaseline, JiebaBaseline
from zxie.evaluation.bootstrap import confidence_intervals, paired_test
from zxie.evaluation.scoring import document_counts, metrics
from zxie.evaluation.systems import PredictionFile
from zxie.evaluation.table import format_table
from zxie.schema import load_schema


def ent(i, start, end, label, **extra):
    return {"id": i, "label": label, "start_offset": start, "end_offset": end, **extra}


def doc(doc_id, entities, relations=(), text=None):
    end = max([e["end_offset"] for e in entities] + [0])
    return {"id": doc_id, "text": text if text is not None else "字" * (end + 5), "entities": list(entities),
            "relations": [{"id": k, "from_id": h, "to_id": t, "type": typ} for k, (h, t, typ) in enumerate(relations, 1)]}


# gold A..E and predictions covering every row of the SemEval table
GOLD = doc("d", [ent(1, 0, 2, "PERSON"), ent(2, 5, 9, "ORG"), ent(3, 12, 14, "DATE"), ent(4, 20, 24, "METRIC"), ent(5, 30, 32, "REGION")])
PRED = doc("d", [ent(1, 0, 2, "PERSON"),      # same span, same label
                 ent(2, 5, 9, "COMMITTEE"),   # same span, other label
                 ent(3, 12, 15, "DATE"),      # overlap, same label
                 ent(4, 20, 22, "ORG"),       # overlap, other label
                 ent(5, 40, 42, "PERSON")])   # spurious; REGION 30-32 missed


def test_semeval_views_hand_computed():
    scores, _ = score_predictions([GOLD], [PRED], samples=0)
    v = scores["ner_views"]
    assert v["strict"]["counts"] == {"COR": 1, "INC": 3, "PAR": 0, "MIS": 1, "SPU": 1, "POS": 5, "ACT": 5}
    assert v["exact"]["counts"] == {"COR": 2, "INC": 2, "PAR": 0, "MIS": 1, "SPU": 1, "POS": 5, "ACT": 5}
    assert v["type"]["counts"] == {"COR": 2, "INC": 2, "PAR": 0, "MIS": 1, "SPU": 1, "POS": 5, "ACT": 5}
    assert v["partial"]["counts"] == {"COR": 2, "INC": 0, "PAR": 2, "MIS": 1, "SPU": 1, "POS": 5, "ACT": 5}
    assert v["strict"]["micro"] == {"p": 0.2, "r": 0.2, "f": 0.2}
    assert v["exact"]["micro"] == {"p": 0.4, "r": 0.4, "f": 0.4}
    assert v["type"]["micro"] == {"p": 0.4, "r": 0.4, "f": 0.4}
    assert v["partial"]["micro"] == {"p": 0.6, "r": 0.6, "f": 0.6}  # (2 + ½·2) / 5
    # per label: the gold label owns COR/INC/PAR/MIS, the predicted label owns SPU
    person = v["strict"]["per_label"]["PERSON"]
    assert person["counts"] == {"COR": 1, "INC": 0, "PAR": 0, "MIS": 0, "SPU": 1}
    assert (person["p"], person["r"], person["f"]) == (0.5, 1.0, 0.6667)
    assert v["strict"]["per_label"]["ORG"]["counts"]["INC"] == 1
    assert v["strict"]["per_label"]["REGION"]["counts"]["MIS"] == 1
    assert "COMMITTEE" not in v["strict"]["per_label"]
    # macro over the 5 labels present: PERSON 2/3, the others 0
    assert v["strict"]["macro"]["f"] == pytest.approx(2 / 3 / 5, abs=1e-4)
    # distinct-mention block (as zxie train reports): 1 tp, 4 fp, 4 fn
    assert (scores["ner"]["tp"], scores["ner"]["fp"], scores["ner"]["fn"]) == (1, 4, 4)
    assert scores["ner"]["f"] == score_records([GOLD], [PRED])["ner"]["f"] == 0.2


def test_partial_match_prefers_same_span_and_counts_each_prediction():
    gold = [views.Span(0, 4, "ORG"), views.Span(6, 8, "PERSON")]
    # two predictions inside one gold mention: both PAR, the gold mention is not missed
    matches = views.match(gold, [views.Span(0, 2, "ORG"), views.Span(2, 4, "ORG")])
    cats = sorted(m.outcome["partial"] for m in matches)
    assert cats == ["MIS", "PAR", "PAR"]  # the PERSON is missed
    counts = views.count(matches)["partial"]
    assert views.prf_counts(sum(counts.values(), views.Counter()), partial=True)["p"] == pytest.approx(0.5)
    # a prediction with the same span as one gold and overlapping another matches the same span
    m = views.match([views.Span(0, 3, "ORG"), views.Span(2, 6, "PERSON")], [views.Span(2, 6, "ORG")])
    assert m[0].gold == views.Span(2, 6, "PERSON") and m[0].outcome["exact"] == "COR"


def test_errors_list_every_false_positive_and_negative_with_sentence_and_nearest():
    text = "刘浩到崇川区调研。张三在南通。"
    gold = doc("e", [ent(1, 0, 2, "PERSON"), ent(2, 3, 6, "REGION"), ent(3, 9, 11, "PERSON")], text=text)
    pred = doc("e", [ent(1, 0, 2, "PERSON"), ent(2, 3, 5, "REGION"), ent(3, 12, 14, "REGION")], text=text)
    scores, _ = score_predictions([gold], [pred], samples=0)
    errors = scores["errors"]
    assert len([e for e in errors if e["kind"] == "FP"]) == scores["ner"]["fp"] == 2
    assert len([e for e in errors if e["kind"] == "FN"]) == scores["ner"]["fn"] == 2
    boundary = next(e for e in errors if e["kind"] == "FP" and e["text"] == "崇川")
    assert boundary["nearest"]["text"] == "崇川区" and boundary["category"]["partial"] == "PAR"
    assert boundary["sentence"]["text"] == "刘浩到崇川区调研。"
    missed = next(e for e in errors if e["kind"] == "FN" and e["text"] == "张三")
    assert missed["nearest"]["text"] == "南通" and missed["sentence"]["text"] == "张三在南通。"
    spurious = next(e for e in errors if e["text"] == "南通")
    assert spurious["why"] == "spurious"


def test_relations_end_to_end_and_with_gold_entities():
    gold = doc("r", [ent(1, 0, 4, "TITLE"), ent(2, 4, 6, "PERSON"), ent(3, 8, 12, "COMMITTEE")],
               [(2, 1, "HAS_TITLE"), (2, 3, "AFFILIATED_WITH")])
    pred = doc("r", [ent(7, 0, 4, "TITLE"), ent(8, 4, 6, "PERSON"), ent(9, 8, 11, "COMMITTEE")],  # wrong COMMITTEE span
               [(8, 7, "HAS_TITLE"), (8, 9, "AFFILIATED_WITH")])
    pred["relations_gold_entities"] = [{"from_id": 2, "to_id": 1, "type": "HAS_TITLE"},
                                       {"from_id": 2, "to_id": 3, "type": "AFFILIATED_WITH"},
                                       {"from_id": 3, "to_id": 2, "type": "LOCATED_IN"}]
    scores, _ = score_predictions([gold], [pred], samples=0)
    rel, relg = scores["relations"], scores["relations_gold_entities"]
    assert (rel["tp"], rel["fp"], rel["fn"]) == (1, 1, 1)
    assert rel["per_type"]["HAS_TITLE"]["f"] == 1.0 and rel["per_type"]["AFFILIATED_WITH"]["f"] == 0.0
    assert (relg["tp"], relg["fp"], relg["fn"]) == (2, 1, 0)
    assert relg["p"] == pytest.approx(2 / 3, abs=1e-4) and relg["r"] == 1.0
    assert {(e["kind"], e["type"]) for e in scores["relation_errors"]} == {("FP", "AFFILIATED_WITH"), ("FN", "AFFILIATED_WITH")}
    assert scores["relation_errors_gold_entities"][0]["type"] == "LOCATED_IN"


def test_metric_norm_parts_and_date_norm_against_parse_date():
    text = "2024年8月26日投入约8.2万元，建成205个，3月5日开会。"
    norm = lambda v, u, q: {"value": v, "unit": u, "qualifier": q}  # noqa: E731
    gold = doc("n", [ent(1, 0, 10, "DATE"), ent(2, 12, 18, "METRIC", norm=norm(82000, "元", "approx")),
                     ent(3, 21, 25, "METRIC", norm=norm(205, "个", "exact")), ent(4, 26, 30, "DATE")], text=text)
    pred = doc("n", [ent(1, 0, 10, "DATE", norm={"iso": "2024-08-26"}),
                     ent(2, 12, 18, "METRIC", norm=norm(82000, "万元", "approx")),   # unit wrong
                     ent(3, 21, 25, "METRIC", norm=norm(205, "个", "exact")),
                     ent(4, 26, 28, "DATE", norm={"iso": "--03"})], text=text)      # boundary error: --03 vs --03-05
    scores, _ = score_predictions([gold], [pred], samples=0)
    m = scores["metric_norm_detail"]
    assert (m["gold"], m["found"], m["value"], m["unit"], m["qualifier"], m["all"]) == (2, 2, 1.0, 0.5, 1.0, 0.5)
    assert scores["metric_norm"] == 0.5 and scores["metric_norm_e2e"] == 0.5
    d = scores["date_norm"]
    assert d["exact"] == {"found": 1, "correct": 1, "accuracy": 1.0}
    assert d["overlap"] == {"found": 2, "correct": 1, "accuracy": 0.5}
    assert d["gold_parseable"] == 2


def test_flat_metrics_equal_the_nested_scores():
    rng = random.Random(3)
    golds, preds = random_docs(rng, 8)
    scores, counts = score_predictions(golds, preds, samples=0)
    flat = metrics(sum(counts, views.Counter()))
    for view in views.VIEWS:
        for k in "prf":
            assert round(float(flat[f"ner.{view}.{k}"]), 4) == scores["ner_views"][view]["micro"][k]
        assert round(float(flat[f"ner.{view}.macro_f"]), 4) == scores["ner_views"][view]["macro"]["f"]
    assert round(float(flat["relations.f"]), 4) == scores["relations"]["f"]


def random_docs(rng, n, labels=("PERSON", "ORG", "REGION", "DATE"), length=60, single=False):
    golds, preds = [], []
    for d in range(n):
        g, p = [], []
        for i in range(0, length, 6):
            if rng.random() < 0.6:
                g.append(ent(len(g) + 1, i, i + (1 if single else 3), rng.choice(labels)))
            if rng.random() < 0.6:
                a = i + (0 if single else rng.choice([0, 0, 1]))
                p.append(ent(len(p) + 1, a, a + (1 if single else rng.choice([2, 3])), rng.choice(labels)))
        golds.append(doc(f"r{d}", g, text="字" * length))
        preds.append(doc(f"r{d}", p, text="字" * length))
    return golds, preds


def test_token_level_views_agree_with_sklearn():
    """With one-character entities, each character is a token: strict micro P/R/F equal
    scikit-learn's micro scores over the entity labels, per-label recall equals its per-label
    recall, and the exact view equals its scores with labels collapsed to entity / O."""
    rng = random.Random(7)
    labels = ["PERSON", "ORG", "REGION", "DATE"]
    golds, preds = random_docs(rng, 12, labels, single=True)
    scores, _ = score_predictions(golds, preds, samples=0)

    def tags(records):
        out = []
        for r in records:
            t = ["O"] * len(r["text"])
            for e in r["entities"]:
                t[e["start_offset"]] = e["label"]
            out += t
        return out

    y_true, y_pred = tags(golds), tags(preds)
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, labels=labels, average="micro", zero_division=0)
    micro = scores["ner_views"]["strict"]["micro"]
    assert (micro["p"], micro["r"], micro["f"]) == (round(p, 4), round(r, 4), round(f, 4))
    assert scores["ner_views"]["type"]["micro"] == micro  # nothing can overlap partially
    ps, rs, fs, support = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    for label, pl, rl, fl, n in zip(labels, ps, rs, fs, support):
        assert scores["ner_views"]["strict"]["per_label"][label]["r"] == round(rl, 4)
        mention = scores["ner"]["per_label"][label]
        assert (mention["p"], mention["r"], mention["f"], mention["tp"] + mention["fn"]) == (round(pl, 4), round(rl, 4), round(fl, 4), n)
    binary = lambda ts: ["E" if t != "O" else "O" for t in ts]  # noqa: E731
    p, r, f, _ = precision_recall_fscore_support(binary(y_true), binary(y_pred), labels=["E"], average="micro", zero_division=0)
    exact = scores["ner_views"]["exact"]["micro"]
    assert (exact["p"], exact["r"], exact["f"]) == (round(p, 4), round(r, 4), round(f, 4))


def test_bootstrap_is_deterministic_and_hand_checkable():
    # two documents: one perfect, one with a miss and a spurious mention. Samples are {1,1}: F1 1,
    # {1,2}: F1 ½, {2,2}: F1 0, with chances ¼, ½, ¼: the 95 % interval is [0, 1].
    good = doc("a", [ent(1, 0, 2, "PERSON")])
    bad_gold, bad_pred = doc("b", [ent(1, 0, 2, "ORG")]), doc("b", [ent(1, 4, 6, "ORG")])
    counts = [document_counts(good, good)[0], document_counts(bad_gold, bad_pred)[0]]
    ci = confidence_intervals(counts, samples=1000, seed=1)
    assert ci["ner.strict.f"] == [0.0, 1.0]
    assert confidence_intervals(counts, samples=1000, seed=1) == ci
    # one document: every sample is that document
    assert confidence_intervals(counts[1:], samples=200, seed=5)["ner.strict.f"] == [0.0, 0.0]
    assert confidence_intervals(counts[:1], samples=200, seed=5)["ner.strict.f"] == [1.0, 1.0]
    # more documents: the same seed gives the same intervals, another seed other ones
    golds, preds = random_docs(random.Random(11), 15)
    doc_counts = [document_counts(g, p)[0] for g, p in zip(golds, preds)]
    a = confidence_intervals(doc_counts, samples=500, seed=0)
    assert a == confidence_intervals(doc_counts, samples=500, seed=0)
    assert a != confidence_intervals(doc_counts, samples=500, seed=1)
    point = score_predictions(golds, preds, samples=0)[0]["ner_views"]["strict"]["micro"]["f"]
    assert a["ner.strict.f"][0] < point < a["ner.strict.f"][1]


def test_paired_bootstrap():
    golds, preds = random_docs(random.Random(5), 20)
    mine = [document_counts(g, p)[0] for g, p in zip(golds, preds)]
    perfect = [document_counts(g, g)[0] for g in golds]
    same = paired_test(mine, mine, ["ner.strict.f"], samples=300, seed=0)["ner.strict.f"]
    assert same["difference"] == 0.0 and same["p"] == 1.0
    better = paired_test(perfect, mine, ["ner.strict.f"], samples=300, seed=0)["ner.strict.f"]
    assert better["a"] == 1.0 and better["difference"] > 0.3 and better["p"] < 0.01
    assert better == paired_test(perfect, mine, ["ner.strict.f"], samples=300, seed=0)["ner.strict.f"]
    with pytest.raises(ValueError):
        paired_test(mine, mine[:-1], ["ner.strict.f"])


def test_jieba_baseline_maps_tags():
    text = "2024年8月26日，区委书记刘浩到崇川区政协调研，崇川已建成协商议事室205个。"
    spans = {(text[a:b], label) for a, b, label in JiebaBaseline().spans(text)}
    assert ("刘浩", "PERSON") in spans and ("崇川区", "REGION") in spans
    assert ("2024年8月26日", "DATE") in spans and ("205个", "METRIC") in spans
    assert {label for _, label in spans} <= set(load_schema().entity_labels)
    pred = JiebaBaseline().predict([{"id": "x", "text": text}])[0]
    metric = next(e for e in pred["entities"] if e["label"] == "METRIC")
    assert metric["norm"] == {"value": 205, "unit": "个", "qualifier": "exact"}


def test_gazetteer_baseline_uses_only_training_mentions():
    train = [doc("t", [ent(1, 0, 2, "PERSON"), ent(2, 3, 6, "REGION"), ent(3, 10, 14, "METRIC", norm={"value": 5, "unit": "个", "qualifier": "exact"})],
                 text="刘浩到崇川区调研，建成5个点。")]
    train[0]["entities"][2].update(start_offset=11, end_offset=13)
    base = GazetteerBaseline(train)
    text = "张三和刘浩在崇川区，2023年5月建成12个。"
    found = {(text[a:b], label) for a, b, label in base.spans(text)}
    assert found == {("刘浩", "PERSON"), ("崇川区", "REGION"), ("2023年5月", "DATE"), ("12个", "METRIC")}
    with pytest.raises(ValueError):
        GazetteerBaseline([])


def test_prediction_file_of_extract_records_cut_to_sections(tmp_path):
    text = "刘浩到崇川区调研。张三在南通。"
    sections = [{"id": "doc@0-9", "text": text[:9], "entities": [ent(1, 0, 2, "PERSON")], "relations": [],
                 "meta": {"doc_id": "doc", "offset": 0}},
                {"id": "doc@9-15", "text": text[9:], "entities": [ent(1, 0, 2, "PERSON")], "relations": [],
                 "meta": {"doc_id": "doc", "offset": 9}},
                {"id": "other", "text": "王五", "entities": [ent(1, 0, 2, "PERSON")], "relations": [], "meta": {}}]
    extracted = {"schema_version": 1, "id": "doc", "source": "x",
                 "entities": [{"id": 1, "text": "刘浩", "label": "PERSON", "start": 0, "end": 2},
                              {"id": 2, "text": "崇川区", "label": "REGION", "start": 3, "end": 6},
                              {"id": 3, "text": "张三", "label": "PERSON", "start": 9, "end": 11}],
                 "relations": [{"head": 1, "tail": 2, "type": "AFFILIATED_WITH", "score": 0.9}]}
    path = tmp_path / "pred.jsonl"
    path.write_text(json.dumps(extracted, ensure_ascii=False) + "\n{not json\n", encoding="utf-8")
    system = PredictionFile(path)
    assert len(system.problems) == 1 and ":2:" in system.problems[0]
    preds = system.predict(sections)
    assert [e["start_offset"] for e in preds[0]["entities"]] == [0, 3]
    assert preds[0]["relations"] == [{"from_id": 1, "to_id": 2, "type": "AFFILIATED_WITH"}]
    assert [(e["start_offset"], e["end_offset"]) for e in preds[1]["entities"]] == [(0, 2)]
    assert preds[2]["entities"] == [] and system.missing == ["other"]
    result = evaluate_systems([system], sections, samples=50)
    s = result["systems"][0]
    assert s["ner"]["tp"] == 2 and s["ner"]["fp"] == 1 and s["ner"]["fn"] == 1
    assert s["missing_predictions"] == ["other"]
    table = format_table(result)
    assert "no prediction for 1 gold documents" in table and "skipped" in table


def test_bootstrap_uses_weights_not_copies():
    # the sample counts are weighted sums of the document rows
    golds, preds = random_docs(random.Random(2), 4)
    counts = [document_counts(g, p)[0] for g, p in zip(golds, preds)]
    from zxie.evaluation.bootstrap import CountTable, resample_weights

    w = resample_weights(4, 3, seed=9)
    assert w.sum(axis=1).tolist() == [4, 4, 4]
    table = CountTable(counts)
    summed = table.summed(w)
    col = table.columns.index("docs")
    assert np.array_equal(summed["docs"], w @ table.matrix[:, col])
