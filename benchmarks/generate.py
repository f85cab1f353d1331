"""Write a large handbook made from the shipped one, for measuring how coalition scales.

    python benchmarks/generate.py OUT.yaml [--entries 10000] [--short | --events | --largest]

By default each copy of the shipped entries gets its ids suffixed (`iran-7`), with its references
pointing inside the same copy, so the result is a valid handbook of the requested size whose text is
real prose; with --short each keeps its names, links and quotes and little prose. With --events it
is instead an analyst's own notes file layered on the shipped handbook
(`base: bundled`): dated event records of about 800 bytes each, their summaries stitched from the
shipped handbook's sentences, linked to its actors and resting on its sections. Search quality on
either means nothing; size and shape are what count. With --largest it is the largest file the
size limit allows, of one-line terms (about 1.5 million): the most entries any handbook can hold.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from coalition_cli.build.loader import MAX_BYTES, load_handbook
from coalition_cli.model.handbook import KINDS, PLURALS


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
            if "relations" in entry:
                relations = {r: [f"{t}-{copy}" for t in ids if t in present] for r, ids in entry["relations"].items()}
                new["relations"] = {r: ids for r, ids in relations.items() if ids}
            if "who" in entry:
                new["who"] = [f"{w}-{copy}" for w in entry["who"] if w in present]
            if entry.get("said_by") is not None:
                new["said_by"] = f"{entry['said_by']}-{copy}" if entry["said_by"] in present else None
            for key in ("relations", "who", "said_by"):
                if key in new and not new[key]:
                    del new[key]
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


PROSE = ("key_points", "note", "outside", "contributions", "differences", "role", "mentions")


def shaped_entries(entries: int) -> dict[str, Any]:
    """The shipped entries copied as scaled_handbook does, keeping what makes a handbook's shape
    (names, links, quotes) with two aliases and two index terms at most and a summary of twelve
    words: some 450 bytes an entry, as a reader's large file of short entries would be."""
    data = scaled_handbook(entries)
    for kind in KINDS:
        for entry in data[PLURALS[kind]]:
            for key in PROSE:
                entry.pop(key, None)
            entry["summary"] = " ".join(entry["summary"].split()[:12]).rstrip(".,;:") + "."
            for key in ("aliases", "index"):
                if key in entry:
                    entry[key] = entry[key][:2]
    return data


def event_records(entries: int, seed: int = 7) -> dict[str, Any]:
    """An analyst's notes file of `entries` dated event records on the shipped handbook."""
    import random

    shipped = load_handbook()
    rng = random.Random(seed)
    sentences = [
        sentence.strip().rstrip(".") + "."
        for entry in shipped.entries
        for sentence in entry.summary.split(". ")
        if len(sentence.split()) > 6
    ]
    actors = [entry.id for entry in shipped.of_kind("actor")]
    sections = [entry.id for entry in shipped.of_kind("section")]
    records = []
    for number in range(entries):
        summary = " ".join(rng.sample(sentences, 5))
        while len(summary) > 720:
            summary = summary.rsplit(". ", 1)[0] + "."
        related = rng.sample(actors, 2) + ([f"event-{number - 1:06d}"] if number else [])
        record: dict[str, Any] = {
            "id": f"event-{number:06d}",
            "title": f"{rng.choice(sentences).split(',')[0][:60].rstrip('.')} ({number})",
            "date": f"{rng.randint(2011, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "summary": summary,
            "related": related,
            "source": [rng.choice(sections)],
        }
        if number % 10 == 0:
            record.update(value=rng.randint(2, 40_000), unit="troops")
        records.append(record)
    return {"format": 1, "title": "An analyst's event records", "base": "bundled", "facts": records}


def largest_handbook(out: Path) -> int:
    """One-line terms, written as text (a dict of 1.5 million would take gigabytes), up to 1 MB
    short of the size limit. Returns how many."""
    count = 0
    with out.open("w", encoding="utf-8") as file:
        file.write("format: 1\ntitle: Many small entries\nsource:\n  title: A test article\n")
        file.write("sections:\n  - id: first\n    title: The first section\n    summary: A section.\nterms:\n")
        while file.tell() < MAX_BYTES - (1 << 20):
            line = "  - {{id: t{0}, title: Term {0}, summary: Word {0} here., source: [first]}}\n"
            file.write("".join(line.format(n) for n in range(count, count + 10_000)))
            count += 10_000
    return count + 1  # and the section


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--entries", type=int, default=10_000)
    shape = parser.add_mutually_exclusive_group()
    shape.add_argument("--events", action="store_true", help="dated event records layered on the shipped handbook")
    shape.add_argument("--short", action="store_true", help="names, links and quotes, with little prose")
    shape.add_argument("--largest", action="store_true", help="one-line terms up to the size limit (ignores --entries)")
    args = parser.parse_args()
    if args.largest:
        count = largest_handbook(args.out)
        print(f"wrote {args.out}: {count:,} entries, {args.out.stat().st_size / 1e6:.1f} MB", file=sys.stderr)
        return 0
    # The C writer (a 100,000-entry file in seconds), writing copies where entries share a list
    # rather than anchors and aliases, as a reader's own file would.
    base = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    dumper = type("Dumper", (base,), {"ignore_aliases": lambda *_: True})
    if args.events:
        data = event_records(args.entries)
    else:
        data = shaped_entries(args.entries) if args.short else scaled_handbook(args.entries)
    text = yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False, width=100)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}: {args.entries:,} entries, {len(text.encode()) / 1e6:.1f} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
