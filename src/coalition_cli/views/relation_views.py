"""`related` and `path` as plain text, markdown and JSON (terminal.py draws them with rich).

Piped, `related` is one `type: id` line per link, children indented under the entry they hang
from, so `grep '^commanded'` or `cut -d' ' -f2` work on it; `path` is one chain of titles and link
types, as a sentence in notes would give it.
"""

from __future__ import annotations

from coalition_cli.lookup.relations import MAX_NODES, type_groups, wording
from coalition_cli.model.inert import md
from coalition_cli.views.render import View, brief_json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from coalition_cli.lookup.relations import Chain, Node, Tree
    from coalition_cli.model.handbook import Entry


def _link(entry: Entry) -> str:
    """A markdown link to an entry's heading in a notes file (anchors.py)."""
    from coalition_cli.views.anchors import target

    return f"[{md(entry.title)}](#{target(entry)})"


class RelationsView(View):
    """An entry's neighbourhood: `related`."""

    def __init__(self, tree: Tree) -> None:
        self.tree = tree.root
        self.edges = tree.edges
        self.left_out = tree.left_out

    def left_out_line(self) -> str:
        """What was left out to keep the tree bounded, said after it (empty when nothing was)."""
        if not self.left_out:
            return ""
        return f"... and {self.left_out:,} more entries within reach, not shown (a tree shows at most {MAX_NODES:,})"

    def plain(self) -> str:
        """One `type: id` line per link; an entry's own links indented under its lines. (What was
        left out is told on stderr: reading.related.)"""
        lines: list[str] = []

        def add(node: Node, indent: str) -> None:
            for _, children in type_groups(node):
                for child in children:
                    lines.extend(f"{indent}{link}: {child.entry.id}" for link in child.types)
                    add(child, indent + "  ")

        add(self.tree, "")
        return "".join(f"{line}\n" for line in lines)

    def markdown(self) -> str:
        """Nested lists by link type, whose links point where `show --format markdown` puts each
        entry's heading."""
        tree = self.tree
        lines = [f"**{md(tree.entry.title)}** (*{tree.entry.kind}* `{tree.entry.id}`)", ""]

        def add(node: Node, indent: str) -> None:
            for link, children in type_groups(node):
                lines.append(f"{indent}- **{wording(link)}**")
                for child in children:
                    also = f" (also {', '.join(child.links[1:])})" if len(child.types) > 1 else ""
                    lines.append(f"{indent}  - {_link(child.entry)}{also}")
                    add(child, indent + "    ")

        add(tree, "")
        lines += ["", md(self.left_out_line())] if self.left_out else []
        return "\n".join(lines) + "\n"

    def data(self) -> Any:
        nodes: dict[str, dict[str, Any]] = {}

        def collect(node: Node) -> None:
            nodes.setdefault(node.entry.id, brief_json(node.entry))
            for child in node.children:
                collect(child)

        collect(self.tree)
        return {
            "root": brief_json(self.tree.entry),
            "nodes": list(nodes.values()),
            "edges": [{"source": e.source, "target": e.target, "relation": e.relation} for e in self.edges],
            "left_out": self.left_out,
        }


class ChainView(View):
    """The chain of links between two entries: `path`."""

    def __init__(self, chain: Chain) -> None:
        self.chain = chain
        self.steps = chain.steps or []

    def plain(self) -> str:
        parts = [self.chain.start.title]
        for step in self.steps:
            parts.append(f"\u2014{wording(step.link)}\u2192 {step.end.title}")
        return " ".join(parts) + "\n"

    def markdown(self) -> str:
        parts = [_link(self.chain.start)]
        for step in self.steps:
            parts.append(f"\u2014*{wording(step.link)}*\u2192 {_link(step.end)}")
        return " ".join(parts) + "\n\n"

    def data(self) -> Any:
        return [
            {"from": brief_json(step.start), "relation": step.link, "to": brief_json(step.end)} for step in self.steps
        ]
