"""The Gradio chat: the answer highlighted inside its passage, numbered citations to expand, honest abstentions."""

from __future__ import annotations

import asyncio
import html
import os
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path

from qa.errors import QAError
from index.formats import SUFFIXES
from qa.pipeline import Pipeline, Response

EXAMPLES = [
    "Who was indicted in 2020?",
    "How much is the reward for Maduro's arrest?",
    "Who is the U.S. Defense Secretary?",
    "What did he say about military strikes?",
    "Who won the July 2024 election?",
]
ABSTENTION = "The article doesn't say."


def render(response: Response) -> str:
    """Markdown/HTML for one reply. The first line is the bare answer, which follow-up questions reuse."""
    answer, documents = response.answer, response.documents
    lines = []
    if answer is None:
        lines.append(f"**{ABSTENTION}** I found no passage that answers this question; the closest passages were:")
    else:
        lines.append(f"**{html.escape(answer.text)}** [1]")
    for number, hit in enumerate(response.evidence, start=1):
        passage = hit.passage
        document = documents.get(passage.doc_id)
        title = html.escape(document.title if document else passage.doc_id)
        where = ""
        if document is not None and (page := document.page_at(passage.start)) is not None:
            where = f", page {page}"
        elif document is not None and (section := document.section_at(passage.start)):
            where = f", {html.escape(section)}"
        if answer is not None and passage.passage_id == answer.passage_id:
            before = passage.text[: answer.start - passage.start]
            after = passage.text[answer.end - passage.start :]
            body = f"{html.escape(before)}<mark>{html.escape(answer.text)}</mark>{html.escape(after)}"
        else:
            body = html.escape(passage.text)
        opened = " open" if number == 1 and answer is not None else ""
        lines.append(
            f'<details{opened} class="citation"><summary>[{number}] {title} — {passage.doc_id}{where}, '
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


def documents_markdown(pipeline: Pipeline) -> str:
    """The loaded documents, a line each: title, id and format."""
    lines = [f"- **{html.escape(d.title)}** — `{d.doc_id}` ({d.format})" for d in pipeline.documents.values()]
    return f"**{len(lines)} document(s) loaded**\n\n" + "\n".join(lines)


def build_chat(get_pipeline: Callable[[], Pipeline], run: Callable[..., Awaitable], *, admin_token: str | None = None):
    """Build the Blocks (cheap): the chat, and beside it the loaded documents and, when uploads are on
    (``admin_token``), a form to add one. The pipeline is fetched per message from the running app, and ``run``
    calls it on the server's pipeline thread."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    async def reply(message: str, history: list[dict]) -> str:
        pipeline = get_pipeline()
        try:
            response = await run(pipeline.ask, message, history=history_turns(history))
        except QAError as exc:
            return f"⚠️ {html.escape(str(exc))}"
        return render(response)

    def listed() -> str:
        return documents_markdown(get_pipeline())

    async def add(path: str | None, token: str) -> tuple[str, str]:
        if not path:
            return "Choose a file first.", listed()
        if not token or not secrets.compare_digest(token.encode(), (admin_token or "").encode()):
            return "⚠️ That is not the administrator's token.", listed()
        pipeline = get_pipeline()
        try:
            data = await asyncio.to_thread(Path(path).read_bytes)
            added = await asyncio.to_thread(pipeline.add_document, Path(path).name, data)
        except QAError as exc:
            return f"⚠️ {html.escape(str(exc))}", listed()
        return f"Added **{html.escape(added.title)}** (`{added.doc_id}`); ask away.", listed()

    with gr.Blocks(title="Ask the documents", analytics_enabled=False) as blocks:
        with gr.Row():
            with gr.Column(scale=3):
                gr.ChatInterface(
                    reply,
                    title="Ask the documents",
                    description="Answers are exact quotes from the documents, highlighted in their passage, with "
                    "numbered citations. When the documents don't say, the chat says so.",
                    examples=EXAMPLES,
                    run_examples_on_click=True,
                    cache_examples=False,
                    flagging_mode="never",
                    analytics_enabled=False,
                    chatbot=gr.Chatbot(height=520, sanitize_html=True, label="Answers"),
                    textbox=gr.Textbox(placeholder="Ask a question about the documents…", max_length=500,
                                       submit_btn=True, label="Question", elem_id="question"),
                )
            with gr.Column(scale=1, min_width=240):
                documents = gr.Markdown(elem_id="documents")
                if admin_token:
                    with gr.Accordion("Add a document", open=False, elem_id="add-document"):
                        upload = gr.File(label="A .txt, .md, .html, .pdf or .docx file", type="filepath",
                                         file_types=list(SUFFIXES), elem_id="upload")
                        token = gr.Textbox(label="Administrator token", type="password", elem_id="token")
                        send = gr.Button("Add", elem_id="add")
                        status = gr.Markdown(elem_id="upload-status")
                    send.click(add, [upload, token], [status, documents])
        blocks.load(listed, None, documents)
    return blocks
