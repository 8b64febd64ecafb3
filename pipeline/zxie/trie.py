"""Every occurrence of dictionary words in a text, overlapping and nested: a character trie stored
as two numpy arrays and walked for all start positions at once.

The trie's edges are one sorted array of keys `parent << 21 | code point` (a code point needs 21
bits), node k being the target of edge k - 1 (the root is node 0), and `values[k - 1]` the value
of the word that ends at node k (0: none). Nodes are numbered level by level, which keeps the keys
of the whole trie sorted, so a step from every live position to its next character is one
`np.searchsorted`. Exact: no hashing, every match is a real path of the trie.

Why not pyahocorasick, which the lexicon used before: building its automaton for the shipped
lexicon's 361,522 words took about 1 s at every model load, and loading a saved automaton
(35 MB) still more than half of that, where these arrays (2 MB) load in tens of milliseconds;
matching is faster too, because real text leaves few live positions after two characters
(models/README.md, "Speed").
"""

from __future__ import annotations

import numpy as np

SHIFT = 21  # bits of a code point (≤ 0x10FFFF)


def code_points(text: str) -> np.ndarray:
    """The code points of text (lone surrogates included), as int64."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4").astype(np.int64)


class WordTrie:
    def __init__(self, keys: np.ndarray, values: np.ndarray, n_root: int):
        self.keys = np.ascontiguousarray(keys, dtype=np.int64)
        self.values = np.ascontiguousarray(values)
        self.n_root = int(n_root)  # edges leaving the root: keys[:n_root]
        if len(self.keys) != len(self.values) or not 0 <= self.n_root <= len(self.keys):
            raise ValueError("a word trie needs as many values as keys, and n_root ≤ that")

    @classmethod
    def build(cls, words: dict[str, int], dtype=np.uint64) -> WordTrie:
        """The trie of WORDS (non-empty strings), each with a non-zero integer value."""
        items = [(w, v) for w, v in words.items() if w]
        if any(v == 0 for _, v in items):
            raise ValueError("word values must not be 0 (0 marks a node where no word ends)")
        values_in = np.array([v for _, v in items], dtype=dtype)
        lens = np.array([len(w) for w, _ in items], dtype=np.int64)
        cps = code_points("".join(w for w, _ in items))
        offsets = np.zeros(len(items), dtype=np.int64)
        np.cumsum(lens[:-1], out=offsets[1:])
        node = np.zeros(len(items), dtype=np.int64)  # each word's node for its prefix so far
        alive = np.arange(len(items))
        keys, values, next_id = [], [], 1
        level = 0
        while len(alive):
            level += 1
            key = (node[alive] << SHIFT) | cps[offsets[alive] + level - 1]
            unique, inverse = np.unique(key, return_inverse=True)
            node[alive] = next_id + inverse
            value = np.zeros(len(unique), dtype=dtype)
            ends = lens[alive] == level
            value[inverse[ends]] = values_in[alive[ends]]
            keys.append(unique)
            values.append(value)
            next_id += len(unique)
            alive = alive[~ends]
        if not keys:
            return cls(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=dtype), 0)
        return cls(np.concatenate(keys), np.concatenate(values), len(keys[0]))

    def __len__(self) -> int:
        """The number of words."""
        return int(np.count_nonzero(self.values))

    def find(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(starts, lengths, values) of every occurrence of every word in text."""
        chars = code_points(text)
        n = len(chars)
        out_starts, out_lens, out_values = [], [], []
        starts = np.arange(n, dtype=np.int64)
        node = np.zeros(n, dtype=np.int64)
        level = 0
        while len(starts) and len(self.keys):
            level += 1
            key = (node << SHIFT) | chars[starts + level - 1]
            table = self.keys[: self.n_root] if level == 1 else self.keys
            edge = np.searchsorted(table, key)
            edge[edge == len(table)] = 0
            found = table[edge] == key
            starts, edge = starts[found], edge[found]
            value = self.values[edge]
            hit = value != 0
            if hit.any():
                out_starts.append(starts[hit])
                out_lens.append(np.full(int(hit.sum()), level, dtype=np.int64))
                out_values.append(value[hit])
            longer = starts + level < n  # the next character exists
            starts, node = starts[longer], edge[longer] + 1
        if not out_starts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=self.values.dtype)
        return np.concatenate(out_starts), np.concatenate(out_lens), np.concatenate(out_values)
