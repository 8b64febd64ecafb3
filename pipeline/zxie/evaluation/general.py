"""Scores of models on the public NER corpora (`zxie evaluate-general`), on our labels.

Each sentence of a corpus (zxie.corpus.general, by default its held-out tenth) is one document. Its
native mentions are mapped to our labels (`to_our_labels`) and only that corpus's
`EVALUATED_LABELS` are scored: for each of them, a predicted entity is a true positive when a mapped
gold mention has exactly its span and label, and a false positive otherwise, wherever it is; a
mapped gold mention no prediction matches is a false negative. Plain counting over distinct
(start, end, label) triples per document (strict match, as the `ner` figure of `zxie evaluate`):
one view is all this needs, so nervaluate is not used. Micro P/R/F1 per corpus sums the counts of
its evaluated labels.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from tqdm import tqdm

from zxie.corpus.general import EVALUATED_LABELS, GENERAL_CORPORA, corpus_files, read_general, to_our_labels
from zxie.evaluation.scoring import prf

Mention = tuple[int, int, str]
# Components that never change doc.ents, left out while predicting (they only cost time).
SKIPPED_FACTORIES = ("zxie_relations", "zxie_norms")


def gold_documents(datasets: str | Path, name: str, part: str = "heldout", limit: int | None = None) -> list[dict]:
    """{"text", "gold": {(start, end, our label)}} per sentence of corpus `name` in `part` (the
    first `limit` of them), with only the mentions of its evaluated labels."""
    labels = set(EVALUATED_LABELS[name])
    docs = []
    for text, spans in read_general(datasets, name, part=part):
        if limit is not None and len(docs) >= limit:
            break
        docs.append({"text": text, "gold": {m for m in to_our_labels(name, spans, text) if m[2] in labels}})
    return docs


def predict(nlp, texts: list[str], progress: bool = False, desc: str = "predict", batch_size: int = 64) -> list[set[Mention]]:
    """The entities (start, end, label) a spaCy pipeline finds in each text."""
    skip = [name for name in nlp.pipe_names if nlp.get_pipe_meta(name).factory in SKIPPED_FACTORIES]
    docs = nlp.pipe(texts, batch_size=batch_size, disable=skip)
    bar = tqdm(docs, total=len(texts), desc=desc, unit="sent", disable=not progress)
    return [{(e.start_char, e.end_char, e.label_) for e in doc.ents} for doc in bar]


def score(docs: list[dict], predictions: list[set[Mention]], labels: Iterable[str]) -> dict:
    """Per-label and micro counts and P/R/F1 of predictions (one set per document) against the
    documents' gold, over `labels` only."""
    if len(docs) != len(predictions):
        raise ValueError(f"{len(predictions)} predictions for {len(docs)} documents")
    labels = list(labels)
    counts = {label: Counter() for label in labels}
    for doc, pred in zip(docs, predictions):
        for label in labels:
            gold = {m for m in doc["gold"] if m[2] == label}
            found = {m for m in pred if m[2] == label}
            counts[label].update(gold=len(gold), tp=len(gold & found), fp=len(found - gold), fn=len(gold - found))
    total = sum(counts.values(), Counter())

    def row(c: Counter) -> dict:
        return {"gold": c["gold"], **prf(c["tp"], c["fp"], c["fn"])}

    return {"per_label": {label: row(c) for label, c in counts.items()}, "micro": row(total)}


def evaluate_general(models: list[tuple[str, object]], datasets: str | Path, corpora: Iterable[str] | None = None,
                     part: str = "heldout", limit: int | None = None, progress: bool = False) -> dict:
    """Scores of each (name, pipeline) on each corpus (default: every corpus in GENERAL_CORPORA)."""
    corpora = list(corpora or GENERAL_CORPORA)
    result: dict = {"part": part, "limit": limit, "datasets": str(datasets), "match": "strict (span and label)",
                    "models": [name for name, _ in models], "corpora": {}}
    for corpus in corpora:
        files = corpus_files(datasets, corpus)
        docs = gold_documents(datasets, corpus, part, limit)
        labels = EVALUATED_LABELS[corpus]
        entry = {"files": [p.relative_to(datasets).as_posix() for p in files],
                 "missing_files": [f for f in GENERAL_CORPORA[corpus] if not (Path(datasets) / f).is_file()],
                 "documents": len(docs), "labels": list(labels), "scores": {}}
        texts = [d["text"] for d in docs]
        for name, nlp in models:
            entry["scores"][name] = score(docs, predict(nlp, texts, progress, desc=f"{corpus} {name}"), labels)
        result["corpora"][corpus] = entry
    return result


def format_general_table(result: dict) -> str:
    """One row per corpus × evaluated label and a micro row per corpus; P, R, F1 per model."""
    models = result["models"]
    head = f"{'corpus':<9} {'label':<10} {'gold':>6}" + "".join(f" | {'P':>6} {'R':>6} {'F1':>6}" for _ in models)
    width = len(head)
    names = f"{'':<27}" + "".join(f" | {name[-20:]:^20}" for name in models)
    lines = [f"part: {result['part']}" + (f", first {result['limit']} sentences per corpus" if result["limit"] else "")
             + f"; {result['match']}", names, head, "-" * width]
    for corpus, entry in result["corpora"].items():
        rows = [(label, None) for label in entry["labels"]] + [("micro", "micro")]
        for label, key in rows:
            first = entry["scores"][models[0]]
            gold = (first["micro"] if key else first["per_label"][label])["gold"] if models else 0
            line = f"{corpus:<9} {label:<10} {gold:>6}"
            for name in models:
                s = entry["scores"][name]["micro" if key else "per_label"]
                s = s if key else s[label]
                line += f" | {s['p']:>6.3f} {s['r']:>6.3f} {s['f']:>6.3f}"
            lines.append(line)
        note = f"{corpus}: {entry['documents']} sentences from {', '.join(entry['files'])}"
        if entry["missing_files"]:
            note += f" (missing: {', '.join(entry['missing_files'])})"
        lines.append(f"  {note}")
        lines.append("-" * width)
    return "\n".join(lines)
