"""Mention replacement: copies of training sentences with names swapped for others of the same type.

The seed reports come from three places; the reports zxie must read come from everywhere. So the
NER sees each training sentence again with its people, places and organisations renamed, and with
the place name at the head of an organ (崇川区政协 → 姜堰区政协) replaced, so it learns the patterns
around names rather than the seeds' names themselves. Replacement names come from the train split
and from the public corpora: their names, companies, scenic places and addresses (mapped as in
auxiliary.py), and the place names among the CWS word lists (words ending in 省/市/县/区, 镇/乡/街道,
村/社区). The NER corpora are read with zxie.corpus.general, part="train" only: no name of the
held-out tenth that `zxie evaluate-general` scores is ever put into a training sentence.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from zxie.corpus.general import read_general
from zxie.training.auxiliary import cluener_spans, msra_person_spans

REPLACEABLE = ("PERSON", "REGION", "STREET", "COMMUNITY", "ORG", "PLACE")
_COMMUNITY_END = re.compile(r"(社区|村)$")
# Place names in the CWS word lists, by their last characters.
WORD_SUFFIXES = {"REGION": re.compile(r"[省市县区]$"), "STREET": re.compile(r"(街道|[镇乡])$"), "COMMUNITY": _COMMUNITY_END}
_CJK = re.compile(r"^[\u4e00-\u9fff]+$")


def name_pools(train: Iterable[dict], datasets: Path) -> dict[str, list[str]]:
    """Replacement surfaces per label: gold train mentions and the public corpora's names."""
    pools: dict[str, set[str]] = defaultdict(set)
    for rec in train:
        for e in rec["entities"]:
            if e["label"] in REPLACEABLE:
                pools[e["label"]].add("".join(rec["text"][e["start_offset"]:e["end_offset"]].split()))
    for text, spans in read_general(datasets, "cluener", part="train"):
        for s, e, label in cluener_spans(text, spans):
            if label in REPLACEABLE:
                pools[label].add(text[s:e])
        for s, e, label in spans:
            if label == "address" and _COMMUNITY_END.search(text[s:e]) and e - s <= 6:
                pools["COMMUNITY"].add(text[s:e])
    for text, spans in read_general(datasets, "msra", part="train"):
        pools["PERSON"].update(text[s:e] for s, e, _ in msra_person_spans(spans))
    for name in ("pku_training_words.utf8", "msr_training_words.utf8"):
        with open(datasets / "cws" / name, encoding="utf-8") as fh:
            for word in (line.strip() for line in fh):
                for label, pattern in WORD_SUFFIXES.items():
                    if 3 <= len(word) <= 5 and pattern.search(word):
                        pools[label].add(word)
    return {label: sorted(s for s in surfaces if _CJK.match(s) and 2 <= len(s) <= 12)
            for label, surfaces in pools.items()}


def _region_prefix(surface: str, regions: set[str]) -> str | None:
    """The longest known region name that starts an organ's name (崇川区 in 崇川区政协)."""
    for k in range(min(len(surface) - 1, 8), 1, -1):
        if surface[:k] in regions:
            return surface[:k]
    return None


def replace_mentions(rec: dict, pools: dict[str, list[str]], rng: random.Random, rate: float = 0.8) -> dict:
    """A copy of a record with replaceable mentions (and region prefixes of organs) renamed."""
    text, regions = rec["text"], set(pools.get("REGION", ()))
    pieces, ents, pos = [], [], 0
    for e in sorted(rec["entities"], key=lambda e: e["start_offset"]):
        s, t = e["start_offset"], e["end_offset"]
        surface = text[s:t]
        new = surface
        if rng.random() < rate:
            if e["label"] in REPLACEABLE and pools.get(e["label"]):
                new = rng.choice(pools[e["label"]])
            elif e["label"] in ("COMMITTEE", "EVENT", "DOCUMENT") and (prefix := _region_prefix(surface, regions)):
                new = rng.choice(pools["REGION"]) + surface[len(prefix):]
        pieces.append(text[pos:s])
        start = sum(map(len, pieces))
        pieces.append(new)
        ents.append({**e, "start_offset": start, "end_offset": start + len(new)})
        pos = t
    pieces.append(text[pos:])
    return {**rec, "id": rec["id"] + "~aug", "text": "".join(pieces), "entities": ents, "relations": []}


def augmented(records: list[dict], pools: dict[str, list[str]], copies: int, seed: int) -> Iterator[dict]:
    rng = random.Random(seed)
    for _ in range(copies):
        for rec in records:
            if any(e["label"] in REPLACEABLE or e["label"] == "COMMITTEE" for e in rec["entities"]):
                yield replace_mentions(rec, pools, rng)
