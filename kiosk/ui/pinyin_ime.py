"""Pinyin input for the on-screen keyboard: letters in, Chinese candidates out.

No Kivy here (tested on its own). Readings come from pypinyin's character and phrase
dictionaries; candidates are ranked by jieba's word frequencies (its dict.txt is a
frequency list built from a large corpus), so 张 comes before 章 for "zhang". Loading
takes about a second, so the UI builds the index on a worker thread at start.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

# Every toneless pinyin syllable (plus "v" for ü as typed on a keyboard); used to split
# a run of letters like "zhangwei" into "zhang'wei".
_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r", "z", "c", "s", "y", "w", "")
_MAX_WORD = 4  # longest phrase offered as one candidate
_SECONDARY_PENALTY = 100
_MIN_WORD_FREQ = 20  # words rarer than this in the corpus are not offered as phrases


@dataclass(frozen=True)
class Candidate:
    text: str
    syllables: int  # how many typed syllables this candidate consumes
    freq: int


def toneless(reading: str) -> str:
    """'zhāng' -> 'zhang', 'lǜ' -> 'lv' (what people type)."""
    plain = unicodedata.normalize("NFD", reading.lower()).replace("u\u0308", "v")
    return "".join(ch for ch in plain if not unicodedata.combining(ch))


class PinyinIndex:
    """Syllable sequence -> candidates sorted by frequency (most frequent first)."""

    def __init__(self, entries: dict[tuple[str, ...], list[tuple[int, str]]]) -> None:
        self._entries = {k: sorted(v, key=lambda fv: (-fv[0], fv[1])) for k, v in entries.items()}
        self.syllables = frozenset(k[0] for k in self._entries if len(k) == 1)

    @classmethod
    def load(cls) -> PinyinIndex:
        import jieba
        from pypinyin.phrases_dict import phrases_dict
        from pypinyin.pinyin_dict import pinyin_dict

        freq: dict[str, int] = {}
        with jieba.get_dict_file() as fh:
            for raw in fh:
                parts = raw.decode("utf-8").split(" ")
                if len(parts) >= 2 and len(parts[0]) <= _MAX_WORD:
                    freq[parts[0]] = int(parts[1])
        entries: dict[tuple[str, ...], list[tuple[int, str]]] = defaultdict(list)
        primary: dict[str, str] = {}
        for code, readings in pinyin_dict.items():
            ch = chr(code)
            f = freq.get(ch)
            if f is None:  # rare characters (not in the corpus) are left out of the keyboard
                continue
            options = list(dict.fromkeys(toneless(r) for r in readings.split(",")))
            primary[ch] = options[0]
            for rank, reading in enumerate(options):
                # a secondary reading (长 as zhang) ranks far below the characters it is the main one for
                entries[(reading,)].append((f if rank == 0 else f // _SECONDARY_PENALTY, ch))
        for word, f in freq.items():
            if len(word) < 2 or f < _MIN_WORD_FREQ:
                continue
            fixed = phrases_dict.get(word)
            if fixed is not None:
                key = tuple(toneless(r[0]) for r in fixed)
            elif all(ch in primary for ch in word):
                key = tuple(primary[ch] for ch in word)
            else:
                continue
            entries[key].append((f, word))
        return cls(dict(entries))

    def split(self, letters: str) -> list[str] | None:
        """Split typed letters into syllables (longest match first); None if impossible.

        An apostrophe forces a split ("xi'an"). The last piece may be an incomplete
        syllable (a prefix) so candidates show while typing.
        """
        out: list[str] = []
        for chunk in letters.lower().split("'"):
            if not chunk:
                continue
            parts = _split_chunk(chunk, self.syllables)
            if parts is None:
                return None
            out.extend(parts)
        return out

    def candidates(self, letters: str, limit: int = 12) -> list[Candidate]:
        """Phrases covering the most syllables first, then single characters."""
        letters = re.sub(r"[^a-zA-Z']", "", letters)
        sylls = self.split(letters)
        if not sylls:
            return []
        found: list[Candidate] = []
        seen: set[str] = set()
        for n in range(min(len(sylls), _MAX_WORD), 0, -1):
            key = tuple(sylls[:n])
            matches = self._entries.get(key, [])
            if not matches and n == len(sylls):  # incomplete last syllable: prefix match
                matches = self._prefix_matches(key)
            for f, text in matches:
                if text not in seen and len(text) == n:
                    seen.add(text)
                    found.append(Candidate(text, n, f))
            if len(found) >= limit:
                break
        return found[:limit]

    def _prefix_matches(self, key: tuple[str, ...]) -> list[tuple[int, str]]:
        head, last = key[:-1], key[-1]
        pool: list[tuple[int, str]] = []
        for k, v in self._entries.items():
            if len(k) == len(key) and k[:-1] == head and k[-1].startswith(last):
                pool.extend(v)
        return sorted(pool, key=lambda fv: (-fv[0], fv[1]))


def _split_chunk(chunk: str, syllables: frozenset[str]) -> list[str] | None:
    @cache
    def best(i: int) -> tuple[str, ...] | None:
        if i == len(chunk):
            return ()
        for j in range(min(len(chunk), i + 6), i, -1):
            piece = chunk[i:j]
            if piece in syllables:
                rest = best(j)
                if rest is not None:
                    return (piece, *rest)
        # an incomplete final syllable ("zh", "zha") is allowed at the very end
        tail = chunk[i:]
        if any(s.startswith(tail) for s in syllables):
            return (tail,)
        return None

    result = best(0)
    return list(result) if result is not None else None


class Composer:
    """The keyboard's state: committed text plus the pinyin being typed."""

    def __init__(self, index: PinyinIndex | None) -> None:
        self.index = index
        self.text = ""
        self.pending = ""

    def type_letter(self, letter: str) -> None:
        if self.index is None:  # index still loading: letters go straight into the text
            self.text += letter
        else:
            self.pending += letter.lower()

    def backspace(self) -> None:
        if self.pending:
            self.pending = self.pending[:-1]
        else:
            self.text = self.text[:-1]

    def candidates(self, limit: int = 12) -> list[Candidate]:
        if self.index is None or not self.pending:
            return []
        return self.index.candidates(self.pending, limit)

    def choose(self, cand: Candidate) -> None:
        """Commit a candidate and drop the syllables it used from the pending pinyin."""
        assert self.index is not None
        sylls = self.index.split(self.pending) or []
        self.text += cand.text
        self.pending = "".join(sylls[cand.syllables :])
