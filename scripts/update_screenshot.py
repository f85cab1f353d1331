"""Write docs/browse.svg, the README's picture of `coalition browse`, from the real reader.

    python scripts/update_screenshot.py

Textual draws the screen headless at 110x32, after typing "soleimani" and opening the first
result, and exports it as SVG: the picture is what a reader sees, not a drawing of it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from coalition_cli.build.cache import open_store
from coalition_cli.terminal.browse import BrowseApp

ROOT = Path(__file__).resolve().parents[1]
PICTURE = ROOT / "docs" / "browse.svg"


async def screenshot() -> str:
    with open_store([None]) as store:
        app = BrowseApp(store)
        async with app.run_test(size=(110, 32)) as pilot:
            await pilot.pause()
            await pilot.press(*"soleimani")
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause(0.5)
            svg = app.export_screenshot(title="coalition browse")
            await pilot.press("ctrl+q")
    return svg


def main() -> int:
    PICTURE.parent.mkdir(exist_ok=True)
    PICTURE.write_text(asyncio.run(screenshot()), encoding="utf-8")
    print(f"wrote {PICTURE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
