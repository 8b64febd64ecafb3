"""`zxie.ReportTokenizer.v1`: one token per character, optionally with word-boundary features.

`doc.text` is the input exactly as given, so every span's `start_char`/`end_char` indexes the raw
input. Layout damage (a line break or stray space inside a word) is repaired for the features: each
sentence is segmented with its whitespace removed, and every character token carries
- `lemma_`: the word it belongs to, and
- `tag_`: its position in that word, B / I / E, or S for a one-character word,
which the NER's embedding can read (`LEMMA`, `TAG`). With `words = false` there is no segmentation
and every character is its own word (S). A single space after a character is
that token's trailing whitespace; any other whitespace run is a token of its own (tag `_SP`).

With `lexicon = true` the tokens also carry lexicon features, SoftLexicon-style: for each
character, every dictionary match covering it, as its position in the match (B begin, I inside,
E end, S a whole one-character match) and the match's category, e.g. `B_REGION|E_STREET`. With
`words = false` each source has its own attribute (`LEXICON_ATTRS`): the gazetteer in `lemma_`,
jieba's dictionary in `tag_`, the corpus-derived surnames / titles / organ suffixes in `morph`
(`Lex=B_TITLE,S_SUR`); `_` (an empty morph) where nothing matches. With `words = true`, where
`lemma_` and `tag_` hold the word features, all three go into `morph` as fields
(`Gaz=B_REGION|Dict=B_ns|Lex=S_SUR`, `MORPH_FIELDS`). Matching walks a character trie of all
the words (zxie.trie) over the whitespace-free text, so a layout break inside a name does not hide
it. The lexicon (built by pipeline/zxie/training/lexicon.py) is saved with the tokenizer: its word
lists (`LEXICON_FILE`) and the trie compiled from them (`LEXICON_INDEX`, numpy arrays only), so
loading a model does not rebuild the trie.

With `bigrams = true` (and `words = false`) every character token's `tag_` is its character
bigram: the character and the next one, e.g. `政协` on 政. A single space or any run of spaces and
tabs is skipped (`学田 街道` gives 田街 on 田), a line break is not: the last character of a line,
as of the text, gets the end marker (`区<E>`, `BIGRAM_END`), and whitespace tokens keep the constant
`_SP`. TAG is otherwise free only while jieba's dictionary is not a lexicon source, so `bigrams =
true` is refused with `words = true` (TAG holds the word position) and with `lexicon = true` and
"jieba" in `lexicon_sources`. The setting is saved with the tokenizer (`cfg`), so a loaded model
computes what it was trained on.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
import srsly
from spacy.attrs import LEMMA, MORPH, TAG
from spacy.tokens import Doc
from spacy.util import registry

from zxie.segmentation import MODEL_FILES, Segmenter
from zxie.text import sentence_spans, squeeze
from zxie.trie import WordTrie

SPACE_TAG = "_SP"
NO_MATCH = "_"
# Which token attribute carries which lexicon source's features.
LEXICON_ATTRS = {"gazetteer": "LEMMA", "jieba": "TAG", "corpus": "MORPH"}
LEXICON_SOURCES = tuple(LEXICON_ATTRS)
# With word features (words = true) every source is a field of MORPH.
MORPH_FIELDS = {"gazetteer": "Gaz", "jieba": "Dict", "corpus": "Lex"}
LEXICON_FILE = "lexicon.msgpack.gz"
LEXICON_INDEX = "lexicon.trie.npz"
# The second half of the bigram of a line's or the text's last character (a real bigram has two
# code points, so no bigram of characters can be mistaken for it).
BIGRAM_END = "<E>"
# to_bytes: the entry with the bigrams setting beside the files
BIGRAMS_KEY = "bigrams"
# str.splitlines() boundaries: a whitespace token with one of these ends a line.
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


POSITIONS = ("B", "I", "E", "S")


class Lexicon:
    """Words with categories per source, matched all at once by one character trie (zxie.trie).

    `entries`: {source: {category: [word, ...]}}. Each (source, category) has a number g; a
    character's features are one integer with bit g + p·G set for position p (B, I, E, S) of a
    match of category g covering it (G categories in all), so the per-match work is numpy.
    `features(text)` gives, per source, one set of `{B,I,E,S}_{category}` strings per character.

    Saved as the word lists (`to_bytes`, whose sha256 the model's meta records) and the compiled
    trie (`index_bytes`); `from_bytes(data, index)` uses a trie compiled from exactly these word
    lists (it records their sha256) and reads the lists themselves only when asked for them."""

    def __init__(self, entries: dict[str, dict[str, list[str]]], *, normalized: bool = False):
        """`normalized`: the word lists are already sorted and free of duplicates (a saved lexicon)."""
        unknown = set(entries) - set(LEXICON_SOURCES)
        if unknown:
            raise ValueError(f"unknown lexicon sources {sorted(unknown)}; known: {LEXICON_SOURCES}")
        self._entries = entries if normalized else {src: {cat: sorted(set(words)) for cat, words in cats.items()}
                                                    for src, cats in entries.items()}
        self._data: bytes | None = None
        sources = [src for src in LEXICON_SOURCES if src in self._entries]
        self._set_categories(sources, [(src, cat) for src in sources for cat in self._entries[src]])
        combos: dict[str, int] = {}
        for g, (src, cat) in enumerate(self.categories):
            for w in self._entries[src][cat]:
                combos[w] = combos.get(w, 0) | (1 << g)
        self.trie = WordTrie.build(combos, dtype=np.uint16)  # ≤ 16 categories
        self.size = len(combos)

    def _set_categories(self, sources: list[str], categories: list[tuple[str, str]]) -> None:
        self.sources = sources
        self.categories = categories
        if len(self.categories) > 16:
            raise ValueError(f"at most 16 lexicon categories (64 bits), not {len(self.categories)}")
        G = self.n_categories = len(self.categories)
        # the bits of each source's features, and every bit's label
        self.source_masks = {src: 0 for src in self.sources}
        self.labels: dict[int, tuple[str, str]] = {}
        for g, (src, cat) in enumerate(self.categories):
            for p, pos in enumerate(POSITIONS):
                self.source_masks[src] |= 1 << (g + p * G)
                self.labels[g + p * G] = (src, f"{pos}_{cat}")

    @property
    def entries(self) -> dict[str, dict[str, list[str]]]:
        if self._entries is None:
            self._entries = srsly.msgpack_loads(gzip.decompress(self._data))
        return self._entries

    def bits(self, text: str) -> np.ndarray:
        """One uint64 of feature bits per character of text."""
        out = np.zeros(len(text), dtype=np.uint64)
        starts, lens, masks = self.trie.find(text) if self.size and text else ((),) * 3
        if not len(starts):
            return out
        masks = masks.astype(np.uint64)
        G = self.n_categories
        ends = starts + lens - 1
        one = lens == 1
        np.bitwise_or.at(out, ends[one], masks[one] << np.uint64(3 * G))
        many = ~one
        np.bitwise_or.at(out, starts[many], masks[many])
        np.bitwise_or.at(out, ends[many], masks[many] << np.uint64(2 * G))
        inside = lens > 2
        for g in range(G):
            sel = inside & ((masks >> np.uint64(g)) & np.uint64(1)).astype(bool)
            if sel.any():
                cover = np.zeros(len(text) + 1, dtype=np.int64)
                np.add.at(cover, starts[sel] + 1, 1)
                np.add.at(cover, ends[sel], -1)
                out[np.cumsum(cover[:-1]) > 0] |= np.uint64(1 << (g + G))
        return out

    def label_set(self, value: int, src: str) -> set[str]:
        return {lab for bit, (s, lab) in self.labels.items() if s == src and value >> bit & 1}

    def features(self, text: str) -> dict[str, list[set[str]]]:
        values = [int(v) for v in self.bits(text)]
        return {src: [self.label_set(v, src) for v in values] for src in self.sources}

    def to_bytes(self) -> bytes:
        """The word lists (gzipped msgpack)."""
        if self._data is None:
            self._data = gzip.compress(srsly.msgpack_dumps(self._entries), mtime=0)
        return self._data

    def index_bytes(self) -> bytes:
        """The compiled trie and what it was compiled from (an .npz of plain arrays)."""
        buf = io.BytesIO()
        np.savez_compressed(buf, keys=self.trie.keys, values=self.trie.values, n_root=np.int64(self.trie.n_root),
                            size=np.int64(self.size), sources=np.array(self.sources, dtype=str),
                            categories=np.array([f"{s}\t{c}" for s, c in self.categories], dtype=str),
                            lexicon_sha256=np.array(self.sha256()))
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes, index: bytes | None = None) -> Lexicon:
        """The lexicon of word lists DATA (`to_bytes`); with INDEX (`index_bytes`) compiled from
        them, without compiling the trie again. An index of other word lists is ignored."""
        if index is not None:
            with np.load(io.BytesIO(index), allow_pickle=False) as arrays:
                if str(arrays["lexicon_sha256"]) == hashlib.sha256(data).hexdigest():
                    lexicon = cls.__new__(cls)
                    lexicon._entries, lexicon._data = None, data
                    lexicon._set_categories(arrays["sources"].tolist(),
                                            [tuple(x.split("\t", 1)) for x in arrays["categories"].tolist()])
                    lexicon.trie = WordTrie(arrays["keys"], arrays["values"], int(arrays["n_root"]))
                    lexicon.size = int(arrays["size"])
                    return lexicon
        lexicon = cls(srsly.msgpack_loads(gzip.decompress(data)), normalized=True)
        lexicon._data = data
        return lexicon

    def sha256(self) -> str:
        return hashlib.sha256(self.to_bytes()).hexdigest()


@registry.tokenizers("zxie.ReportTokenizer.v1")
def create_report_tokenizer(words: bool = True, lexicon: bool = False, lexicon_sources: list[str] = list(LEXICON_SOURCES),  # noqa: B006
                            bigrams: bool = False):
    """`words = false`: characters only, no segmentation (no LEMMA/TAG word features).
    `lexicon = true`: lexicon features in LEMMA / TAG / MORPH (in MORPH alone with words = true); the lexicon
    file is named by `[initialize.tokenizer] lexicon`; `zxie train` builds it from `lexicon_sources`
    (the features of a source left out are all `_`).
    `bigrams = true`: each character's bigram with the next character in TAG (see the module
    docstring); needs `words = false`, and TAG free of jieba's features ("jieba" not in
    `lexicon_sources` when `lexicon = true`)."""
    if set(lexicon_sources) - set(LEXICON_SOURCES):
        raise ValueError(f"lexicon_sources: unknown {sorted(set(lexicon_sources) - set(LEXICON_SOURCES))}; known: {LEXICON_SOURCES}")
    if bigrams and words:
        raise ValueError("bigrams = true needs words = false: with words = true TAG holds the word position (B/I/E/S)")
    if bigrams and lexicon and "jieba" in lexicon_sources:
        raise ValueError('bigrams = true puts the bigrams in TAG, which carries jieba\'s lexicon features: '
                         'with lexicon = true, drop "jieba" from lexicon_sources or set bigrams = false')

    def make(nlp):
        return ReportTokenizer(nlp.vocab, words=words, lexicon=lexicon, bigrams=bigrams)

    return make


_WHITESPACE = re.compile(r"\s+")  # \s is str.isspace() for str patterns


def split_characters(text: str) -> tuple[list[str], list[bool], list[int], list[int]]:
    """One token per non-space character and per whitespace run, except that a single space after
    a character is that character's trailing whitespace: (words, spaces, the tokens that are
    characters, the tokens that are whitespace)."""
    words: list[str] = []
    spaces: list[bool] = []
    char_tokens: list[int] = []
    space_tokens: list[int] = []
    pos = 0
    for m in _WHITESPACE.finditer(text):
        a, b = m.span()
        if a > pos:
            k = len(words)
            words.extend(text[pos:a])
            spaces.extend([False] * (a - pos))
            char_tokens.extend(range(k, k + a - pos))
        if a > 0 and b - a == 1 and text[a] == " ":  # a > 0: a character comes before it
            spaces[-1] = True
        else:
            space_tokens.append(len(words))
            words.append(text[a:b])
            spaces.append(False)
        pos = b
    if pos < len(text):
        k = len(words)
        words.extend(text[pos:])
        spaces.extend([False] * (len(text) - pos))
        char_tokens.extend(range(k, k + len(text) - pos))
    return words, spaces, char_tokens, space_tokens


def bigram_tags(words: list[str]) -> list[str]:
    """The TAG of every token of split_characters with bigrams = true: a character and the next one
    (spaces and tabs skipped), the character and BIGRAM_END before a line break and at the end, and
    SPACE_TAG for a whitespace token."""
    tags = [SPACE_TAG] * len(words)
    last = -1  # the character token still waiting for its successor
    for k, w in enumerate(words):
        if w.isspace():  # a whitespace token (character tokens never are)
            if last >= 0 and not LINE_BREAKS.isdisjoint(w):
                tags[last] = words[last] + BIGRAM_END
                last = -1
            continue
        if last >= 0:
            tags[last] = words[last] + w
        last = k
    if last >= 0:
        tags[last] = words[last] + BIGRAM_END
    return tags


def _position_tags(words: list[str]) -> list[tuple[str, str]]:
    out = []
    for w in words:
        if len(w) == 1:
            out.append(("S", w))
        else:
            out += [("B", w)] + [("I", w)] * (len(w) - 2) + [("E", w)]
    return out


class ReportTokenizer:
    def __init__(self, vocab, segmenter: Segmenter | None = None, words: bool = True, lexicon: bool = False,
                 bigrams: bool = False):
        self.vocab = vocab
        self.segmenter = segmenter
        self.words = words
        self.use_lexicon = lexicon
        self.bigrams = bigrams
        self.lexicon: Lexicon | None = None
        self._keys: dict[tuple[str, int], int] = {}
        self._string_keys: dict[str, int] = {}

    def _feature_key(self, src: str | None, value: int) -> int:
        """The attribute value (string or morph hash) of a source's feature bits, cached; with src
        None the morph of all sources' features (words = true)."""
        key = self._keys.get((src, value))
        if key is None and src is None:
            fields = [f"{MORPH_FIELDS[s]}={','.join(sorted(self.lexicon.label_set(value, s)))}"
                      for s in self.lexicon.sources if value & self.lexicon.source_masks[s]]
            key = self._keys[(src, value)] = self.vocab.morphology.add("|".join(fields) or NO_MATCH)
        elif key is None:
            labels = "|".join(sorted(self.lexicon.label_set(value, src))) or NO_MATCH
            if LEXICON_ATTRS[src] == "MORPH":
                key = self.vocab.morphology.add(NO_MATCH if labels == NO_MATCH else "Lex=" + labels.replace("|", ","))
            else:
                key = self.vocab.strings.add(labels)
            self._keys[(src, value)] = key
        return key

    def lexicon_array(self, chars: str, char_tokens: list[int], n_tokens: int) -> np.ndarray:
        """LEMMA, TAG, MORPH values of every token: the features of the characters `chars` (the
        whitespace-free text) at tokens `char_tokens`, NO_MATCH for the rest."""
        attrs = [LEXICON_ATTRS[src] for src in LEXICON_SOURCES]
        nothing = [self.vocab.morphology.add(NO_MATCH) if a == "MORPH" else self.vocab.strings.add(NO_MATCH) for a in attrs]
        arr = np.tile(np.array(nothing, dtype=np.uint64), (n_tokens, 1))
        if self.lexicon is None or not chars:
            return arr
        bits = self.lexicon.bits(chars)
        rows = np.asarray(char_tokens, dtype=np.int64)
        for col, src in enumerate(LEXICON_SOURCES):
            if src not in self.lexicon.source_masks:
                continue
            values, inverse = np.unique(bits & np.uint64(self.lexicon.source_masks[src]), return_inverse=True)
            keys = np.array([self._feature_key(src, int(v)) for v in values], dtype=np.uint64)
            arr[rows, col] = keys[inverse]
        return arr

    def morph_array(self, chars: str, char_tokens: list[int], n_tokens: int) -> np.ndarray:
        """One MORPH column with every source's features as fields (words = true)."""
        arr = np.full((n_tokens, 1), self.vocab.morphology.add(NO_MATCH), dtype=np.uint64)
        if self.lexicon is None or not chars:
            return arr
        values, inverse = np.unique(self.lexicon.bits(chars), return_inverse=True)
        keys = np.array([self._feature_key(None, int(v)) for v in values], dtype=np.uint64)
        arr[np.asarray(char_tokens, dtype=np.int64), 0] = keys[inverse]
        return arr

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
        if self.words:
            words, spaces, tags, lemmas, char_tokens = self._word_tokens(text)
        else:
            words, spaces, char_tokens, space_tokens = split_characters(text)
            lemmas = words  # every character is its own word
            if self.bigrams:
                tags = bigram_tags(words)
            else:
                tags = ["S"] * len(words)
                for k in space_tokens:
                    tags[k] = SPACE_TAG
        if not self.use_lexicon:
            return Doc(self.vocab, words=words, spaces=spaces, tags=tags, lemmas=lemmas)
        chars = _WHITESPACE.sub("", text)  # the characters of char_tokens, in order
        if self.words:
            doc = Doc(self.vocab, words=words, spaces=spaces, tags=tags, lemmas=lemmas)
            return doc.from_array([MORPH], self.morph_array(chars, char_tokens, len(words)))
        attrs = [{"LEMMA": LEMMA, "TAG": TAG, "MORPH": MORPH}[LEXICON_ATTRS[src]] for src in LEXICON_SOURCES]
        arr = self.lexicon_array(chars, char_tokens, len(words))
        if self.bigrams:  # TAG: the bigrams instead of jieba's `_`
            arr[:, attrs.index(TAG)] = self.string_keys(tags)
        return Doc(self.vocab, words=words, spaces=spaces).from_array(attrs, arr)

    def string_keys(self, values: list[str]) -> np.ndarray:
        """The StringStore keys of VALUES (added to it), through a cache: a Doc built with `tags=`
        adds every token's string to the store one call at a time, which costs more."""
        get = self._string_keys.get
        return np.array([get(v) or self._add_string(v) for v in values], dtype=np.uint64)

    def _add_string(self, value: str) -> int:
        key = self._string_keys[value] = self.vocab.strings.add(value)
        return key

    def _word_tokens(self, text: str):
        """words, spaces, tags, lemmas and char_tokens with the word features (words = true)."""
        feats = self.word_features(text)
        words, spaces, tags, lemmas = [], [], [], []
        char_tokens: list[int] = []  # the token of each non-space character
        i, n = 0, len(text)
        while i < n:
            if not text[i].isspace():
                char_tokens.append(len(words))
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
        return words, spaces, tags, lemmas, char_tokens

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
            self._keys = {}
            self._check_tag_free()

    def _check_tag_free(self) -> None:
        if self.bigrams and self.lexicon is not None and "jieba" in self.lexicon.sources:
            raise ValueError("bigrams = true puts the bigrams in TAG, but this lexicon has jieba's features, which go there too: "
                             'build it without "jieba" in lexicon_sources or set bigrams = false')

    # Serialization: the segmentation model's files and the lexicon travel inside the pipeline directory.
    def to_disk(self, path, *, exclude=()):
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / "cfg", {"segmenter": self.segmenter is not None, "lexicon": self.lexicon is not None,
                                        "bigrams": self.bigrams})
        if self.segmenter:
            for name in MODEL_FILES:
                shutil.copy(self.segmenter.model_dir / name, path / name)
        if self.lexicon is not None:
            (path / LEXICON_FILE).write_bytes(self.lexicon.to_bytes())
            (path / LEXICON_INDEX).write_bytes(self.lexicon.index_bytes())

    def from_disk(self, path, *, exclude=()):
        path = Path(path)
        cfg = srsly.read_json(path / "cfg")
        self.bigrams = cfg.get("bigrams", self.bigrams)  # what the model was trained with (models before bigrams: none)
        if cfg.get("segmenter"):
            self.segmenter = Segmenter(path)
        if cfg.get("lexicon"):
            index = path / LEXICON_INDEX
            self.lexicon = Lexicon.from_bytes((path / LEXICON_FILE).read_bytes(), index.read_bytes() if index.exists() else None)
            self._keys = {}
        self._check_tag_free()
        return self

    def to_bytes(self, *, exclude=()):
        files = {BIGRAMS_KEY: self.bigrams}
        if self.segmenter:
            files.update({name: (self.segmenter.model_dir / name).read_bytes() for name in MODEL_FILES})
        if self.lexicon is not None:
            files[LEXICON_FILE] = self.lexicon.to_bytes()
            files[LEXICON_INDEX] = self.lexicon.index_bytes()
        return srsly.msgpack_dumps(files)

    def from_bytes(self, data, *, exclude=()):
        files = srsly.msgpack_loads(data)
        self.bigrams = files.pop(BIGRAMS_KEY, self.bigrams)
        if LEXICON_FILE in files:
            self.lexicon = Lexicon.from_bytes(files.pop(LEXICON_FILE), files.pop(LEXICON_INDEX, None))
            self._keys = {}
        if files:
            tmp = Path(tempfile.mkdtemp(prefix="zxie-segmenter-"))
            for name, content in files.items():
                (tmp / name).write_bytes(content)
            self.segmenter = Segmenter(tmp)
        self._check_tag_free()
        return self
