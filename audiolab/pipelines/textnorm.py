"""English text normalization for WER, in the spirit of Whisper's English normalizer.

Whisper's own ``EnglishTextNormalizer`` is not installed here (faster-whisper does not ship it),
so this is a small documented subset, applied to reference and hypothesis alike:

1. lowercase; common titles spelled out (``mr`` -> ``mister``, ``mrs`` -> ``missus``, ``dr`` ->
   ``doctor``, ``st`` -> ``saint``);
2. numbers as spoken: integers to words (``42`` -> ``forty two``); four-digit numbers from 1100 to
   1999 read as years (``1455`` -> ``fourteen fifty five``), the way readers say them;
3. hyphens and punctuation become spaces, apostrophes are dropped (``don't`` -> ``dont``), so
   ``forty-two`` equals ``forty two``;
4. whitespace collapsed.

>>> normalize("Mr. Quilter, about 1455 -- the forty-two line Bible!")
'mister quilter about fourteen fifty five the forty two line bible'
"""

from __future__ import annotations

import re

_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen " \
        "sixteen seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_TITLES = {"mr": "mister", "mrs": "missus", "dr": "doctor", "st": "saint", "vs": "versus"}


def number_words(n: int) -> str:
    """Spell a non-negative integer in English words (no 'and').

    >>> number_words(0), number_words(115), number_words(2024)
    ('zero', 'one hundred fifteen', 'two thousand twenty four')
    """
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        return _ONES[n // 100] + " hundred" + ("" if n % 100 == 0 else " " + number_words(n % 100))
    for value, name in ((10**9, "billion"), (10**6, "million"), (1000, "thousand")):
        if n >= value:
            rest = n % value
            return number_words(n // value) + " " + name + ("" if rest == 0 else " " + number_words(rest))
    return str(n)


def _spoken(digits: str) -> str:
    n = int(digits)
    if len(digits) == 4 and 1100 <= n <= 1999 and n % 100 != 0:
        return number_words(n // 100) + " " + (number_words(n % 100) if n % 100 >= 10 else "oh " + number_words(n % 100))
    return number_words(n)


def normalize(text: str) -> str:
    """Normalize English text for word error rate (see the module docstring)."""
    t = text.lower()
    t = re.sub(r"[’‘`]", "'", t)
    t = re.sub(r"\b(mr|mrs|dr|st|vs)\b\.?", lambda m: _TITLES[m.group(1)], t)
    t = re.sub(r"(?<=\d),(?=\d{3}\b)", "", t)  # 1,000 -> 1000
    t = re.sub(r"\d+", lambda m: " " + _spoken(m.group(0)) + " ", t)
    t = t.replace("'", "")
    t = re.sub(r"[^\w\s]|_", " ", t)
    return re.sub(r"\s+", " ", t).strip()
