"""`push`: documents into a doccano project, pre-annotated so annotators correct rather than start
blank (entities as spans, relations through the API one by one: doccano imports no relations).

Documents are identified by their id (stored in the example's meta as `zxie_id`): one already in
the project is left alone, so pushing again never duplicates. With `order="uncertain"` the
documents the model is least sure of (zxie.annotate.uncertainty) are created first, which is
the order doccano shows them in; the uncertainty is also stored as the example's `score`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from zxie.annotate.client import SEQUENCE_LABELING, Doccano
from zxie.annotate.convert import EDGES_KEY, ID_KEY, META_KEY, PUSHED_KEY, split_edges
from zxie.annotate.errors import AnnotateError, LabelMismatch
from zxie.annotate.labels import project_labels
from zxie.corpus.interchange import Record
from zxie.corpus.validate import check_record
from zxie.io.inputs import Document, InputError, read_documents

PRE_ANNOTATIONS = ("model", "input", "none")
ORDERS = ("uncertain", "input")


@dataclass
class Prepared:
    doc: Document
    entities: list[dict]
    relations: list[dict]
    meta: dict
    uncertainty: float | None = None
    model: str | None = None


@dataclass
class PushResult:
    project: str
    created: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (document, reason)


def _record_meta(doc: Document) -> dict:
    inner = doc.meta.get("meta")
    if isinstance(inner, dict):
        return dict(inner)
    return {k: v for k, v in doc.meta.items() if k not in ("entities", "relations")}


def _from_model(extractor, docs: list[Document], progress: bool) -> list[Prepared]:
    from tqdm import tqdm

    from zxie.annotate.uncertainty import document_uncertainty
    from zxie.io.records import doc_record

    out = []
    nlp = extractor.nlp
    for doc, sp in tqdm(zip(docs, nlp.pipe(d.text for d in docs)), total=len(docs), desc="pre-annotate",
                        unit="doc", disable=not progress):
        rec = doc_record(sp, doc, extractor.model_name)
        entities = []
        for e in rec["entities"]:
            ent = {"id": e["id"], "label": e["label"], "start_offset": e["start"], "end_offset": e["end"]}
            if "norm" in e:
                ent["norm"] = e["norm"]
            entities.append(ent)
        relations = [{"id": n, "from_id": r["head"], "to_id": r["tail"], "type": r["type"], "score": r["score"]}
                     for n, r in enumerate(rec["relations"], 1)]
        out.append(Prepared(doc, entities, relations, _record_meta(doc), document_uncertainty(nlp, sp),
                            extractor.model_name))
    return out


def _from_input(doc: Document) -> Prepared:
    entities, relations = doc.meta.get("entities", []), doc.meta.get("relations", [])
    meta = _record_meta(doc)
    record = Record({"id": doc.id, "text": doc.text, "entities": entities, "relations": relations, "meta": meta}, doc.source)
    problems = list(check_record(record))
    if problems:
        raise AnnotateError(f"{problems[0].reason} ({len(problems)} problem(s))")
    return Prepared(doc, entities, relations, meta)


def open_project(client: Doccano, name: str, create: bool) -> tuple[dict, dict[str, int], dict[str, int]]:
    """The project NAME (created when missing and CREATE), checked to be span + relation labelling
    with the schema's label set; with its {label: id} and {relation type: id}."""
    project = client.find_project(name) if create else client.project(name)
    if project is None:
        project = client.create_project(name, "zxie annotation loop: entities and relations of CPPCC reports")
    if project.get("project_type") != SEQUENCE_LABELING or not project.get("use_relation"):
        raise LabelMismatch(f"doccano project {name!r} is not sequence labelling with relations "
                            f"(type {project.get('project_type')}, relations {'on' if project.get('use_relation') else 'off'})")
    spans, rels = project_labels(client, project, create=create)
    return project, spans, rels


def existing_ids(client: Doccano, pid: int) -> dict[str, dict]:
    return {str((ex.get("meta") or {}).get(ID_KEY)): ex for ex in client.examples(pid) if (ex.get("meta") or {}).get(ID_KEY) is not None}


def upload(client: Doccano, pid: int, prep: Prepared, span_ids: dict[str, int], rel_ids: dict[str, int]) -> dict:
    """Create one example with its spans and relations; on any failure the example is removed again."""
    lead, core, trail = split_edges(prep.doc.text)
    meta = {ID_KEY: prep.doc.id, "source": prep.doc.source, META_KEY: prep.meta, EDGES_KEY: [lead, trail],
            PUSHED_KEY: {"entities": prep.entities, "relations": prep.relations}}
    if prep.model:
        meta.update(zxie_model=prep.model, zxie_uncertainty=prep.uncertainty)
    example = client.create_example(pid, core, meta, prep.uncertainty)
    try:
        span_of = {}
        for ent in prep.entities:
            span = client.add_span(pid, example["id"], span_ids[ent["label"]], ent["start_offset"] - len(lead),
                                   ent["end_offset"] - len(lead))
            span_of[ent["id"]] = span["id"]
        for rel in prep.relations:
            client.add_relation(pid, example["id"], rel_ids[rel["type"]], span_of[rel["from_id"]], span_of[rel["to_id"]],
                                rel.get("score"))
    except Exception:
        client.delete_example(pid, example["id"])
        raise
    return example


def push_documents(paths: Iterable[str | Path], project: str, model: str | Path | None = None,
                   order: str = "uncertain", pre_annotate: str = "model", client: Doccano | None = None,
                   progress: bool = False) -> PushResult:
    """Push the documents of PATHS (anything `zxie extract` reads) into PROJECT."""
    from tqdm import tqdm

    if order not in ORDERS or pre_annotate not in PRE_ANNOTATIONS:
        raise AnnotateError(f"order must be one of {ORDERS} and pre_annotate one of {PRE_ANNOTATIONS}")
    if pre_annotate == "model":
        from zxie.extract import check_model

        try:
            check_model(model)  # before anything is created on the server
        except FileNotFoundError as err:
            raise AnnotateError(f"cannot load the model: {err}") from None
    client = client or Doccano.from_env()
    proj, span_ids, rel_ids = open_project(client, project, create=True)
    result = PushResult(project)
    known = existing_ids(client, proj["id"])
    new: list[Document] = []
    seen = set(known)
    for item in read_documents(paths):
        if isinstance(item, InputError):
            if not item.notice:  # a notice (decoded from GB18030) comes with its document, which follows
                result.failed.append((item.id or item.source, f"{item.error}: {item.message}"))
        elif item.id in seen:
            result.skipped.append(item.id)
        else:
            seen.add(item.id)
            new.append(item)

    prepared: list[Prepared] = []
    if pre_annotate == "model" and new:
        from zxie.extract import Extractor

        try:
            extractor = Extractor(model)
        except (FileNotFoundError, OSError) as err:
            raise AnnotateError(f"cannot load the model: {err}") from None
        prepared = _from_model(extractor, new, progress)
    else:
        for doc in new:
            try:
                prepared.append(_from_input(doc) if pre_annotate == "input" else Prepared(doc, [], [], _record_meta(doc)))
            except AnnotateError as err:
                result.failed.append((doc.id, str(err)))
    if order == "uncertain" and pre_annotate == "model":
        prepared.sort(key=lambda p: -(p.uncertainty or 0.0))

    for prep in tqdm(prepared, desc="push", unit="doc", disable=not progress):
        try:
            upload(client, proj["id"], prep, span_ids, rel_ids)
            result.created.append(prep.doc.id)
        except AnnotateError as err:
            result.failed.append((prep.doc.id, str(err)))
    return result
