"""The shipped gold corpus: valid, norms reproducible by the parser, a usable split."""

from collections import Counter

import pytest

from zxie.corpus.interchange import read_records
from zxie.corpus.splits import split_ranges
from zxie.corpus.validate import validate_files
from zxie.norms import parse_metric
from zxie.schema import load_schema

from .conftest import GOLD


@pytest.fixture(scope="module")
def gold():
    return list(read_records(GOLD))


def test_gold_is_valid():
    assert [str(p) for p in validate_files([GOLD])] == []


def test_gold_covers_the_five_seeds(gold):
    assert len(gold) == 5
    assert all(r.meta["source"] == f"seeds/{r.id}.txt" for r in gold)


def test_every_gold_norm_is_reproduced_by_the_parser(gold):
    metrics = [(r.id, r.text[e["start_offset"]:e["end_offset"]], e["norm"])
               for r in gold for e in r.entities if e["label"] == "METRIC"]
    assert len(metrics) > 100
    wrong = [(doc, surface, norm, parse_metric(surface)) for doc, surface, norm in metrics
             if parse_metric(surface) != norm]
    assert wrong == []


def test_split_holds_a_fifth_of_mentions_and_every_label_in_test(gold):
    per_split = Counter()
    labels = {name: set() for name in ("train", "dev", "test")}
    for rec in gold:
        ranges = split_ranges(rec)
        assert ranges, f"{rec.id} has no split"
        for e in rec.entities:
            name = next(s for a, b, s in ranges if a <= e["start_offset"] < b)
            per_split[name] += 1
            labels[name].add(e["label"])
    total = sum(per_split.values())
    assert per_split["test"] >= 0.2 * total
    assert labels["test"] == set(load_schema().entity_labels)
    assert labels["dev"] == set(load_schema().entity_labels)


def test_gold_is_compiled_from_its_marks(gold):
    """gold.jsonl is what annotations/marks compiles to against the raw seeds."""
    from zxie.corpus.marks import compile_marks

    marks_dir = GOLD.parent / "marks"
    seeds = GOLD.parents[2] / "shared" / "seeds"
    for rec in gold:
        source = "\n".join(p.read_text(encoding="utf-8") for p in sorted(marks_dir.glob(f"{rec.id}.*.marks")))
        with open(seeds / f"{rec.id}.txt", encoding="utf-8", newline="") as fh:
            raw = fh.read()
        assert rec.text == raw
        compiled = compile_marks(rec.id, raw, source)
        assert (compiled["entities"], compiled["relations"]) == (rec.entities, rec.relations)
