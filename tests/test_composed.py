"""The composed in-genre articles (annotations/composed/): provenance, no near-duplicates, nothing
set in the regions reserved for evaluation, valid annotations, and the built file in step with its
marks."""

import importlib.util
import itertools
from pathlib import Path

import pytest

from zxie.corpus.interchange import read_records
from zxie.corpus.validate import validate_files

ROOT = Path(__file__).resolve().parents[1]
COMPOSED = ROOT / "annotations" / "composed.jsonl"
RESERVED = ("莆田", "长治", "连云港", "襄阳", "武汉", "宿迁", "济南", "威海", "重庆", "成都", "眉山")
SEED_PLACES = ("南通", "泰州", "杭州")
GENRES = {"work-review", "plenary-news", "standing-committee-news", "consultation-story", "member-profile",
          "proposal-news", "work-plan", "district-roundup", "brief-digest"}
WINDOW, MAX_SHARED = 20, 0.10


@pytest.fixture(scope="module")
def records():
    return list(read_records(COMPOSED))


def windows(text: str) -> set[str]:
    flat = "".join(text.split())
    return {flat[i : i + WINDOW] for i in range(len(flat) - WINDOW + 1)}


def shared_share(a: str, b: str) -> float:
    wa, wb = windows(a), windows(b)
    return len(wa & wb) / max(1, min(len(wa), len(wb)))


def test_near_duplicate_measure():
    text = "区政协组织委员深入社区开展协商议事活动，围绕老旧小区加装电梯听取居民意见建议。" * 2
    assert shared_share(text, text) == 1.0
    assert shared_share(text, "今年以来，县政协聚焦乡村振兴，组织委员赴各乡镇调研，形成调研报告五篇。") == 0.0


def test_every_article_records_its_provenance(records):
    assert records
    for rec in records:
        meta = rec.meta
        assert meta.get("region") and meta.get("genre") in GENRES, rec.id
        assert meta.get("sources") and all(str(u).startswith(("http://", "https://")) for u in meta["sources"]), rec.id


def test_nothing_is_set_in_reserved_regions(records):
    for rec in records:
        for name in RESERVED + SEED_PLACES:
            assert name not in rec.meta["region"], (rec.id, name)
            assert name not in rec.text, (rec.id, name)


def test_no_two_articles_are_near_duplicates(records):
    seeds = [p.read_text(encoding="utf-8") for p in sorted((ROOT.parent / "shared" / "seeds").glob("*.txt"))]
    texts = [(r.id, r.text) for r in records] + [(f"seed{i}", t) for i, t in enumerate(seeds)]
    for (ia, a), (ib, b) in itertools.combinations(texts, 2):
        assert shared_share(a, b) <= MAX_SHARED, (ia, ib)


def test_composed_annotations_validate_and_match_their_marks(records):
    assert validate_files([COMPOSED]) == []
    spec = importlib.util.spec_from_file_location("marks_tool", ROOT / "annotations" / "tools" / "marks.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    # the file is built from the marks, never edited by hand: each record compiles to what it holds
    for rec in records:
        built = tool.compile_doc(rec.id)
        assert (built["text"], built["entities"], built["relations"]) == (rec.text, rec.entities, rec.relations), rec.id
    assert {r.id for r in records} == {p.stem for p in (ROOT / "annotations" / "composed" / "marks").glob("*.marks")}
