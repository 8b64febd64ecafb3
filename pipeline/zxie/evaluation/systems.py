"""The systems that can be scored: a model directory, records written by `zxie extract`, baselines.

Each gives, for every gold section, a prediction in the interchange form
{"id", "entities": [{"id", "label", "start_offset", "end_offset", "norm"?}], "relations": [...]}
plus, for a model, `relations_gold_entities`: its relation component run on the gold entities.
"""

from __future__ import annotations

import json
from pathlib import Path

from tqdm import tqdm


class PredictionError(ValueError):
    pass


class ModelSystem:
    """A spaCy pipeline directory (zxie train's output)."""

    def __init__(self, path: str | Path, name: str | None = None, nlp=None):
        import spacy

        self.path = Path(path)
        if nlp is None:
            if not (self.path / "meta.json").exists():
                raise FileNotFoundError(f"no zxie model at {self.path}")
            nlp = spacy.load(self.path)
        self.nlp = nlp
        self.name = name or f"{nlp.meta.get('name', self.path.name)}-{nlp.meta.get('version', '0')}"

    def predict(self, sections: list[dict], progress: bool = False) -> list[dict]:
        from zxie.components.relations import Entity

        rel = self.nlp.get_pipe("zxie_relations") if "zxie_relations" in self.nlp.pipe_names else None
        docs = self.nlp.pipe((s["text"] for s in sections), batch_size=16)
        out = []
        bar = tqdm(zip(docs, sections), total=len(sections), desc=f"evaluate {self.name}", unit="doc",
                   disable=not progress, file=None)
        for doc, sec in bar:
            pred = doc_to_record(doc, sec["id"])
            if rel is not None:
                ents = [Entity(e["label"], e["start_offset"], e["end_offset"]) for e in sec["entities"]]
                ids = [e["id"] for e in sec["entities"]]
                pred["relations_gold_entities"] = [
                    {"from_id": ids[r["head"]], "to_id": ids[r["tail"]], "type": r["type"]} for r in rel.predict(sec["text"], ents)]
            out.append(pred)
        return out


def to_interchange(rec: dict) -> dict:
    """An extraction record (OUTPUT.md: start/end, head/tail) or an interchange record, as interchange."""
    ents, rels = [], []
    for e in rec.get("entities", []):
        start = e.get("start_offset", e.get("start"))
        end = e.get("end_offset", e.get("end"))
        if not isinstance(start, int) or not isinstance(end, int) or "label" not in e:
            raise PredictionError(f"record {rec.get('id')!r}: entity {e.get('id')!r} has no label or integer start/end")
        ent = {"id": e["id"], "label": e["label"], "start_offset": start, "end_offset": end}
        if e.get("norm") is not None:
            ent["norm"] = e["norm"]
        ents.append(ent)
    for r in rec.get("relations", []):
        head, tail = r.get("from_id", r.get("head")), r.get("to_id", r.get("tail"))
        if head is None or tail is None or "type" not in r:
            raise PredictionError(f"record {rec.get('id')!r}: a relation has no head/tail or type")
        rels.append({"from_id": head, "to_id": tail, "type": r["type"]})
    return {"id": str(rec.get("id")), "entities": ents, "relations": rels}


def _cut(pred: dict, start: int, end: int, sid: str) -> dict:
    """The part of a whole-document prediction inside a gold section, offsets shifted."""
    ents = [e for e in pred["entities"] if start <= e["start_offset"] and e["end_offset"] <= end]
    keep = {e["id"] for e in ents}
    return {"id": sid,
            "entities": [{**e, "start_offset": e["start_offset"] - start, "end_offset": e["end_offset"] - start} for e in ents],
            "relations": [r for r in pred["relations"] if r["from_id"] in keep and r["to_id"] in keep]}


class PredictionFile:
    """Records written by `zxie extract` (or interchange records), matched to the gold by id.

    A prediction whose id is a gold section's id is used as it is; one whose id is the id of the
    whole gold document (e.g. `zxie extract` run on the gold file) is cut to each section.
    A gold section without a prediction counts as predicting nothing (reported in `missing`).
    """

    def __init__(self, path: str | Path, name: str | None = None):
        self.path = Path(path)
        self.name = name or self.path.name
        self.records: dict[str, dict] = {}
        self.problems: list[str] = []
        with open(self.path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    rec = to_interchange(json.loads(line))
                except (json.JSONDecodeError, PredictionError, AttributeError, TypeError) as err:
                    self.problems.append(f"{self.path}:{n}: {err}")  # one bad record never stops the run
                    continue
                self.records[rec["id"]] = rec
        self.missing: list[str] = []

    def predict(self, sections: list[dict], progress: bool = False) -> list[dict]:
        out = []
        self.missing = []
        for sec in sections:
            meta = sec.get("meta") or {}
            if sec["id"] in self.records:
                out.append({**self.records[sec["id"]], "id": sec["id"]})
            elif meta.get("doc_id") in self.records:
                start = meta.get("offset", 0)
                out.append(_cut(self.records[meta["doc_id"]], start, start + len(sec["text"]), sec["id"]))
            else:
                self.missing.append(sec["id"])
                out.append({"id": sec["id"], "entities": [], "relations": []})
        return out


def doc_to_record(doc, doc_id: str) -> dict:
    """The interchange form of a processed Doc, made from exactly the record `zxie extract` writes
    (so a METRIC whose number cannot be read is left out here too)."""
    from zxie.io.inputs import Document
    from zxie.io.records import doc_record

    return to_interchange(doc_record(doc, Document(doc_id, doc.text, doc_id), model=""))
