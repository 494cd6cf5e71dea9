"""The stakeholder map in a real browser: Debian's headless Chromium driven by Playwright.

The real app runs under uvicorn on a free localhost port over the scored demo; the key is
typed into the page's form (a ``?key=`` link is redirected away without it), the graph
is read back through ``window.tielineMap`` (the Cytoscape handle the page exposes), a
node is clicked with the mouse and the screenshot lands in ``test-artifacts/``. Any
request to somewhere other than the app fails the test: the page must work offline, and
any Content-Security-Policy violation (a console error) fails it too. Without Chromium
(``/usr/bin/chromium``) or Playwright the tests skip with the reason; under CI (``$CI``
set) they fail instead.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests.api.test_web import build_demo
from tieline.api import create_app
from tieline.store import facts
from tieline.store import repository as repo
from tieline.store.db import make_engine, make_session_factory

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-quic"]  # fmt: skip


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"the browser tests need it in CI: {reason}")
    pytest.skip(reason)


@dataclass
class Site:
    base: str
    key: str
    ids: dict[str, int]
    initech_people: dict[int, str]  # their people, by id


@pytest.fixture(scope="module")
def site(scored_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    import uvicorn

    settings, key, ids = build_demo(scored_demo, tmp_path_factory.mktemp("browser") / "demo.db")
    engine = make_engine(settings.database_url)
    with make_session_factory(engine)() as session:
        ws = repo.get_workspace_id(session, settings.workspace)
        rows = facts.people(session, workspace_id=ws, account_ids=[ids["Initech"]])
        theirs = {r.id: r.name for r in rows if not r.internal and not r.automated}
    engine.dispose()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # the server takes the bound socket: no race for the port
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(settings), log_level="warning", ws="none", lifespan="on", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)
    yield Site(f"http://127.0.0.1:{port}", key, ids, theirs)
    server.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is missing (pip install -e '.[test]')")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, timeout=60_000)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, site: Site) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    outside: list[str] = []
    errors: list[str] = []

    def only_the_app(route: Any) -> None:
        if route.request.url.startswith(site.base + "/") or route.request.url.startswith("data:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_app)
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield pg
    context.close()
    assert not outside, f"the page asked for something outside the app: {outside}"
    assert not errors, errors


def test_stakeholder_map_of_initech(page: Any, site: Site) -> None:
    initech = site.ids["Initech"]
    response = page.goto(f"{site.base}/accounts/{initech}?key={site.key}")
    assert "key=" not in page.url  # redirected without it: a key never sits in a URL
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    _enter_key(page, site.key)
    page.wait_for_function("() => window.tielineMap && window.tielineMap.ready")

    drawn = page.evaluate(
        """() => {
          const cy = window.tielineMap.cy;
          const w = cy.width(), h = cy.height();
          return cy.nodes('.person').map(n => {
            const b = n.renderedBoundingBox();
            return {id: n.data('person'), label: n.data('label'), colour: n.data('colour'),
                    side: n.hasClass('us') ? 'us' : 'them', departed: n.hasClass('departed'),
                    dark: n.hasClass('dark'), border: n.style('border-style'),
                    x: n.renderedPosition('x'),
                    inside: b.x1 >= 0 && b.y1 >= 0 && b.x2 <= w && b.y2 <= h};
          });
        }"""
    )
    by_id = {n["id"]: n for n in drawn}
    theirs = {i for i, n in by_id.items() if n["side"] == "them"}
    ours = {i for i, n in by_id.items() if n["side"] == "us"}
    assert theirs == set(site.initech_people)  # every person of Initech is on the map
    assert ours, "our people are drawn too"
    assert all(n["inside"] for n in drawn), "every node is within the visible canvas"
    assert max(by_id[i]["x"] for i in ours) < min(by_id[i]["x"] for i in theirs)  # us | them
    edges = page.evaluate("() => window.tielineMap.cy.edges().length")
    assert edges >= len(theirs)

    laura = next(i for i, name in site.initech_people.items() if name == "Laura Benson")
    assert by_id[laura]["departed"] and by_id[laura]["border"] == "dashed"
    assert "departed" in by_id[laura]["label"]
    assert all(not n["departed"] for i, n in by_id.items() if i != laura)
    flags = page.locator("#flags").inner_text()
    assert "departed champion" in flags

    # A real click on the node: its rendered position inside the graph's container.
    at = page.evaluate(
        """(id) => {
          const n = window.tielineMap.cy.$id('p' + id), r = n.renderedPosition();
          const box = document.querySelector('#cy').getBoundingClientRect();
          return {x: box.left + r.x, y: box.top + r.y};
        }""",
        laura,
    )
    page.mouse.click(at["x"], at["y"])
    page.wait_for_selector("#components .bar-row")
    assert page.evaluate("() => window.tielineMap.selected") == laura
    assert page.locator("#panel-name").inner_text() == "Laura Benson"
    node = next(n for n in page.evaluate("() => window.tielineMap.data.nodes") if n["id"] == laura)
    assert page.locator("#components .bar-row").count() == len(node["components"]) > 0
    assert page.locator("#panel-last-contact").inner_text() == node["last_contact"][:10]
    assert page.locator("#panel-open-items").inner_text().startswith(str(node["open_items"]))
    assert page.locator("#panel-sentiment").inner_text() not in ("", "—")
    assert "departed champion" in page.locator("#panel").inner_text()

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "stakeholder-map-initech.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def _enter_key(page: Any, key: str) -> None:
    page.wait_for_selector("#key-form:not([hidden])")
    page.fill("#key-input", key)
    page.click("#key-form button[type=submit]")


def test_accounts_page_sorts_and_links_to_maps(page: Any, site: Site) -> None:
    page.goto(f"{site.base}/")
    _enter_key(page, site.key)
    page.wait_for_selector("#accounts tbody tr")
    names = page.locator("#accounts tbody tr td:first-child a")
    assert names.first.inner_text() == "Globex"  # weakest health first
    assert "gone dark" in page.locator("#accounts tbody tr").first.inner_text()
    page.locator("#accounts th[data-key='health']").click()  # now strongest first
    assert names.first.inner_text() == "Acme Logistics"
    page.locator("#accounts th[data-key='name']").click()
    assert names.all_inner_texts() == sorted(names.all_inner_texts())
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "accounts-demo.png"), full_page=True)
    page.get_by_role("link", name="Initech").click()
    page.wait_for_function("() => window.tielineMap && window.tielineMap.ready")
    assert page.url.endswith(f"/accounts/{site.ids['Initech']}")


def test_the_page_asks_for_a_key_when_it_has_none(page: Any, site: Site) -> None:
    page.goto(f"{site.base}/accounts/{site.ids['Initech']}")
    page.wait_for_selector("#key-form:not([hidden])")
    assert page.locator("#cy").count() == 0
    page.fill("#key-input", site.key)
    page.click("#key-form button[type=submit]")
    page.wait_for_function("() => window.tielineMap && window.tielineMap.ready")
    assert page.locator("#key-form").is_hidden()


def test_api_docs_render_offline(page: Any, site: Site) -> None:
    """Swagger UI comes from the app itself (the fixture fails any other request) and
    runs under its Content-Security-Policy without a violation."""
    response = page.goto(f"{site.base}/docs")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Tieline" in page.locator(".swagger-ui .info .title").inner_text()
    page.wait_for_selector("#operations-accounts-list_accounts_v1_accounts_get, .opblock")
