"""Meaning (meaning.py): the table of word pieces, texts cut as the model's own tokenizer cuts them,
vectors summed in packed integers as plain sums would be, and search going on by words without it."""

from __future__ import annotations

import importlib.util
import sqlite3
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coalition_cli.build.cache import open_store
from coalition_cli.build.loader import load_handbook
from coalition_cli.lookup.search import SearchIndex
from coalition_cli.model.handbook import Handbook
from coalition_cli.store import meaning
from tests.helpers import DATA, MINIMAL, ROOT, memory_store

# The scripts a handbook of this field holds: Latin with its accents, Greek, Cyrillic, Arabic and
# Persian, typographic punctuation, controls and some CJK; of them, the characters Unicode 3.2
# already had. (Python's unicodedata and the tokenizers library follow different Unicode versions,
# so a character added lately would compare the versions, not the tokenizers.)
BLOCKS = [(0x00, 0x17F), (0x370, 0x3FF), (0x400, 0x4FF), (0x600, 0x6FF), (0x2000, 0x206F), (0x4E00, 0x4E80)]
TEXT = st.text(
    alphabet=st.one_of(*(st.characters(min_codepoint=low, max_codepoint=high) for low, high in BLOCKS)).filter(
        lambda char: unicodedata.ucd_3_2_0.category(char) != "Cn"
    ),
    max_size=60,
)


@pytest.fixture(scope="module")
def pieces() -> dict[str, bytes]:
    return _everything()


def _texts(handbook: Handbook) -> list[str]:
    texts = [f"{entry.title} {entry.summary} {entry.note or ''} {entry.outside or ''}" for entry in handbook.entries]
    texts += [" ".join((*entry.aliases, *entry.index)) for entry in handbook.entries]  # Cyrillic, Arabic, Persian
    for path in (DATA / "blind").glob("*.yaml"):
        texts += [line for line in path.read_text(encoding="utf-8").splitlines() if line.lstrip().startswith("- {q:")]
    return texts


def test_word_pieces_are_the_model_tokenizers(handbook: Handbook, pieces: dict[str, bytes]) -> None:
    """The text of every entry and question is cut into the pieces the `tokenizers` library makes
    with the model's configuration (BERT uncased: normaliser, pre-tokenizer, WordPiece)."""
    tokenizers = pytest.importorskip("tokenizers", reason="needs the test extras: pip install -e '.[test]'")
    vocabulary = {piece: number for number, piece in enumerate(["[UNK]", *sorted(pieces)])}
    reference = tokenizers.Tokenizer(tokenizers.models.WordPiece(vocabulary, unk_token="[UNK]"))
    reference.normalizer = tokenizers.normalizers.BertNormalizer(lowercase=True, strip_accents=None)
    reference.pre_tokenizer = tokenizers.pre_tokenizers.BertPreTokenizer()
    texts = _texts(handbook)
    assert len(texts) > 300
    for text in texts:
        expected = [token for token in reference.encode(text, add_special_tokens=False).tokens if token != "[UNK]"]
        ours = [piece for word in meaning.bert_words(text) for piece in meaning.word_pieces(word, pieces)]
        assert ours == expected, text


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(text=TEXT)
def test_word_pieces_are_the_model_tokenizers_on_any_text(text: str) -> None:
    tokenizers = pytest.importorskip("tokenizers", reason="needs the test extras: pip install -e '.[test]'")
    pieces = _everything()
    vocabulary = {piece: number for number, piece in enumerate(["[UNK]", *sorted(pieces)])}
    reference = tokenizers.Tokenizer(tokenizers.models.WordPiece(vocabulary, unk_token="[UNK]"))
    reference.normalizer = tokenizers.normalizers.BertNormalizer(lowercase=True, strip_accents=None)
    reference.pre_tokenizer = tokenizers.pre_tokenizers.BertPreTokenizer()
    expected = [token for token in reference.encode(text, add_special_tokens=False).tokens if token != "[UNK]"]
    assert [piece for word in meaning.bert_words(text) for piece in meaning.word_pieces(word, pieces)] == expected


_PIECES: dict[str, bytes] = {}


def _everything() -> dict[str, bytes]:
    if not _PIECES:
        _PIECES.update(meaning.shared_table().everything())
    return _PIECES


VECTOR = st.binary(min_size=meaning.DIMENSIONS, max_size=meaning.DIMENSIONS)


@settings(max_examples=200, deadline=None)
@given(vectors=st.lists(VECTOR, min_size=1, max_size=40), repeat=st.integers(1, 12))
def test_packed_sums_are_plain_sums(vectors: list[bytes], repeat: int) -> None:
    """Adding packed ints adds every dimension at once: the same as adding the values one by one,
    and quantised as halving the plain sum until it fits a byte would."""
    vectors = vectors * repeat  # as many as a long text's pieces
    total = sum(meaning.packed(vector) for vector in vectors)
    plain = [sum(values) for values in zip(*(meaning.int8(vector) for vector in vectors), strict=True)]
    assert meaning.unpacked(total, len(vectors)) == plain
    largest = max(abs(value) for value in plain)
    quantised = meaning.quantised(total, len(vectors))
    if not largest:
        assert quantised is None
        return
    shift = max(0, largest.bit_length() - 7)
    assert quantised is not None and list(meaning.int8(quantised)) == [value >> shift for value in plain]


def test_the_table_is_traced_to_its_weights() -> None:
    """The shipped table says what it was distilled from, with the weights' sha256 the script
    checks, and the licences of the model and the tool."""
    spec = importlib.util.spec_from_file_location("make_meaning_table", ROOT / "scripts" / "make_meaning_table.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    db = sqlite3.connect(f"file:{meaning.table_path()}?mode=ro", uri=True)
    meta = dict(db.execute("SELECT name, value FROM meta"))
    db.close()
    assert meta["weights_sha256"] == script.WEIGHTS_SHA256 and len(script.WEIGHTS_SHA256) == 64
    assert meta["dimensions"] == str(meaning.DIMENSIONS) == str(script.DIMENSIONS)
    assert meta["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert "Apache-2.0" in meta["licences"] and "MIT" in meta["licences"]


def test_search_goes_on_by_words_without_the_table(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(meaning, "table_path", lambda: str(tmp_path / "missing.sqlite3"))
    monkeypatch.setattr(meaning, "_SHARED", [])  # the process's table, opened by an earlier test
    with memory_store(load_handbook()) as store:
        assert store.vectors() == {}  # built without vectors
        index = SearchIndex(store)
        hits = index.search("airspace").hits
        assert hits and all(hit.similarity is None for hit in hits)
        assert index.search("who led the coalition").hits[0].entry.id == "soleimani-led-coalition"


def test_vectors_only_for_files_under_the_size_limit(
    monkeypatch: pytest.MonkeyPatch, write_handbook: Callable[[str, str], Path]
) -> None:
    """A file of MAX_BYTES or more is searched by its words: its entries get no vector, and a
    stack holds at most MAX_ENTRIES of them. Built as a run builds it (the loader into a store)."""
    monkeypatch.setenv("COALITION_NO_CACHE", "1")
    shipped = (ROOT / "handbook.yaml").stat().st_size
    notes = write_handbook(MINIMAL + "#" * shipped + "\n", "notes.yaml")  # larger than the shipped handbook
    with open_store([None, notes]) as store:
        assert len(store.vectors()) == store.count()
    monkeypatch.setattr(meaning, "MAX_BYTES", shipped + 1)
    with open_store([None, notes]) as store:
        assert len(store.vectors()) == store.count() - 2  # all but the notes file's two entries
    monkeypatch.setattr(meaning, "MAX_ENTRIES", 10)
    with open_store([None, notes]) as store:
        assert len(store.vectors()) == 10
