"""A reader's query made into what search looks for: terms, each a word or phrase with the forms,
spellings and synonyms it may take in the handbook.

The query is parsed here, never handed to FTS5 as syntax: words and "quoted phrases" go to FTS5 as
quoted strings, so no input is a syntax error. Around that:
- Common words ("who", "the", "how many") are dropped, so they neither help nor hurt.
- Words match their other forms (killed, killing, kills): a query word is widened to the words of
  the index that share its porter stem, which FTS5 itself computes through a scratch table.
- Spelling variants (`variants:` in the handbook) and the field's synonyms (`thesaurus:`, words and
  phrases: "deal" for "agreement", "head of state" for "president") are matched the same way.
- A word the handbook lacks is corrected to its nearest word only when that is a confident guess:
  one or two letters off in a long word, and no rival as near.
- Numbers and dates match however written: 28,500 and 28500; 2020-01-03, January 3, 2020 and
  3 January 2020.
"""

from __future__ import annotations

import itertools

from coalition_cli.lookup.spelling import MIN_CORRECTED, Speller
from coalition_cli.model.errors import UsageProblem
from coalition_cli.model.handbook import unaccent
from coalition_cli.model.questions import question_of
from coalition_cli.model.words import (
    compounds,
    replace_words,
    split_phrases,
    without_possessives,
    without_thousands,
)
from coalition_cli.model.words import words as find_words
from coalition_cli.store.search_index import STOPWORDS, name_key, stems
from coalition_cli.store.sql import sqlite3

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from coalition_cli.store.tables import Store

MAX_FORMS = 24  # a query word matches at most this many of the index's words
MAX_PHRASES = 16  # a phrase is tried in at most this many combinations of its words' forms
# Bounds on what one search may cost, documented in docs/handbook-format.md: a longer query is refused (it is
# pasted text, not a question); past MAX_CORRECTED unknown words, the rest are not corrected.
MAX_QUERY_CHARS = 1_000
MAX_QUERY_WORDS = 64
MAX_CORRECTED = 8


class Term:
    """One thing the query asks for: a word or phrase, with the forms it may take in the index."""

    def __init__(self, text: str, alternatives: tuple[str, ...], required: bool = False) -> None:
        self.text = text
        self.alternatives = alternatives
        self.required = required
        self.corrected = False  # a guess at a misspelt word: it counts for less
        self.count = 0  # entries holding it
        # The alternatives each part of the index holds (Words.count): FTS5 pays for a form it
        # lacks on every match of the others ("air space" beside "airspace").
        self.present: dict[str, tuple[str, ...]] = {}

    def forms_in(self, part: str) -> tuple[str, ...]:
        """The alternatives worth asking one part of the index for (all of them if not counted)."""
        return self.present.get(part, self.alternatives)

    def expression(self, part: str) -> str:
        """An FTS5 expression for any of the term's alternatives that one part of the index holds;
        empty when it holds none of them."""
        return " OR ".join(phrase(form) for form in self.forms_in(part))


def phrase(form: str) -> str:
    """A word or phrase as an FTS5 string: quoted, so nothing in it reads as the query syntax."""
    return '"' + form.replace('"', '""') + '"'


class Parsed:
    """A query as search uses it: its terms, the corrections made, the words the handbook lacks,
    and its keys (its words without common ones, corrected, in each spelling) to compare with
    entries' names."""

    __slots__ = ("terms", "corrections", "unmatched", "keys", "question")

    def __init__(
        self,
        terms: list[Term],
        corrections: dict[str, str],
        unmatched: list[str],
        keys: tuple[str, ...],
        question: str | None,
    ) -> None:
        self.terms = terms
        self.corrections = corrections
        self.unmatched = unmatched
        self.keys = keys  # as typed (corrected), then in other spellings
        self.question = question  # what the query asks, if it is a question (QUESTIONS)


def quoted(text: str) -> str:
    """A reader's query inside a message: in double quotes, or single ones if it holds double."""
    text = " ".join(text.split())
    return f"'{text}'" if '"' in text else f'"{text}"'


def check_query(query: str) -> None:
    """Refuse a query too long to be a question, before any work is done on it."""
    advice = "search for its key words"
    if len(query) > MAX_QUERY_CHARS:
        raise UsageProblem(
            f"the query is {len(query):,} characters; a query holds at most {MAX_QUERY_CHARS:,} ({advice})"
        )
    words = len(find_words(query))
    if words > MAX_QUERY_WORDS:
        raise UsageProblem(f"the query has {words} words; a query holds at most {MAX_QUERY_WORDS} ({advice})")


def _grouped(number: str) -> str | None:
    """A number as the index holds it when written with thousands separators: 28500 is "28 500"."""
    if len(number) < 4 or not number.isdigit() or number[0] == "0" or not number.isascii():
        return None
    head = len(number) % 3 or 3
    return " ".join([number[:head], *(number[i : i + 3] for i in range(head, len(number), 3))])


def _no_word(_word: str) -> bool:
    return False


def _no_words(_word: str) -> list[str]:
    return []


class Words:
    """The handbook's words, as a query needs them: forms, spellings, synonyms, corrections."""

    def __init__(
        self,
        store: Store,
        is_english: Callable[[str], bool] | None = None,
        near_in_meaning: Callable[[str], list[str]] | None = None,
    ) -> None:
        self.store = store
        self.is_english = is_english or _no_word  # a word of English, never "corrected"
        # The handbook's words nearest in meaning to a word it lacks ("goods": "commerce").
        self.near_in_meaning = near_in_meaning or _no_words
        self.spelling = Speller(store, self.stem, self.is_english)
        self.db = store.db
        self.parts = store.search_parts
        self._longest = store.longest_phrase
        self._groups: dict[tuple[str, str], tuple[str, ...] | None] = {}
        self._forms: dict[str, tuple[str, ...]] = {}
        self._stem_cache: dict[str, str] = {}

    def _group(self, kind: str, key: str) -> tuple[str, ...] | None:
        """A word's or phrase's group (Store.word_group), looked up once per search: the handbook's
        variants and thesaurus are not read whole for a query of a few words."""
        if (kind, key) not in self._groups:
            self._groups[(kind, key)] = self.store.word_group(kind, key)
        return self._groups[(kind, key)]

    # -- the index's words ---------------------------------------------------------------------

    def stem(self, word: str) -> str:
        return self.stems([word])[0]

    def stems(self, texts: Sequence[str]) -> list[str]:
        """Porter stems, each text computed once per search (the scratch table costs a query)."""
        from coalition_cli.store.rows import CacheCorrupt

        missing = [text for text in dict.fromkeys(texts) if text not in self._stem_cache]
        if missing:
            try:
                self._stem_cache.update(zip(missing, stems(self.db, missing), strict=True))
            except sqlite3.Error as error:
                raise CacheCorrupt(str(error)) from None
        return [self._stem_cache[text] for text in texts]

    def learn_forms(self, words: Iterable[str]) -> None:
        """Find, for each (folded) word, the index's words that share its stem (killed: kill,
        killed, killing, kills), in one pass for all of them. A word the index lacks keeps itself
        alone, and matches nothing."""
        wanted = [word for word in dict.fromkeys(words) if word and word not in self._forms]
        if not wanted:
            return
        wanted_stems = self.stems(wanted)
        candidates: set[str] = set()
        # By the start of each word and of its stem: "says" shares the stem "sai" of "say" but not
        # its start, and a word's forms must not depend on what else was asked with it.
        prefixes = sorted({stem[:4] for stem in wanted_stems} | {word[:4] for word in wanted})
        # A prefix inside another's range is read with it: each read counts every entry of its
        # words, and a large handbook's common words are in thousands.
        prefixes = [p for i, p in enumerate(prefixes) if not any(p.startswith(q) for q in prefixes[:i])]
        for prefix in prefixes:
            for part in self.parts:
                rows = self.store.query(
                    f"SELECT term FROM entries_vocab{part} WHERE term >= ? AND term < ?",
                    (prefix, prefix + "\U0010ffff"),
                )
                candidates.update(term for (term,) in rows)
        ordered = sorted(candidates)
        by_stem: dict[str, list[str]] = {}
        for term, stem in zip(ordered, self.stems(ordered), strict=True):
            by_stem.setdefault(stem, []).append(term)
        for word, stem in zip(wanted, wanted_stems, strict=True):
            found = sorted(by_stem.get(stem, []), key=lambda term: (term != word, len(term), term))
            self._forms[word] = tuple(found[:MAX_FORMS]) or (word,)

    def forms(self, text: str) -> tuple[str, ...]:
        """The forms a word or phrase is searched as: a word's forms, or a phrase in up to
        MAX_PHRASES combinations of its words' forms (the words as typed first)."""
        words = text.split()
        self.learn_forms(words)
        if len(words) == 1:
            return self._forms[words[0]]
        combinations = itertools.islice(itertools.product(*(self._forms[word] for word in words)), MAX_PHRASES)
        return tuple(" ".join(combination) for combination in combinations)

    def count(self, term: Term) -> int:
        """How many entries hold the term (counted by SQLite, never collected: it may be thousands),
        noting which of its alternatives each part holds."""
        total = 0
        for part in self.parts:
            table = f"entries{part}"
            if len(term.alternatives) > 1:
                term.present[part] = tuple(
                    form
                    for form in term.alternatives
                    if self.store.query(f"SELECT 1 FROM {table} WHERE {table} MATCH ? LIMIT 1", (phrase(form),))
                )
            expression = term.expression(part)
            if expression:
                rows = self.store.query(f"SELECT count(*) FROM {table} WHERE {table} MATCH ?", (expression,))
                total += int(rows[0][0])
        return total

    # -- terms ---------------------------------------------------------------------------------

    def _group_term(self, text: str, group: Sequence[str]) -> Term:
        """A term matching any member of a group of spellings or synonyms, words or phrases."""
        members = [find_words(unaccent(member)) for member in group]
        self.learn_forms(word for words in members for word in words)  # in one pass
        alternatives = [form for words in members for form in self.forms(" ".join(words))]
        return Term(text=text, alternatives=tuple(dict.fromkeys(alternatives)))

    def word_term(self, word: str) -> Term:
        """A word with its forms, its spellings (variants) and its synonyms (thesaurus)."""
        stem = self.stem(word)
        group = (*(self._group("variant", stem) or (word,)), *(self._group("synonym", stem) or ()))
        return self._group_term(word, group if word in group else (word, *group))

    def _synonym_phrases(self, words: list[str]) -> tuple[list[Term], list[str]]:
        """Phrases of the thesaurus in the query's words ("head of state", "air raid"), longest
        first, as terms; and the words left over."""
        terms: list[Term] = []
        rest: list[str] = []
        index = 0
        while index < len(words):
            for size in range(min(self._longest, len(words) - index), 1, -1):
                group = self._group("phrase", " ".join(words[index : index + size]))
                if group is not None:
                    terms.append(self._group_term(" ".join(words[index : index + size]), group))
                    index += size
                    break
            else:
                rest.append(words[index])
                index += 1
        return terms, rest

    def parse(self, query: str) -> Parsed:
        """Terms for a query, the corrections made, the words that matched nothing, and its key."""
        text = without_possessives(without_thousands(query))
        terms: list[Term] = []
        loose, phrases = split_phrases(text)
        pieces = [unaccent(c) for c in compounds(loose)]
        words = [w for c in pieces for w in find_words(c)]
        quoted_words = [w for phrase in phrases for w in find_words(unaccent(phrase))]
        # One pass for every word of the query and of its words' spellings and synonyms.
        group_words = [
            word
            for stem in self.stems([w for w in words if w not in STOPWORDS])
            for kind in ("variant", "synonym")
            for member in self._group(kind, stem) or ()
            for word in find_words(unaccent(member))
        ]
        self.learn_forms([*words, *quoted_words, *group_words])
        for phrase in phrases:
            phrase_words = find_words(unaccent(phrase))
            if phrase_words:
                joined = " ".join(phrase_words)
                terms.append(Term(text=joined, alternatives=self.forms(joined), required=True))
        question = question_of(query)
        asking = set(question.split()) if question else set()  # "how long", "which year": not the topic
        # A word typed with a capital (not the first) is a name: nothing else means what it does.
        capitals = {unaccent(word) for word in find_words(query)[1:] if word[:1].isupper()}
        content = {w for w in words if w not in STOPWORDS and w not in asking} or set(words)

        in_phrases: set[str] = set()
        for term in self._synonym_phrases(words)[0]:
            term.count = self.count(term)
            if term.count:
                terms.append(term)
                in_phrases.update(term.text.split())
        singles: list[str] = []
        for compound in pieces:
            parts = find_words(compound)
            if len(parts) > 1:
                whole = Term(text=compound, alternatives=self.forms(" ".join(parts)))
                whole.count = self.count(whole)
                if whole.count:
                    terms.append(whole)
                    continue
            singles += [part for part in parts if part in content and part not in singles and part not in in_phrases]

        for term in terms:
            term.count = term.count or self.count(term)
        corrections: dict[str, str] = {}
        unmatched: list[str] = []
        tries = 0
        for word in singles:
            term = self.word_term(word)
            grouped = _grouped(word)
            if grouped is not None:
                term.alternatives += (grouped,)
            term.count = self.count(term)
            if not term.count and word.isalpha() and len(word) >= MIN_CORRECTED and tries < MAX_CORRECTED:
                tries += 1
                fixed = self.spelling.correct(word)
                if fixed is not None:
                    term = self.word_term(fixed)
                    term.corrected = True
                    term.count = self.count(term)
                    corrections[word] = fixed
            if not term.count and word.isalpha() and word not in capitals and self.is_english(word):
                near = self.near_in_meaning(word)
                if near:
                    term = self._group_term(word, near)
                    term.corrected = True  # a guess at what was meant, as a correction is
                    term.count = self.count(term)
            if term.count:
                terms.append(term)
            else:
                unmatched.append(word)
        key = name_key(replace_words(loose, corrections, unaccent))
        return Parsed(terms, corrections, unmatched, self._spellings(key), question)

    def _spellings(self, key: str) -> tuple[str, ...]:
        """A query's key, and the same with other spellings of its words ("sulaimani" is the
        "soleimani" of an alias): each of them names an entry as well."""
        words = key.split()
        groups = [(self._group("variant", self.stem(word)) or ()) if word.isalpha() else () for word in words]
        options = [
            (word, *(unaccent(v) for v in group if unaccent(v) != word))
            for word, group in zip(words, groups, strict=True)
        ]
        keys = (" ".join(choice) for choice in itertools.product(*options))
        return tuple(itertools.islice(dict.fromkeys(keys), MAX_PHRASES)) if key else ()
