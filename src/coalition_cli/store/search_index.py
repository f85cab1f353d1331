"""What search reads: the SQLite FTS5 tables a store's entries are indexed into, and the columns
each entry becomes.

Why SQLite FTS5 (from Python's own sqlite3) rather than a hand-written index: it gives bm25
ranking, phrase queries and snippets, in C, with no dependency; and the same tables live in the
cache file, so a large handbook's index is kept between runs. Words are indexed as written (case
and accents folded), not stemmed: that costs a large handbook a third less time, and the same index
is the vocabulary that query.py widens words to their other forms from, and corrects them against.

Each entry is five columns, so that a snippet can say where its words come from:
- names: title, aliases, index terms (the reader's own words for the entry) and id, each word once;
- body: the summary, the fields of its kind, the quote: what the article says, in the editor's words;
- note: the editor's note on the article;
- outside: what the entry adds from outside the article (shown after its marker, never bare);
- extra: other spellings of its numbers and dates (never shown).
"""

from __future__ import annotations

from coalition_cli.model.handbook import FIELD_LABELS, Entry, fold, unaccent
from coalition_cli.model.words import without_possessives
from coalition_cli.model.words import words as find_words
from coalition_cli.store.sql import sqlite3

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

COLUMNS = ("names", "body", "note", "outside", "extra")
_COLUMNS = ", ".join(COLUMNS)
# How much a word counts in each column: names most. What is outside the article counts least: a
# word found only there is not what the article is about.
COLUMN_WEIGHTS = {"names": 4.0, "body": 1.0, "note": 1.0, "outside": 0.5, "extra": 1.0}
TOKENIZER = "unicode61 remove_diacritics 2"  # the index: words as written, accents and case folded
STEMMER = "porter unicode61 remove_diacritics 2"  # the scratch table that tells a word's stem
MONTHS = ("January February March April May June July August September October November December").split()

# Words too common to tell entries apart: a query's are dropped ("who led the coalition" asks for
# "led" and "coalition"), and names are compared without them.
STOPWORDS = frozenset(
    """a about after all also an and any are as at be been before being but by can could did do does
    done during for from get got had happen happened happens has have he her him his how i if in into
    is it its many me much my of on or our really she should so some such tell than that the their
    them then there these they this those to too was we were what when where which who whom whose
    why will with would you your
    about define definition describe explain me please tell
    call called mean means meant meaning stand stands refer refers referred referring
    make made makes go goes going gone went come came kind sort
    t s d ll ve re don didn doesn isn wasn aren weren couldn wouldn shouldn hasn haven hadn""".split()
)
# Fields that are not prose: links (ids), flags and the parts of a quantity (searched as one figure).
_UNSEARCHED = frozenset(("mentions", "member", "value", "unit", "qualifier", "who", "said_by"))


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?\"'" else text + "."


def entry_names(entry: Entry) -> str:
    """The names column: title, then the words of aliases, index terms and id that the title lacks.

    Each word once: aliases repeat words ("Soleimani", "Qasem Soleimani"...), and counting every
    repetition would make an entry with many aliases outrank the entry a query is really about.
    The other names go in folded (handbook.unaccent), as queries are: FTS5 folds Latin accents
    itself, but not the letter variants of Arabic and Persian writing.
    """
    seen = set(find_words(unaccent(entry.title)))
    extra = []
    for word in find_words(unaccent(" ".join((*entry.aliases, *entry.index, entry.id.replace("-", " "))))):
        if word not in seen:
            seen.add(word)
            extra.append(word)
    return " ".join([entry.title, *extra])


def entry_text(entry: Entry) -> str:
    """The body column: the summary, the kind's fields and the quote, as labelled sentences.

    Labels are searchable too, so "what did russia contribute" finds Russia's contributions.
    """
    parts = [_sentence(entry.summary)]
    for key, value in entry.details.items():
        if key in _UNSEARCHED:
            continue
        label = FIELD_LABELS.get(key, key)
        if isinstance(value, tuple):
            parts.append(f"{label}: " + " ".join(_sentence(item) for item in value))
        elif isinstance(value, str):
            parts.append(_sentence(f"{label}: {value}"))
    quantity = entry.quantity
    if quantity:
        parts.append(f"Figure: {quantity}.")
    if entry.quote is not None:
        parts.append(f'Quote: "{entry.quote.text}"')
    return " ".join(parts)


def entry_extra(entry: Entry, texts: Iterable[str]) -> str:
    """The hidden column: other spellings of the entry's numbers and dates, each once, so they
    match as typed (28500 for 28,500; "January 2020" and "3 January 2020" for 2020-01-03)."""
    extra: list[str] = []
    for text in texts:
        if "," in text:
            extra += [number.replace(",", "") for number in _grouped_numbers(text)]
    value = entry.details.get("value")
    if isinstance(value, int) and not isinstance(value, bool):
        extra.append(str(value))
    date = entry.date
    if date and len(date) >= 7:
        month = MONTHS[int(date[5:7]) - 1]
        extra.append(f"{month} {date[:4]}")
        if len(date) == 10:
            day = str(int(date[8:10]))
            extra.append(f"{day} {month} {date[:4]} {month} {day} {date[:4]}")
    return " ".join(dict.fromkeys(extra))


def _grouped_numbers(text: str) -> list[str]:
    """Numbers written with thousands separators ("28,500", "1,000,000"): one to three digits,
    then groups of a comma and three, as the article and its readers write them; not just after a
    digit or a comma, nor running on into more digits. Found from each comma with string methods,
    not a regular expression: a search draws its snippets from these columns, and importing `re`
    and compiling a pattern cost it more than the rest of the search."""
    found = []
    comma = text.find(",")
    while comma != -1:
        if not text[comma + 1 : comma + 2].isdecimal():  # most commas: no number goes through them
            comma = text.find(",", comma + 1)
            continue
        start = end = comma
        while start > 0 and text[start - 1].isdecimal():
            start -= 1
        if 1 <= comma - start <= 3 and not (start and text[start - 1] == ","):
            while text[end : end + 1] == "," and len(group := text[end + 1 : end + 4]) == 3 and group.isdecimal():
                end += 4
            if end < len(text) and text[end].isdecimal():
                end -= 4  # the last group runs on into more digits: the number ends before it
            if end > comma:
                found.append(text[start:end])
        comma = text.find(",", max(end, comma) + 1)
    return found


def entry_columns(entry: Entry) -> tuple[str, str, str, str, str]:
    """An entry's text in the index's columns (COLUMNS)."""
    body = entry_text(entry)
    note = entry.note or ""
    outside = entry.outside or ""
    return entry_names(entry), body, note, outside, entry_extra(entry, (body, note, outside))


def create_search_tables(db: sqlite3.Connection, part: str = "", copied: bool = False) -> None:
    """The FTS5 table for a store: `entries`, rowids matching the store's. A large handbook is
    indexed in parts, one per process that read it, each with a table of its own (suffix `part`).

    The index keeps no copy of the text (content=''): the entry table holds it, and a search draws
    its few snippets from its hits' own columns (snippet_table). A copy cost a large handbook a
    sixth of its indexing, and a quarter of its cache.

    Its segments are not merged as rows come in (automerge 0): merging cost a large handbook a
    quarter of its indexing, and searching the segments left (a few dozen: FTS5 still merges a level
    that reaches 16) took as long. A small handbook is written as one segment either way.

    A table `copied` is about to be filled from another file's shadow tables, its settings with
    them: it is not touched before, as FTS5 would go on reading the empty index it found then."""
    table = f"entries{part}"
    db.execute(f"CREATE VIRTUAL TABLE {table} USING fts5({_COLUMNS}, tokenize = '{TOKENIZER}', content = '')")
    if not copied:
        db.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('automerge', 0)")


def snippet_table(db: sqlite3.Connection, numbered: Iterable[tuple[int, Entry]]) -> str:
    """A scratch table holding these entries' columns as the index has them, for FTS5's snippet():
    a snippet depends on its own row and the query only. Made on the connection's first need."""
    try:
        db.execute("DELETE FROM temp.snippets")
    except sqlite3.OperationalError:
        # No column sizes (columnsize=0): snippet() does not read them, and the table is one shadow
        # table the lighter to make, which every search does.
        db.execute(f"CREATE VIRTUAL TABLE temp.snippets USING fts5({_COLUMNS}, tokenize = '{TOKENIZER}', columnsize=0)")
    db.executemany(f"INSERT INTO temp.snippets {_INSERT}", [(rowid, *entry_columns(e)) for rowid, e in numbered])
    return "snippets"


def create_vocabulary_table(db: sqlite3.Connection, part: str = "") -> None:
    """Views of the index: its words with how many entries hold each (for forms and spelling), and
    every occurrence of each word (for scoring)."""
    db.execute(f"CREATE VIRTUAL TABLE entries_vocab{part} USING fts5vocab(entries{part}, 'row')")
    db.execute(f"CREATE VIRTUAL TABLE entries_instance{part} USING fts5vocab(entries{part}, 'instance')")


_INSERT = f"(rowid, {_COLUMNS}) VALUES ({', '.join('?' * (len(COLUMNS) + 1))})"


def index_entries(db: sqlite3.Connection, numbered: Iterable[tuple[int, Entry]]) -> list[tuple[int, str]]:
    """Add entries (with their store rowids) to the search table; return each one's text as
    meaning reads it (meaning_text), which is made of the same columns."""
    rows = [(rowid, *entry_columns(e)) for rowid, e in numbered]
    db.executemany(f"INSERT INTO entries {_INSERT}", rows)
    return [(row[0], meaning_text(row[1:])) for row in rows]


def meaning_text(columns: Sequence[str]) -> str:
    """What an entry's vector is made from: its names, body, note and what is outside the article
    (the index's columns, but for the hidden spellings of numbers)."""
    return " ".join(column for column in columns[:4] if column)


def reindex_entry(db: sqlite3.Connection, rowid: int, old: Entry, new: Entry, part: str = "") -> str:
    """Replace an entry's row in the search table of the part that holds it, and return its new
    text as meaning reads it. An index without the text forgets a row by being told the text it
    was given (FTS5's 'delete' command)."""
    table = f"entries{part}"
    places = ", ".join("?" * len(COLUMNS))
    db.execute(
        f"INSERT INTO {table} ({table}, rowid, {_COLUMNS}) VALUES ('delete', ?, {places})", (rowid, *entry_columns(old))
    )
    columns = entry_columns(new)
    db.execute(f"INSERT INTO {table} {_INSERT}", (rowid, *columns))
    return meaning_text(columns)


def stems(db: sqlite3.Connection, texts: Sequence[str]) -> list[str]:
    """The porter stems FTS5 gives each text (words joined by spaces), computed by FTS5 itself.

    The scratch table keeps only its index, which is all the stems are read from (no copy of the
    texts, no sizes): made by a search's first call, it costs a third less."""
    try:
        db.execute("INSERT INTO temp.stemmer (stemmer) VALUES ('delete-all')")  # made by an earlier call
    except sqlite3.OperationalError:
        options = f"tokenize = '{STEMMER}', content = '', columnsize=0"
        db.execute(f"CREATE VIRTUAL TABLE temp.stemmer USING fts5(text, {options})")
        db.execute("CREATE VIRTUAL TABLE temp.stemmer_vocab USING fts5vocab(temp, stemmer, 'instance')")
    db.executemany("INSERT INTO temp.stemmer (rowid, text) VALUES (?, ?)", enumerate(texts))
    found: list[list[str]] = [[] for _ in texts]
    for doc, term in db.execute("SELECT doc, term FROM temp.stemmer_vocab ORDER BY doc, offset"):
        found[doc].append(term)
    return [" ".join(words) for words in found]


def variant_map(db: sqlite3.Connection, groups: Iterable[Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """Each spelling's stem, mapped to its group of spellings: how search finds variants (and, for
    the thesaurus, the words and phrases readers use interchangeably)."""
    spellings = [(tuple(group), word) for group in groups for word in group]
    found = stems(db, [unaccent(word) for _, word in spellings])
    mapped: dict[str, tuple[str, ...]] = {}
    for (group, _), stem in zip(spellings, found, strict=True):
        if stem:
            mapped[stem] = tuple(dict.fromkeys(mapped.get(stem, ()) + group))
    return mapped


def varints(blob: bytes) -> list[int]:
    """SQLite's variable-length integers, as FTS5 keeps its counts of rows and tokens."""
    values: list[int] = []
    index = 0
    while index < len(blob):
        value = 0
        for position in range(9):
            byte = blob[index]
            index += 1
            if position == 8:
                value = (value << 8) | byte
                break
            value = (value << 7) | (byte & 0x7F)
            if byte < 0x80:
                break
        values.append(value)
    return values


def name_key(name: str, folded: str | None = None) -> str:
    """A name as search compares it with a whole query: folded, without possessives and common words
    ("the Kremlin's" and "kremlin" are one key); a name made only of common words ("IS") keeps them.
    `folded`, if given, is fold(name): a build folds each name once."""
    if "'" in name or "\u2019" in name:
        words = fold(without_possessives(name)).split()
    else:
        folded = fold(name) if folded is None else folded
        words = folded.split()
        if STOPWORDS.isdisjoint(words):
            return folded  # most names: folded text is already its words joined by single spaces
    return " ".join(word for word in words if word not in STOPWORDS) or " ".join(words)
