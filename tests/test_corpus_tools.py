"""Marks compiler, sentence splitting, stats and the conflict report, on small fixtures."""

import pytest

from zxie.corpus.interchange import Record
from zxie.corpus.marks import MarksError, compile_marks
from zxie.corpus.splits import assign_splits, split_ranges
from zxie.corpus.stats import corpus_stats, find_conflicts
from zxie.text import sentence_spans


def test_marks_compile_with_layout_breaks_and_repeats():
    text = "区政协组织“金秋助学”活动。区政协和区政协常委会在协\n\n商议事室开展协商议事50余场次。"
    marks = """
@0
区政协 COMMITTEE
金秋助学 INITIATIVE
R 金秋助学 ORGANIZED_BY 区政协
@14
区政协常委会 COMMITTEE
区政协 COMMITTEE
50余场次 METRIC 50 场次 more_than
R 50余场次 METRIC_OF 区政协
"""
    rec = compile_marks("d", text, marks)
    spans = [(text[e["start_offset"]:e["end_offset"]], e["label"]) for e in rec["entities"]]
    assert spans == [("区政协", "COMMITTEE"), ("金秋助学", "INITIATIVE"), ("区政协", "COMMITTEE"),
                     ("区政协常委会", "COMMITTEE"), ("50余场次", "METRIC")]
    # the second region's bare 区政协 is the free one, not the one inside 区政协常委会
    assert rec["entities"][2]["start_offset"] == 14
    assert rec["relations"][1] == {"id": 2, "from_id": 5, "to_id": 3, "type": "METRIC_OF"}
    # a surface written without the raw text's line break still matches, with raw offsets
    rec = compile_marks("d", text, "@14\n协商议事室 PLACE\n")
    e = rec["entities"][0]
    assert text[e["start_offset"]:e["end_offset"]] == "协\n\n商议事室"


def test_marks_repeated_surface_means_successive_occurrences():
    text = "区委和区委。"
    rec = compile_marks("d", text, "@0\n区委 COMMITTEE\n区委 COMMITTEE\n")
    assert [e["start_offset"] for e in rec["entities"]] == [0, 3]
    rec = compile_marks("d", text, "@0\n区委#2 COMMITTEE\n区委#1 COMMITTEE\n")
    assert [e["start_offset"] for e in rec["entities"]] == [0, 3]


@pytest.mark.parametrize("marks, message", [
    ("区委 COMMITTEE\n", "before the first @anchor"),
    ("@0\n区委 CITY\n", "expected `SURFACE LABEL`"),
    ("@0\n5个 METRIC 5 个\n", "METRIC needs"),
    ("@0\n市委 COMMITTEE\n", "not found"),
    ("@0\n区委 COMMITTEE\nR 区委 HAS_TITLE 书记\n", "is not an entity"),
    ("@99\n区委 COMMITTEE\n", "outside the text"),
])
def test_marks_errors_name_the_line(marks, message):
    with pytest.raises(MarksError, match=message):
        compile_marks("d", "区委和区委。", marks)


def test_sentences_end_at_punctuation_headlines_not_at_layout_breaks():
    text = ("初心凝聚共识 履职助力发展\n\n区政协找准党政所需、群众所盼、政协所能的结合点,深入协商议政,积极开展协\n\n"
            "商议事活动。“好!”他说。")
    got = [text[a:b] for a, b in sentence_spans(text)]
    assert got == ["初心凝聚共识 履职助力发展",
                   "区政协找准党政所需、群众所盼、政协所能的结合点,深入协商议政,积极开展协\n\n商议事活动。",
                   "“好!”", "他说。"]


def _rec(text, ents, meta=None):
    return Record({"id": "d", "text": text, "entities": ents, "relations": [], "meta": meta or {}})


def test_conflicts_find_label_disagreement_and_unlabelled_occurrence():
    text = "崇川区政协召开会议。崇川区政协和崇川。12个社区,2个村。"
    ents = [
        {"id": 1, "label": "COMMITTEE", "start_offset": 0, "end_offset": 5},
        {"id": 2, "label": "ORG", "start_offset": 10, "end_offset": 15},
        {"id": 3, "label": "METRIC", "start_offset": 25, "end_offset": 27},
    ]
    found = {c.surface: c for c in find_conflicts([_rec(text, ents)])}
    assert dict(found["崇川区政协"].labels) == {"COMMITTEE": 1, "ORG": 1}
    assert set(found) == {"崇川区政协"}  # 2个 inside the unlabelled 12个 is not an occurrence
    ents[2]["start_offset"], ents[2]["end_offset"] = 19, 22  # label 12个 instead
    found = {c.surface: c for c in find_conflicts([_rec(text, ents)])}
    assert "12个" not in found
    ents.append({"id": 4, "label": "REGION", "start_offset": 16, "end_offset": 18})
    del ents[0]  # 崇川区政协 at 0 is now unlabelled, and so is the 崇川 in it
    found = {c.surface: c for c in find_conflicts([_rec(text, ents)])}
    assert dict(found["崇川区政协"].labels) == {"ORG": 1, "unlabelled": 1}
    assert dict(found["崇川"].labels) == {"REGION": 1, "unlabelled": 1}  # the 崇川 inside the ORG is covered
    assert found["崇川"].places == [("d", 0, "unlabelled"), ("d", 16, "REGION")]


def test_split_assignment_is_reproducible_and_complete():
    text = "".join(f"第{i}段,区政协开展活动{i}次。\n\n" for i in range(40))
    def make():
        ents, pos = [], 0
        for i in range(40):
            start = text.index("区政协", pos)
            ents.append({"id": 2 * i + 1, "label": "COMMITTEE", "start_offset": start, "end_offset": start + 3})
            m = text.index("次", start)
            ents.append({"id": 2 * i + 2, "label": "METRIC", "start_offset": m - len(str(i)), "end_offset": m + 1,
                         "norm": {"value": i, "unit": "次", "qualifier": "exact"}})
            pos = m
        return [_rec(text, ents)]
    a, b = make(), make()
    sa, sb = assign_splits(a, 7, 0.2, 0.2, 40), assign_splits(b, 7, 0.2, 0.2, 40)
    assert a[0].meta["sections"] == b[0].meta["sections"] and sa["seed"] == sb["seed"]
    ranges = split_ranges(a[0])
    assert ranges[0][0] == 0 and ranges[-1][1] == len(text)
    stats = corpus_stats(a)
    assert sum(stats["entities"]["COMMITTEE"].values()) == 40
    assert 0.15 <= stats["entities"]["METRIC"].get("test", 0) / 40 <= 0.25
