"""Evaluation on anyone's gold file: every gold document is scored (issue: gold is the authority),
gold without splits is scored whole, layout breaks inside names do not cut sentences, and the
headline figures match scores worked out by hand."""

import json

import pytest
from typer.testing import CliRunner

from zxie.cli import app
from zxie.corpus.interchange import read_records
from zxie.evaluation.evaluate import score_predictions
from zxie.evaluation.gold import GoldError, select_gold
from zxie.text import sentence_spans

runner = CliRunner()

# The evaluator's case: a blank line inside the community name 虹西社区, and a relation across it.
DAMAGED = "住在虹桥街道虹桥西村的张伯伯找到虹西社\n\n区“社情民意直通点”的联络员，反映了楼道堆物问题。"


def _span(text, surface, label, i, nth=0):
    squeezed = [k for k, c in enumerate(text) if not c.isspace()]
    flat = "".join(text[k] for k in squeezed)
    pos = -1
    for _ in range(nth + 1):
        pos = flat.index(surface, pos + 1)
    return {"id": i, "label": label, "start_offset": squeezed[pos], "end_offset": squeezed[pos + len(surface) - 1] + 1}


def damaged_record():
    ents = [_span(DAMAGED, "虹桥街道", "STREET", 1), _span(DAMAGED, "虹桥西村", "COMMUNITY", 2),
            _span(DAMAGED, "虹西社区", "COMMUNITY", 3), _span(DAMAGED, "社情民意直通点", "INITIATIVE", 4)]
    rels = [{"id": 1, "from_id": 2, "to_id": 1, "type": "LOCATED_IN"},
            {"id": 2, "from_id": 4, "to_id": 3, "type": "ORGANIZED_BY"}]
    return {"id": "h03", "text": DAMAGED, "entities": ents, "relations": rels}


def write(tmp_path, name, records):
    path = tmp_path / name
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_a_break_inside_a_name_does_not_end_the_sentence():
    assert len(sentence_spans(DAMAGED)) == 1
    assert DAMAGED[_span(DAMAGED, "虹西社区", "COMMUNITY", 1)["start_offset"]:][:5] == "虹西社\n\n"
    # a heading line still ends its sentence, also when a word could be read across the break
    heading = "区政协召开常委会议\n\n会议指出，要把协商议事室建好用好。"
    assert [heading[a:b] for a, b in sentence_spans(heading)] == ["区政协召开常委会议", "会议指出，要把协商议事室建好用好。"]
    # the same kind of damage elsewhere in a clause: 协|商, 街|道
    for text in ("社区开展协\n\n商议事活动29次，解决难题。", "家住五里街\n道的居民反映，路灯坏了。"):
        assert len(sentence_spans(text)) == 1, text


def test_layout_cases_the_composed_articles_met():
    # a headline above a subtitle of the same width is two lines, not a newspaper column
    text = "区政协召开十四届五次常委会议强调\n聚焦民生实事推动协商成果落地见效\n\n3月5日上午，区政协召开会议。"
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "区政协召开十四届五次常委会议强调", "聚焦民生实事推动协商成果落地见效", "3月5日上午，区政协召开会议。"]
    column = "街道党工委书记王明在协商会上说今年\n要把加装电梯的事情办好办实让居民\n满意，他还要求各社区抓好落实工作。"
    assert len(sentence_spans(column)) == 1
    # a half-width quote after 。 closes only an open quote
    assert [t for a, b in sentence_spans('会议强调。"下一步要抓落实，"他说。') for t in ['会议强调。"下一步要抓落实，"他说。'[a:b]]] == [
        "会议强调。", '"下一步要抓落实，"他说。']
    assert len(sentence_spans('他说："好。"')) == 1
    # a table row broken inside a word
    row = "三季\n度\t委员履职培训\t办公室"
    assert len(sentence_spans(row)) == 1


def test_gold_relation_across_a_damaged_break_is_scored(tmp_path):
    gold = write(tmp_path, "gold.jsonl", [damaged_record()])
    chosen = select_gold(list(read_records(gold)))
    assert chosen.problems == [] and chosen.documents == 1 and chosen.split == "all"
    # the model's miss, not a reason to drop the document
    pred = write(tmp_path, "pred.jsonl", [{"id": "h03", "text": DAMAGED, "entities": [], "relations": []}])
    result = runner.invoke(app, ["evaluate", "--pred", str(pred), "--json", "--samples", "0", str(gold)])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert scores["gold_documents"] == 1 and scores["split"] == "all"
    assert scores["systems"][0]["relations"]["fn"] == 2
    assert "no split assignment" in result.stderr


def test_gold_with_a_validation_problem_is_reported_and_scored(tmp_path):
    rec = damaged_record()
    rec["entities"][0]["end_offset"] += 1  # the span now ends on 虹: no problem; make one that does
    rec["entities"][1] = {**rec["entities"][1], "start_offset": rec["entities"][1]["start_offset"] - 1}  # starts on 的
    gold = write(tmp_path, "gold.jsonl", [rec, {**damaged_record(), "id": "h04"}])
    pred = write(tmp_path, "pred.jsonl", [{"id": i, "text": DAMAGED, "entities": [], "relations": []} for i in ("h03", "h04")])
    result = runner.invoke(app, ["evaluate", "--pred", str(pred), "--table-only" if False else "--samples", "0", str(gold)])
    assert result.exit_code == 0, result.output
    assert "h03" in result.stderr and "scored as given" in result.stderr
    assert "gold documents scored: 2" in result.stdout
    strict = runner.invoke(app, ["evaluate", "--pred", str(pred), "--strict", "--samples", "0", str(gold)])
    assert strict.exit_code == 1 and "h03" in strict.output


def test_explicit_split_on_gold_without_splits_is_an_error(tmp_path):
    gold = write(tmp_path, "mine.jsonl", [damaged_record()])
    with pytest.raises(GoldError, match="mine.jsonl.*no split assignment"):
        select_gold(list(read_records(gold)), "test")
    result = runner.invoke(app, ["evaluate", "--split", "test", "--baseline", "jieba", str(gold)])
    assert result.exit_code == 1 and "mine.jsonl" in result.output and "--split all" in result.output


def test_split_selects_sections_where_they_exist(tmp_path):
    rec = damaged_record()
    rec["meta"] = {"split": "dev"}
    chosen = select_gold(list(read_records(write(tmp_path, "g.jsonl", [rec, {**damaged_record(), "id": "x"}]))))
    assert chosen.split == "test" and chosen.sections == []
    assert any("without a split" in n for n in chosen.notes)
    dev = select_gold(list(read_records(write(tmp_path, "g2.jsonl", [rec]))), "dev")
    assert dev.documents == 1


def test_headline_scores_worked_out_by_hand():
    text = "区委书记刘浩在崇川区调研。"
    gold = {"id": "d", "text": text,
            "entities": [{"id": 1, "label": "TITLE", "start_offset": 0, "end_offset": 4},
                         {"id": 2, "label": "PERSON", "start_offset": 4, "end_offset": 6},
                         {"id": 3, "label": "REGION", "start_offset": 7, "end_offset": 10}],
            "relations": [{"id": 1, "from_id": 2, "to_id": 1, "type": "HAS_TITLE"},
                          {"id": 2, "from_id": 2, "to_id": 3, "type": "AFFILIATED_WITH"}]}
    pred = {"id": "d", "text": text,
            "entities": [{"id": 1, "label": "TITLE", "start_offset": 0, "end_offset": 2},    # 区委: wrong span
                         {"id": 2, "label": "PERSON", "start_offset": 4, "end_offset": 6},   # 刘浩: right
                         {"id": 3, "label": "REGION", "start_offset": 7, "end_offset": 10},  # 崇川区: right
                         {"id": 4, "label": "ORG", "start_offset": 10, "end_offset": 12}],   # 调研: spurious
            "relations": [{"id": 1, "from_id": 2, "to_id": 1, "type": "HAS_TITLE"},         # tail span wrong
                          {"id": 2, "from_id": 2, "to_id": 3, "type": "AFFILIATED_WITH"}]}   # right
    scores, _ = score_predictions([gold], [pred], samples=0)
    # NER, strict, distinct mentions: tp 2 (刘浩, 崇川区), fp 2 (区委, 调研), fn 1 (区委书记)
    p, r = 2 / 4, 2 / 3
    assert (scores["ner"]["tp"], scores["ner"]["fp"], scores["ner"]["fn"]) == (2, 2, 1)
    assert scores["ner"]["p"] == pytest.approx(p, abs=1e-4)
    assert scores["ner"]["r"] == pytest.approx(r, abs=1e-4)
    assert scores["ner"]["f"] == pytest.approx(2 * p * r / (p + r), abs=1e-4)  # 0.5714
    # relations end to end: tp 1, fp 1 (its tail is 区委), fn 1 (the one to 区委书记)
    rel = scores["relations"]
    assert (rel["tp"], rel["fp"], rel["fn"]) == (1, 1, 1)
    assert (rel["p"], rel["r"], rel["f"]) == (0.5, 0.5, 0.5)
