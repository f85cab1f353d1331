"""An entry's neighbourhood, and the chain of links between two entries: `related` and `path`.

A link is stored once, as the handbook states it (source, target, relation); read from either end
it has a type: a typed relation as written ("commanded") or its inverse ("commanded-by"), plain
`related` either way, and a section's `mentions` and its inverse `mentioned-in`.
"""

from __future__ import annotations

from coalition_cli.model.handbook import RELATIONS, Entry
from coalition_cli.model.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from coalition_cli.store.tables import Store

# Every link type, most specific first: the order groups and chains are shown in.
LINK_TYPES: tuple[str, ...] = (
    *(name for relation, inverse in RELATIONS.items() for name in (relation, inverse) if name != "traded-with"),
    "traded-with",
    "related",
    "mentions",
    "mentioned-in",
)
TYPED = frozenset(name for relation, inverse in RELATIONS.items() for name in (relation, inverse))
MAX_DEPTH = 3
# Bounds on one tree or one search for a chain, documented in docs/handbook-format.md: a hub of a large handbook
# can reach every entry.
MAX_NODES = 1_000  # entries shown; the rest are counted, and the count is shown
MAX_LINKS = 100_000  # links read while building it


def link_type(relation: str, outward: bool) -> str | None:
    """The type of a stored link read from one of its ends (`outward`: from its source); None for
    a relation this program does not know (a cache's, which is then passed over)."""
    if relation in RELATIONS:
        return relation if outward else RELATIONS[relation]
    if relation == "related":
        return "related"
    if relation == "mentions":
        return "mentions" if outward else "mentioned-in"
    return None


def wording(link: str) -> str:
    """A link type as words: "commanded-by" reads "commanded by"."""
    return link.replace("-", " ")


class Node:
    """An entry in the tree, how it is linked to its parent (its link types, most specific first),
    and its own neighbours."""

    def __init__(self, entry: Entry, types: tuple[str, ...] = ()) -> None:
        self.entry = entry
        self.types = types
        self.children: list[Node] = []

    @property
    def links(self) -> tuple[str, ...]:
        """The link types as words."""
        return tuple(wording(link) for link in self.types)


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


def type_groups(node: Node) -> list[tuple[str, list[Node]]]:
    """A node's children grouped by their first (most specific) link type, in LINK_TYPES order."""
    groups: dict[str, list[Node]] = {}
    for child in node.children:
        groups.setdefault(child.types[0], []).append(child)
    return [(link, groups[link]) for link in LINK_TYPES if link in groups]


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
            types: dict[str, list[str]] = {}
            for source, target, relation in links:
                outward = source == node.entry.id
                other = target if outward else source
                if other not in shown:
                    found = types.setdefault(other, [])
                    link = link_type(relation, outward)
                    if link is not None and link not in found:  # a cache's unknown relation says nothing
                        found.append(link)
            room = MAX_NODES - len(shown)
            new = [other for other in types if other not in left_out and types[other]]
            left_out.update(new[max(room, 0) :])
            entries = store.by_ids(new[: max(room, 0)])
            for other in new[: max(room, 0)]:
                if other in entries:  # a reference to nothing cannot pass validation, but stay safe
                    child = Node(entries[other], tuple(sorted(types[other], key=LINK_TYPES.index)))
                    node.children.append(child)
                    following.append(child)
                    shown.add(other)
            for source, target, relation in links:
                if source in shown and target in shown and source != target:
                    edges.setdefault((source, target, relation), Edge(source, target, relation))
        level = following
    return Tree(tree, list(edges.values()), len(left_out - shown))


class Step(Record):
    """One link of a chain: from an entry, by a link type, to the next."""

    __slots__ = ("start", "link", "end")

    def __init__(self, start: Entry, link: str, end: Entry) -> None:
        self.start = start
        self.link = link
        self.end = end


class Chain:
    """What `path` found: the steps from one entry to the other (none when they are one entry), or
    no chain at all; and whether the search stopped at its bound before it could tell."""

    def __init__(self, start: Entry, end: Entry, steps: list[Step] | None, bounded: bool = False) -> None:
        self.start = start
        self.end = end
        self.steps = steps
        self.bounded = bounded


def shortest_chain(store: Store, start: Entry, end: Entry, typed_only: bool = False) -> Chain:
    """The chain with the fewest links from `start` to `end`, and among those the one with the
    fewest untyped links (a typed link says how, `related` only that), reading links either way.

    Breadth first, one level at a time, so that every way into an entry at the same distance is
    weighed before the next level; bounded by MAX_LINKS links read.
    """
    if start.id == end.id:
        return Chain(start, end, [])
    best: dict[str, tuple[int, str, str]] = {start.id: (0, "", "")}  # id: (untyped links, previous, link)
    level = [start.id]
    budget = MAX_LINKS
    while level and end.id not in best:
        reached: dict[str, tuple[int, str, str]] = {}
        for current in level:
            if budget <= 0:
                return Chain(start, end, None, bounded=True)
            links = store.links(current, budget)
            budget -= len(links)
            for source, target, relation in links:
                outward = source == current
                other = target if outward else source
                link = link_type(relation, outward)
                if other in best or link is None or (typed_only and link not in TYPED):
                    continue
                untyped = best[current][0] + (link not in TYPED)
                known = reached.get(other)
                if known is None or (untyped, LINK_TYPES.index(link)) < (known[0], LINK_TYPES.index(known[2])):
                    reached[other] = (untyped, current, link)
        best.update(reached)
        level = list(reached)
    if end.id not in best:  # a budget spent on the last links read may have hidden the way on
        return Chain(start, end, None, bounded=budget <= 0)
    ids: list[tuple[str, str]] = []  # (entry, the link that reached it), end first
    current = end.id
    while current != start.id:
        _, previous, link = best[current]
        ids.append((current, link))
        current = previous
    ids.reverse()
    entries = store.by_ids(entry_id for entry_id, _ in ids)
    steps: list[Step] = []
    before = start
    for entry_id, link in ids:
        after = entries.get(entry_id)
        if after is None:  # a link to nothing cannot pass validation, but stay safe
            return Chain(start, end, None)
        steps.append(Step(before, link, after))
        before = after
    return Chain(start, end, steps)
