"""The label set, read from the annotation schema shipped as package data.

Every label list in the code comes from here; nothing else spells the labels out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Schema:
    version: int
    entity_labels: tuple[str, ...]
    relation_types: tuple[str, ...]
    heads: dict[str, frozenset[str]]
    tails: dict[str, frozenset[str]]
    qualifiers: tuple[str, ...]

    def allows(self, rel_type: str, head_label: str, tail_label: str) -> bool:
        return head_label in self.heads[rel_type] and tail_label in self.tails[rel_type]


def schema_path():
    return resources.files("zxie.schemas").joinpath("schema.json")


@lru_cache(maxsize=1)
def load_schema() -> Schema:
    raw = json.loads(schema_path().read_text(encoding="utf-8"))
    rels = raw["relations"]
    return Schema(
        version=raw["version"],
        entity_labels=tuple(raw["entities"]),
        relation_types=tuple(rels),
        heads={name: frozenset(r["head"]) for name, r in rels.items()},
        tails={name: frozenset(r["tail"]) for name, r in rels.items()},
        qualifiers=tuple(raw["metric_norm"]["qualifier"]),
    )
