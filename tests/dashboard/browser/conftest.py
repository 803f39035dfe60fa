"""What the browser tests share: a page open with its charts drawn and settled."""
from __future__ import annotations

from typing import Any, Callable

import pytest

from tests.fixtures.dashboard.browser_pages import settle

TIMEOUT = 30_000  # ms


@pytest.fixture()
def migration_page(chromium: Any, module_dashboard_url: str) -> Any:
    """`open(init=None)`: /migration at 1366 px in a context of its own, its five charts settled; `init`, a
    script run before the page's own. Every context opened is closed after the test."""
    contexts: list[Any] = []

    def open_page(init: str | None = None) -> Any:
        context = chromium.new_context(viewport={"width": 1366, "height": 900})
        context.set_default_timeout(TIMEOUT)
        contexts.append(context)
        page = context.new_page()
        if init:
            page.add_init_script(init)
        page.goto(module_dashboard_url + "/migration")
        settle(page, 5)
        return page

    opener: Callable[..., Any] = open_page
    yield opener
    for context in contexts:
        context.close()
