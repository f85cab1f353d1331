"""Words in a reader's text, found with string methods rather than regular expressions.

Why: `re` (and the `enum` it needs) costs a search more to import than its whole query takes to
run; a query is a line of text, which a loop over its characters reads in microseconds. A word is
a run of characters Python counts as letters or digits, or underscores, as `\\w` is.
"""

from __future__ import annotations

APOSTROPHES = "'\u2019"


def is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def words(text: str) -> list[str]:
    """The words of a text, in order. ASCII text (the most, and a large handbook's index reads
    millions of words) by one table of bytes: every character but a letter, digit or _ a space."""
    if text.isascii():
        return text.encode().translate(_ASCII_WORDS).decode().split()
    return [word for _, word in _spans(text)]


_ASCII_WORDS = bytes(c if c < 128 and (chr(c).isalnum() or c == 95) else 32 for c in range(256))


def compounds(text: str) -> list[str]:
    """Words joined by single marks that are neither spaces nor double quotes ("4+1", "al-Assad",
    "U.S"), each as one piece; the other words alone."""
    found: list[str] = []
    index, length = 0, len(text)
    while index < length:
        if not is_word_char(text[index]):
            index += 1
            continue
        start = index
        while True:
            while index < length and is_word_char(text[index]):
                index += 1
            joint = text[index] if index < length else ""
            if joint and not joint.isspace() and joint != '"' and index + 1 < length and is_word_char(text[index + 1]):
                index += 1
                continue
            break
        found.append(text[start:index])
    return found


def without_thousands(text: str) -> str:
    """Commas that group digits by thousands taken out ("28,500" is 28500), others kept."""
    if "," not in text:
        return text
    kept: list[str] = []
    for index, char in enumerate(text):
        if (
            char == ","
            and index > 0
            and text[index - 1].isdigit()
            and text[index + 1 : index + 4].isdigit()
            and len(text[index + 1 : index + 4]) == 3
            and not text[index + 4 : index + 5].isdigit()
        ):
            continue
        kept.append(char)
    return "".join(kept)


def without_possessives(text: str) -> str:
    """ "'s" after a word taken out ("Russia's" is Russia), where nothing of a word follows it.
    Only the apostrophes are visited: a large handbook's names hold many."""
    marks = sorted(index for mark in APOSTROPHES if mark in text for index in _positions(text, mark))
    if not marks:
        return text
    kept: list[str] = []
    start, length = 0, len(text)
    for index in marks:
        if (
            index >= start
            and index > 0
            and is_word_char(text[index - 1])
            and text[index + 1 : index + 2] in ("s", "S")
            and not (index + 2 < length and is_word_char(text[index + 2]))
        ):
            kept.append(text[start:index])
            start = index + 2
    kept.append(text[start:])
    return "".join(kept)


def _positions(text: str, mark: str) -> list[int]:
    found, at = [], text.find(mark)
    while at != -1:
        found.append(at)
        at = text.find(mark, at + 1)
    return found


def split_phrases(text: str) -> tuple[str, list[str]]:
    """The text outside double quotes (each quoted phrase a space), and the quoted phrases; an
    unclosed quote is left as it is, as a mark."""
    loose: list[str] = []
    phrases: list[str] = []
    rest = text
    while True:
        opening = rest.find('"')
        closing = rest.find('"', opening + 1) if opening >= 0 else -1
        if closing < 0:
            loose.append(rest)
            break
        loose.append(rest[:opening] + " ")
        phrases.append(rest[opening + 1 : closing])
        rest = rest[closing + 1 :]
    return "".join(loose), phrases


def replace_words(text: str, change: dict[str, str], key: object = None) -> str:
    """The text with each word that `change` has (looked up by `key(word)`, or as it is) replaced."""
    if not change:
        return text
    pieces: list[str] = []
    start = 0
    for word_start, word in _spans(text):
        lookup = key(word) if callable(key) else word
        if lookup in change:
            pieces += [text[start:word_start], change[lookup]]
            start = word_start + len(word)
    pieces.append(text[start:])
    return "".join(pieces)


def _spans(text: str) -> list[tuple[int, str]]:
    spans: list[tuple[int, str]] = []
    start = -1
    for index, char in enumerate(text):
        if is_word_char(char):
            if start < 0:
                start = index
        elif start >= 0:
            spans.append((start, text[start:index]))
            start = -1
    if start >= 0:
        spans.append((start, text[start:]))
    return spans


# Words after whose full stop a sentence goes on: titles, ranks and the like, as English writes them.
ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st jr sr lt col gen maj capt sgt adm cmdr gov sen rep pres vs etc al approx fig"
    " e.g i.e cf jan feb mar apr jun jul aug sep sept oct nov dec".split()
)


def sentences(text: str) -> list[str]:
    """The sentences of a text: split after a full stop, question or exclamation mark (and any
    closing quote or bracket) that a space and a new sentence's first character follow; not after
    an abbreviation ("Lt. Gen.", "e.g."), nor after initials ("U.S.", "J. Smith"), which a capital
    letter follows as often as a new sentence does."""
    found: list[str] = []
    start = 0
    length = len(text)
    index = 0
    while index < length:
        char = text[index]
        if char not in ".!?":
            index += 1
            continue
        end = index + 1
        while end < length and text[end] in "\"'\u201d\u2019)]":
            end += 1
        if end < length and not text[end].isspace():
            index = end
            continue
        after = end
        while after < length and text[after].isspace():
            after += 1
        if after < length and not (text[after].isupper() or text[after].isdigit() or text[after] in "\"'\u201c\u2018("):
            index = end
            continue
        if char == "." and _abbreviated(text, start, index):
            index = end
            continue
        sentence = text[start:end].strip()
        if sentence:
            found.append(sentence)
        start = index = after
    rest = text[start:].strip()
    if rest:
        found.append(rest)
    return found


def _abbreviated(text: str, start: int, stop: int) -> bool:
    """Whether the full stop at `stop` ends an abbreviation or an initial rather than a sentence."""
    begin = stop
    while begin > start and (text[begin - 1].isalpha() or text[begin - 1] == "."):
        begin -= 1
    word = text[begin:stop]
    if not word:
        return False
    if len(word) == 1 and word.isupper():
        return True  # an initial: "J. Smith"
    if "." in word and all(len(part) <= 2 for part in word.split(".")):
        return True  # "U.S", "e.g": letters with full stops between them
    return word.lower() in ABBREVIATIONS
