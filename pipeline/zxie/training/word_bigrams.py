"""The table of character bigrams that sit inside words, which the sentence splitter reads to tell
a layout break inside a word (`虹西社\\n\\n区`) from the end of a heading line (zxie/text.py).

    python -m zxie.training.word_bigrams ../shared/datasets/cws -o pipeline/zxie/data/word_bigrams.txt

A bigram of two Han characters is kept when the segmented corpora (SIGHAN 2005 PKU and MSR gold
text, plus their training word lists) show it at least MIN_COUNT times inside a word and at
least INSIDE_SHARE of its occurrences inside one.
"""

from __future__ import annotations

import argparse
import unicodedata
from collections import Counter
from pathlib import Path

MIN_COUNT = 3
INSIDE_SHARE = 0.95
SEGMENTED = ("pku_test_gold.utf8", "msr_test_gold.utf8")
WORD_LISTS = ("pku_training_words.utf8", "msr_training_words.utf8")


def _han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def word_bigrams(cws: Path) -> list[str]:
    inside, across = Counter(), Counter()
    for name in SEGMENTED:
        for line in open(cws / name, encoding="utf-8"):
            words = [unicodedata.normalize("NFKC", w) for w in line.split()]
            for word in words:
                inside.update(a + b for a, b in zip(word, word[1:]))
            across.update(w1[-1] + w2[0] for w1, w2 in zip(words, words[1:]))
    for name in WORD_LISTS:
        for line in open(cws / name, encoding="utf-8"):
            word = unicodedata.normalize("NFKC", line.strip())
            inside.update(a + b for a, b in zip(word, word[1:]))
    return sorted(
        bg for bg, n in inside.items()
        if _han(bg[0]) and _han(bg[1]) and n >= MIN_COUNT and n / (n + across[bg]) >= INSIDE_SHARE
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cws", type=Path, help="the cws/ folder of ../shared/datasets")
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    bigrams = word_bigrams(args.cws)
    args.output.write_text("".join(f"{bg}\n" for bg in bigrams), encoding="utf-8")
    print(f"wrote {len(bigrams)} bigrams to {args.output}")


if __name__ == "__main__":
    main()
