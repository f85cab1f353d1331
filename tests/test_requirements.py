"""Outside requirements skip with a reason for a stranger and fail in CI (COALITION_REQUIRE_*)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import helpers


def test_a_missing_article_skips_with_its_reason(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(helpers, "ARTICLE", tmp_path / "shared" / "source" / "article.md")
    monkeypatch.delenv("COALITION_REQUIRE_SOURCE", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"needs the source article at .*article\.md"):
        helpers.require_source()
    monkeypatch.setenv("COALITION_REQUIRE_SOURCE", "1")
    with pytest.raises(pytest.fail.Exception, match="COALITION_REQUIRE_SOURCE is set"):
        helpers.require_source()


def test_a_missing_tool_skips_with_its_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COALITION_REQUIRE_TOOLS", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"needs no-such-tool-here \(apt-get install"):
        helpers.require_tool("no-such-tool-here")
    monkeypatch.setenv("COALITION_REQUIRE_TOOLS", "1")
    with pytest.raises(pytest.fail.Exception, match="COALITION_REQUIRE_TOOLS is set"):
        helpers.require_tool("no-such-tool-here")


def test_a_present_article_is_read() -> None:
    assert helpers.require_source().startswith("# Understanding The Russia-Syria-Iran-Iraq Coalition")


def test_a_machine_that_cannot_run_a_test_skips_with_its_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COALITION_REQUIRE_TOOLS", raising=False)
    with pytest.raises(pytest.skip.Exception, match="needs two processors"):
        helpers.require_machine(False, "needs two processors")
    helpers.require_machine(True, "needs nothing")  # returns
    monkeypatch.setenv("COALITION_REQUIRE_TOOLS", "1")
    with pytest.raises(pytest.fail.Exception, match="COALITION_REQUIRE_TOOLS is set"):
        helpers.require_machine(False, "needs two processors")
