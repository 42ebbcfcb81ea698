"""The chat page driven as a person would, in a real (Debian) chromium through Playwright.

Needs ``/usr/bin/chromium`` (``apt-get install -y chromium``); skipped with the reason when it is
missing. Never ``playwright install``: that downloads a browser build.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = ROOT / "docs" / "screenshot.png"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 30_000

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")]
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium (never `playwright install`)",
                allow_module_level=True)
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HARBOUR = """<html><head><title>Harbour Festival &lt;script&gt;window.__pwned=2&lt;/script&gt; Opens</title>
<script>window.__pwned = 1;</script></head><body>
<p>2025-05-10</p>
<p>The Ostrava harbour festival was opened by the sailor Mira Kovacs &lt;img src=x onerror="window.__pwned=1"&gt;
on Saturday morning.</p>
<p>Tickets are sold <a href="javascript:window.__pwned=1">at the pier</a>
<img src=x onerror="window.__pwned=1"> until Sunday.</p>
<script>window.__pwned = 1;</script></body></html>
"""
LIGHTHOUSE = ("Lighthouse Restored\n\n2025-06-01\n\n"
              "The old Brevik lighthouse was restored by the carpenter Anneli Strand over three summers. "
              "It first shone again on Sunday night.\n")


@pytest.fixture(scope="module")
def page(tmp_path_factory, embedder):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e '.[dev]'")
    from test_app import start_server

    demo, _, _ = start_server(tmp_path_factory.mktemp("browser"), embedder)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(TIMEOUT_MS)
        page.dialogs = []
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        page.goto(demo.local_url)
        page.wait_for_selector("#question textarea")
        yield page
        browser.close()
    demo.close()


def bot_messages(page):
    return page.locator('#chat [data-testid="bot"]')


def wait_for_reply(page, before: int):
    """The newest bot message once there are ``before + 1`` of them."""
    from playwright.sync_api import expect

    expect(bot_messages(page)).to_have_count(before + 1)
    return bot_messages(page).last


def ask(page, question: str):
    before = bot_messages(page).count()
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    return wait_for_reply(page, before)


def upload(page, path: Path) -> str:
    from playwright.sync_api import expect

    page.set_input_files("#upload input[type=file]", str(path))
    expect(page.locator("#upload")).to_contain_text(path.stem)  # the file has reached the server
    page.click("#add")
    expect(page.locator("#upload_report")).to_contain_text(path.name)
    expect(page.locator("#upload")).not_to_contain_text(path.stem)  # the page has settled: input cleared
    return page.locator("#upload_report").inner_text()


def test_ask_a_question_and_read_the_sources(page):
    reply = ask(page, "Who is the leader of Hayat Tahrir al-Sham?")
    assert "Jawlani" in reply.locator("p").first.inner_text()
    assert "[1]" in reply.inner_text()
    assert "Jawlani" in reply.locator("mark").first.inner_text()  # the answer highlighted in its sentence
    card = reply.locator(".qa-sources details").first
    assert ".txt" in card.locator("summary").inner_text()
    assert not card.locator("p").is_visible()  # cards start folded
    card.locator("summary").click()
    assert "Jawlani" in card.locator("p mark").inner_text()


def test_follow_up_question_uses_the_conversation(page):
    reply = ask(page, "What has he vowed to do?")
    assert "Damascus" in reply.inner_text()


def test_bad_question_gets_a_message_not_a_crash(page):
    reply = ask(page, "谁是哈亚特·塔赫里尔·沙姆的领导人？")
    assert "English" in reply.inner_text()


def test_clear_then_click_an_example(page):
    from playwright.sync_api import expect

    page.click("#clear")
    expect(bot_messages(page)).to_have_count(0)
    page.get_by_text("Which group leads the rebel coalition?", exact=True).click()
    reply = wait_for_reply(page, 0)
    assert "Hayat Tahrir al-Sham" in reply.locator("p").first.inner_text()
    reply.locator(".qa-sources summary").first.click()
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))


def test_upload_an_article_and_ask_about_it(page, tmp_path):
    from playwright.sync_api import expect

    assert "5 articles" in page.locator("#status").inner_text()
    path = tmp_path / "lighthouse.txt"
    path.write_text(LIGHTHOUSE)
    assert "Added" in upload(page, path)
    expect(page.locator("#status")).to_contain_text("6 articles")
    reply = ask(page, "Who restored the Brevik lighthouse?")
    assert "Anneli Strand" in reply.locator("p").first.inner_text()
    assert "uploads/lighthouse.txt" in reply.locator(".qa-sources summary").first.inner_text()


def test_hostile_article_runs_nothing(page, tmp_path):
    path = tmp_path / "harbour.html"
    path.write_text(HARBOUR)
    assert "Added" in upload(page, path)
    reply = ask(page, "Who opened the Ostrava harbour festival?")
    reply.locator(".qa-sources summary").first.click()  # unfold the card with the article's text
    text = reply.inner_text()
    assert "Mira Kovacs" in text
    assert '<img src=x onerror="window.__pwned=1">' in text  # shown as text, not run
    assert "<script>window.__pwned=2</script>" in text  # the title, in the card
    chat = page.locator("#chat")
    assert chat.locator("img[onerror], script, a[href^='javascript']").count() == 0
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.dialogs == []
