"""The Gradio chat: the answer highlighted inside its passage, numbered citations to expand, honest abstentions.

Everything a document brings (its title, section names, passages) is shown as inert text: HTML-escaped, and the
characters Markdown acts on written as character references, so that a title cannot become a heading, a link or
an image in someone else's chat.
"""


import asyncio
import html
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from index.formats import SUFFIXES
from qa.errors import QAError
from qa.pipeline import AskResult, Pipeline
from ui.auth import SESSION_COOKIE, SIGN_IN_FIRST, AdminGate, AdminRefused
from ui.schemas import REFUSAL

# The first screen's examples, each with what it shows (an answer holding these words, or None: a refusal);
# tests/test_chat.py checks every one against the shipped reader.
EXAMPLES = [
    ("Who was indicted in 2020?", "Maduro"),
    ("How much is the reward for Maduro's arrest?", "$50 million"),
    ("Who is the U.S. Defense Secretary?", "Pete Hegseth"),
    ("What did Hegseth say about military strikes?", "nothing is off the table"),
    ("When will the covert operations start?", None),
]
MARKDOWN_SPECIALS = {c: f"&#{ord(c)};" for c in "\\`*_{}[]()#+-.!|~>:"}
SIGN_IN = """async (token) => {
  const reply = await fetch("/admin/session", {method: "POST", headers: {"Authorization": "Bearer " + token}});
  if (reply.ok) { return ["", "Signed in: choose a file and press Add."]; }
  if (reply.status === 401) { return ["", "⚠️ That is not the administrator's token."]; }
  const body = await reply.json().catch(() => ({}));
  return ["", "⚠️ " + (body.detail || "Signing in did not work; try again.")];
}"""

Turns = list[tuple[str, str]]
log = logging.getLogger("qa.chat")


def inert(text: str) -> str:
    """``text`` shown as itself in the chat's Markdown and HTML: escaped, one line."""
    escaped = html.escape(" ".join(text.split()) if "\n" in text else text, quote=True)
    return "".join(MARKDOWN_SPECIALS.get(c, c) for c in escaped)


def render(result: AskResult) -> str:
    """Markdown/HTML for one reply: the answer (or the refusal), then the cited passages."""
    answer = result.answer
    lines = []
    if answer is None:
        lines.append(f"**{REFUSAL}** No passage answers this question. The closest ones, for you to check:")
    else:
        lines.append(f"**{inert(answer.text)}** [1]")
    if result.readings:  # "Reading “he” as “Raymond Oyelaran” and “it” as “a gravel track”."
        read = " and ".join(f"“{inert(words)}” as “{inert(meant)}”" for words, meant in result.readings)
        lines.append(f"<small>Reading {read}.</small>")
    elif result.read_as:
        lines.append(f"<small>Read as: “{inert(result.read_as)}”.</small>")
    for number, citation in enumerate(result.citations, start=1):
        passage = citation.passage
        where = f", page {citation.page}" if citation.page else f", {inert(citation.section)}" if citation.section else ""
        if answer is not None and passage.passage_id == answer.passage_id:
            before = passage.text[: answer.start - passage.start]
            after = passage.text[answer.end - passage.start :]
            body = f"{inert(before)}<mark>{inert(answer.text)}</mark>{inert(after)}"
        else:
            body = inert(passage.text)
        opened = " open" if number == 1 and answer is not None else ""
        # an answer's passages are its citations, numbered; a refusal's are only the closest passages
        label, kind = (f"[{number}]", "citation") if answer is not None else ("closest passage:", "closest")
        lines.append(
            f'<details{opened} class="{kind}"><summary>{label} {inert(citation.doc_title or passage.doc_id)} — '
            f"{inert(passage.doc_id)}{where}, characters {passage.start}–{passage.end}</summary>"
            f"<blockquote>{body}</blockquote></details>"
        )
    return "\n\n".join(lines)


def documents_markdown(pipeline: Pipeline) -> str:
    """The loaded documents, a line each: title, id and format."""
    lines = [f"- **{inert(d.title)}** — {inert(d.doc_id)} ({d.format})" for d in pipeline.documents.values()]
    return f"**{len(lines)} document(s) loaded**\n\n" + "\n".join(lines)


def in_upload_folder(path: str) -> bool:
    """Whether ``path`` is a file Gradio received from a browser (its upload folder), not any file of the server."""
    from gradio.utils import get_upload_folder

    folder = Path(get_upload_folder()).resolve()
    resolved = Path(path).resolve()
    return resolved.is_file() and resolved.is_relative_to(folder)


def build_chat(get_pipeline: Callable[[], Pipeline], run: Callable[..., Awaitable], changes, gate: AdminGate, *,
               delete_cache: tuple[int, int] | None = None):
    """Build the Blocks (cheap): the chat, and beside it the loaded documents and, when document changes are on,
    a form to add one (applied by ``changes``). The pipeline is fetched per message from the running app, and
    ``run`` calls it on the server's pipeline thread. The conversation is kept as data, ``(role, text)`` turns, beside what is shown."""
    import gradio as gr

    async def reply(message: str, history: list[dict], turns: Turns) -> tuple[str, Turns]:
        # two turns an exchange shown: an exchange undone or retried in the chat is gone from the conversation too
        turns = list(turns or [])[: 2 * sum(shown["role"] == "user" for shown in history)]
        try:
            result = await run(get_pipeline().ask, message, history=turns)
        except QAError as exc:
            return f"⚠️ {inert(str(exc))}", [*turns, ("user", ""), ("assistant", "")]  # shown, so kept in step
        except Exception:  # the traceback to the log; the person gets a sentence, and the conversation stays in step
            log.exception("the chat could not answer")
            return ("⚠️ Something went wrong answering this; it has been logged.",
                    [*turns, ("user", ""), ("assistant", "")])
        answered = result.answer.text if result.answer else ""
        # the question as it was read ("What did Pete Hegseth say?"), so that the next one can refer back to it
        return render(result), [*turns, ("user", result.read_as if result.readings else message), ("assistant", answered)]

    def listed() -> str:
        return documents_markdown(get_pipeline())

    async def add(path: str | None, request: gr.Request, progress=gr.Progress()) -> tuple[str, str]:
        try:
            gate.check(session=request.cookies.get(SESSION_COOKIE) if request else None)
        except AdminRefused as refused:
            return f"⚠️ {SIGN_IN_FIRST if refused.status == 401 else inert(refused.detail)}", listed()
        if not path:
            return "Choose a file first.", listed()
        if not in_upload_folder(path):
            return "⚠️ Only a file sent from this page can be added.", listed()
        try:
            data = await asyncio.to_thread(Path(path).read_bytes)
            # as POST /documents does (ui.app.DocumentChanges): questions go on meanwhile
            added = await changes.add(Path(path).name, data, lambda stage: progress(None, desc=stage))
        except QAError as exc:
            return f"⚠️ {inert(str(exc))}", listed()
        finally:
            Path(path).unlink(missing_ok=True)  # Gradio's copy: the document is in the seeds folder now
        return f"Added **{inert(added.title)}** ({inert(added.doc_id)}); ask away.", listed()

    with gr.Blocks(title="Ask the documents", analytics_enabled=False, delete_cache=delete_cache) as blocks:
        turns = gr.State([])
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.ChatInterface(
                    reply,
                    title="Ask the documents",
                    description="Answers are exact quotes from the documents, highlighted in their passage, with "
                    "numbered citations. When the documents don't say, the chat says so.",
                    # None for the conversation: Gradio then shows them in the chat and asks one on a click (any
                    # other value puts them in a table under it that only fills the text box)
                    examples=[[question, None] for question, _ in EXAMPLES],
                    run_examples_on_click=True,
                    cache_examples=False,
                    flagging_mode="never",
                    analytics_enabled=False,
                    additional_inputs=[turns],
                    additional_outputs=[turns],
                    chatbot=gr.Chatbot(height=520, sanitize_html=True, label="Answers"),
                    textbox=gr.Textbox(placeholder="Ask a question about the documents…", max_length=500,
                                       submit_btn=True, label="Question", elem_id="question"),
                )
                chat.chatbot.clear(lambda: [], None, turns)  # a new conversation
            with gr.Column(scale=1, min_width=240):
                documents = gr.Markdown(elem_id="documents")
                if gate.enabled:
                    with gr.Accordion("Add a document", open=False, elem_id="add-document"):
                        token = gr.Textbox(label="Administrator token", type="password", elem_id="token")
                        sign_in = gr.Button("Sign in", elem_id="sign-in")
                        upload = gr.File(label="A .txt, .md, .html, .pdf or .docx file", type="filepath",
                                         file_types=list(SUFFIXES), elem_id="upload")
                        send = gr.Button("Add", elem_id="add")
                        status = gr.Markdown(elem_id="upload-status")
                    # in the browser only: the token goes to /admin/session, never through Gradio's queue
                    sign_in.click(None, [token], [token, status], js=SIGN_IN)
                    send.click(add, [upload], [status, documents])
        blocks.load(listed, None, documents)
    return blocks
