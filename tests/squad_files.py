"""Small SQuAD files built in the tests themselves (nothing of SQuAD is in the repository): a few short articles
written for the tests, in the official v2.0 format, with answerable and unanswerable questions, and a data folder
holding them under the names the sets of :mod:`qa.datasets` are cut from."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from qa import datasets

ARTICLES = {
    "Harbour_of_Lindvik": [
        "The harbour of Lindvik was built in 1852 by the merchant Oskar Brandt. It handled timber and fish for "
        "most of the nineteenth century.",
        "In 1921 a fire destroyed the old warehouses. The town rebuilt them in brick, and the new quay opened in "
        "1925 under the harbour master Elsa Nyberg.",
        "Today the harbour serves ferries to the islands of Ravnsholm and Skarpø. About 300,000 passengers pass "
        "through it every year.",
    ],
    "Copper_Valley_Railway": [
        "The Copper Valley Railway runs 84 kilometres from Marton to the mines at Hollow Creek. Its first train "
        "ran on 3 May 1888.",
        "The line was electrified in 1961. Its steepest section, the Kessel incline, climbs at a gradient of one "
        "in thirty.",
    ],
    "Mirelle_Okafor": [
        "Mirelle Okafor is a Nigerian-born architect who designed the Lagos Water Museum. She studied in Delft and "
        "opened her own studio in 2009.",
        "Her tower for the city of Accra won the Aga Khan Award in 2019. Critics praised its shaded courtyards and "
        "its use of local clay.",
    ],
}

QUESTIONS = {
    "Harbour_of_Lindvik": [
        ("Who built the harbour of Lindvik?", "Oskar Brandt"),
        ("When was the harbour of Lindvik built?", "1852"),
        ("Who sank the harbour of Lindvik?", None),
        ("What destroyed the old warehouses in 1921?", "a fire"),
        ("When did the new quay open?", "1925"),
        ("When did the old quay close?", None),
        ("How many passengers pass through the harbour every year?", "300,000"),
        ("Which islands do the ferries serve?", "Ravnsholm and Skarpø"),
    ],
    "Copper_Valley_Railway": [
        ("How long is the Copper Valley Railway?", "84 kilometres"),
        ("When did the first train run?", "3 May 1888"),
        ("When was the last train run?", None),
        ("When was the line electrified?", "1961"),
        ("What is the gradient of the Kessel incline?", "one in thirty"),
    ],
    "Villages_of_the_North": [("When was the church of Northwick 1 finished?", "1607")],
    "Mirelle_Okafor": [
        ("Which museum did Mirelle Okafor design?", "the Lagos Water Museum"),
        ("Where did Mirelle Okafor study?", "Delft"),
        ("When did she close her studio?", None),
        ("Which award did her tower for Accra win?", "the Aga Khan Award"),
        ("Which award did her tower for Lagos win?", None),
    ],
}


def small_squad(articles: dict[str, list[str]] | None = None, version: str = "v2.0") -> dict:
    """The articles (all of :data:`ARTICLES` by default) with their questions as SQuAD JSON."""
    data = []
    for title, paragraphs in (articles or ARTICLES).items():
        built = [{"context": context, "qas": []} for context in paragraphs]
        for number, (question, answer) in enumerate(QUESTIONS.get(title, [])):
            paragraph = next((p for p in built if answer is None or answer in p["context"]), built[0])
            if answer is None:  # written against a paragraph: the one sharing most of its words
                words = set(question.lower().rstrip("?").split())
                paragraph = max(built, key=lambda p: len(words & set(p["context"].lower().split())))
            answers = [] if answer is None else [{"text": answer, "answer_start": paragraph["context"].index(answer)}]
            paragraph["qas"].append({"id": f"{title}-q{number}", "question": question, "answers": answers,
                                     "is_impossible": answer is None})
        data.append({"title": title, "paragraphs": built})
    return {"version": version, "data": data}


def long_article(paragraphs: int = 40) -> dict[str, list[str]]:
    """One article of many short paragraphs, enough passages for FAISS's quantiser to train on."""
    rivers = ["Alder", "Birch", "Cedar", "Damson", "Elm", "Fir", "Gorse", "Hazel"]
    text = [
        f"The village of Northwick {n} lies on the {rivers[n % 8]} river, {n + 3} kilometres from the coast. "
        f"Its church was finished in {1600 + 7 * n}, and its market is held on the {n % 28 + 1}th of each month."
        for n in range(paragraphs)
    ]
    return {"Villages_of_the_North": text}


def write(data: dict, path: Path) -> Path:
    """``data`` as a JSON file (gzipped when ``path`` ends in ``.gz``)."""
    text = json.dumps(data, ensure_ascii=False)
    if path.suffix == ".gz":
        with gzip.open(path, "wt", encoding="utf-8") as file:
            file.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def data_folder(folder: Path, titles_by_file: dict[str, list[str]] | None = None) -> Path:
    """A data folder with the three files the sets are cut from, each holding articles of the tests' own text
    under the titles the sets name (by default: every title a set names, and one unnamed article each)."""
    folder.mkdir(parents=True, exist_ok=True)
    if titles_by_file is None:
        titles_by_file = {
            datasets.SQUAD2_TRAIN_FILE: ["Spectre_(2015_film)", *datasets.SQUAD2_HELDOUT],
            datasets.SQUAD1_TRAIN_FILE: ["Aircraft", *datasets.SQUAD1_HELDOUT],
            datasets.SQUAD2_DEV_FILE: list(datasets.DEV_ARTICLES),
        }
    sources = list(ARTICLES)
    for name, titles in titles_by_file.items():
        data = {"version": "v2.0", "data": []}
        for number, title in enumerate(titles):
            source = sources[number % len(sources)]
            (article,) = small_squad({source: ARTICLES[source]})["data"]
            for paragraph in article["paragraphs"]:
                for qa in paragraph["qas"]:
                    qa["id"] = f"{title}-{qa['id']}"
            data["data"].append({"title": title, "paragraphs": article["paragraphs"]})
        write(data, folder / name)
    return folder
