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


SHARED = ROOT.parent / "shared"
SHIPPED_MODEL = ROOT / "models" / "zxie-default"
SHIPPED_SEGMENTER = ROOT / "models" / "segmenter"


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory):
    """A few gold sections (one file, whole-record splits) and small slices of the public corpora."""
    from zxie.corpus.interchange import read_records, write_records
    from zxie.corpus.splits import select

    root = tmp_path_factory.mktemp("tiny")
    records = list(read_records(GOLD))
    picks = []
    for split, count in (("train", 4), ("dev", 1), ("test", 1)):
        for sec in list(select(records, split))[:count]:
            sec["meta"] = {"split": split}
            picks.append(sec)
    write_records(root / "gold.jsonl", picks)
    for sub, name, lines in (("cws", "pku_test_gold.utf8", 60), ("cws", "msr_test_gold.utf8", 60),
                             ("cws", "pku_training_words.utf8", 2000), ("cws", "msr_training_words.utf8", 2000),
                             ("ner", "cluener_train.jsonl", 200), ("ner", "msra_dev.bio", 3000),
                             ("ner", "resume_train.bmes", 1500), ("ner", "weibo_train.bio", 1500)):
        (root / "datasets" / sub).mkdir(parents=True, exist_ok=True)
        with open(SHARED / "datasets" / sub / name, encoding="utf-8") as src:
            head = [next(src, "") for _ in range(lines)]
        (root / "datasets" / sub / name).write_text("".join(head), encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def tiny_model(tiny_data):
    """A real pipeline trained end to end on tiny data: segmenter, vectors, a two-member NER ensemble,
    relations, norms."""
    from zxie.training.train import TrainSettings, train_pipeline

    settings = TrainSettings(
        output=tiny_data / "model",
        gold=tiny_data / "gold.jsonl",
        datasets=tiny_data / "datasets",
        config=ROOT / "configs" / "ner.cfg",
        segmenter_iterations=1,
        augment_copies=1,
        members=2,
        # with word features, so the segmenter's whole path (training, features, serialisation) is tested
        overrides={"training.max_steps": 40, "training.eval_frequency": 20,
                   "components.tok2vec.model.encode.width": 32, "components.tok2vec.model.encode.depth": 2,
                   "nlp.tokenizer.words": True, "components.tok2vec.model.embed.attrs": ["NORM", "SHAPE", "LEMMA", "TAG"],
                   "components.tok2vec.model.embed.rows": [500, 50, 500, 10]},
    )
    return train_pipeline(settings, log=lambda m: None)
