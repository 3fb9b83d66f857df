"""The chat in a real headless Debian chromium: highlighted answer, citation, follow-up, abstention."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(server + "/ui/", wait_until="load")  # until Gradio has loaded, a page that reloads itself
        page.get_by_role("textbox").wait_for(timeout=60_000)
        yield page
        browser.close()


def send(page, question: str, expected_replies: int):
    box = page.get_by_role("textbox")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(
        f"document.querySelectorAll('[data-testid=\"bot\"]').length >= {expected_replies}", timeout=60_000
    )
    reply = page.locator('[data-testid="bot"]').nth(expected_replies - 1)
    reply.locator("details").first.wait_for(timeout=60_000)
    return reply


def test_chat_answers_highlights_cites_follows_up_and_abstains(page, server):
    reply = send(page, "How much is the reward for Maduro's arrest?", 1)
    assert reply.locator("mark").inner_text() == "$50 million"
    citation = reply.locator("summary").first.inner_text()
    assert citation.startswith("[1] U.S. Escalates Pressure") and "characters 2352–2752" in citation

    first = send(page, "Who is the U.S. Defense Secretary?", 2)
    follow_up = send(page, "What did he say about military strikes?", 3)
    assert "Hegseth clarified" in follow_up.locator("blockquote").first.inner_text()
    # The chat must pass the conversation on: its follow-up answer is what the API gives with that history.
    history = [
        {"role": "user", "content": "Who is the U.S. Defense Secretary?"},
        {"role": "assistant", "content": first.locator("mark").inner_text()},
    ]
    api = httpx.post(server + "/ask", json={"question": "What did he say about military strikes?", "history": history})
    assert follow_up.locator("mark").inner_text() == api.json()["answer"]["text"]

    abstention = send(page, "What is the capital of France?", 4)
    assert "The article doesn't say." in abstention.inner_text()
    assert abstention.locator("mark").count() == 0
