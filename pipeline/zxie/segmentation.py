"""Word segmentation with spacy-pkuseg, trained here (spacy-pkuseg ships no model).

The segmenter only ever supplies word-boundary features (tokenizer `words = true`): the pipeline's
tokens are single characters, so no gold entity is ever lost to tokenisation. The shipped NER
reads none (models/README.md); the trained model ships in models/segmenter. Training data: the SIGHAN 2005 gold segmentations in
`../shared/datasets/cws` plus the train split of the gold corpus, segmented by a first model and
then cut at every entity boundary (entity boundaries are word boundaries).
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

# ASCII punctuation as the seeds write it, mapped 1:1 to the full-width forms of the training data.
_FULLWIDTH = str.maketrans(",.:;!?()[]%", "，．：；！？（）［］％")
MODEL_FILES = ("features.msgpack", "weights.npz")


class Segmenter:
    """A trained spacy-pkuseg model; `cut` returns words that concatenate to the input."""

    def __init__(self, model_dir: str | Path):
        import spacy_pkuseg

        self.model_dir = Path(model_dir)
        missing = [f for f in MODEL_FILES if not (self.model_dir / f).exists()]
        if missing:
            raise FileNotFoundError(f"no segmentation model in {model_dir} (missing {', '.join(missing)})")
        with contextlib.redirect_stdout(io.StringIO()):
            self._seg = spacy_pkuseg.pkuseg(model_name=str(self.model_dir))

    def cut(self, text: str) -> list[str]:
        """Segment text without whitespace; the words' lengths index the input."""
        if not text:
            return []
        words = self._seg.cut(text.translate(_FULLWIDTH))
        out, pos = [], 0
        for w in words:  # give back the input's own characters
            out.append(text[pos : pos + len(w)])
            pos += len(w)
        if pos != len(text):  # defensive: never drop input characters
            out.append(text[pos:])
        return out


def read_cws(path: str | Path) -> Iterator[str]:
    """Lines of a SIGHAN-style segmented corpus as space-separated words (CRLF and runs of spaces
    normalised)."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            words = line.split()
            if words:
                yield " ".join(words)


def forced_segmentation(text: str, boundaries: set[int], segmenter: Segmenter | None) -> list[str]:
    """Words of `text` (no whitespace) from the segmenter, additionally cut at every offset in
    `boundaries`."""
    words = segmenter.cut(text) if segmenter else list(text)
    out, pos = [], 0
    for w in words:
        cuts = [pos] + sorted(b for b in boundaries if pos < b < pos + len(w)) + [pos + len(w)]
        out.extend(text[a:b] for a, b in zip(cuts, cuts[1:]))
        pos += len(w)
    return out


def gold_lines(sections: Iterable[dict], segmenter: Segmenter | None) -> Iterator[str]:
    """Training lines from gold sections: one per sentence, layout whitespace removed, cut at entity
    boundaries."""
    from zxie.text import sentence_spans, squeeze

    for sec in sections:
        text = sec["text"]
        edges = {b for e in sec["entities"] for b in (e["start_offset"], e["end_offset"])}
        for a, b in sentence_spans(text):
            squeezed, keep = squeeze(text, a, b)
            local = {k for k, i in enumerate(keep) if i in edges}
            yield " ".join(forced_segmentation(squeezed, local, segmenter))


def train_segmenter(lines: list[str], out_dir: str | Path, iterations: int = 10, held_out: float = 0.1, seed: int = 0) -> dict:
    """Train a pkuseg model on space-separated lines; returns the held-out word F1 reported by the
    trainer (the last iteration's)."""
    import spacy_pkuseg

    lines = list(lines)
    random.Random(seed).shuffle(lines)
    n_test = max(1, int(len(lines) * held_out))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        train_file, test_file = os.path.join(tmp, "train.txt"), os.path.join(tmp, "test.txt")
        Path(train_file).write_text("\n".join(lines[n_test:]) + "\n", encoding="utf-8")
        Path(test_file).write_text("\n".join(lines[:n_test]) + "\n", encoding="utf-8")
        log = io.StringIO()
        with contextlib.redirect_stdout(log):
            spacy_pkuseg.train(train_file, test_file, os.path.join(tmp, "model"), train_iter=iterations)
        for name in MODEL_FILES:
            shutil.copy(os.path.join(tmp, "model", name), out_dir / name)
    scores = [float(part.split("=")[1].rstrip("%")) for line in log.getvalue().splitlines()
              for part in line.split() if part.startswith("f-score=")]
    return {"lines": len(lines), "held_out_lines": n_test, "word_f1": scores[-1] / 100 if scores else None}
