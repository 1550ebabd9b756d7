"""The dashboard in a real headless Chromium (Debian's package, driven by Playwright), against
`pacebot serve`'s WSGI stack on waitress, with the demo org loaded.

Skipped only where Chromium is absent and CI is not set; in CI a missing browser fails the run.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from tests.conftest import FixedClock, make_settings

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "dashboard"
IN_CI = os.environ.get("CI", "").lower() == "true"


def _need(condition: bool, why: str) -> None:
    if not condition:
        if IN_CI:
            pytest.fail(f"CI=true but {why}")
        pytest.skip(why)


class LiveServer:
    """`pacebot serve`'s WSGI front (build_server + waitress) in a thread; can be stopped and restarted."""

    def __init__(self, app):
        self.app, self.port, self.srv = app, 0, None

    def start(self) -> None:
        import waitress

        from bot.app import build_server

        self.front, _ = build_server(self.app, platforms=[])
        self.front.ready = True
        self.srv = waitress.create_server(self.front, host="127.0.0.1", port=self.port, threads=8)
        self.port = self.srv.effective_port
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        """waitress's own loop, turned by hand so that this thread alone closes its sockets."""
        from waitress import wasyncore

        while not self.stopping.is_set():
            wasyncore.loop(timeout=0.05, map=self.srv._map, count=1)
        wasyncore.close_all(self.srv._map)

    def stop(self) -> None:
        self.front.dashboard.stop()  # open event streams end
        self.srv.task_dispatcher.shutdown(timeout=5)  # requests in flight finish
        self.stopping.set()
        self.thread.join(timeout=5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    _need(Path(CHROMIUM).exists(), f"{CHROMIUM} is not installed (apt-get install chromium fonts-noto-cjk)")
    from bot.app import App
    from bot.store.db import Database
    from bot.services.demo import load_demo

    path = tmp_path_factory.mktemp("web") / "pacebot.db"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    settings = make_settings(PACEBOT_DATABASE_URL=db.url)
    clock = FixedClock()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PACEBOT_WEB_POLL_SECONDS", "0.2")
        env.setenv("PACEBOT_WEB_STREAM_SECONDS", "60")
        app = App(settings, db=db, clock=clock)
        load_demo(app)
        server = LiveServer(app)
        server.start()
        env.setenv("PACEBOT_PUBLIC_URL", server.url)
        # Another App on the same database, as a platform adapter's or the console's process would be.
        from adapters.console.adapter import ConsoleAdapter

        other = App(settings, db=db, clock=clock)
        server.console = lambda user: ConsoleAdapter(other, user, out=io.StringIO())
        yield server
        server.stop()
    db.dispose()


@pytest.fixture(scope="module")
def browser():
    _need(Path(CHROMIUM).exists(), f"{CHROMIUM} is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need(False, "the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run"])
        yield chromium
        chromium.close()


def chat(live, user: str, text: str) -> str:
    """What the bot answered, as raw chat markdown (the first link in it)."""
    from bot.chat.messages import Incoming

    replies = live.app.handle(Incoming("console", user, text, f"dm-{user}"))
    return re.search(r"http\S+", "\n".join(r.text for r in replies)).group(0)


def test_board_shows_demo_data_and_celebrates_a_deal_without_reload(live, browser):
    from playwright.sync_api import expect

    link = chat(live, "demo-manager-1", "大屏")
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(link)
    expect(page.locator("#month li")).to_have_count(6)
    expect(page.locator("#month")).to_contain_text("张伟")
    expect(page.locator(".ticker")).to_contain_text("¥")
    expect(page.locator("#live")).to_have_class(re.compile(r"\bon\b"))
    page.evaluate("window.__notReloaded = true")
    live.console("demo-rep-2").say("成交 12万 字节跳动")  # 王芳, logged by another App
    overlay = page.locator("#celebrate")
    expect(overlay).to_be_visible(timeout=4000)
    expect(overlay).to_contain_text("¥120,000")
    expect(overlay).to_contain_text("王芳")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "board-celebration-zh.png"))
    expect(page.locator("#ticker")).to_contain_text("字节跳动")
    assert page.evaluate("window.__notReloaded") is True

    # The server restarts: the page keeps its last state, reconnects, and catches up on what it missed.
    live.stop()
    expect(page.locator("#live")).to_have_class(re.compile(r"\boff\b"), timeout=5000)
    expect(page.locator("#month")).to_contain_text("张伟")
    overlay.click()  # dismiss the first celebration
    live.console("demo-rep-5").say("成交 9万 网易")  # 陈静, while the server is down
    live.start()
    expect(overlay).to_contain_text("陈静", timeout=8000)
    expect(page.locator("#ticker")).to_contain_text("网易")
    assert page.evaluate("window.__notReloaded") is True
    page.close()


@pytest.mark.parametrize("theme", ["dark", "light"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_board_screenshots_in_both_themes_and_languages(live, browser, theme, lang):
    from playwright.sync_api import expect

    link = chat(live, "demo-manager-1", "board")
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(f"{link}?theme={theme}&lang={lang}")
    expect(page.locator("h2").first).to_contain_text("今日" if lang == "zh" else "Today")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert (background == "rgb(13, 17, 23)") == (theme == "dark")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"board-{theme}-{lang}.png"))
    page.close()


def test_chinese_renders_as_characters_not_boxes(live, browser):
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout \
        if shutil.which("fc-list") else ""
    _need("CJK" in fonts or IN_CI, "no CJK font installed (apt-get install fonts-noto-cjk)")
    assert "CJK" in fonts, "fonts-noto-cjk must be installed"
    page = browser.new_page()
    page.goto(chat(live, "demo-manager-1", "board") + "?lang=zh")
    # Real glyphs differ from one another and are full width; missing-glyph boxes are all alike.
    result = page.evaluate("""() => {
        const font = getComputedStyle(document.querySelector('h1')).fontFamily;
        const draw = (ch) => { const c = document.createElement('canvas'); c.width = c.height = 64;
            const g = c.getContext('2d'); g.font = '48px ' + font; g.fillText(ch, 4, 52);
            return Array.from(g.getImageData(0, 0, 64, 64).data).join(','); };
        const g = document.createElement('canvas').getContext('2d'); g.font = '48px ' + font;
        return {same: draw('张') === draw('伟'), width: g.measureText('销').width, latin: g.measureText('i').width};
    }""")
    assert not result["same"] and result["width"] > 40 > result["latin"]
    page.close()


def test_manager_link_opens_their_team_and_cannot_be_reused_or_forged(live, browser):
    from playwright.sync_api import expect

    link = chat(live, "demo-manager-2", "dashboard")
    context = browser.new_context()
    page = context.new_page()
    page.goto(link)
    page.click("#sign-in")
    expect(page.locator("h1")).to_contain_text("Global Accounts")
    expect(page.locator("#team-table")).to_contain_text("Alice Chen")
    page.click("a[data-sort=name]")  # sorting is a server round trip
    names = page.locator("#team-table tbody tr td:first-child").all_inner_texts()
    assert names == sorted(names, reverse=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "team-en.png"), full_page=True)
    page.click("text=Alice Chen")
    expect(page.locator("#funnel")).to_contain_text("dials")
    page.screenshot(path=str(ARTIFACTS / "rep-en.png"), full_page=True)
    assert page.locator("svg rect.dialed").count() > 10
    response = page.goto(f"{live.url}/team/1")
    assert response.status == 403
    context.close()

    other = browser.new_context()
    page = other.new_page()
    page.goto(link)
    page.click("#sign-in")
    expect(page.locator("h1")).to_contain_text("already used")
    forged = re.sub(r"t=[^.]+", "t=eyJuIjoiYWJjIiwicCI6MX0", link)
    page.goto(forged)
    page.click("#sign-in")
    expect(page.locator("h1")).to_contain_text("not valid")
    assert page.goto(f"{live.url}/team/2").status == 401
    other.close()
