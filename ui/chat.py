"""The Gradio chat: the answer highlighted inside its passage, numbered citations to expand, honest abstentions."""

from __future__ import annotations

import html
import os
from collections.abc import Awaitable, Callable

from index.errors import QAError
from qa.pipeline import Pipeline, Response

EXAMPLES = [
    "Who was indicted in 2020?",
    "How much is the reward for Maduro's arrest?",
    "Who is the U.S. Defense Secretary?",
    "What did he say about military strikes?",
    "Who won the July 2024 election?",
]
ABSTENTION = "The article doesn't say."


def render(response: Response, pipeline: Pipeline) -> str:
    """Markdown/HTML for one reply. The first line is the bare answer, which follow-up questions reuse."""
    answer = response.answer
    lines = []
    if answer is None:
        lines.append(f"**{ABSTENTION}** I found no passage that answers this question; the closest passages were:")
    else:
        lines.append(f"**{html.escape(answer.text)}** [1]")
    for number, hit in enumerate(response.evidence, start=1):
        passage = hit.passage
        title = html.escape(pipeline.document(passage.doc_id).title)
        if answer is not None and passage.passage_id == answer.passage_id:
            before = passage.text[: answer.start - passage.start]
            after = passage.text[answer.end - passage.start :]
            body = f"{html.escape(before)}<mark>{html.escape(answer.text)}</mark>{html.escape(after)}"
        else:
            body = html.escape(passage.text)
        opened = " open" if number == 1 and answer is not None else ""
        lines.append(
            f'<details{opened} class="citation"><summary>[{number}] {title} — {passage.doc_id}, '
            f"characters {passage.start}–{passage.end}</summary><blockquote>{body}</blockquote></details>"
        )
    return "\n\n".join(lines)


def history_turns(history: list[dict]) -> list[tuple[str, str]]:
    """Gradio's message dicts -> ``(role, text)`` turns; an assistant turn keeps only its answer line.

    Gradio 6 sends ``content`` as a list of blocks (``[{"type": "text", "text": "…"}]``); older versions as a
    string. Both are accepted.
    """
    turns = []
    for message in history or []:
        role, content = message.get("role"), message.get("content")
        if isinstance(content, list):
            content = "".join(b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text")
        if not isinstance(content, str) or role not in ("user", "assistant"):
            continue
        if role == "assistant":
            first = content.split("\n", 1)[0]
            content = "" if first.startswith(f"**{ABSTENTION}") else html.unescape(first.removesuffix(" [1]").strip("*"))
        turns.append((role, content))
    return turns


def build_chat(get_pipeline: Callable[[], Pipeline], run: Callable[..., Awaitable]):
    """Build the Blocks (cheap). The pipeline is fetched per message from the running app, and ``run`` calls
    it on the server's pipeline thread."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    async def reply(message: str, history: list[dict]) -> str:
        pipeline = get_pipeline()
        try:
            response = await run(pipeline.ask, message, history=history_turns(history))
        except QAError as exc:
            return f"⚠️ {html.escape(str(exc))}"
        return render(response, pipeline)

    return gr.ChatInterface(
        reply,
        title="Ask the article",
        description="Answers are exact quotes from the documents, highlighted in their passage, with numbered "
        "citations. When the documents don't say, the chat says so.",
        examples=EXAMPLES,
        run_examples_on_click=True,
        cache_examples=False,
        flagging_mode="never",
        analytics_enabled=False,
        chatbot=gr.Chatbot(height=520, sanitize_html=True, label="Answers"),
        textbox=gr.Textbox(placeholder="Ask a question about the article…", max_length=500, submit_btn=True),
    )
