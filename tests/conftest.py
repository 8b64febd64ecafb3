import copy
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "annotations" / "gold.jsonl"

# 区委书记刘浩到崇川区政协调研。崇川已建成协商议事室205个。
TEXT = "区委书记刘浩到崇川区政协调研。崇川已建成协商议事室205个。"
GOOD = {
    "id": "fixture",
    "text": TEXT,
    "entities": [
        {"id": 1, "label": "TITLE", "start_offset": 0, "end_offset": 4},
        {"id": 2, "label": "PERSON", "start_offset": 4, "end_offset": 6},
        {"id": 3, "label": "COMMITTEE", "start_offset": 7, "end_offset": 12},
        {"id": 4, "label": "REGION", "start_offset": 15, "end_offset": 17},
        {"id": 5, "label": "METRIC", "start_offset": 25, "end_offset": 29,
         "norm": {"value": 205, "unit": "个", "qualifier": "exact"}},
    ],
    "relations": [
        {"id": 1, "from_id": 2, "to_id": 1, "type": "HAS_TITLE"},
        {"id": 2, "from_id": 5, "to_id": 4, "type": "METRIC_OF"},
    ],
    "meta": {"source": "fixture"},
}


@pytest.fixture
def good_record():
    return copy.deepcopy(GOOD)


@pytest.fixture
def write_jsonl(tmp_path):
    def write(records, name="data.jsonl"):
        path = tmp_path / name
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        return path

    return write
