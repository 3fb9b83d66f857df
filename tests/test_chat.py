"""The chat's rendering (document text shown as text, never as markup) and its loading, without a browser."""

from __future__ import annotations

import re

import pytest

from ui.chat import EXAMPLES, inert, render


def test_document_text_is_inert_in_markdown_and_html():
    hostile = "Report\n\n# Heading [click](https://evil.example) ![x](https://evil.example/t.png) <b>bold</b> *it*"
    shown = inert(hostile)
    assert "\n" not in shown
    bare = re.sub(r"&#?\w+;", "", shown)  # what is left besides character references
    for markup in ("#", "[", "]", "(", "!", "<", "*"):
        assert markup not in bare
    assert html_unescape(shown) == " ".join(hostile.split())  # the same words, shown as they are


def html_unescape(text: str) -> str:
    import html

    return html.unescape(text)


@pytest.mark.integration
def test_render_highlights_the_exact_span_and_escapes_html(pipeline):
    result = pipeline.ask("How much is the reward for Maduro's arrest?")
    html = render(result)
    assert html.startswith("**$50 million** [1]")
    assert "<mark>$50 million</mark>" in html
    assert html.count("<details") == len(result.citations)


def test_every_reading_of_a_follow_up_is_shown():
    from qa.pipeline import AskResult

    result = AskResult("How would he pay for it?", None, True, 1.0, [], "", None,
                       read_as="How would Oyelaran pay for a gravel track?",
                       readings=(("he", "Oyelaran"), ("it", "a gravel track")))
    assert "<small>Reading “he” as “Oyelaran” and “it” as “a gravel track”.</small>" in render(result)


def test_chat_route_says_it_is_starting_until_gradio_has_loaded():
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from ui.chat_mount import LazyChat

    app = FastAPI()
    app.mount("/ui", LazyChat())
    response = TestClient(app).get("/ui/")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "2"
    assert 'http-equiv="refresh"' in response.text and "POST /ask" in response.text


def test_chat_route_says_so_when_gradio_failed_to_load(monkeypatch):
    import asyncio
    from contextlib import AsyncExitStack

    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    import ui.chat_mount
    from qa.settings import Settings
    from ui.auth import AdminGate
    from ui.chat_mount import LazyChat

    def broken(*args):
        raise ImportError("no gradio here")

    monkeypatch.setattr(ui.chat_mount, "chat_app", broken)
    chat = LazyChat()

    async def load():
        async with AsyncExitStack() as stack:
            await chat._load(stack, lambda: None, None, None, Settings(), AdminGate(None))

    asyncio.run(load())
    app = FastAPI()
    app.mount("/ui", chat)
    response = TestClient(app).get("/ui/")
    assert response.status_code == 503 and "retry-after" not in response.headers
    assert "failed to load" in response.text and "POST /ask" in response.text


@pytest.mark.integration
@pytest.mark.parametrize(("question", "shows"), EXAMPLES)
def test_every_example_on_the_first_screen_shows_what_it_says(pipeline, question, shows):
    result = pipeline.ask(question)
    if shows is None:
        assert result.abstained and "The documents don't say." in render(result)
    else:
        assert result.answer is not None and shows in result.answer.text
