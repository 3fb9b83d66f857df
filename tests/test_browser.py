"""The chat in a real headless Debian chromium: highlighted answer, citation, follow-up, abstention.

Every wait is on something the page shows (a reply, a mark, a status line); the deadlines are generous because
a loaded machine answers slowly, not because anything sleeps."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(browser, server):
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(server + "/ui/", wait_until="load")  # until Gradio has loaded, a page that reloads itself
    page.get_by_role("textbox").wait_for(timeout=180_000)
    yield page
    page.close()


def send(page, question: str, expected_replies: int):
    box = page.get_by_role("textbox")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(
        f"document.querySelectorAll('[data-testid=\"bot\"]').length >= {expected_replies}", timeout=180_000
    )
    reply = page.locator('[data-testid="bot"]').nth(expected_replies - 1)
    reply.locator("details").first.wait_for(timeout=180_000)
    return reply


def test_chat_answers_highlights_cites_follows_up_and_abstains(page, server):
    reply = send(page, "How much is the reward for Maduro's arrest?", 1)
    assert reply.locator("mark").inner_text() == "$50 million"
    citation = reply.locator("summary").first.inner_text()
    assert citation.startswith("[1] U.S. Escalates Pressure") and "characters 2352–2752" in citation

    first = send(page, "Who is the U.S. Defense Secretary?", 2)
    follow_up = send(page, "What did he say the designation would open?", 3)
    assert "Reading “he” as “Pete Hegseth”" in follow_up.inner_text()
    # The chat must pass the conversation on: its follow-up answer is what the API gives with that history.
    history = [
        {"role": "user", "content": "Who is the U.S. Defense Secretary?"},
        {"role": "assistant", "content": first.locator("mark").inner_text()},
    ]
    api = httpx.post(server + "/ask", json={"question": "What did he say the designation would open?",
                                           "history": history}).json()
    assert api["answer"] is not None and follow_up.locator("mark").inner_text() == api["answer"]["text"]
    assert "Hegseth" in follow_up.locator("blockquote").first.inner_text()

    abstention = send(page, "What is the capital of France?", 4)
    assert "The documents don't say." in abstention.inner_text()
    assert abstention.locator("mark").count() == 0


def test_an_example_is_asked_on_a_click_and_an_undone_exchange_leaves_the_conversation(browser, server):
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    try:
        page.goto(server + "/ui/", wait_until="load")
        page.get_by_role("textbox").wait_for(timeout=180_000)
        page.get_by_text("Who is the U.S. Defense Secretary?").click()  # an example: asked, not only typed
        page.locator('[data-testid="bot"] mark').first.wait_for(timeout=180_000)
        assert page.locator('[data-testid="bot"] mark').first.inner_text() == "Pete Hegseth"
        send(page, "Who was indicted in 2020?", 2)
        page.get_by_role("button", name="Undo").click()
        page.wait_for_function("document.querySelectorAll('[data-testid=\"bot\"]').length === 1", timeout=180_000)
        follow_up = send(page, "What did he say the designation would open?", 2)
        assert "Reading “he” as “Pete Hegseth”" in follow_up.inner_text()  # not the undone answer's Cabello
    finally:
        page.close()


BAKERY = """# Riverside Bakery

## Opening hours

The bakery opens at 7 am on weekdays and at 8 am on Sundays.

## Bread

The sourdough loaf costs 4 euros.
"""


def test_a_document_uploaded_in_the_chat_is_listed_and_answered(browser, admin, tmp_path):
    from tests.conftest import ADMIN_TOKEN

    _, url, _ = admin
    upload = tmp_path / "riverside-bakery.md"
    upload.write_text(BAKERY, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    try:
        page.goto(url + "/ui/", wait_until="load")
        question = page.locator("#question textarea")
        question.wait_for(timeout=180_000)
        documents = page.locator("#documents")
        documents.get_by_text("us-pressure-on-maduro-cartel-de-los-soles").wait_for(timeout=180_000)
        page.get_by_text("Add a document").click()
        page.locator("#token input").fill(ADMIN_TOKEN)
        page.locator("#sign-in").click()
        page.locator("#upload-status").get_by_text("Signed in").wait_for(timeout=180_000)
        assert page.locator("#token input").input_value() == ""  # the token is not kept in the page
        page.locator("#upload input[type=file]").set_input_files(str(upload))
        page.locator("#upload").get_by_text("riverside-bakery.md").first.wait_for(timeout=180_000)
        page.locator("#add").click()
        page.locator("#upload-status").get_by_text("Added").wait_for(timeout=180_000)
        stored = page.evaluate("JSON.stringify(Object.assign({}, localStorage, sessionStorage))")
        assert ADMIN_TOKEN not in stored and ADMIN_TOKEN not in page.content()
        documents.get_by_text("riverside-bakery").wait_for(timeout=60_000)
        question.fill("How much does the sourdough loaf cost?")
        question.press("Enter")
        reply = page.locator('[data-testid="bot"]').first
        reply.locator("mark").wait_for(timeout=180_000)
        assert reply.locator("mark").inner_text() == "4 euros"
        assert "Riverside Bakery" in reply.locator("summary").first.inner_text()
    finally:
        page.close()
    listed = httpx.get(url + "/documents", timeout=30).json()["documents"]
    assert "riverside-bakery" in {d["doc_id"] for d in listed}
    removed = httpx.delete(url + "/documents/riverside-bakery", timeout=30,  # the server is shared with other tests
                           headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert removed.status_code == 200
