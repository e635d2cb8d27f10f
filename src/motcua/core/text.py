"""Vietnamese text folding for accent-insensitive search.

Unicode NFD decomposes the tone and vowel marks (ắ → a + ˘ + ´) but not đ/Đ, which are letters
of their own; they are folded to d/D here explicitly, as PostgreSQL's ``unaccent`` does.
"""

from __future__ import annotations

import re
import unicodedata

_D_FOLD = str.maketrans({"đ": "d", "Đ": "D"})
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, strip diacritics, fold đ→d, collapse white space."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D_FOLD))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip().lower()


def search_terms(query: str) -> list[str]:
    """The folded words of a search query, in order, without duplicates."""
    seen: dict[str, None] = {}
    for word in fold(query).split(" "):
        if word:
            seen.setdefault(word, None)
    return list(seen)
