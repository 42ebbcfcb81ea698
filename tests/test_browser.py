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
        page = browser.new_page(viewport={"width": 1280, "height": 900},
                                permissions=["clipboard-read", "clipboard-write"])
        page.set_default_timeout(TIMEOUT_MS)
        page.dialogs = []
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        page.goto(demo.local_url)
        page.wait_for_selector("#question textarea")
        page.browser_ = browser
        page.url_ = demo.local_url
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


def tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def ask(page, question: str):
    tab(page, "Chat")
    before = bot_messages(page).count()
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    return wait_for_reply(page, before)


def upload(page, path: Path) -> str:
    from playwright.sync_api import expect

    tab(page, "Articles")
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
    assert card.locator("p").is_visible()  # card [1] starts open
    assert "Jawlani" in card.locator("p mark").inner_text()


def test_citation_link_opens_its_card_and_previews_it(page):
    reply = ask(page, "How many towns did the rebels capture?")
    links = reply.locator("a.qa-cite")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert "#source-1" in hrefs
    n = max(int(h.rsplit("-", 1)[1]) for h in hrefs)
    card = reply.locator(f".qa-sources details.qa-card-{n}")
    if n > 1:
        assert not card.locator("p").is_visible()  # only card [1] starts open
    link = reply.locator(f'a.qa-cite[href="#source-{n}"]').first
    assert " — " in link.get_attribute("title")  # the hover preview: title · date — quote
    link.click()
    assert card.locator("p").is_visible()
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"


def test_copy_gives_clean_text_with_a_source_list(page):
    reply = ask(page, "Which group leads the rebel coalition?")
    reply.hover()
    page.locator('#chat button[aria-label="Copy message"]').last.click()
    text = page.evaluate("navigator.clipboard.readText()")
    assert text.startswith("Hayat Tahrir al-Sham [1]")
    assert "Sources:\n[1] " in text and ".txt" in text
    assert "<" not in text and "**" not in text and "&quot;" not in text


def test_read_the_article_opens_it_with_the_quote_highlighted(page):
    from playwright.sync_api import expect

    reply = ask(page, "Who is the leader of Hayat Tahrir al-Sham?")
    reply.locator(".qa-sources details.qa-card-1 a.qa-open").click()
    expect(page.locator("#viewer mark")).to_contain_text("Jawlani")
    assert len(page.locator("#viewer .qa-article").inner_text()) > 2000  # the whole article, not a passage
    import re

    table = page.locator("#articles_table").inner_text()
    assert len(re.findall(r"\.txt\b", table)) >= 5  # every article listed
    dates = re.findall(r"\b\d{4}-\d{2}-\d{2}\b", table)
    assert dates and dates == sorted(dates, reverse=True)  # newest first


def test_follow_up_question_uses_the_conversation(page):
    import re

    reply = ask(page, "What has he vowed to do?")
    assert "Damascus" in reply.inner_text()
    assert re.search(r"Understood as: What has [\w ]*Jawlani vowed to do\?", reply.inner_text())


def test_a_follow_up_chain_shows_how_it_was_understood(page):
    ask(page, "Which group leads the rebel coalition?")
    reply = ask(page, "Who leads it?")
    text = reply.inner_text()
    assert "Understood as: Who leads Hayat Tahrir al-Sham?" in text
    assert "Jawlani" in text.splitlines()[0]


def test_refused_question_keeps_its_text_and_empty_sends_do_nothing(page):
    question = "谁是哈亚特·塔赫里尔·沙姆的领导人？"
    reply = ask(page, question)
    assert "English" in reply.inner_text()
    assert page.input_value("#question textarea") == question  # kept, to fix and resend
    page.fill("#question textarea", "   ")
    before = page.locator("#chat .message-row").count()
    page.press("#question textarea", "Enter")
    page.wait_for_timeout(500)
    assert page.locator("#chat .message-row").count() == before


def test_dark_theme_highlight_is_readable(page):
    dark = page.browser_.new_page(viewport={"width": 390, "height": 844})
    try:
        dark.goto(page.url_ + "?__theme=dark")
        dark.wait_for_selector("#question textarea")
        for first_screen in (dark.locator("#question textarea"),  # phone: the input and the examples
                             dark.get_by_text("Which group leads the rebel coalition?", exact=True)):
            box = first_screen.bounding_box()
            assert box and box["y"] + box["height"] <= 844, box
        ratio = dark.evaluate(CONTRAST_OF_A_MARK)
        assert ratio >= 4.5, ratio
    finally:
        dark.close()


CONTRAST_OF_A_MARK = """() => {
  const m = document.createElement("mark"); m.textContent = "Hama";
  document.querySelector("#chat").appendChild(m);
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => { const [r, g, b] = rgb(c).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                       return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const st = getComputedStyle(m); const a = lum(st.color), b = lum(st.backgroundColor);
  m.remove();
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def test_clear_then_click_an_example(page):
    from playwright.sync_api import expect

    tab(page, "Chat")
    page.click("#clear")
    expect(bot_messages(page)).to_have_count(0)
    page.get_by_text("Which group leads the rebel coalition?", exact=True).click()
    reply = wait_for_reply(page, 0)
    assert "Hayat Tahrir al-Sham" in reply.locator("p").first.inner_text()
    assert reply.locator(".qa-sources details.qa-card-1 p").is_visible()  # card [1] open in the screenshot
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))


def test_upload_an_article_and_ask_about_it(page, tmp_path):
    from playwright.sync_api import expect

    tab(page, "Articles")
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
    assert reply.locator(".qa-sources details.qa-card-1 p").is_visible()  # card [1], with the article text, is open
    text = reply.inner_text()
    assert "Mira Kovacs" in text
    assert '<img src=x onerror="window.__pwned=1">' in text  # shown as text, not run
    assert "<script>window.__pwned=2</script>" in text  # the title, in the card
    chat = page.locator("#chat")
    assert chat.locator("img[onerror], script, a[href^='javascript']").count() == 0
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.dialogs == []


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width, height", [(1280, 900), (390, 844)])
def test_no_serious_accessibility_violations(page, theme, width, height):
    """axe-core (WCAG 2.1 AA rules) on the chat with an answer, and on the articles tab."""
    axe_mod = pytest.importorskip("axe_playwright_python.sync_playwright", reason="pip install -e '.[dev]'")
    view = page.browser_.new_page(viewport={"width": width, "height": height})
    try:
        view.goto(page.url_ + f"?__theme={theme}")
        view.wait_for_selector("#question textarea")
        view.fill("#question textarea", "How far are the rebels from Hama?")
        view.press("#question textarea", "Enter")
        view.wait_for_selector('#chat [data-testid="bot"] .qa-sources')
        label = view.locator('#chat [data-testid="bot"]').last.get_attribute("aria-label")
        assert label.startswith("Reply: ") and "<" not in label and "**" not in label  # a plain-text name
        assert view.locator("h1").count() == 1
        shot = {("light", 390): "screenshot-phone.png", ("dark", 1280): "screenshot-dark.png"}.get((theme, width))
        if shot:  # the README shows the page as it is
            view.wait_for_timeout(300)
            view.screenshot(path=str(SCREENSHOT.parent / shot))
        axe = axe_mod.Axe()
        for where in ("Chat", "Articles"):
            view.get_by_role("tab", name=where).click()
            view.wait_for_timeout(300)
            result = axe.run(view, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]}})
            bad = [(v["id"], [n["target"] for n in v["nodes"][:3]]) for v in result.response["violations"]
                   if v["impact"] in ("serious", "critical")]
            assert not bad, f"{where}, {theme}, {width}px: {bad}"
    finally:
        view.close()


def test_a_question_asked_during_an_upload_is_shown_and_answered(page, tmp_path):
    from playwright.sync_api import expect

    big = tmp_path / "harvest.txt"  # ~60 passages: a few seconds of indexing
    big.write_text("Harvest notes\n\n2025-07-01\n\n" + " ".join(
        f"In district {i} the growers planted {i * 7} rows of barley on the river plain." for i in range(700)))
    tab(page, "Articles")
    page.set_input_files("#upload input[type=file]", str(big))
    expect(page.locator("#upload")).to_contain_text(big.stem)
    page.click("#add")
    tab(page, "Chat")
    before = bot_messages(page).count()
    page.fill("#question textarea", "Who is the leader of Hayat Tahrir al-Sham?")
    page.press("#question textarea", "Enter")
    expect(page.locator('#chat [data-testid="user"]').last).to_contain_text("Hayat Tahrir al-Sham")  # shown at once
    reply = wait_for_reply(page, before)
    assert "Jawlani" in reply.inner_text()
    tab(page, "Articles")
    expect(page.locator("#upload_report")).to_contain_text("harvest.txt", timeout=120_000)
    tab(page, "Chat")
    expect(bot_messages(page).last).to_contain_text("can be asked about now", timeout=30_000)  # the chat notice


def test_retry_and_undo_and_the_reply_is_shown_from_its_first_line(page):
    from playwright.sync_api import expect

    tab(page, "Chat")
    page.click("#clear")
    ask(page, "Who is the leader of Hayat Tahrir al-Sham?")
    ask(page, "How many towns did the rebels capture?")
    page.wait_for_function("""() => {  // the new reply's first line comes into view (not its source cards)
      const msgs = document.querySelectorAll('#chat [data-testid="bot"]');
      const top = msgs[msgs.length - 1].getBoundingClientRect().top;
      const box = document.querySelector("#chat").getBoundingClientRect();
      return top >= box.top - 1 && top <= box.bottom - 20;
    }""", timeout=5000)
    page.locator('#chat button[aria-label="Retry"]').last.click()
    expect(bot_messages(page)).to_have_count(2)
    expect(bot_messages(page).last).to_contain_text("[1]")  # answered again
    page.locator('#chat button[aria-label="Undo"]').last.click()
    expect(bot_messages(page)).to_have_count(1)
    assert page.input_value("#question textarea") == "How many towns did the rebels capture?"  # back to edit
