"""`zxie.ReportTokenizer.v1`: one token per character, optionally with word-boundary features.

`doc.text` is the input exactly as given, so every span's `start_char`/`end_char` indexes the raw
input. Layout damage (a line break or stray space inside a word) is repaired for the features: each
sentence is segmented with its whitespace removed, and every character token carries
- `lemma_`: the word it belongs to, and
- `tag_`: its position in that word, B / I / E, or S for a one-character word,
which the NER's embedding can read (`LEMMA`, `TAG`). With `words = false` there is no segmentation
and every character is its own word (S). A single space after a character is
that token's trailing whitespace; any other whitespace run is a token of its own (tag `_SP`).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import srsly
from spacy.tokens import Doc
from spacy.util import registry

from zxie.segmentation import MODEL_FILES, Segmenter
from zxie.text import sentence_spans, squeeze

SPACE_TAG = "_SP"


@registry.tokenizers("zxie.ReportTokenizer.v1")
def create_report_tokenizer(words: bool = True):
    """`words = false`: characters only, no segmentation (no LEMMA/TAG word features)."""

    def make(nlp):
        return ReportTokenizer(nlp.vocab, words=words)

    return make


def _position_tags(words: list[str]) -> list[tuple[str, str]]:
    out = []
    for w in words:
        if len(w) == 1:
            out.append(("S", w))
        else:
            out += [("B", w)] + [("I", w)] * (len(w) - 2) + [("E", w)]
    return out


class ReportTokenizer:
    def __init__(self, vocab, segmenter: Segmenter | None = None, words: bool = True):
        self.vocab = vocab
        self.segmenter = segmenter
        self.words = words

    def word_features(self, text: str) -> list[tuple[str, str] | None]:
        """(position tag, word) for every non-space character of text; None for whitespace."""
        feats: list[tuple[str, str] | None] = [None] * len(text)
        for a, b in sentence_spans(text) if self.words else ():
            squeezed, keep = squeeze(text, a, b)
            words = self.segmenter.cut(squeezed) if self.segmenter else list(squeezed)
            for i, feat in zip(keep, _position_tags(words)):
                feats[i] = feat
        for i, c in enumerate(text):  # characters outside every sentence (none in practice)
            if feats[i] is None and not c.isspace():
                feats[i] = ("S", c)
        return feats

    def __call__(self, text: str) -> Doc:
        feats = self.word_features(text)
        words, spaces, tags, lemmas = [], [], [], []
        i, n = 0, len(text)
        while i < n:
            if not text[i].isspace():
                words.append(text[i])
                tag, word = feats[i]
                tags.append(tag)
                lemmas.append(word)
                spaces.append(False)
                i += 1
                continue
            j = i
            while j < n and text[j].isspace():
                j += 1
            if text[i:j] == " " and words and not spaces[-1] and tags[-1] != SPACE_TAG:
                spaces[-1] = True
            else:
                words.append(text[i:j])
                spaces.append(False)
                tags.append(SPACE_TAG)
                lemmas.append(text[i:j])
            i = j
        return Doc(self.vocab, words=words, spaces=spaces, tags=tags, lemmas=lemmas)

    def pipe(self, texts, batch_size=1000):
        for text in texts:
            yield self(text)

    def initialize(self, get_examples=None, *, nlp=None, pkuseg_model: str | None = None, pkuseg_user_dict: str | None = None):
        """Load the trained segmentation model: `[initialize.tokenizer] pkuseg_model` names its
        directory, as for spaCy's own Chinese tokenizer. User dictionaries are not supported."""
        if pkuseg_user_dict not in (None, "default"):
            raise ValueError("zxie.ReportTokenizer.v1 takes no pkuseg user dictionary")
        if pkuseg_model and self.words:
            self.segmenter = Segmenter(pkuseg_model)

    # Serialization: the segmentation model's files travel inside the pipeline directory.
    def to_disk(self, path, *, exclude=()):
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / "cfg", {"segmenter": self.segmenter is not None})
        if self.segmenter:
            for name in MODEL_FILES:
                shutil.copy(self.segmenter.model_dir / name, path / name)

    def from_disk(self, path, *, exclude=()):
        path = Path(path)
        if srsly.read_json(path / "cfg").get("segmenter"):
            self.segmenter = Segmenter(path)
        return self

    def to_bytes(self, *, exclude=()):
        files = {}
        if self.segmenter:
            files = {name: (self.segmenter.model_dir / name).read_bytes() for name in MODEL_FILES}
        return srsly.msgpack_dumps(files)

    def from_bytes(self, data, *, exclude=()):
        files = srsly.msgpack_loads(data)
        if files:
            tmp = Path(tempfile.mkdtemp(prefix="zxie-segmenter-"))
            for name, content in files.items():
                (tmp / name).write_bytes(content)
            self.segmenter = Segmenter(tmp)
        return self
