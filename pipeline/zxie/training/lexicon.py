"""Build the lexicon behind the tokenizer's lexicon features (`lexicon = true`, zxie/tokenizer.py).

Three sources, each its own token attribute:
- gazetteer: the administrative divisions in ../shared/datasets/gazetteers, with the short forms
  news writes: 崇川区 → 崇川, 江苏省 → 江苏, 广西壮族自治区 → 广西, XX街道办事处 → XX街道, XX镇 → XX,
  多福巷社区居委会 → 多福巷社区, XX村民委员会 / XX村委会 → XX村; categories REGION (provinces, cities,
  counties/districts), STREET (towns, streets), COMMUNITY (village and residents' committees);
- jieba: the words of jieba's own dictionary (dict.txt of the installed package) tagged nr, ns,
  nt or nz, category = the tag;
- corpus: from the public NER corpora (MSRA, Resume, Weibo, CLUENER, read with
  zxie.corpus.general) and the gold train split, surnames (SUR, first character of person names),
  titles (TITLE, whole position spans) and organ suffixes (ORGSUF, the last one to three characters
  of organisation names).

Only the gold splits the model learns from are read, never dev or test, and of the public corpora
only part="train", never the held-out tenth that `zxie evaluate-general` scores. Every word is CJK, at least
two characters long except surnames and one-character organ suffixes.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from zxie.corpus.general import available_corpora, corpus_files, read_general
from zxie.tokenizer import LEXICON_SOURCES, Lexicon

_CJK = re.compile(r"^[\u4e00-\u9fff]+$")
# Ethnic groups named in autonomous regions, prefectures and counties (广西壮族自治区, 长阳土家族自治县).
ETHNIC = ("蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 "
          "景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 "
          "保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 各").split()
_AUTONOMOUS = re.compile(r"(?:(?:%s)族)*自治(?:区|州|县|旗)$" % "|".join(sorted(ETHNIC, key=len, reverse=True)))
_REGION_SUFFIX = re.compile(r"(特别行政区|地区|新区|林区|省|市|区|县|旗|盟)$")
_STREET_SUFFIX = re.compile(r"(街道|镇|乡)$")
PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
# Organ suffixes named in issue 13, kept whatever the counts say.
ORGAN_SUFFIXES = ("局", "委员会", "办公室", "政协", "工委", "党委", "政府", "委", "办", "厅", "部", "会", "院", "所", "中心")


def file_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _names(path: Path) -> Iterator[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            yield row["name"].strip()


def _region_forms(name: str) -> set[str]:
    forms = {name}
    short = _AUTONOMOUS.sub("", name)
    if short == name:
        short = _REGION_SUFFIX.sub("", name)
    if len(short) >= 2:
        forms.add(short)
    return forms


def _street_forms(name: str) -> set[str]:
    name = re.sub(r"办事处$", "", name)
    forms = {name}
    bare = _STREET_SUFFIX.sub("", name)
    if len(bare) >= 2 and not bare.endswith(("镇", "乡")):
        forms.add(bare)
    return forms


def _community_form(name: str) -> str:
    """The name news writes for a village or residents' committee."""
    for full, short in (("村民委员会", "村"), ("村委会", "村")):
        if name.endswith(full):
            base = name[: -len(full)]
            return base if base.endswith("村") else base + short
    for full in ("居民委员会", "居委会"):
        if name.endswith(full):
            base = name[: -len(full)]
            return base if base.endswith(("社区", "村", "小区", "居民区")) else base + "社区"
    return name


def gazetteer_entries(gazetteers: Path, common: set[str] = frozenset()) -> dict[str, list[str]]:
    """{REGION, STREET, COMMUNITY: words}. Community names are kept from three characters and when
    they are not also a common word (`common`, e.g. jieba's dictionary: 新农村)."""
    out: dict[str, set[str]] = defaultdict(set)
    for file in ("provinces.csv", "cities.csv", "areas.csv"):
        for name in _names(gazetteers / file):
            if name not in PLACEHOLDERS:
                out["REGION"] |= _region_forms(name)
    for name in _names(gazetteers / "streets.csv"):
        out["STREET"] |= _street_forms(name)
    for name in _names(gazetteers / "villages.csv.gz"):
        form = _community_form(name)
        if len(form) >= 3 and form not in common:
            out["COMMUNITY"].add(form)
    return {cat: sorted(w for w in words if _CJK.match(w) and len(w) >= 2) for cat, words in out.items()}


def jieba_dict_path() -> Path:
    import jieba

    return Path(jieba.__file__).parent / "dict.txt"


def jieba_entries(path: Path | None = None, tags: Iterable[str] = ("nr", "ns", "nt", "nz")) -> dict[str, list[str]]:
    tags = set(tags)
    out: dict[str, set[str]] = defaultdict(set)
    all_words: set[str] = set()
    with open(path or jieba_dict_path(), encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) < 3:
                continue
            all_words.add(parts[0])
            if parts[2] in tags and len(parts[0]) >= 2 and _CJK.match(parts[0]):
                out[parts[2]].add(parts[0])
    return {tag: sorted(words) for tag, words in out.items()}


def jieba_words(path: Path | None = None) -> set[str]:
    with open(path or jieba_dict_path(), encoding="utf-8") as fh:
        return {line.split(" ", 1)[0] for line in fh}


# Our kinds (PERSON, TITLE, ORG) per public corpus label.
KINDS = {"PER": "PERSON", "NAME": "PERSON", "PER.NAM": "PERSON", "name": "PERSON",
         "TITLE": "TITLE", "position": "TITLE",
         "ORG": "ORG", "ORG.NAM": "ORG", "organization": "ORG", "government": "ORG", "company": "ORG"}


def corpus_mentions(datasets: Path, train_records: Iterable[dict]) -> dict[str, Counter]:
    """Surface counts of persons, titles and organisations in the public corpora (those present
    under `datasets`, part="train") and the gold train records."""
    out: dict[str, Counter] = defaultdict(Counter)
    for name in available_corpora(datasets):
        for text, spans in read_general(datasets, name, part="train"):
            for s, e, lab in spans:
                if lab in KINDS:
                    out[KINDS[lab]][text[s:e]] += 1
    gold_kinds = {"PERSON": "PERSON", "TITLE": "TITLE", "ORG": "ORG", "COMMITTEE": "ORG"}
    for rec in train_records:
        for e in rec["entities"]:
            if e["label"] in gold_kinds:
                out[gold_kinds[e["label"]]]["".join(rec["text"][e["start_offset"]:e["end_offset"]].split())] += 1
    return out


def corpus_entries(datasets: Path, train_records: Iterable[dict], *, min_surname: int = 5, min_title: int = 2,
                   min_suffix: int = 30) -> dict[str, list[str]]:
    """SUR: first characters of 2–3-character person names seen min_surname times; TITLE: title
    spans (2–10 characters) seen min_title times; ORGSUF: one- to three-character endings of
    organisation names seen min_suffix times and ending fewer than three person names, plus
    ORGAN_SUFFIXES."""
    mentions = corpus_mentions(datasets, train_records)
    surnames: Counter = Counter()
    for name, n in mentions["PERSON"].items():
        if 2 <= len(name) <= 3 and _CJK.match(name):
            surnames[name[0]] += n
    titles = {t for t, n in mentions["TITLE"].items() if n >= min_title and 2 <= len(t) <= 10 and _CJK.match(t)}
    suffixes: Counter = Counter()
    person_ends: Counter = Counter()  # transliterated names end like clubs (阿森纳, 克林顿): not organ suffixes
    for org, n in mentions["ORG"].items():
        if _CJK.match(org):
            for k in (1, 2, 3):
                if len(org) > k:
                    suffixes[org[-k:]] += n
    for name, n in mentions["PERSON"].items():
        for k in (1, 2, 3):
            person_ends[name[-k:]] += n
    suffixes = Counter({x: n for x, n in suffixes.items() if person_ends[x] < 3})
    return {
        "SUR": sorted(c for c, n in surnames.items() if n >= min_surname),
        "TITLE": sorted(titles),
        "ORGSUF": sorted({s for s, n in suffixes.items() if n >= min_suffix} | set(ORGAN_SUFFIXES)),
    }


def build_lexicon(datasets: Path, train_records: list[dict], sources: Iterable[str] = LEXICON_SOURCES,
                  log=print) -> tuple[Lexicon, dict]:
    """The lexicon of the given sources, and what went in (counts, input files with their sha256).
    A source whose files are absent (no gazetteers/ folder in `datasets`) is left out, and said so."""
    sources = [s for s in LEXICON_SOURCES if s in set(sources)]
    if "gazetteer" in sources and not (datasets / "gazetteers").is_dir():
        log(f"lexicon: no {datasets / 'gazetteers'}, gazetteer left out")
        sources.remove("gazetteer")
    entries: dict[str, dict[str, list[str]]] = {}
    inputs: dict[str, str] = {}
    if "gazetteer" in sources:
        gaz = datasets / "gazetteers"
        entries["gazetteer"] = gazetteer_entries(gaz, common=jieba_words())
        for name in ("provinces.csv", "cities.csv", "areas.csv", "streets.csv", "villages.csv.gz"):
            inputs[f"gazetteers/{name}"] = file_hash(gaz / name)
        inputs["jieba/dict.txt"] = file_hash(jieba_dict_path())  # the common words left out of COMMUNITY
    if "jieba" in sources:
        entries["jieba"] = jieba_entries()
        inputs["jieba/dict.txt"] = file_hash(jieba_dict_path())
    if "corpus" in sources:
        entries["corpus"] = corpus_entries(datasets, train_records)
        for name in available_corpora(datasets):
            for path in corpus_files(datasets, name):
                inputs[path.relative_to(datasets).as_posix()] = file_hash(path)
        inputs["gold train split"] = "see training_data_sha256"
        inputs["public corpora part"] = "train: sentences with sha256(text) % 10 != 0 (zxie.corpus.general)"
    lexicon = Lexicon(entries)
    sources = lexicon.sources
    counts = {src: {cat: len(words) for cat, words in cats.items()} for src, cats in lexicon.entries.items()}
    log(f"lexicon: {lexicon.size} words " + ", ".join(f"{src} {sum(c.values())}" for src, c in counts.items()))
    return lexicon, {"sources": sources, "counts": counts, "inputs_sha256": inputs, "lexicon_sha256": lexicon.sha256()}


def write_lexicon(tokenizer_cfg: dict, datasets: Path, train_records: list[dict], path: Path, log=print) -> dict | None:
    """For a config whose tokenizer has `lexicon = true`: build the lexicon of its
    `lexicon_sources`, write it to `path` (for `paths.lexicon`) and return what went in; else None."""
    if not tokenizer_cfg.get("lexicon"):
        return None
    lexicon, info = build_lexicon(datasets, train_records, tokenizer_cfg.get("lexicon_sources", LEXICON_SOURCES), log)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(lexicon.to_bytes())
    return info
