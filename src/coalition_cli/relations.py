"""An entry's neighbourhood: what it relates to, what relates to it, and what mentions it."""

from __future__ import annotations

from coalition_cli.handbook import Entry, Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from coalition_cli.store import Store

# How a link reads from the entry whose neighbours are listed: (relation, link points away from it).
WORDING = {
    ("related", True): "related",
    ("related", False): "relates to it",
    ("mentions", True): "mentioned here",
    ("mentions", False): "mentions it",
}
MAX_DEPTH = 3


class Node:
    """An entry in the tree, how it is linked to its parent, and its own neighbours."""

    def __init__(self, entry: Entry, links: tuple[str, ...] = ()) -> None:
        self.entry = entry
        self.links = links
        self.children: list[Node] = []


class Edge(Record):
    """One link as the handbook states it."""

    __slots__ = ("source", "target", "relation")

    def __init__(self, source: str, target: str, relation: str) -> None:
        self.source = source
        self.target = target
        self.relation = relation


def relation_tree(store: Store, root: Entry, depth: int = 1) -> tuple[Node, list[Edge]]:
    """The tree of neighbours to `depth` levels (no entry repeats on its own path), and every link
    the tree shows, as edges in the direction the handbook states them."""
    tree = Node(root)
    edges: dict[tuple[str, str, str], Edge] = {}
    level: list[tuple[Node, tuple[str, ...]]] = [(tree, (root.id,))]
    for _ in range(min(depth, MAX_DEPTH)):
        following: list[tuple[Node, tuple[str, ...]]] = []
        for node, path in level:
            wording: dict[str, list[str]] = {}
            for source, target, relation in store.links(node.entry.id):
                outward = source == node.entry.id
                other = target if outward else source
                if other in path:
                    continue
                edges.setdefault((source, target, relation), Edge(source, target, relation))
                words = wording.setdefault(other, [])
                if WORDING[(relation, outward)] not in words:
                    words.append(WORDING[(relation, outward)])
            found = store.by_ids(wording)
            order = list(WORDING.values())
            for other, words in wording.items():
                if other in found:  # a reference to nothing cannot pass validation, but stay safe
                    child = Node(found[other], tuple(sorted(words, key=order.index)))
                    node.children.append(child)
                    following.append((child, (*path, other)))
        level = following
    return tree, list(edges.values())
