"""The SQuAD sets the reader is trained, tuned and measured on, cut by article out of the files in a data folder.

Nothing of SQuAD lives in the repository: the files stay where they are (``--data DIR`` or ``QA_DATA_DIR``; on the
machines this project is built on, ``../shared/data``) and each named set below is made from them in memory,
always the same articles in the same order. Questions on one paragraph share its wording, so every set is cut by
article (one article, Spectre, by paragraph), never by question.

========================  ==========================================================  ===========================
set                        articles                                                    used for
========================  ==========================================================  ===========================
``squad2-train``           six SQuAD 2.0 training articles and Spectre (2015 film)     training
``squad2-heldout``         Zelda: Twilight Princess, To Kill a Mockingbird, Solar      measuring only
``dev-train``              16 of the 28 SQuAD 2.0 dev articles                         training
``dev-validation``         6 of them                                                   settings, the decision, the
                                                                                       threshold
``dev-heldout``            6 of them                                                   measuring only
``squad1-train``           428 SQuAD v1.1 training articles                            training (in windows)
``squad1-heldout``         Alaska, Armenia, Greece, University                         measuring only
========================  ==========================================================  ===========================

The dev articles were split once, before anything was trained on them:
``random.Random(44).sample(sorted(titles), 12)``, the first six held out, the next six for validation. SQuAD v1.1's
four held-out articles were drawn as ``sorted(random.Random(36).sample(range(432), 4))`` over the file's order.

Elsewhere, :func:`download` (``qa data download``) fetches the official SQuAD files, checks their SHA-256 and
writes the three files the sets are cut from: the first ten articles of SQuAD 2.0's training set, the other 432
of SQuAD v1.1's, and the 28 dev articles named in :data:`DEV_ARTICLES` (the dev set's other seven stay unseen).
Official files give official offsets and ids; the copies on the build machines were rebuilt from SQuAD's
explorer pages (the first occurrence of each answer), so a reader trained on either differs a little.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from qa.errors import QAError

SQUAD2_TRAIN_FILE = "squad2-train-10-articles.json"
SQUAD1_TRAIN_FILE = "squad-v1.1-train-432-articles.json.gz"
SQUAD2_DEV_FILE = "squad-v2.0-dev-28-articles.json.gz"

DEV_ARTICLES = (
    "1973_oil_crisis", "Amazon_rainforest", "Black_Death", "Civil_disobedience", "Ctenophora", "Economic_inequality",
    "European_Union_law", "Force", "French_and_Indian_War", "Fresno,_California", "Geology", "Harvard_University",
    "Huguenot", "Immune_system", "Imperialism", "Intergovernmental_Panel_on_Climate_Change", "Jacksonville,_Florida",
    "Oxygen", "Pharmacy", "Private_school", "Scottish_Parliament", "Sky_(United_Kingdom)", "Southern_California",
    "Steam_engine", "University_of_Chicago", "Victoria_(Australia)", "Warsaw", "Yuan_dynasty",
)
DEV_HELDOUT = ("Civil_disobedience", "Economic_inequality", "Immune_system", "Jacksonville,_Florida", "Oxygen",
               "Southern_California")
DEV_VALIDATION = ("1973_oil_crisis", "Force", "Fresno,_California", "Huguenot", "Scottish_Parliament", "Steam_engine")
SQUAD2_HELDOUT = ("The_Legend_of_Zelda:_Twilight_Princess", "To_Kill_a_Mockingbird", "Solar_energy")
SQUAD1_HELDOUT = ("Alaska", "Armenia", "Greece", "University")


class DataMissing(QAError):
    """A SQuAD file a set is made from is not in the data folder."""


@dataclass(frozen=True, slots=True)
class SquadSet:
    """Articles of one file in the data folder: those named in ``only``, or all but those in ``without``."""

    name: str
    file: str
    only: tuple[str, ...] = ()
    without: tuple[str, ...] = ()
    purpose: str = ""

    def keeps(self, title: str) -> bool:
        return title in self.only if self.only else title not in self.without


SETS = {s.name: s for s in (
    SquadSet("squad2-train", SQUAD2_TRAIN_FILE, without=SQUAD2_HELDOUT, purpose="training"),
    SquadSet("squad2-heldout", SQUAD2_TRAIN_FILE, only=SQUAD2_HELDOUT, purpose="measuring only"),
    SquadSet("dev-train", SQUAD2_DEV_FILE, without=DEV_HELDOUT + DEV_VALIDATION, purpose="training"),
    SquadSet("dev-validation", SQUAD2_DEV_FILE, only=DEV_VALIDATION, purpose="the decision and the threshold"),
    SquadSet("dev-heldout", SQUAD2_DEV_FILE, only=DEV_HELDOUT, purpose="measuring only"),
    SquadSet("squad1-train", SQUAD1_TRAIN_FILE, without=SQUAD1_HELDOUT, purpose="training (in windows)"),
    SquadSet("squad1-heldout", SQUAD1_TRAIN_FILE, only=SQUAD1_HELDOUT, purpose="measuring only"),
)}


def squad_set(name: str, data_dir: Path) -> dict:
    """The named set as SQuAD JSON (``{"version", "data": [articles]}``), its articles in the file's order.

    Raises:
        DataMissing: the file it is cut from is not in ``data_dir``.
        KeyError: no set has that name.
    """
    chosen = SETS[name]
    data = _load(data_dir / chosen.file)
    return {"version": data.get("version", "v2.0"), "data": [a for a in data["data"] if chosen.keeps(a["title"])]}


def file_digest(name: str, data_dir: Path) -> dict:
    """The file a set is cut from, with its SHA-256: what a model card records."""
    path = data_dir / SETS[name].file
    if not path.is_file():
        raise DataMissing(_missing(path))
    return {"set": name, "file": SETS[name].file, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


OFFICIAL_URL = "https://rajpurkar.github.io/SQuAD-explorer/dataset/"
# The official files' SHA-256 (as TensorFlow Datasets records them for the same URLs)
OFFICIAL_SHA256 = {
    "train-v2.0.json": "68dcfbb971bd3e96d5b46c7177b16c1a4e7d4bdef19fb204502738552dede002",
    "train-v1.1.json": "3527663986b8295af4f7fcdff1ba1ff3f72d07d61a20f487cb238a6ef92fd955",
    "dev-v2.0.json": "80a5225e94905956a6446d296ca1093975c4d3b3260f1d6c8f68bc2ab77182d8",
}
SQUAD2_TRAIN_ARTICLES = 10  # the first ten of train-v2.0.json; SQuAD v1.1 gives the rest


def download(data_dir: Path, *, base_url: str = OFFICIAL_URL, sha256: dict[str, str] | None = None) -> list[Path]:
    """Fetch the official SQuAD files from ``base_url``, check each against ``sha256`` (the official digests by
    default), and write the files the sets are cut from into ``data_dir``; returns their paths.

    Raises:
        DataMissing: a file cannot be fetched, or its digest is not the expected one (nothing is written then).
    """
    expected = OFFICIAL_SHA256 if sha256 is None else sha256
    fetched = {name: _fetched(base_url + name, expected[name]) for name in OFFICIAL_SHA256}
    squad2, squad1, dev = fetched["train-v2.0.json"], fetched["train-v1.1.json"], fetched["dev-v2.0.json"]
    first = squad2["data"][:SQUAD2_TRAIN_ARTICLES]
    taken = {article["title"] for article in first}
    outputs = {
        SQUAD2_TRAIN_FILE: {"version": "v2.0", "data": first},
        SQUAD1_TRAIN_FILE: {"version": "1.1", "data": [a for a in squad1["data"] if a["title"] not in taken]},
        SQUAD2_DEV_FILE: {"version": "v2.0", "data": [a for a in dev["data"] if a["title"] in DEV_ARTICLES]},
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in outputs.items():
        path = data_dir / name
        text = json.dumps(data, ensure_ascii=False)
        if name.endswith(".gz"):
            with gzip.open(path, "wt", encoding="utf-8") as file:
                file.write(text)
        else:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _fetched(url: str, digest: str) -> dict:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (https or a file the user named)
            body = response.read()
    except OSError as exc:
        raise DataMissing(f"Cannot fetch {url}: {getattr(exc, 'reason', exc)}.") from None
    if hashlib.sha256(body).hexdigest() != digest:
        raise DataMissing(f"{url} is not the expected file (its SHA-256 differs); nothing was written.")
    return json.loads(body)


def _load(path: Path) -> dict:
    if not path.is_file():
        raise DataMissing(_missing(path))
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as file:
        return json.load(file)


def _missing(path: Path) -> str:
    return (f"No {path.name} in {path.parent}: name the folder holding the SQuAD files with --data DIR or "
            "QA_DATA_DIR, or fetch them with `qa data download`.")
