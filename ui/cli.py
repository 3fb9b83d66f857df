"""The ``qa`` command: ``index``, ``add``, ``remove``, ``ask``, ``search``, ``eval``, ``data``, ``train``, ``serve``.
Each command is a thin face over ``qa``."""

from __future__ import annotations

import json
import re
import socket
import sys
from pathlib import Path

import click

from qa.errors import QAError


def _settings():
    import tomllib

    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from qa.settings import SETTINGS_FILE, Settings, settings_problem

    try:
        return Settings()
    except ValidationError as exc:
        raise InputError(settings_problem(exc)) from None
    except SettingsError as exc:  # a QA_* variable that is not the JSON a list setting needs
        field = re.search(r'field "(\w+)"', str(exc))
        name = f"QA_{field[1].upper()}" if field else "A list setting"
        raise InputError(f"Setting {name}: not JSON; a list setting takes JSON, such as "
                         "'[\"https://example.org\"]'.") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{SETTINGS_FILE.name} is not valid TOML: {exc}.") from None


def _pipeline():
    from qa.pipeline import Pipeline

    pipeline = Pipeline.from_settings(_settings())
    loaded = pipeline.library.snapshot.loaded
    _report_skipped(loaded)
    if loaded.action != "reused":  # a first or repaired index takes a while: say why
        click.echo(_index_line(loaded), err=True)
    return pipeline


def _index_line(loaded) -> str:
    """What was done to the index and why: "Index rebuilt (…): 9 passages"."""
    return f"Index {loaded.action} ({loaded.reason}): {loaded.index.manifest.passages} passages"


def _library():
    from qa.library import DocumentLibrary

    return DocumentLibrary.from_settings(_settings())


class InputError(click.ClickException):
    """A project error shown as one line; exit code 2, as for click's own usage errors."""

    exit_code = 2


class _Group(click.Group):
    """Turn the project's own errors into a one-line message and exit code 2, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except QAError as exc:
            raise InputError(str(exc)) from None
        except (FileExistsError, NotADirectoryError) as exc:  # a setting or an option naming a file, not a folder
            raise InputError(f"{exc.filename} is a file where a folder is expected.") from None
        except OSError as exc:  # a folder it may not write to, a full disk
            raise InputError(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc)) from None


@click.group(cls=_Group)
def main() -> None:
    """Strictly extractive question answering over the documents in seeds/."""
    from qa.settings import quiet_libraries

    quiet_libraries()


RAY_HELP = ("On a Ray cluster: at ADDRESS (host:port of its head, or 'auto'), or a local one started for the run "
            "when no ADDRESS is given (default: QA_RAY_ADDRESS). Needs the cluster extra: pip install -e .[cluster].")


@main.command("index")
@click.option("--force", is_flag=True, help="Rebuild even if the stored index is current.")
@click.option("--ray", "ray_address", is_flag=False, flag_value="local", default=None, metavar="[ADDRESS]",
              help=RAY_HELP + " Always a full build.")
@click.option("--workers", type=click.IntRange(1, 1024), default=2, show_default=True,
              help="With --ray: workers embedding passages, each loading the encoder once.")
def index_command(force: bool, ray_address: str | None, workers: int) -> None:
    """Build or refresh the passage index and report what was done."""
    from qa.library import load_configured_index

    settings = _settings()
    if ray_address or settings.ray_address:
        _index_on_ray(settings, ray_address or settings.ray_address, workers)
        return
    loaded, _ = load_configured_index(settings, force=force)
    _report_skipped(loaded)
    manifest = loaded.index.manifest
    click.echo(
        f"Index {loaded.action} ({loaded.reason}): {manifest.documents} document(s), {manifest.passages} passages, "
        f"model {manifest.model}, {manifest.dimension}-d {manifest.index_kind} FAISS index in {settings.store_dir}."
    )


def _index_on_ray(settings, address: str, workers: int) -> None:
    import time

    from index.documents import DOCUMENT_SUFFIXES
    from index.embedder import SentenceEmbedder
    from index.store import write_index

    ray = _ray()
    ray.init(address=None if address == "local" else address, include_dashboard=False, ignore_reinit_error=True)
    from index.distributed import build_index_on_ray

    started = time.perf_counter()
    files = sorted(p for p in settings.seeds_dir.iterdir() if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES)
    index, skipped = build_index_on_ray(files, settings.model, workers=workers, limits=settings.document_limits,
                                        approximate_from=settings.approximate_search_from)
    for item in skipped:
        click.echo(f"Skipped {item.source}: {item.reason}", err=True)
    write_index(index, settings.store_dir, SentenceEmbedder(settings.model))
    manifest = index.manifest
    click.echo(f"Index built on Ray with {workers} worker(s) in {time.perf_counter() - started:.1f} s: "
               f"{manifest.documents} document(s), {manifest.passages} passages in {settings.store_dir}.")


def _ray():
    try:
        import ray
    except ImportError:
        raise InputError("Ray is not installed: pip install -e '.[cluster]' "
                         "(or serve without --ray: make serve).") from None
    return ray


def _report_skipped(loaded) -> None:
    for skipped in loaded.skipped:
        click.echo(f"Skipped {skipped.source}: {skipped.reason}", err=True)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def add(files: tuple[Path, ...]) -> None:
    """Add documents (.txt, .md, .html, .pdf, .docx): copied into the seeds folder and indexed beside the others,
    without rebuilding the index. A running server sees them after a restart (or add them with POST /documents)."""
    library = _library()
    failed = 0
    for path in files:
        try:
            document = library.add(path.name, path.read_bytes(), progress=lambda stage: click.echo(stage, err=True))
        except QAError as exc:
            click.echo(f"Not added: {exc}", err=True)
            failed += 1
            continue
        click.echo(f"Added {path.name} as {document.doc_id!r}: {document.title}")
    library.close()
    if failed:
        raise InputError(f"{failed} of {len(files)} file(s) could not be added.")


@main.command()
@click.argument("doc_id")
def remove(doc_id: str) -> None:
    """Remove a document: its file leaves the seeds folder and its passages the index."""
    document = _library().remove(doc_id)
    click.echo(f"Removed {doc_id!r} ({document.source or document.title}).")


@main.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON document that POST /ask returns.")
@click.option("--top-k", type=click.IntRange(1, 20), default=None, help="Cited passages to show.")
def ask(question: str, as_json: bool, top_k: int | None) -> None:
    """Answer QUESTION with a verbatim span and its citation, or say the documents don't answer it."""
    from ui.schemas import ask_response

    pipeline = _pipeline()
    payload = ask_response(pipeline.ask(question, top_k=top_k))
    if as_json:
        click.echo(payload.model_dump_json(indent=2))
        return
    click.echo(payload.message if payload.answer is None else f"Answer: {payload.answer.text}")
    for evidence in payload.evidence[: 1 if payload.answer else len(payload.evidence)]:
        where = f", page {evidence.page}" if evidence.page else f", {evidence.section}" if evidence.section else ""
        click.echo(f"[{evidence.citation}] {evidence.doc_title} ({evidence.doc_id}{where}, characters "
                   f"{evidence.start}-{evidence.end})")
        click.echo(f"    {evidence.text}")


@main.command()
@click.argument("query")
@click.option("-k", type=click.IntRange(1, 50), default=5, help="How many passages.")
def search(query: str, k: int) -> None:
    """Print the passages ranked for QUERY, without reading an answer."""
    from ui.schemas import evidence_out

    for evidence in evidence_out(_pipeline().search(query, k)):
        click.echo(f"[{evidence.citation}] {evidence.score:.4f} {evidence.passage_id}: {evidence.text}")


@main.command("eval")
@click.argument("gold")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("eval-out"), show_default=True)
@click.option("--documents-from-gold", is_flag=True,
              help="GOLD is SQuAD v2.0 JSON: index its own articles (in OUT/store, reused by later runs) and ask "
                   "every question against them. seeds/ and its index are not touched. Implied for a set's name.")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The folder holding the SQuAD files a set's name is cut from (default: QA_DATA_DIR, ../shared/data).")
@click.option("--documents", "documents_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="Answer from these documents beside the seeds (indexed in OUT/store).")
@click.option("--calibrate", is_flag=True,
              help="Write the best-F1 threshold that refuses <= 5% of answerable questions into qa.toml (from the "
                   "tune half when GOLD has one).")
@click.option("--squad-json", type=click.Path(dir_okay=False, path_type=Path), help="Also write GOLD as SQuAD v2.0 JSON.")
def eval_command(gold: str, out: Path, documents_from_gold: bool, data_dir: Path | None, documents_dir: Path | None,
                 calibrate: bool, squad_json: Path | None) -> None:
    """Evaluate on GOLD: SQuAD v2 EM/F1, hit@k, MRR, abstention, latency.

    GOLD is a file (project JSONL, dialogs JSONL, or SQuAD v2.0 JSON) or the name of a SQuAD set cut from the data
    folder: dev-heldout, dev-validation, squad2-heldout, squad1-heldout (and the training sets). Dialogs are asked
    turn by turn with the conversation so far; their report gives first turns and follow-ups apart.
    """
    from index.documents import load_documents
    from qa.datasets import SETS, squad_set
    from qa.dialogs import dialog_metrics, dialog_report, is_dialog_file, load_dialogs, run_dialogs
    from qa.evaluate import metrics, per_article, run
    from qa.gold import load_gold, load_squad_corpus, squad_corpus, to_squad
    from qa.pipeline import Pipeline
    from qa.report import metrics_table, write_report

    settings = _settings()
    if Path(gold).is_file() and is_dialog_file(Path(gold)):
        extra = load_documents(settings.seeds_dir) + (load_documents(documents_dir) if documents_dir else [])
        settings = settings.model_copy(update={"store_dir": out / "store"})
        pipeline = Pipeline.from_settings(settings, documents=extra)
        results = run_dialogs(pipeline, load_dialogs(Path(gold)), progress=sys.stderr.isatty())
        click.echo(dialog_report(dialog_metrics(results), results, out))
        click.echo(f"Wrote metrics.json, turns.jsonl and report.md to {out}/")
        return
    if gold in SETS:
        corpus, documents_from_gold = squad_corpus(squad_set(gold, data_dir or settings.data_dir), gold), True
    elif Path(gold).is_file():
        corpus = load_squad_corpus(Path(gold)) if documents_from_gold else None
    else:
        raise click.BadParameter(f"neither a file nor a set's name ({', '.join(SETS)}).", param_hint="GOLD")
    if corpus is not None:
        items = corpus.items
        settings = settings.model_copy(update={"store_dir": out / "store"})
        click.echo(f"Indexing the {len(corpus.documents)} article(s) of {Path(gold).name} in {settings.store_dir}/ …",
                   err=True)
        pipeline = Pipeline.from_settings(settings, documents=corpus.documents)
    elif documents_dir is not None:
        items = load_gold(Path(gold))
        documents = load_documents(settings.seeds_dir) + load_documents(documents_dir)
        settings = settings.model_copy(update={"store_dir": out / "store"})
        pipeline = Pipeline.from_settings(settings, documents=documents)
    else:
        items = load_gold(Path(gold))
        pipeline = Pipeline.from_settings(settings)
    results = run(pipeline, items, progress=sys.stderr.isatty())
    overall = metrics(results)
    columns = {"all": overall}
    tuned = [r for r in results if not r.item.held_out]
    held = [r for r in results if r.item.held_out]
    if tuned and held and not documents_from_gold:
        columns |= {"tune half": metrics(tuned), "held-out half": metrics(held)}
    articles = per_article(results) if documents_from_gold else None
    write_report(results, overall, out, columns, articles, gold=gold,
                 threshold=pipeline.settings.no_answer_threshold)
    if squad_json:
        documents = {doc_id: d.text for doc_id, d in pipeline.documents.items()}
        squad_json.write_text(json.dumps(to_squad(items, documents), ensure_ascii=False, indent=1), encoding="utf-8")
    click.echo(metrics_table(overall, columns))
    click.echo(f"Wrote metrics.json, predictions.json, na_probs.json, report.md and no_answer.png to {out}/")
    if calibrate:  # from the tune half when there is one, so the held-out half stays an honest check
        _write_threshold(columns.get("tune half", overall)["calibrated_thresh"])


@main.group()
def data() -> None:
    """The SQuAD files `qa train` and `qa eval` read (never kept in the repository)."""


@data.command("download")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write them (default: QA_DATA_DIR, ../shared/data).")
@click.option("--from", "base_url", default=None, metavar="URL",
              help="Fetch train-v2.0.json, train-v1.1.json and dev-v2.0.json from URL/ instead of SQuAD's site.")
def data_download(data_dir: Path | None, base_url: str | None) -> None:
    """Fetch the official SQuAD files, check their SHA-256, and write the three files the sets are cut from."""
    from qa.datasets import OFFICIAL_URL, download

    target = data_dir or _settings().data_dir
    url = OFFICIAL_URL if base_url is None else base_url.rstrip("/") + "/"
    for path in download(target, base_url=url):
        click.echo(f"Wrote {path}")


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the reader (default: the configured reader folder, models/reader).")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The folder holding the SQuAD files (default: QA_DATA_DIR, ../shared/data).")
@click.option("--epochs", type=click.IntRange(1, 20), default=1, show_default=True)
@click.option("--learning-rate", type=float, default=1e-4, show_default=True)
@click.option("--seed", type=int, default=13, show_default=True)
@click.option("--limit", type=click.IntRange(1), default=None,
              help="Train on LIMIT questions drawn from the SQuAD 2.0 articles and seed sets only (a quick trial).")
@click.option("--window-questions", default="all", show_default=True, metavar="N|all",
              help="Questions drawn from SQuAD v1.1's 428 training articles, read in windows (0: none, a quick "
                   "trial; all: 82,264).")
@click.option("--measure-articles", type=click.IntRange(1), default=None,
              help="Measure only the first N articles of each validation and held-out set (a quick trial).")
@click.option("--no-measure", is_flag=True, help="Skip choosing the threshold and measuring the held-out articles.")
@click.option("--measure-only", is_flag=True,
              help="Do not train: choose the decision and threshold of the reader in --out again and measure it.")
@click.option("--technical", is_flag=True,
              help="Also train on the technical documents' train questions (gold/technical/train.jsonl; the "
                   "documents are fetched as bench.real_documents --collection technical fetches them).")
@click.option("--paragraph-epochs", type=click.IntRange(0, 10), default=0, show_default=True,
              help="Then a second pass at a lower learning rate: the SQuAD 2.0 training articles' questions, each read "
                   "on the paragraph it was written on (0: none).")
def train(out: Path | None, data_dir: Path | None, epochs: int, learning_rate: float, seed: int, limit: int | None,
          window_questions: str, measure_articles: int | None, no_measure: bool, measure_only: bool,
          technical: bool, paragraph_epochs: int) -> None:
    """Rebuild the reader from SQuAD and gold/tuned/: fine-tune, export to ONNX, choose when to refuse, measure it,
    write its card.

    The shipped reader's run took about 4.6 hours on 2 CPU cores; an interrupted run resumes from its checkpoint
    when started again with the same options. With the default --out, the threshold is also written to qa.toml.
    """
    from train.fit import Hyperparameters
    from train.run import TrainingRun, measure_reader, train_reader

    if window_questions == "all":
        questions = None
    elif window_questions.isdigit():
        questions = int(window_questions)
    else:
        raise click.BadParameter("a number of questions or 'all'.", param_hint="--window-questions")
    if measure_only and no_measure:
        raise click.UsageError("--measure-only and --no-measure exclude each other.")
    settings = _settings()
    target = out or settings.reader_model
    data = data_dir or settings.data_dir
    if measure_only:
        if not (target / "card.json").is_file():
            raise click.UsageError(f"{target} holds no reader trained by `qa train` (no card.json) to measure again.")
        card = measure_reader(target, data)
        click.echo(f"Reader in {target}/ measured again (model card: {target / 'README.md'}).")
    else:
        hyperparameters = Hyperparameters(epochs=epochs, learning_rate=learning_rate, seed=seed)
        # Progress bars even in a log file: an hours-long run in the background should say how far it has got.
        card = train_reader(TrainingRun(target, data, hyperparameters, limit=limit, window_questions=questions,
                                        measure=not no_measure, measure_limit=measure_articles, progress=True,
                                        technical=technical, paragraph_epochs=paragraph_epochs))
        click.echo(f"Reader written to {target}/ in {card['minutes']} minutes (model card: {target / 'README.md'}).")
    if "threshold" in card:
        for name in ("dev-heldout", "squad2-heldout", "squad1-heldout"):
            held = card[name]["all"]
            click.echo(f"{name}: F1 {held['f1']} (refusing everything: {held['refuse_all_f1']}), HasAns F1 "
                       f"{held['HasAns_f1']}, unanswerable refused {held['NoAns_exact']}%, answerable wrongly "
                       f"refused {held['wrongly_refused']}%, cited top-3 {held['hit@3']}%.")
        if out is None:
            _write_threshold(card["threshold"])


def _write_threshold(threshold: float) -> None:
    from qa.settings import SETTINGS_FILE

    lines = []
    if SETTINGS_FILE.exists():
        lines = [l for l in SETTINGS_FILE.read_text(encoding="utf-8").splitlines() if not l.startswith("no_answer_threshold")]
    lines.append(f"no_answer_threshold = {threshold:.4f}")
    SETTINGS_FILE.write_text("\n".join(lines) + "\n", encoding="utf-8")
    click.echo(f"Calibrated: no_answer_threshold = {threshold:.4f} written to {SETTINGS_FILE.name}.")


@main.command()
@click.option("--host", default=None, help="Interface to bind (default: QA_HOST, 127.0.0.1); keep 127.0.0.1 unless "
                                           "behind a proxy.")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port (default: QA_PORT, 8000).")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="uvicorn worker processes (default: QA_SERVE_WORKERS, 1).")
@click.option("--access-log/--no-access-log", default=True, show_default=True,
              help="Log a line per request. It is written before the response is sent: about 0.2 ms a request "
                   "(docs/performance.md); behind a proxy that logs requests, turn it off.")
@click.option("--ray", "ray_address", is_flag=False, flag_value="local", default=None, metavar="[ADDRESS]",
              help=RAY_HELP)
@click.option("--replicas", type=click.IntRange(1, 256), default=2, show_default=True,
              help="With --ray: replicas of the JSON endpoint (the least, with --max-replicas).")
@click.option("--max-replicas", type=click.IntRange(1, 1024), default=None,
              help="With --ray: scale the replicas between --replicas and this with the load.")
def serve(host: str | None, port: int | None, workers: int | None, access_log: bool, ray_address: str | None,
          replicas: int, max_replicas: int | None) -> None:
    """Serve the JSON endpoint (/ask, /search, /docs) and the chat (/ui), building the index on first run."""
    import uvicorn

    from qa.library import load_configured_index
    from qa.reader import SpanModel
    from qa.settings import for_server

    settings = _settings()
    host, port = host or settings.host, port or settings.port
    workers = workers or settings.serve_workers
    ray_address = ray_address or settings.ray_address
    if ray_address:
        _ray()
        from ui.cluster import serve_on_ray

        settings = settings.model_copy(update={"host": host, "port": port})
        click.echo(f"Serving on Ray ({'a local cluster' if ray_address == 'local' else ray_address}): {replicas} "
                   f"replica(s). Chat: http://{host}:{port}/ui")
        serve_on_ray(settings, None if ray_address == "local" else ray_address, replicas, max_replicas,
                     access_log=access_log)
        return
    SpanModel(settings.reader_model).load()  # a missing or damaged reader stops here, in one line
    click.echo("Checking the index (the first run builds it: embeddings, parses, an ONNX copy of the model) …")
    loaded, _ = load_configured_index(settings)
    _report_skipped(loaded)
    click.echo(f"{_index_line(loaded)}. Chat: http://{host}:{port}/ui")
    for_server(host, port, workers)  # the settings every worker process reads
    if workers == 1:
        uvicorn.run("ui.app:create_app", factory=True, host=host, port=port, log_level="info", access_log=access_log)
        return
    # uvicorn's supervisor binds the shared socket with protocol 0, so asyncio never sets TCP_NODELAY on the
    # connections it accepts and every keep-alive request waits for a delayed ACK (Kludex/uvicorn#3149; measured
    # here: /health 2.8 ms with 1 worker, 44 ms with 2). So the socket is bound here, as a TCP socket.
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config("ui.app:create_app", factory=True, host=host, port=port, workers=workers, log_level="info",
                            access_log=access_log)
    try:
        listener = _tcp_listener(host, port)
    except OSError as exc:
        raise click.ClickException(f"Cannot listen on {host}:{port}: {exc.strerror or exc}.") from None
    Multiprocess(config, sockets=[listener]).run()


def _tcp_listener(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.set_inheritable(True)
    return listener


if __name__ == "__main__":
    main()
