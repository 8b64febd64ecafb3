"""Sentence boundaries for raw report text (GUIDELINES §1 and §6).

A sentence ends after 。！？； (and any closing quotes or brackets right after), or at a line
break that closes a complete line: a headline, subtitle, byline or caption. A break inside a word,
a name or a clause is layout damage and does not end the sentence. Offsets are code points into
the text exactly as given.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib.resources import files

TERMINALS = "。！？；!?;"
CLOSERS = "”’」』）)》\"'*"
# A line ending in one of these continues on the next line.
CONTINUING = "，,、：:“‘「『（(《—-"
# A line starting with one of these opens a list item or a heading.
ITEM_MARKS = "-#■●•"
# A line without terminal punctuation is a heading, byline or caption when it is short: at most
# HEADING_MAX characters, or HEADING_MAX_COMMA when it has a comma (headings rarely do), and it is
# not one of several lines of equal width, at least COLUMN_MIN long (a narrow newspaper column).
HEADING_MAX = 50
HEADING_MAX_COMMA = 25
COLUMN_MIN = 16
_END = re.compile(f"[{re.escape(TERMINALS)}][{re.escape(CLOSERS)}]*")
_BREAK = re.compile(r"[ \t\u3000]*\n[\s\u3000]*")


@cache
def word_bigrams() -> frozenset[str]:
    """Character bigrams that sit inside words (zxie/data/word_bigrams.txt, from segmented corpora)."""
    return frozenset(files("zxie.data").joinpath("word_bigrams.txt").read_text(encoding="utf-8").split())


def _is_complete_line(line: str, next_line: str, in_column: bool = False) -> bool:
    """Does a line break after `line` end a sentence? `in_column`: the line is one of three or more
    lines of equal width with no blank line between them (a narrow newspaper column)."""
    line = line.strip(" \t\u3000")
    if not line:
        return True
    if _END.search(line[-3:]) and line.rstrip(CLOSERS)[-1:] in TERMINALS:
        return True
    nxt = next_line.strip(" \t\u3000")
    bigrams = word_bigrams()
    if nxt and line[-1] + nxt[0] in bigrams and line[-2:] not in bigrams:
        return False  # the break cuts a word (虹西社|区, 三季|度 in a table row) where the line does not end in one (会议|会议指出)
    if "\t" in line or line[0] == "#" or nxt[:1] in ITEM_MARKS:
        return True  # a table row, a heading, or the next line opens a list item or heading
    if line[-1] in CONTINUING or _END.search(line):
        return False  # mid-clause, or a sentence began on this line and runs on
    if len(line) > HEADING_MAX_COMMA and ("," in line or "，" in line) or len(line) > HEADING_MAX:
        return False
    # A narrow newspaper column breaks mid-clause; two lines of one width (a headline above its
    # subtitle) are not a column.
    if in_column and len(line) >= COLUMN_MIN:
        return False
    return True


def squeeze(text: str, start: int = 0, end: int | None = None) -> tuple[str, list[int]]:
    """text[start:end] without its whitespace, and the raw offset of each character kept: how layout
    breaks inside words (协\n\n商) are read past while offsets still index the raw text."""
    index = [i for i in range(start, len(text) if end is None else end) if not text[i].isspace()]
    return "".join(text[i] for i in index), index


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Split `text` into sentence spans (start, end), trimmed of surrounding whitespace."""
    cuts: set[int] = {0, len(text)}
    last = 0
    for m in _END.finditer(text):
        end = m.end()
        # a half-width quote after the terminal closes a quote only if one is open: 。"下一句…" opens
        while text[end - 1] in "\"'" and text.count(text[end - 1], last, m.start()) % 2 == 0:
            end -= 1
        cuts.add(end)
        last = end
    breaks = list(_BREAK.finditer(text))
    # the lines between breaks: line i ends at break i
    starts = [0] + [m.end() for m in breaks]
    ends = [m.start() for m in breaks] + [len(text)]
    lines = [text[a:b] for a, b in zip(starts, ends)]
    width = [len(line.strip(" \t\u3000")) for line in lines]
    # pair i: lines i and i + 1 of equal width, with a single line break between them
    pair = [m.group().count("\n") == 1 and abs(width[i] - width[i + 1]) <= 2 for i, m in enumerate(breaks)]
    for i, m in enumerate(breaks):
        in_column = pair[i] and ((i > 0 and pair[i - 1]) or (i + 1 < len(pair) and pair[i + 1]))
        if _is_complete_line(lines[i], lines[i + 1], in_column):
            cuts.add(m.start())
    spans = []
    bounds = sorted(cuts)
    for a, b in zip(bounds, bounds[1:]):
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            spans.append((a, b))
    return spans


def sentence_index(text: str) -> list[int]:
    """Map every character offset to the index of its sentence (-1 for inter-sentence space)."""
    owner = [-1] * len(text)
    for i, (a, b) in enumerate(sentence_spans(text)):
        owner[a:b] = [i] * (b - a)
    return owner


# Punctuation that may close a mention: a percentage or per-mille sign belongs to its METRIC.
_BOUNDARY_OK = set("%％‰")


def bad_boundary(char: str) -> bool:
    """True for whitespace, quotes, brackets and punctuation, which never open or close a span."""
    if char in _BOUNDARY_OK:
        return False
    return char.isspace() or unicodedata.category(char).startswith(("P", "Z", "C"))
