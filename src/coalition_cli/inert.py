"""Text from a handbook made inert wherever it is shown: it is words, never markup or commands."""

from __future__ import annotations

# Search snippets mark matched words with these control characters; views turn them into bold,
# **markdown**, or nothing. They cannot occur in handbook text (the loader refuses control characters).
MARK_START = "\x02"
MARK_END = "\x03"


def strip_marks(snippet: str) -> str:
    return snippet.replace(MARK_START, "").replace(MARK_END, "")


_MARKDOWN_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|"})


def md(text: str) -> str:
    """Escape text so markdown shows it as written."""
    return text.translate(_MARKDOWN_SPECIAL)
