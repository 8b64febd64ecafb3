"""Every validator rule rejects a bad fixture and accepts the good one."""

import pytest

from zxie.corpus.validate import validate_files


def reasons(path):
    return [str(p) for p in validate_files([path])]


def test_good_fixture_is_clean(good_record, write_jsonl):
    assert reasons(write_jsonl([good_record])) == []


def _ent(rec, eid):
    return next(e for e in rec["entities"] if e["id"] == eid)


def _offsets_out_of_range(rec):
    _ent(rec, 5)["end_offset"] = len(rec["text"]) + 3


def _reversed_offsets(rec):
    _ent(rec, 2).update(start_offset=6, end_offset=4)


def _leading_space(rec):
    rec["text"] = rec["text"][:6] + " " + rec["text"][7:]  # 到 -> space before 崇川区政协
    _ent(rec, 3)["start_offset"] = 6


def _trailing_punctuation(rec):
    _ent(rec, 3)["end_offset"] = 15  # 崇川区政协调研。


def _quote_at_start(rec):
    rec["text"] = rec["text"].replace("到", "“", 1)
    _ent(rec, 3)["start_offset"] = 6


def _overlap(rec):
    rec["entities"].append({"id": 6, "label": "REGION", "start_offset": 7, "end_offset": 9})


def _unknown_label(rec):
    _ent(rec, 4)["label"] = "CITY"


def _unknown_relation(rec):
    rec["relations"][0]["type"] = "KNOWS"


def _disallowed_pair(rec):
    rec["relations"][0].update(from_id=1, to_id=2)  # TITLE -> PERSON


def _across_sentences(rec):
    rec["relations"].append({"id": 3, "from_id": 2, "to_id": 4, "type": "AFFILIATED_WITH"})


def _metric_without_norm(rec):
    del _ent(rec, 5)["norm"]


def _metric_bad_qualifier(rec):
    _ent(rec, 5)["norm"]["qualifier"] = "roughly"


def _metric_value_not_number(rec):
    _ent(rec, 5)["norm"]["value"] = "205"


def _metric_empty_unit(rec):
    _ent(rec, 5)["norm"]["unit"] = ""


def _duplicate_entity_id(rec):
    _ent(rec, 4)["id"] = 3


def _duplicate_relation_id(rec):
    rec["relations"][1]["id"] = 1


def _dangling_relation(rec):
    rec["relations"][1]["to_id"] = 99


def _bad_section_split(rec):
    rec["meta"]["sections"] = [{"start": 0, "end": 15, "split": "train"}, {"start": 15, "end": 20, "split": "test"}]


def _section_cuts_entity(rec):
    rec["meta"]["sections"] = [{"start": 0, "end": 5, "split": "train"}, {"start": 5, "end": len(rec["text"]), "split": "test"}]


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (_offsets_out_of_range, "out of range"),
        (_reversed_offsets, "out of range"),
        (_leading_space, "whitespace or punctuation"),
        (_trailing_punctuation, "whitespace or punctuation"),
        (_quote_at_start, "whitespace or punctuation"),
        (_overlap, "overlaps entity"),
        (_unknown_label, "label 'CITY' is not in the schema"),
        (_unknown_relation, "type 'KNOWS' is not in the schema"),
        (_disallowed_pair, "HAS_TITLE does not allow TITLE -> PERSON"),
        (_across_sentences, "crosses sentences"),
        (_metric_without_norm, "METRIC without a norm"),
        (_metric_bad_qualifier, "qualifier 'roughly'"),
        (_metric_value_not_number, "is not a number"),
        (_metric_empty_unit, "unit ''"),
        (_duplicate_entity_id, "duplicate entity id"),
        (_duplicate_relation_id, "duplicate relation id"),
        (_dangling_relation, "dangling"),
        (_bad_section_split, "sections end at 20"),
        (_section_cuts_entity, "crosses a section boundary"),
    ],
)
def test_rule_rejects_bad_fixture(good_record, write_jsonl, mutate, expected):
    mutate(good_record)
    found = reasons(write_jsonl([good_record]))
    assert any(expected in r for r in found), found
    # the message names file, line and document
    assert all(r.startswith(f"{write_jsonl([good_record])}:1: fixture") for r in found)


def test_entity_id_named_in_message(good_record, write_jsonl):
    _unknown_label(good_record)
    path = write_jsonl([good_record])
    assert reasons(path)[0] == f"{path}:1: fixture: entity 4: label 'CITY' is not in the schema"


def test_percent_may_close_a_metric(good_record, write_jsonl):
    good_record["text"] = "满意率达99.3%。"
    good_record["entities"] = [{"id": 1, "label": "METRIC", "start_offset": 4, "end_offset": 9,
                                "norm": {"value": 99.3, "unit": "%", "qualifier": "exact"}}]
    good_record["relations"] = []
    assert reasons(write_jsonl([good_record])) == []


def test_duplicate_document_and_bad_json(good_record, write_jsonl, tmp_path):
    path = write_jsonl([good_record, good_record])
    assert any("duplicate document id" in r and ":2:" in r for r in reasons(path))
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": "x", "text": "a"}\n{not json\n', encoding="utf-8")
    assert any(r.startswith(f"{broken}:2:") and "invalid JSON" in r for r in reasons(broken))


def test_relation_inside_layout_broken_sentence_is_accepted(write_jsonl):
    # A line break inside a clause is layout damage, not a sentence end (GUIDELINES §6).
    text = "2023年,示范区各村(社区)围绕停车难、加装电梯等群众关心的问题开展协商议\n\n事活动29次。"
    rec = {
        "id": "broken",
        "text": text,
        "entities": [
            {"id": 1, "label": "DATE", "start_offset": 0, "end_offset": 5},
            {"id": 2, "label": "REGION", "start_offset": 6, "end_offset": 9},
            {"id": 3, "label": "METRIC", "start_offset": text.index("29"), "end_offset": text.index("29") + 3,
             "norm": {"value": 29, "unit": "次", "qualifier": "exact"}},
        ],
        "relations": [
            {"id": 1, "from_id": 3, "to_id": 1, "type": "DATE_OF"},
            {"id": 2, "from_id": 3, "to_id": 2, "type": "METRIC_OF"},
        ],
    }
    assert reasons(write_jsonl([rec])) == []
