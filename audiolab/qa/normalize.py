"""Text normalization applied before WER/CER, so scores count words, not typography.

The default (documented, and the one every score in audiolab uses unless told otherwise):

1. Unicode NFKC, then lowercase;
2. hyphens and dashes become spaces ("forty-two" -> "forty two");
3. every other punctuation character (Unicode category ``P*``, apostrophes included:
   "don't" -> "dont") and symbol (``S*``) is removed;
4. runs of whitespace collapse to one space, ends are stripped.

Optionally, English text can first go through a Whisper-style English normalizer (spelling
variants, numbers, contractions) when a package providing one is installed
(``whisper_normalizer`` or ``openai-whisper``); asking for it without one raises
:class:`~audiolab.errors.ValidationError` rather than silently scoring differently.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from audiolab.errors import ValidationError

_DASHES = re.compile(r"[\-\u2010-\u2015\u2212]")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class NormalizeOptions:
    """How text is normalized before it is scored.

    Args:
        whisper_english: apply a Whisper-style English normalizer first (needs a package).
    """

    whisper_english: bool = False


def normalize_text(text: str, options: NormalizeOptions | None = None) -> str:
    """Normalize one string for scoring.

    >>> normalize_text("  Oh, I'm  FORTY-two!  ")
    'oh im forty two'
    """
    options = options or NormalizeOptions()
    if options.whisper_english:
        text = _whisper_english()(text)
    text = unicodedata.normalize("NFKC", text).lower()
    text = _DASHES.sub(" ", text)
    text = "".join(c for c in text if not unicodedata.category(c).startswith(("P", "S")))
    return _SPACES.sub(" ", text).strip()


def whisper_english_available() -> bool:
    """Whether a Whisper-style English normalizer can be imported."""
    try:
        _whisper_english()
    except ValidationError:
        return False
    return True


@lru_cache(maxsize=1)
def _whisper_english() -> Callable[[str], str]:
    try:
        from whisper_normalizer.english import EnglishTextNormalizer  # type: ignore[import-not-found]
    except ImportError:
        try:
            from whisper.normalizers import EnglishTextNormalizer  # type: ignore[import-not-found]
        except ImportError:
            raise ValidationError(
                "Whisper-style English normalization needs the 'whisper-normalizer' package "
                "(pip install whisper-normalizer); run without it or install it"
            ) from None
    return EnglishTextNormalizer()
