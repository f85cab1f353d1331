"""Text from a handbook made inert wherever it is shown: it is words, never markup or commands.

Two defences, both here. Characters that could drive a terminal or hide what text says are refused
in a handbook (validate.py uses `unsafe`) and escaped wherever text reaches a terminal, stderr or a
file all the same (`visible`): a file name, a key or a query is not validated. And markdown gets
every character that could start markup escaped, at the start of a line too.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re

# Search snippets mark matched words with these control characters; views turn them into bold,
# **markdown**, or nothing. They cannot occur in handbook text (the loader refuses control characters).
MARK_START = "\x02"
MARK_END = "\x03"

# Never shown as themselves: C0 controls but tab and newline (ESC starts terminal sequences; CR
# overwrites a line), DEL, C1 controls (U+0080-U+009F: CSI and OSC in one byte), the line and
# paragraph separators, and every invisible format character (Unicode's category Cf: bidirectional
# overrides, embeddings, isolates and marks, zero-width spaces, the byte-order mark, tag characters)
# except the zero-width non-joiner and joiner, which Persian and Arabic writing needs. A test checks
# this list against the Unicode database of the running Python.
_UNSAFE = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f"
    # ... and the other characters that show nothing, or change nothing a reader sees: the rest of
    # Unicode's default-ignorable code points (the combining grapheme joiner, Hangul fillers,
    # Khmer inherent vowels, Mongolian and other variation selectors), and the blank braille cell.
    "\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180d\u180f\u2800\u3164\ufe00-\ufe0f\uffa0\ufff0-\ufff8"
    "\U000e0000\U000e0002-\U000e001f\U000e0080-\U000e0fff"
)
# What the fast check below may set aside before asking `isprintable`: the joiners (allowed, and
# in most Persian and Arabic names) everywhere, and tabs and newlines in text that may have lines.
_JOINERS: dict[int, str | None] = {0x200C: None, 0x200D: None}
_SPARED: dict[bool, dict[int, str | None]] = {
    True: str.maketrans(_JOINERS),
    False: str.maketrans({**_JOINERS, 9: " ", 10: " "}),
}
_patterns: dict[bool, re.Pattern[str]] = {}  # `re` is imported on first need: a lookup that shows
# only ASCII text never pays for it (importing re, and the enum it needs, costs milliseconds)


def _pattern(layout: bool) -> re.Pattern[str]:
    """The characters above (and tab and newline, for one-line text), compiled on first need: most
    text never needs it, and compiling costs a lookup a millisecond."""
    found = _patterns.get(layout)
    if found is None:
        import re

        found = _patterns[layout] = re.compile(f"[{chr(9) + chr(10) if layout else ''}{_UNSAFE}]")
    return found


# The characters above that `isprintable` passes (letters and marks that draw nothing), to be
# found by a set rather than the pattern: a name in Arabic or Russian should not cost `re`.
_PRINTABLE_UNSAFE = frozenset(
    "\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180f\u2800\u3164\uffa0"
    + "".join(map(chr, range(0xFE00, 0xFE10)))
    + "".join(map(chr, range(0xE0100, 0xE01F0)))
)


def _surely_safe(text: str, layout: bool) -> bool:
    """True when a scan or two in C shows that text holds none of those characters: `isprintable`
    is false for every control and format character (and for a few harmless ones, such as a
    no-break space, which the pattern then clears); the printable ones are looked up in a set.
    The joiners are format characters too, but allowed: a name such as حزب‌الله (with a zero-width
    non-joiner) is cleared here, not by the pattern, whose `re` cost `show` on a terminal a fifth."""
    printable = text.isprintable() or text.translate(_SPARED[layout]).isprintable()
    return printable and (text.isascii() or _PRINTABLE_UNSAFE.isdisjoint(text))


def is_safe(text: str, one_line: bool = False) -> bool:
    """Whether text holds nothing that could drive a terminal or hide text (nor, for one-line text,
    a tab or a newline)."""
    return _surely_safe(text, one_line) or not _pattern(one_line).search(text)


def unsafe(text: str) -> str | None:
    """The first character of text that must not be shown as itself, if any."""
    if _surely_safe(text, False):
        return None
    found = _pattern(False).search(text)
    return found[0] if found else None


def _escape(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(text: str) -> str:
    """Text with every character that could drive a terminal or hide text written as an escape
    (`\\x1b`, `\\u202e`), so it reads as what it is."""
    return text if is_safe(text) else _pattern(False).sub(_escape, text)


def one_line(text: str) -> str:
    """As `visible`, and tabs and newlines escaped too: for a name shown inside a message."""
    return text if is_safe(text, one_line=True) else _pattern(True).sub(_escape, text)


def shown_path(path: str | bytes | os.PathLike[str]) -> str:
    """A file name as text that can be shown and stored: bytes that are not UTF-8 (a name made on
    another system) written as `\\xNN` escapes instead of Python's unencodable stand-ins."""
    text = os.fsdecode(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text


def shell_word(path: str | bytes | os.PathLike[str]) -> str:
    """A file name as one word that bash and zsh read back as the same bytes: quoted as `shlex`
    quotes it, or, when it holds control characters or bytes that are not UTF-8, as $'...' with
    escapes, so a message or a comment never holds a raw newline or escape."""
    import shlex

    raw = os.fsencode(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and is_safe(text, one_line=True):
        return shlex.quote(text)
    escaped = "".join(
        f"\\x{byte:02x}" if byte < 0x20 or byte >= 0x7F else "\\" + chr(byte) if chr(byte) in "\\'" else chr(byte)
        for byte in raw
    )
    return f"$'{escaped}'"


def json_safe(text: str) -> str:
    """JSON text with those characters written as JSON's own escapes (`\u202e`): still the same
    data to a parser, inert on a terminal. (json.dumps escapes only C0 controls by itself.)"""

    def escape(match: re.Match[str]) -> str:
        code = ord(match[0])
        if code < 0x10000:
            return f"\\u{code:04x}"
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"

    return text if is_safe(text) else _pattern(False).sub(escape, text)


def strip_marks(snippet: str) -> str:
    return snippet.replace(MARK_START, "").replace(MARK_END, "")


# Characters that markdown (CommonMark, GitHub's and pandoc's) reads as markup anywhere in a line:
# emphasis, code, links, HTML and entities, tables, and pandoc's math, citations, super- and
# subscripts, and its attributes and spans ({#id .class key=value}, and a heading's closing #). A
# backslash before any ASCII punctuation shows it as written, in all of them.
# `"` too: pandoc's typographic quotes misread a quote inside our own quotes, and drop a space.
_MARKDOWN_SPECIAL = str.maketrans({c: "\\" + c for c in '\\`*_[]<>|&$@^~{}#"'})
# ... and at the start of a line: headings, block quotes, lists, thematic breaks, setext underlines.
_LINE_START = r"^([ \t]*)([#=+\-:]|\d+(?=[.)]))"


# A colon that opens a `:name:` shortcode, which GitHub's markdown (pandoc's gfm) shows as an emoji.
_EMOJI_OPENING = r":(?=[\w+\-]+:)"


def md(text: str) -> str:
    """Escape text so markdown shows it as written: a summary that begins `## ` stays a summary."""
    import re

    # Marked with NUL (visible() leaves none) before the escapes, so its backslash is not escaped too.
    escaped = re.sub(_EMOJI_OPENING, "\0", visible(text)).translate(_MARKDOWN_SPECIAL).replace("\0", "\\:")
    return re.sub(
        _LINE_START,
        lambda m: f"{m[1]}\\{m[2]}" if not m[2].isdigit() else f"{m[1]}{m[2]}\\",
        escaped,
        flags=re.MULTILINE,
    )


def md_marked(snippet: str) -> str:
    """A search snippet as markdown: its words escaped as `md` does, its matches in **bold**."""
    pieces = snippet.replace(MARK_END, MARK_START).split(MARK_START)
    return "".join(f"**{md(piece)}**" if index % 2 and piece else md(piece) for index, piece in enumerate(pieces))
