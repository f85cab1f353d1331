"""`browse`: driven with Textual's own pilot (keys pressed, the screen's widgets read), and once in
a real terminal under tmux; and no other command pays for Textual."""

from __future__ import annotations

import asyncio
import shlex
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from coalition_cli.build.cache import open_store
from coalition_cli.model.handbook import Handbook
from coalition_cli.store.tables import Store
from coalition_cli.terminal import browse
from coalition_cli.terminal.browse import TYPING_PAUSE, BrowseApp
from tests.helpers import Invoke, Tmux, clean_env

TYPED = TYPING_PAUSE * 4  # seconds to wait after typing: the search runs once typing pauses


def drive(store: Store, steps: Callable[[BrowseApp, Pilot[None]], Awaitable[None]], query: str = "") -> BrowseApp:
    """Run the reader headless at 120x40 and play `steps` on it; then quit with ctrl+q."""
    app = BrowseApp(store, query)

    async def play() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await steps(app, pilot)
            await pilot.press("ctrl+q")
            await pilot.pause()

    asyncio.run(play())
    return app


def prompts(app: BrowseApp, list_id: str) -> list[str]:
    options = app.query_one(list_id, OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


def pane(app: BrowseApp) -> str:
    return str(app.query_one("#pane", Static).render())


@pytest.mark.slow
def test_search_as_you_type_open_follow_and_come_back(store: Store, handbook: Handbook) -> None:
    seen: dict[str, object] = {}

    async def steps(app: BrowseApp, pilot: Pilot[None]) -> None:
        await pilot.press(*"soleimani")
        await pilot.pause(TYPED)
        seen["results"] = prompts(app, "#results")
        seen["beside"] = pane(app)  # the highlighted result, shown as the keys are typed
        await pilot.press("enter")  # open it: focus goes to its links
        await pilot.pause()
        seen["links"] = prompts(app, "#links")
        await pilot.press("enter")  # follow the first link
        await pilot.pause()
        seen["followed"] = app.current.id if app.current else None
        await pilot.press("escape")  # back
        await pilot.pause()
        seen["back"] = app.current.id if app.current else None

    app = drive(store, steps)
    assert app.return_code == 0
    assert str(seen["results"][0]).startswith("Qassem Soleimani  (figure")  # type: ignore[index]
    assert str(seen["beside"]).startswith("Qassem Soleimani (figure: soleimani)")
    assert seen["links"][0] == "commanded: Quds Force  (actor)"  # type: ignore[index]
    assert seen["followed"] == "quds-force" and seen["back"] == "soleimani"
    soleimani = handbook.get("soleimani")
    assert soleimani is not None and soleimani.summary in str(seen["beside"])


@pytest.mark.slow
def test_the_timeline_and_the_relation_tree(store: Store, handbook: Handbook) -> None:
    seen: dict[str, list[str]] = {}

    async def steps(app: BrowseApp, pilot: Pilot[None]) -> None:
        await pilot.press("ctrl+t")
        await pilot.pause()
        seen["timeline"] = prompts(app, "#links")
        await pilot.press("escape", "ctrl+f", *"iran", "enter", "ctrl+r")
        await pilot.pause()
        seen["tree"] = prompts(app, "#links")
        await pilot.press("enter")
        await pilot.pause()
        seen["opened"] = [app.current.id if app.current else ""]

    drive(store, steps)
    dated = [entry for entry in handbook.entries if entry.kind in ("fact", "event") and entry.date]
    assert [line.split()[0] for line in seen["timeline"]] == sorted(entry.date or "" for entry in dated)
    assert "member of" in seen["tree"] and "  4+1" in seen["tree"]  # a type, its entries under it
    assert any(line.startswith("    ") for line in seen["tree"])  # and two steps out
    assert seen["opened"] != ["iran"]


@pytest.mark.slow
def test_nothing_found_says_so(store: Store) -> None:
    seen: list[str] = []

    async def steps(app: BrowseApp, pilot: Pilot[None]) -> None:
        await pilot.press(*"zzqx")
        await pilot.pause(TYPED)
        seen.extend(prompts(app, "#results"))

    drive(store, steps)
    assert len(seen) == 1 and seen[0].startswith("no entry matches")


def test_a_readers_layered_handbook_and_text_that_looks_like_markup(tmp_path: Path) -> None:
    notes = tmp_path / "notes.yaml"
    notes.write_text(
        "format: 1\ntitle: Notes\nbase: bundled\nterms:\n"
        "  - {id: odd, title: '[bold red]Odd[/] term', summary: 'Says [link=x]this[/link].', related: [iran],"
        " source: [legacy]}\n",
        encoding="utf-8",
    )
    store = open_store([str(notes)])  # as the command opens it: the shipped handbook, the notes on it
    seen: dict[str, object] = {}

    async def steps(app: BrowseApp, pilot: Pilot[None]) -> None:
        await pilot.pause()
        seen["pane"] = pane(app)
        seen["links"] = prompts(app, "#links")

    try:
        drive(store, steps, query="odd term")
    finally:
        store.close()
    assert str(seen["pane"]).startswith("[bold red]Odd[/] term (term: odd)")
    assert "Says [link=x]this[/link]." in str(seen["pane"])
    assert seen["links"] == ["related: Iran  (actor)"]


def test_the_query_given_on_the_command_line_is_in_the_search_box(store: Store) -> None:
    seen: list[str] = []

    async def steps(app: BrowseApp, pilot: Pilot[None]) -> None:
        seen.append(app.query_one("#search", Input).value)
        seen.extend(prompts(app, "#results")[:1])

    drive(store, steps, query="quds")
    assert seen[0] == "quds" and seen[1].startswith("Quds Force")


@pytest.mark.slow
def test_in_a_real_terminal(coalition_bin: str, tmp_path: Path) -> None:
    done = tmp_path / "exit-code"
    command = f"{shlex.quote(coalition_bin)} browse; echo $? > {shlex.quote(str(done))}"
    terminal = Tmux(f"sh -c {shlex.quote(command)}", clean_env(TERM="xterm-256color"), columns=110, rows=32)
    try:
        terminal.wait_for(lambda screen: "Search the handbook" in screen and "Quit" in screen)
        terminal.type("soleimani")
        terminal.wait_for(lambda screen: "Qassem Soleimani (figure: soleimani)" in screen)
        terminal.send("Enter")
        terminal.wait_for(lambda screen: "commanded: Quds Force" in screen)
        # The links are drawn before they take the focus: an Enter sent in between went to the
        # results list on a loaded machine (a CI run failed so), so the screen must settle first.
        terminal.wait_until_still()
        terminal.send("Enter")
        terminal.wait_for(lambda screen: "Quds Force (actor: quds-force)" in screen)
        terminal.send("C-q")
        deadline = 15.0
        while not done.exists() and deadline > 0:
            asyncio.run(asyncio.sleep(0.05))
            deadline -= 0.05
        assert done.read_text().strip() == "0"
    finally:
        terminal.close()


def test_without_a_terminal_it_says_so(invoke: Invoke) -> None:
    result = invoke("browse")
    assert result.exit_code == 2 and result.stderr.startswith("coalition: browse needs a terminal")


@pytest.mark.parametrize(
    "args", [["show", "iran"], ["search", "airspace"], ["related", "iran"], ["compare", "russia", "iran"], ["--help"]]
)
def test_no_other_command_imports_textual(args: list[str]) -> None:
    code = "import sys; from coalition_cli.__main__ import main\ntry: main()\nexcept SystemExit: pass\n"
    code += "print('textual' in sys.modules, file=sys.stderr)"
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=clean_env(), check=False
    )
    assert done.stderr.strip().splitlines()[-1] == "False"


@pytest.mark.slow
def test_enter_before_the_pause_searches_what_is_typed(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The search box searches once typing pauses; Enter typed sooner opens the first result for
    the whole query, not for what was typed when the last search ran (here, nothing)."""
    monkeypatch.setattr(browse, "TYPING_PAUSE", 30.0)  # no pause comes before the Enter
    seen: dict[str, object] = {}

    async def steps(app: BrowseApp, pilot: Pilot[None]) -> None:
        await pilot.press(*"soleimani", "enter")
        await pilot.pause()
        seen["opened"] = app.current.id if app.current else None

    drive(store, steps)
    assert seen["opened"] == "soleimani"
