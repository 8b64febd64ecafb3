"""The public NER corpora of ../shared/datasets/ner with their own (native) label sets, read one way.

    for text, spans in read_general("../shared/datasets", "msra", part="train"): ...

`spans` are (start, end_exclusive, native_label), code-point offsets into `text`; one item per
sentence. Formats, chosen by the file's suffix:

- `.bio` / `.bmes`: one character and its tag per line, separated by a tab or by spaces, a blank
  line between sentences, LF or CRLF. Tags B-X / I-X / M-X / E-X / S-X / O, so BIO, BIOES and BMES
  all read the same: B and S start a mention, I/M/E continue one of the same label (E and S end it);
  a continuation without a start (I-X after O) starts a mention, as conlleval reads it.
- `.jsonl` (CLUENER2020): {"text", "label": {label: {surface: [[start, end_inclusive], ...]}}};
  the inclusive ends become exclusive.

The held-out tenth: a sentence is held out when int(sha256(text as UTF-8), 16) % 10 == 0
(`is_heldout`). It depends on the text alone, so the choice never depends on file order and
duplicates of one sentence always fall on the same side. part="heldout" reads that tenth,
part="train" the other nine tenths (what training code may learn from: lexicons, name pools, raw
text), part="all" everything.

How the native labels map to ours for evaluation (`to_our_labels`, `EVALUATED_LABELS`) is decided
label by label in annotations/DECISIONS.md, "General corpora: label mapping for evaluation".
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

Span = tuple[int, int, str]

# name -> its files below the datasets folder
GENERAL_CORPORA: dict[str, list[str]] = {
    "msra": ["ner/msra_dev.bio", "ner/msra_train_sample.bio", "ner/msra_bakeoff_test.bio"],
    "resume": ["ner/resume_train.bmes", "ner/resume_dev.bmes"],
    "weibo": ["ner/weibo_train.bio", "ner/weibo_dev.bio"],
    "cluener": ["ner/cluener_train.jsonl"],
}
NATIVE_LABELS: dict[str, tuple[str, ...]] = {
    "msra": ("PER", "LOC", "ORG"),
    "resume": ("NAME", "ORG", "TITLE", "EDU", "PRO", "RACE", "CONT", "LOC"),
    "weibo": tuple(f"{kind}.{form}" for kind in ("PER", "LOC", "GPE", "ORG") for form in ("NAM", "NOM")),
    "cluener": ("address", "book", "company", "game", "government", "movie", "name", "organization", "position", "scene"),
}
PARTS = ("train", "heldout", "all")


class CorpusFormatError(ValueError):
    pass


def is_heldout(text: str) -> bool:
    """Whether a sentence belongs to the held-out tenth (sha256 of its text, mod 10, is 0)."""
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest(), 16) % 10 == 0


def in_part(text: str, part: str) -> bool:
    if part not in PARTS:
        raise ValueError(f"part must be one of {', '.join(PARTS)}, not {part!r}")
    return part == "all" or is_heldout(text) == (part == "heldout")


def decode_tags(tags: list[str]) -> list[Span]:
    """(start, end, label) of the mentions in one sentence's tags (BIO, BIOES or BMES; index = character)."""
    spans: list[Span] = []
    start, label = None, None
    for i, tag in enumerate([*tags, "O"]):
        pos, _, lab = tag.partition("-")
        if pos not in ("B", "I", "M", "E", "S", "O") or (pos == "O") != (lab == ""):
            raise CorpusFormatError(f"tag {tag!r} is not B-/I-/M-/E-/S-LABEL or O")
        continues = start is not None and pos in ("I", "M", "E") and lab == label
        if start is not None and not continues:
            spans.append((start, i, label))
            start = None
        if pos != "O" and not continues:
            start, label = i, lab
        if pos in ("E", "S") and start is not None:
            spans.append((start, i + 1, label))
            start = None
    return spans


def _tagged_line(line: str) -> tuple[str, str] | None:
    """(character, tag) of a line of a tagged file, None for a blank line."""
    line = line.rstrip("\r\n")
    if not line.strip():
        return None
    sep = "\t" if "\t" in line else " "
    char, _, tag = line.rstrip().rpartition(sep)
    char = char.rstrip(sep) if sep == " " and char.strip() else char  # several spaces between the columns
    if not char or not tag:
        raise CorpusFormatError(f"expected a character and a tag, got {line!r}")
    return char, tag


def read_tagged(path: str | Path) -> Iterator[tuple[str, list[Span]]]:
    """(text, spans) per sentence of a character-per-line BIO / BMES file."""
    chars: list[str] = []
    tags: list[str] = []
    first = 1

    def sentence():
        try:
            spans = decode_tags(tags)
        except CorpusFormatError as err:
            raise CorpusFormatError(f"{path}:{first}: {err}") from None
        offsets = [0]  # a "character" of several code points keeps offsets into the joined text
        for c in chars:
            offsets.append(offsets[-1] + len(c))
        return "".join(chars), [(offsets[s], offsets[e], lab) for s, e, lab in spans]

    with open(path, encoding="utf-8", newline="") as fh:
        for n, line in enumerate(fh, 1):
            try:
                pair = _tagged_line(line)
            except CorpusFormatError as err:
                raise CorpusFormatError(f"{path}:{n}: {err}") from None
            if pair is None:
                if chars:
                    yield sentence()
                chars, tags, first = [], [], n + 1
                continue
            chars.append(pair[0])
            tags.append(pair[1])
    if chars:
        yield sentence()


def read_cluener(path: str | Path) -> Iterator[tuple[str, list[Span]]]:
    """(text, spans) per line of a CLUENER2020 JSONL file (inclusive ends made exclusive)."""
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            record = json.loads(line)
            text = record["text"]
            spans = []
            for label, by_surface in (record.get("label") or {}).items():
                for surface, places in by_surface.items():
                    for s, e in places:
                        if text[s:e + 1] != surface:
                            raise CorpusFormatError(f"{path}:{n}: [{s}, {e}] is {text[s:e + 1]!r}, not {surface!r}")
                        spans.append((s, e + 1, label))
            yield text, sorted(spans)


def read_file(path: str | Path) -> Iterator[tuple[str, list[Span]]]:
    """(text, spans) per sentence of one corpus file, in the format its suffix names."""
    path = Path(path)
    if path.suffix == ".jsonl":
        return read_cluener(path)
    if path.suffix in (".bio", ".bmes"):
        return read_tagged(path)
    raise CorpusFormatError(f"{path}: unknown format (expected .bio, .bmes or .jsonl)")


def corpus_files(datasets_dir: str | Path, name: str) -> list[Path]:
    """The files of corpus `name` present under `datasets_dir`; FileNotFoundError when none is."""
    if name not in GENERAL_CORPORA:
        raise ValueError(f"unknown corpus {name!r}: choose from {', '.join(GENERAL_CORPORA)}")
    paths = [Path(datasets_dir) / rel for rel in GENERAL_CORPORA[name]]
    present = [p for p in paths if p.is_file()]
    if not present:
        raise FileNotFoundError(f"no file of corpus {name} under {datasets_dir} ({', '.join(GENERAL_CORPORA[name])})")
    return present


def available_corpora(datasets_dir: str | Path) -> list[str]:
    """The corpora with at least one file under `datasets_dir`."""
    return [name for name, files in GENERAL_CORPORA.items() if any((Path(datasets_dir) / f).is_file() for f in files)]


def read_general(datasets_dir: str | Path, name: str, part: str = "train") -> Iterator[tuple[str, list[Span]]]:
    """(text, [(start, end_exclusive, native_label)]) per sentence of corpus `name` (msra, resume,
    weibo, cluener): its files present under `datasets_dir`, in the order of GENERAL_CORPORA,
    restricted to `part` (train: nine tenths, heldout: the held-out tenth, all)."""
    in_part("", part)  # check `part` before reading anything
    for path in corpus_files(datasets_dir, name):
        for text, spans in read_file(path):
            if in_part(text, part):
                yield text, spans


def native_labels(name: str) -> list[str]:
    """The labels corpus `name` uses."""
    if name not in NATIVE_LABELS:
        raise ValueError(f"unknown corpus {name!r}: choose from {', '.join(NATIVE_LABELS)}")
    return list(NATIVE_LABELS[name])


# --- mapping to our labels (annotations/DECISIONS.md, "General corpora: label mapping for evaluation")

# Which of our labels each corpus can score: the mapped mentions are meant to be every mention of
# these labels in its text, with our span edges, so that a prediction of one of them matching no
# mapped mention is a false positive. The other labels are not scored on that corpus.
EVALUATED_LABELS: dict[str, tuple[str, ...]] = {
    "msra": ("PERSON",),
    "resume": ("PERSON", "TITLE", "ORG"),
    "weibo": ("PERSON", "REGION"),
    "cluener": ("PERSON", "TITLE", "ORG", "COMMITTEE"),
}
_PERSON = {"msra": "PER", "resume": "NAME", "weibo": "PER.NAM", "cluener": "name"}
# A surname with a form of address is no PERSON (GUIDELINES §6: 李先生, 乔师傅).
_ADDRESS = re.compile(r"^.(先生|女士|小姐|老师|师傅|教授|老板|阿姨|大爷|奶奶|伯伯|同志)$")
# Membership is no title (§6: 盟员): 中共党员, 会员.
_MEMBERSHIP = re.compile(r"(党员|盟员|会员)$")
# Organs of the Party, the state, a people's congress or CPPCC, mass organisations and democratic
# parties (§2 COMMITTEE), by how their names end or begin: a suffix heuristic.
_ORGAN = re.compile(
    r"(委员会|常委会|党委|党组|工委|纪委|政府|政协|人大|人民代表大会|国务院|法院|检察院|派出所|局|厅|部|署|办公室|办|委)$"
    r"|^(中共|中国共产党|共青团|党中央|总工会|工商联|妇联|民革|民盟|民建|民进|农工党|致公党|九三学社|台盟)")
# A company or school named only by its kind (generic, §2 ORG "not this": 企业).
_GENERIC_ORG = re.compile(r"^(本|该|母|子|分|总)?(公司|集团|行|厂|分厂|学院|协会|银行|博彩公司|基金公司)$")
# Sports leagues and cups (英超, 意甲, 欧冠, 联盟杯): competitions, not organisations.
_COMPETITION = re.compile(r"(杯|超|甲|乙|冠|联赛|锦标赛)$")
# Armed forces (美军, 海军陆战队) and generic authorities (警方, 有关部门): no COMMITTEE of ours.
_NOT_COMMITTEE = re.compile(r"(军|部队|陆战队|舰队|军团|警方|军方|部门|机关|机构)$")
_MEDIA = {"央视", "中央电视台", "新华社"}
_CHAIN_GAP = re.compile(r"^[\s、]?$")  # between a title and the name or title next to it


def is_organ(surface: str) -> bool:
    """Whether an organisation's name reads as a COMMITTEE by GUIDELINES §2 (an organ, not a company)."""
    return bool(_ORGAN.search(surface))


def _person(text: str, s: int, e: int) -> bool:
    """A named individual by §2/§6: not a bare surname, a surname with a form of address, or the
    name inside a doctrine (邓小平理论, 毛泽东思想)."""
    surface = text[s:e]
    return len(surface) >= 2 and not _ADDRESS.match(surface) and text[e:e + 2] not in ("理论", "思想")


def _named_titles(text: str, spans: list[Span], names: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """The position mentions attached to a named person: next to a name, or to such a position
    (a run of titles before a name, 市委常委、常务副市长苏泽), at most a space or 、 between."""
    positions = {(s, e) for s, e, lab in spans if lab == "position"}
    attached: set[tuple[int, int]] = set()
    anchors = set(names)
    while True:
        new = {(s, e) for s, e in positions - attached
               if any(_CHAIN_GAP.match(text[e:a]) and e <= a or _CHAIN_GAP.match(text[b:s]) and b <= s for a, b in anchors)}
        if not new:
            return attached
        attached |= new
        anchors |= new


def to_our_labels(name: str, spans: Iterable[Span], text: str) -> list[Span]:
    """The mentions of one sentence of corpus `name` that have a counterpart in our label set, as
    (start, end, our label); the others are left out (not scored). `text` is the sentence: some
    mappings depend on the surface or on the neighbours (decisions in annotations/DECISIONS.md)."""
    if name not in EVALUATED_LABELS:
        raise ValueError(f"unknown corpus {name!r}: choose from {', '.join(EVALUATED_LABELS)}")
    spans = list(spans)
    names = [(s, e) for s, e, lab in spans if lab == _PERSON[name] and _person(text, s, e)]
    out = [(s, e, "PERSON") for s, e in names]
    titles = _named_titles(text, spans, names) if name == "cluener" else set()
    for s, e, lab in spans:
        surface = text[s:e]
        if name == "resume":
            if lab == "TITLE" and not _MEMBERSHIP.search(surface):
                out.append((s, e, "TITLE"))
            elif lab == "ORG" and not _GENERIC_ORG.match(surface) and not is_organ(surface):
                out.append((s, e, "ORG"))
        elif name == "weibo" and lab == "GPE.NAM":
            out.append((s, e, "REGION"))
        elif name == "cluener":
            if lab == "position" and (s, e) in titles and not _MEMBERSHIP.search(surface):
                out.append((s, e, "TITLE"))
            elif lab in ("company", "organization"):
                if is_organ(surface):
                    out.append((s, e, "COMMITTEE"))
                elif not _GENERIC_ORG.match(surface) and not _COMPETITION.search(surface):
                    out.append((s, e, "ORG"))
            elif lab == "government":
                if surface in _MEDIA:
                    out.append((s, e, "ORG"))
                elif not _NOT_COMMITTEE.search(surface):
                    out.append((s, e, "COMMITTEE"))
    return sorted(out)
