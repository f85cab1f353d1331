"""Text from a handbook made inert wherever it is shown: it is words, never markup or commands."""

from __future__ import annotations

_MARKDOWN_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|"})


def md(text: str) -> str:
    """Escape text so markdown shows it as written."""
    return text.translate(_MARKDOWN_SPECIAL)
