"""`zxie.ReportTokenizer.v1`: one token per character, optionally with word-boundary features.

`doc.text` is the input exactly as given, so every span's `start_char`/`end_char` indexes the raw
input. Layout damage (a line break or stray space inside a word) is repaired for the features: each
sentence is segmented with its whitespace removed, and every character token carries
- `lemma_`: the word it belongs to, and
- `tag_`: its position in that word, B / I / E, or S for a one-character word,
which the NER's embedding can read (`LEMMA`, `TAG`). With `words = false` there is no segmentation
and every character is its own word (S). A single space after a character is
that token's trailing whitespace; any other whitespace run is a token of its own (tag `_SP`).

With `lexicon = true` (and `words = false`) the same attributes carry lexicon features instead,
SoftLexicon-style: for each character, every dictionary match covering it, as its position in the
match (B begin, I inside, E end, S a whole one-character match) and the match's category, e.g.
`B_REGION|E_STREET`, one attribute per source (`LEXICON_ATTRS`): the gazetteer in `lemma_`,
jieba's dictionary in `tag_`, the corpus-derived surnames / titles / organ suffixes in `morph`
(`Lex=B_TITLE,S_SUR`); `_` where nothing matches. Matching is an Aho-Corasick automaton
(pyahocorasick) over the whitespace-free text, so a layout break inside a name does not hide it.
The lexicon (built by pipeline/zxie/training/lexicon.py) is saved with the tokenizer.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import tempfile
from pathlib import Path

import srsly
from spacy.tokens import Doc
from spacy.util import registry

from zxie.segmentation import MODEL_FILES, Segmenter
from zxie.text import sentence_spans, squeeze

SPACE_TAG = "_SP"
NO_MATCH = "_"
# Which token attribute carries which lexicon source's features.
LEXICON_ATTRS = {"gazetteer": "LEMMA", "jieba": "TAG", "corpus": "MORPH"}
LEXICON_SOURCES = tuple(LEXICON_ATTRS)
LEXICON_FILE = "lexicon.msgpack.gz"


class Lexicon:
    """Words with categories per source, matched all at once by one Aho-Corasick automaton.

    `entries`: {source: {category: [word, ...]}}. `features(text)` gives, per source, one set of
    `{B,I,E,S}_{category}` strings per character of text."""

    def __init__(self, entries: dict[str, dict[str, list[str]]]):
        import ahocorasick

        unknown = set(entries) - set(LEXICON_SOURCES)
        if unknown:
            raise ValueError(f"unknown lexicon sources {sorted(unknown)}; known: {LEXICON_SOURCES}")
        self.entries = {src: {cat: sorted(set(words)) for cat, words in cats.items()} for src, cats in entries.items()}
        self.sources = [src for src in LEXICON_SOURCES if src in self.entries]
        by_word: dict[str, list] = {}
        for k, src in enumerate(self.sources):
            for cat, words in self.entries[src].items():
                marks = (k, f"B_{cat}", f"I_{cat}", f"E_{cat}", f"S_{cat}")
                for w in words:
                    by_word.setdefault(w, []).append(marks)
        self.automaton = ahocorasick.Automaton()
        for w, marks in by_word.items():
            self.automaton.add_word(w, (len(w), tuple(marks)))
        self.size = len(by_word)
        if self.size:
            self.automaton.make_automaton()

    def features(self, text: str) -> dict[str, list[set[str]]]:
        feats = [[set() for _ in text] for _ in self.sources]
        if self.size:
            for end, (n, marks) in self.automaton.iter(text):
                start = end - n + 1
                for k, b, i, e, s in marks:
                    f = feats[k]
                    if n == 1:
                        f[end].add(s)
                        continue
                    f[start].add(b)
                    f[end].add(e)
                    for j in range(start + 1, end):
                        f[j].add(i)
        return dict(zip(self.sources, feats))

    def to_bytes(self) -> bytes:
        return gzip.compress(srsly.msgpack_dumps(self.entries), mtime=0)

    @classmethod
    def from_bytes(cls, data: bytes) -> Lexicon:
        return cls(srsly.msgpack_loads(gzip.decompress(data)))

    def sha256(self) -> str:
        return hashlib.sha256(self.to_bytes()).hexdigest()


@registry.tokenizers("zxie.ReportTokenizer.v1")
def create_report_tokenizer(words: bool = True, lexicon: bool = False, lexicon_sources: list[str] = list(LEXICON_SOURCES)):  # noqa: B006
    """`words = false`: characters only, no segmentation (no LEMMA/TAG word features).
    `lexicon = true`: lexicon features in LEMMA / TAG / MORPH (needs `words = false`); the lexicon
    file is named by `[initialize.tokenizer] lexicon`; `zxie train` builds it from `lexicon_sources`
    (the features of a source left out are all `_`)."""
    if set(lexicon_sources) - set(LEXICON_SOURCES):
        raise ValueError(f"lexicon_sources: unknown {sorted(set(lexicon_sources) - set(LEXICON_SOURCES))}; known: {LEXICON_SOURCES}")
    if words and lexicon:
        raise ValueError("zxie.ReportTokenizer.v1: lexicon features use LEMMA and TAG, which words = true takes")

    def make(nlp):
        return ReportTokenizer(nlp.vocab, words=words, lexicon=lexicon)

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
    def __init__(self, vocab, segmenter: Segmenter | None = None, words: bool = True, lexicon: bool = False):
        self.vocab = vocab
        self.segmenter = segmenter
        self.words = words
        self.use_lexicon = lexicon
        self.lexicon: Lexicon | None = None

    def lexicon_features(self, text: str, n_tokens: int, token_of: list[int]) -> dict[str, list[str]]:
        """Per source, the feature string of every token (NO_MATCH for spaces and non-matches)."""
        out = {src: [NO_MATCH] * n_tokens for src in LEXICON_SOURCES}
        if self.lexicon is None:
            return out
        squeezed, keep = squeeze(text)
        for src, feats in self.lexicon.features(squeezed).items():
            col = out[src]
            for i, f in zip(keep, feats):
                if f:
                    col[token_of[i]] = "|".join(sorted(f))
        return out

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
        token_of = [0] * len(text) if self.use_lexicon else None
        i, n = 0, len(text)
        while i < n:
            if not text[i].isspace():
                if token_of is not None:
                    token_of[i] = len(words)
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
        if not self.use_lexicon:
            return Doc(self.vocab, words=words, spaces=spaces, tags=tags, lemmas=lemmas)
        lex = self.lexicon_features(text, len(words), token_of)
        morphs = [NO_MATCH if f == NO_MATCH else "Lex=" + f.replace("|", ",") for f in lex["corpus"]]
        return Doc(self.vocab, words=words, spaces=spaces, tags=lex["jieba"], lemmas=lex["gazetteer"], morphs=morphs)

    def pipe(self, texts, batch_size=1000):
        for text in texts:
            yield self(text)

    def initialize(self, get_examples=None, *, nlp=None, pkuseg_model: str | None = None, pkuseg_user_dict: str | None = None,
                   lexicon: str | None = None):
        """Load the trained segmentation model: `[initialize.tokenizer] pkuseg_model` names its
        directory, as for spaCy's own Chinese tokenizer. User dictionaries are not supported.
        `lexicon`: a compiled lexicon file (Lexicon.to_bytes) for `lexicon = true`."""
        if pkuseg_user_dict not in (None, "default"):
            raise ValueError("zxie.ReportTokenizer.v1 takes no pkuseg user dictionary")
        if pkuseg_model and self.words:
            self.segmenter = Segmenter(pkuseg_model)
        if self.use_lexicon:
            if not lexicon:
                raise ValueError("zxie.ReportTokenizer.v1 with lexicon = true needs [initialize.tokenizer] lexicon")
            self.lexicon = Lexicon.from_bytes(Path(lexicon).read_bytes())

    # Serialization: the segmentation model's files and the lexicon travel inside the pipeline directory.
    def to_disk(self, path, *, exclude=()):
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / "cfg", {"segmenter": self.segmenter is not None, "lexicon": self.lexicon is not None})
        if self.segmenter:
            for name in MODEL_FILES:
                shutil.copy(self.segmenter.model_dir / name, path / name)
        if self.lexicon is not None:
            (path / LEXICON_FILE).write_bytes(self.lexicon.to_bytes())

    def from_disk(self, path, *, exclude=()):
        path = Path(path)
        cfg = srsly.read_json(path / "cfg")
        if cfg.get("segmenter"):
            self.segmenter = Segmenter(path)
        if cfg.get("lexicon"):
            self.lexicon = Lexicon.from_bytes((path / LEXICON_FILE).read_bytes())
        return self

    def to_bytes(self, *, exclude=()):
        files = {}
        if self.segmenter:
            files = {name: (self.segmenter.model_dir / name).read_bytes() for name in MODEL_FILES}
        if self.lexicon is not None:
            files[LEXICON_FILE] = self.lexicon.to_bytes()
        return srsly.msgpack_dumps(files)

    def from_bytes(self, data, *, exclude=()):
        files = srsly.msgpack_loads(data)
        if LEXICON_FILE in files:
            self.lexicon = Lexicon.from_bytes(files.pop(LEXICON_FILE))
        if files:
            tmp = Path(tempfile.mkdtemp(prefix="zxie-segmenter-"))
            for name, content in files.items():
                (tmp / name).write_bytes(content)
            self.segmenter = Segmenter(tmp)
        return self
