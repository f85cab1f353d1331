"""`browse`: a full-screen reader, for looking around rather than typing commands.

A search box whose results follow each key, the highlighted entry beside them, its links below
it (Enter follows one, Escape comes back), and two other views of the right-hand pane: the
timeline (ctrl+t) and the relation tree of the entry (ctrl+r). ctrl+q quits.

Built on Textual, the full-screen framework of rich's authors, and the one module that imports it:
no other command pays for it. Every text is handed to Textual as plain text (markup off), so what a
handbook holds is shown, never interpreted.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from coalition_cli.lookup.relations import relation_tree, type_groups, wording
from coalition_cli.model.handbook import Entry
from coalition_cli.views.render import EntryView

TYPE_CHECKING = False
if TYPE_CHECKING:
    from textual.timer import Timer

    from coalition_cli.lookup.relations import Node
    from coalition_cli.store.tables import Store

MAX_LISTED = 200  # results and list entries shown at once: a large handbook is searched, not scrolled
TYPING_PAUSE = 0.15  # seconds without a key before the search box's text is searched
ENTRY, TIMELINE, TREE = "entry", "timeline", "tree"


def _option(entry: Entry, prefix: str = "") -> Option:
    """A list line for an entry; its id is the entry's id, to open it."""
    return Option(f"{prefix}{entry.title}  ({entry.kind}{': ' + entry.date if entry.date else ''})", id=entry.id)


def _fill(options: OptionList, lines: list[Option]) -> None:
    """Replace a list's lines, the first that can be chosen highlighted (so Enter chooses it)."""
    options.clear_options()
    options.add_options(lines)
    options.highlighted = next((i for i, line in enumerate(lines) if not line.disabled), None)


class BrowseApp(App[None]):
    """The reader: search on the left, the entry (or timeline, or tree) on the right."""

    TITLE = "coalition"
    CSS = """
    #left { width: 42%; min-width: 30; }
    #results { height: 1fr; }
    #scroll { height: 1fr; }
    #pane { padding: 0 1; }
    #links { height: 40%; border-top: solid $accent; }
    #status { height: 1; color: $text-muted; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[Binding | tuple[str, str] | tuple[str, str, str]]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("escape", "go_back", "Back", priority=True),
        Binding("ctrl+t", "timeline", "Timeline", priority=True),
        Binding("ctrl+r", "tree", "Relation tree", priority=True),
        Binding("ctrl+f", "search", "Search", priority=True),
    ]

    def __init__(self, store: Store, query: str = "") -> None:
        super().__init__()
        self.store = store
        self.query_text = query
        self.current: Entry | None = None
        self.history: list[Entry] = []
        self.view = ENTRY
        self._pending: Timer | None = None  # the search waiting for typing to pause

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            with Vertical(id="left"):
                yield Input(value=self.query_text, placeholder="Search the handbook", id="search")
                yield OptionList(id="results", markup=False)
            with Vertical():
                with VerticalScroll(id="scroll"):
                    yield Static("", id="pane", markup=False)
                yield OptionList(id="links", markup=False)
        yield Static("", id="status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.store.title
        self.show_results(self.query_text)
        self.query_one("#search", Input).focus()

    # -- the results ---------------------------------------------------------------------------

    def show_results(self, text: str) -> None:
        """The entries a query finds, best first; every entry (up to MAX_LISTED) when it is empty."""
        from coalition_cli.lookup.search import search_entries
        from coalition_cli.model.errors import CoalitionError

        results = self.query_one("#results", OptionList)
        if text.strip():
            try:
                entries = [hit.entry for hit in search_entries(self.store, text, (), MAX_LISTED).hits]
            except CoalitionError as error:  # nothing found, or a query past the bounds
                _fill(results, [Option(str(error), disabled=True)])
                self.status(str(error))
                return
        else:
            entries = list(self.store.entries[:MAX_LISTED])
        _fill(results, [_option(entry) for entry in entries])
        self.status(f"{len(entries)} {'result' if len(entries) == 1 else 'results'}" if text.strip() else "")

    def on_input_changed(self, event: Input.Changed) -> None:
        """Search once typing pauses: a search per key would queue behind a quick typist, and
        results for a query already typed past would land after the reader moved on."""
        if self._pending is not None:
            self._pending.stop()
        value = event.value
        self._pending = self.set_timer(TYPING_PAUSE, lambda: self._search_now(value))

    def _search_now(self, text: str) -> None:
        self._pending = None
        self.show_results(text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self._pending is not None:  # Enter before the pause: the results for what is typed now
            self._pending.stop()
            self._search_now(event.value)
        results = self.query_one("#results", OptionList)
        if results.option_count and results.highlighted is not None:
            option = results.get_option_at_index(results.highlighted)
            if option.id:
                self.open(option.id, remember=False)
                self.query_one("#links", OptionList).focus()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "results" and event.option.id:
            self.open(event.option.id, remember=False)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if not event.option.id:
            return
        if event.option_list.id == "results":
            self.open(event.option.id, remember=False)
            self.query_one("#links", OptionList).focus()
        else:  # a link, a dated fact or a node of the tree: follow it
            self.open(event.option.id)

    # -- the right-hand pane -------------------------------------------------------------------

    def open(self, entry_id: str, remember: bool = True) -> None:
        """Show an entry and its links; `remember` the one shown before, for Escape."""
        entry = self.store.get(entry_id)
        if entry is None:
            return
        if remember and self.current is not None and self.current.id != entry.id:
            self.history.append(self.current)
        self.current, self.view = entry, ENTRY
        self.query_one("#pane", Static).update(EntryView(self.store, entry).plain())
        self.query_one("#scroll", VerticalScroll).scroll_home(animate=False)
        tree = relation_tree(self.store, entry, 1)
        children = [child for _, group in type_groups(tree.root) for child in group]
        _fill(self.query_one("#links", OptionList), [_option(c.entry, f"{', '.join(c.links)}: ") for c in children])
        self.status(f"{entry.kind}: {entry.id}" + (f"  ({len(self.history)} back)" if self.history else ""))

    def action_go_back(self) -> None:
        """Back to the entry before (or from the timeline or tree to the entry); else to the search."""
        if self.view != ENTRY and self.current is not None:
            self.open(self.current.id, remember=False)
        elif self.history:
            self.open(self.history.pop().id, remember=False)
            self.query_one("#links", OptionList).focus()
        else:
            self.query_one("#search", Input).focus()

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_timeline(self) -> None:
        """The dated facts, oldest first; Enter opens one."""
        facts = self.store.dated_facts()[:MAX_LISTED]
        self.view = TIMELINE
        self.query_one("#pane", Static).update(f"Timeline: {len(facts)} dated facts, oldest first")
        links = self.query_one("#links", OptionList)
        _fill(links, [Option(f"{fact.date:<10}  {fact.title}", id=fact.id) for fact in facts if fact.date])
        links.focus()
        self.status("timeline: Enter opens a fact, Escape goes back")

    def action_tree(self) -> None:
        """The relation tree of the entry shown, two levels deep; Enter opens a node."""
        if self.current is None:
            return
        self.view = TREE
        tree = relation_tree(self.store, self.current, 2)
        self.query_one("#pane", Static).update(f"How {self.current.title} is linked, two steps out")
        lines: list[Option] = []

        def add(node: Node, indent: str) -> None:
            for link, children in type_groups(node):
                lines.append(Option(f"{indent}{wording(link)}", disabled=True))
                for child in children:
                    lines.append(Option(f"{indent}  {child.entry.title}", id=f"{child.entry.id}"))
                    add(child, indent + "    ")

        add(tree.root, "")
        links = self.query_one("#links", OptionList)
        _fill(links, lines[:MAX_LISTED])
        links.focus()
        self.status("relation tree: Enter opens an entry, Escape goes back")

    def status(self, text: str) -> None:
        self.query_one("#status", Static).update(text)


def browse(store: Store, query: str = "") -> None:
    """Run the reader until ctrl+q."""
    BrowseApp(store, query).run()
