"""The whole handbook as one document: `export`, in plain text, markdown or JSON."""

from __future__ import annotations

from coalition_cli.handbook import KINDS, PLURALS, Handbook
from coalition_cli.inert import md
from coalition_cli.render import EntryView, View

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class ExportView(View):
    """The whole handbook, held in memory (`Store.materialize`): every entry is shown with the
    titles of its relations, and asking a store for each would be thousands of queries."""

    def __init__(self, handbook: Handbook) -> None:
        self.handbook = handbook

    def plain(self) -> str:
        handbook = self.handbook
        parts = [handbook.title, ""]
        if handbook.source.title:
            parts.append(f'Source: "{handbook.source.title}"')
        if handbook.source.lead:
            parts.append(f"Opening paragraph: {handbook.source.lead}")
        if handbook.source.note:
            parts.append(f"About the source: {handbook.source.note}")
        for kind in KINDS:
            entries = handbook.of_kind(kind)
            if not entries:
                continue
            parts.extend(["", PLURALS[kind].upper(), ""])
            parts.append("\n".join(EntryView(handbook, entry).plain() for entry in entries).rstrip("\n"))
        return "\n".join(parts) + "\n"

    def markdown(self) -> str:
        """A table of contents and every entry under its kind, linked by the ids markdown readers
        give headings (anchors.py): the links land under pandoc and GitHub, in HTML and Word."""
        from coalition_cli.anchors import Anchors, gfm_id

        handbook = self.handbook
        kinds = [kind for kind in KINDS if handbook.of_kind(kind)]
        reserved = [gfm_id(handbook.title), "contents", *(PLURALS[kind] for kind in kinds)]
        anchors = Anchors(handbook.entries, reserved)
        lines = [f"# {md(handbook.title)}", ""]
        if handbook.source.title:
            lines += [f"Source: *{md(handbook.source.title)}*", ""]
        if handbook.source.lead:
            lines += [f"**Opening paragraph.** {md(handbook.source.lead)}", ""]
        if handbook.source.note:
            lines += [f"**About the source.** {md(handbook.source.note)}", ""]
        lines += ["## Contents", ""]
        for kind in kinds:
            lines.append(f"- [{PLURALS[kind].capitalize()}](#{PLURALS[kind]})")
            lines.extend(f"  - [{md(e.title)}](#{anchors.target(e.id, e)})" for e in handbook.of_kind(kind))
        for kind in kinds:
            lines += ["", f"## {PLURALS[kind].capitalize()}"]
            for entry in handbook.of_kind(kind):
                lines += ["", EntryView(handbook, entry).markdown(level=3, anchors=anchors).rstrip("\n")]
        return "\n".join(lines) + "\n"

    def data(self) -> Any:
        return self.handbook.to_data()
