"""Write a large handbook made from the shipped one, for measuring how coalition scales.

    python benchmarks/generate.py OUT.yaml [--entries 10000]

Each copy of the shipped entries gets its ids suffixed (`iran-7`), with its references pointing
inside the same copy, so the result is a valid handbook of the requested size whose text is real
prose. Search quality on it means nothing; its size and shape are what count.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from coalition_cli.handbook import KINDS, PLURALS
from coalition_cli.loader import load_handbook


def scaled_handbook(entries: int) -> dict[str, Any]:
    """The shipped handbook's data, copied until it holds exactly `entries` entries."""
    data = load_handbook().to_data()
    originals = [(kind, entry) for kind in KINDS for entry in data[PLURALS[kind]]]
    scaled: dict[str, list[dict[str, Any]]] = {PLURALS[kind]: [] for kind in KINDS}
    copy = 0
    made = 0
    while made < entries:
        batch = originals[: entries - made]
        present = {entry["id"] for _, entry in batch}
        sections = {entry["id"] for kind, entry in batch if kind == "section"} | {"lead"}
        for kind, entry in batch:
            new = dict(entry)
            new["id"] = f"{entry['id']}-{copy}"
            new["related"] = [f"{r}-{copy}" for r in entry["related"] if r in present]
            if kind == "section":
                new["mentions"] = [f"{m}-{copy}" for m in entry.get("mentions", []) if m in present]
            kept = [s for s in entry["source"] if s in sections] or ["lead"]
            new["source"] = [s if s == "lead" else f"{s}-{copy}" for s in kept]
            if "quote" in entry:
                section = entry["quote"]["section"]
                if section not in sections:
                    del new["quote"]
                elif section != "lead":
                    new["quote"] = {**entry["quote"], "section": f"{section}-{copy}"}
            scaled[PLURALS[kind]].append(new)
        made += len(batch)
        copy += 1
    return {**{k: v for k, v in data.items() if k not in scaled}, **scaled}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--entries", type=int, default=10_000)
    args = parser.parse_args()
    text = yaml.safe_dump(scaled_handbook(args.entries), allow_unicode=True, sort_keys=False, width=100)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}: {args.entries:,} entries, {len(text.encode()) / 1e6:.1f} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
