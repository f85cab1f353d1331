"""An entry's neighbourhood: what it relates to, what relates to it, and what mentions it."""

from __future__ import annotations

from coalition_cli.handbook import RELATIONS, Entry, Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from coalition_cli.store import Store

# How a link reads from the entry whose neighbours are listed: (relation, link points away from it).
# Typed links read as their relation one way ("commanded") and its inverse the other ("commanded by").
WORDING = {
    **{(relation, True): relation.replace("-", " ") for relation in RELATIONS},
    **{(relation, False): inverse.replace("-", " ") for relation, inverse in RELATIONS.items()},
    ("related", True): "related",
    ("related", False): "relates to it",
    ("mentions", True): "mentioned here",
    ("mentions", False): "mentions it",
}
MAX_DEPTH = 3
# Bounds on one tree, documented in the README: a hub of a large handbook can reach every entry.
MAX_NODES = 1_000  # entries shown; the rest are counted, and the count is shown
MAX_LINKS = 100_000  # links read while building it


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


class Tree:
    """What `related` shows: the tree, every link between entries in it, and how many entries
    within reach were left out to keep it bounded."""

    def __init__(self, root: Node, edges: list[Edge], left_out: int) -> None:
        self.root = root
        self.edges = edges
        self.left_out = left_out


def relation_tree(store: Store, root: Entry, depth: int = 1) -> Tree:
    """The neighbours to `depth` levels, breadth first: each entry once, at its nearest place (a
    clique of a hundred entries is a hundred lines, not a million), at most MAX_NODES of them."""
    tree = Node(root)
    edges: dict[tuple[str, str, str], Edge] = {}
    shown = {root.id}
    left_out: set[str] = set()
    budget = MAX_LINKS
    level = [tree]
    for _ in range(min(depth, MAX_DEPTH)):
        following: list[Node] = []
        for node in level:
            if budget <= 0:
                break
            links = store.links(node.entry.id, budget)
            budget -= len(links)
            wording: dict[str, list[str]] = {}
            for source, target, relation in links:
                outward = source == node.entry.id
                other = target if outward else source
                if other not in shown:
                    words = wording.setdefault(other, [])
                    said = WORDING.get((relation, outward))
                    if said is not None and said not in words:  # a cache's unknown relation says nothing
                        words.append(said)
            room = MAX_NODES - len(shown)
            new = [other for other in wording if other not in left_out]
            left_out.update(new[max(room, 0) :])
            found = store.by_ids(new[: max(room, 0)])
            order = list(WORDING.values())
            for other in new[: max(room, 0)]:
                if other in found:  # a reference to nothing cannot pass validation, but stay safe
                    child = Node(found[other], tuple(sorted(wording[other], key=order.index)))
                    node.children.append(child)
                    following.append(child)
                    shown.add(other)
            for source, target, relation in links:
                if source in shown and target in shown and source != target:
                    edges.setdefault((source, target, relation), Edge(source, target, relation))
        level = following
    return Tree(tree, list(edges.values()), len(left_out - shown))
