"""The chat's rendering and its reading of Gradio's history, without a browser."""

from __future__ import annotations

import pytest

from ui.chat import ABSTENTION, history_turns, render


def gradio6(role: str, text: str) -> dict:
    """A message as Gradio 6 passes it to the chat function (captured from a real session)."""
    return {"role": role, "metadata": None, "content": [{"text": text, "type": "text"}], "options": None}


def test_history_from_gradio6_blocks_keeps_questions_and_answer_lines():
    history = [
        gradio6("user", "Who is the U.S. Defense Secretary?"),
        gradio6("assistant", "**Pete Hegseth** [1]\n\n<details><summary>[1] …</summary></details>"),
        gradio6("user", "What is the capital of France?"),
        gradio6("assistant", f"**{ABSTENTION}** I found no passage …"),
    ]
    assert history_turns(history) == [
        ("user", "Who is the U.S. Defense Secretary?"),
        ("assistant", "Pete Hegseth"),
        ("user", "What is the capital of France?"),
        ("assistant", ""),
    ]


def test_history_from_plain_strings_and_escaped_answers():
    history = [{"role": "user", "content": "Who?"}, {"role": "assistant", "content": "**AT&amp;T** [1]\n\nx"}]
    assert history_turns(history) == [("user", "Who?"), ("assistant", "AT&T")]


@pytest.mark.integration
def test_render_highlights_the_exact_span_and_escapes_html(pipeline):
    response = pipeline.ask("How much is the reward for Maduro's arrest?")
    html = render(response)
    assert html.startswith("**$50 million** [1]")
    assert "<mark>$50 million</mark>" in html
    assert html.count("<details") == len(response.evidence)


def test_chat_route_says_it_is_starting_until_gradio_has_loaded():
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from ui.http import LazyChat

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

    import ui.http
    from qa.settings import Settings
    from ui.http import LazyChat

    def broken(*args):
        raise ImportError("no gradio here")

    monkeypatch.setattr(ui.http, "_chat_app", broken)
    chat = LazyChat()

    async def load():
        async with AsyncExitStack() as stack:
            await chat._load(stack, lambda: None, None, Settings())

    asyncio.run(load())
    app = FastAPI()
    app.mount("/ui", chat)
    response = TestClient(app).get("/ui/")
    assert response.status_code == 503 and "retry-after" not in response.headers
    assert "failed to load" in response.text and "POST /ask" in response.text
