"""Batch invariance (issue 16): a document's record is byte-identical whatever else is in its batch,
its window or its worker — processed alone, in a mixed batch of hundreds of documents, after an
interrupted run is resumed, by two local worker processes, and by Dask workers. The shipped model
(its NER predicts with numpy's BLAS, zxie_tag_ner `numpy_blas`), real text of the seed reports."""

import json
import random

import pytest

from zxie.batch.run import BatchSettings, run_batch
from zxie.extract import DEFAULT_CHUNK_CHARS, Extractor
from zxie.io.inputs import Document, read_documents
from zxie.io.records import RecordWriter
from zxie.text import sentence_spans

from .conftest import SHARED, SHIPPED_MODEL


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """About 300 short documents (sentences and paragraphs of the seeds), whole seed reports, and
    all of them joined (longer than a chunk, so it is cut), shuffled together into one JSONL file."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((SHARED / "seeds").glob("*.txt"))]
    rng = random.Random(0)
    sentences = [t[a:b] for t in texts for a, b in sentence_spans(t) if b - a >= 8]
    paragraphs = [p for t in texts for p in t.split("\n") if len(p.strip()) >= 20]
    docs = rng.sample(sentences, 200) + rng.sample(paragraphs, 100) + texts[:3] + ["\n\n".join(texts)]
    assert len(docs[-1]) > DEFAULT_CHUNK_CHARS
    rng.shuffle(docs)
    path = tmp_path_factory.mktemp("invariance") / "docs.jsonl"
    path.write_text("".join(json.dumps({"id": f"d{k:03d}", "text": t}, ensure_ascii=False) + "\n" for k, t in enumerate(docs)),
                    encoding="utf-8")
    return path, {f"d{k:03d}": t for k, t in enumerate(docs)}


def by_id(path):
    """Each record line (bytes) by its document id."""
    out = {}
    for line in path.read_bytes().splitlines():
        out[json.loads(line)["id"]] = line
    return out


@pytest.fixture(scope="module")
def alone(corpus, tmp_path_factory):
    """The records of every document processed alone: one document per model call."""
    path, texts = corpus
    extractor = Extractor(SHIPPED_MODEL)
    assert extractor.nlp.get_pipe("ner").numpy_blas
    out = tmp_path_factory.mktemp("alone") / "alone.jsonl"
    with RecordWriter(out) as writer:
        for doc in read_documents([path]):  # the documents exactly as a run reads them (source, meta)
            assert isinstance(doc, Document) and doc.text == texts[doc.id]
            (record,) = extractor.records([doc])
            writer.write(record)
    return by_id(out)


def run(corpus, out, **settings):
    path, _ = corpus
    summary = run_batch([path], out, BatchSettings(model=SHIPPED_MODEL, **settings))
    assert summary.failed == 0
    return by_id(out)


def test_a_mixed_batch_of_hundreds_gives_each_document_its_record_alone(corpus, alone, tmp_path):
    batched = run(corpus, tmp_path / "batch.jsonl", batch_size=256)
    assert len(batched) == len(alone) > 300
    assert batched == alone


def test_a_resumed_run_gives_the_same_records(corpus, alone, tmp_path):
    out = tmp_path / "resumed.jsonl"
    run(corpus, out)
    # a run killed after 101 documents (a torn line after them): the rest is done in other batches
    lines = out.read_bytes().splitlines(keepends=True)
    out.write_bytes(b"".join(lines[:101]) + lines[101][:50])
    resumed = run(corpus, out, resume=True)
    assert resumed == alone


def test_two_worker_processes_give_the_same_records(corpus, alone, tmp_path):
    assert run(corpus, tmp_path / "pool.jsonl", n_process=2, partition_docs=7) == alone


def test_dask_workers_give_the_same_records(corpus, alone, tmp_path):
    assert run(corpus, tmp_path / "dask.jsonl", engine="dask", n_process=2, partition_docs=11) == alone


def test_the_tag_probabilities_themselves_do_not_depend_on_the_batch(corpus):
    """Records round scores to 4 places; the NER's probabilities are compared bit for bit."""
    import numpy as np
    import spacy

    _, texts = corpus
    nlp = spacy.load(SHIPPED_MODEL)
    ner = nlp.get_pipe("ner")
    docs = [nlp.make_doc(t) for t in list(texts.values())[:120] if len(t) <= DEFAULT_CHUNK_CHARS]
    together = ner.predict(docs)
    reversed_ = ner.predict(docs[::-1])[::-1]
    for doc, a, b in zip(docs, together, reversed_):
        (c,) = ner.predict([doc])
        assert np.array_equal(a, c) and np.array_equal(b, c)


def test_per_document_products_for_another_architecture(tiny_model):
    """The tiny pipeline of the suite (other width, depth and features): a batch is still cut into
    its documents' own products (no fallback), bit-identical to one document at a time."""
    import numpy as np
    import spacy

    from zxie.components.tag_ner import PerDocumentOps, numpy_blas

    nlp = spacy.load(tiny_model)
    ner = nlp.get_pipe("ner")
    texts = [p.read_text(encoding="utf-8") for p in sorted((SHARED / "seeds").glob("*.txt"))]
    docs = [nlp.make_doc(t[a:b]) for t in texts[:2] for a, b in sentence_spans(t)[:40]]
    ops = PerDocumentOps([len(doc) for doc in docs])
    with numpy_blas(ner.model, ops):
        together = ner.model.predict(docs)
    assert not ops.unknown and ops.pads
    for doc, scores in zip(docs, together):
        with numpy_blas(ner.model):
            (alone,) = ner.model.predict([doc])
        assert np.array_equal(scores, alone)


def test_groups_of_a_batch_stay_in_order_and_whole():
    from zxie.components.tag_ner import _groups

    sizes = [3, 5, 1, 9, 2, 2, 4]
    groups = list(_groups([[0] * n for n in sizes], 6))
    assert [[len(d) for d in g] for g in groups] == [[3], [5, 1], [9], [2, 2], [4]]
