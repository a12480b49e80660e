"""Rules for text users write: NFC-normalised, counted in code points, no control characters."""

from __future__ import annotations

import unicodedata


def clean_text(
    value: str, *, max_len: int, field: str, multiline: bool = False, min_len: int = 0
) -> str:
    """Normalise to NFC and check length and characters; ValueError says what is wrong."""
    text = unicodedata.normalize("NFC", value)
    if len(text.strip()) < min_len:
        raise ValueError(f"{field} must not be blank")
    allowed = {"\n"} if multiline else set()
    for ch in text:
        if ch not in allowed and unicodedata.category(ch) == "Cc":
            raise ValueError(f"{field} must not contain control characters")
    if len(text) > max_len:
        raise ValueError(f"{field} must be at most {max_len} characters (got {len(text)})")
    return text
