"""The SQuAD sets are cut by article from files in a data folder, never kept in the repository; `qa data download`
fetches the official files and refuses any whose digest is not the expected one."""

from __future__ import annotations

import hashlib
import json
import subprocess

import pytest
from click.testing import CliRunner

from qa import datasets
from qa.datasets import SETS, DataMissing, download, squad_set
from tests import squad_files
from tests.conftest import ROOT
from ui.cli import main


def _titles(name: str, folder) -> set[str]:
    return {article["title"] for article in squad_set(name, folder)["data"]}


def test_each_set_is_cut_by_article_and_what_measures_is_never_trained_on(tmp_path):
    folder = squad_files.data_folder(tmp_path)
    cut = {name: _titles(name, folder) for name in SETS}
    assert all(cut.values())
    for measured in ("dev-validation", "dev-heldout", "squad2-heldout", "squad1-heldout"):
        for trained in ("dev-train", "squad2-train", "squad1-train"):
            assert not cut[measured] & cut[trained], (measured, trained)
    assert not cut["dev-validation"] & cut["dev-heldout"]
    assert cut["dev-train"] | cut["dev-validation"] | cut["dev-heldout"] == set(datasets.DEV_ARTICLES)
    assert len(cut["dev-heldout"]) >= 5 and len(cut["dev-validation"]) >= 5
    assert cut["squad2-heldout"] == set(datasets.SQUAD2_HELDOUT) and "Spectre_(2015_film)" in cut["squad2-train"]


def test_a_missing_file_is_one_sentence_that_says_how_to_get_it(tmp_path):
    with pytest.raises(DataMissing, match=r"No squad-v2.0-dev-28-articles.json.gz in .*--data DIR.*qa data download"):
        squad_set("dev-heldout", tmp_path)
    result = CliRunner().invoke(main, ["eval", "dev-heldout", "--data", str(tmp_path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "qa data download" in result.output and "Traceback" not in result.output


def test_no_squad_data_is_kept_in_the_repository():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert not [path for path in tracked if path.startswith("data/")]
    names = {datasets.SQUAD2_TRAIN_FILE, datasets.SQUAD1_TRAIN_FILE, datasets.SQUAD2_DEV_FILE}
    assert not [path for path in tracked if path.rsplit("/", 1)[-1] in names]


def _official_files(folder):
    """Stand-ins for the official files: twelve training articles (v2.0 and v1.1), the dev set's 35 articles."""
    folder.mkdir()
    train_titles = [f"Training_{n}" for n in range(12)]
    dev_titles = [*datasets.DEV_ARTICLES, *(f"Unseen_{n}" for n in range(7))]
    files = {
        "train-v2.0.json": squad_files.small_squad({t: squad_files.ARTICLES["Harbour_of_Lindvik"] for t in train_titles}),
        "train-v1.1.json": squad_files.small_squad({t: squad_files.ARTICLES["Copper_Valley_Railway"] for t in train_titles},
                                                   version="1.1"),
        "dev-v2.0.json": squad_files.small_squad({t: squad_files.ARTICLES["Mirelle_Okafor"] for t in dev_titles}),
    }
    digests = {}
    for name, data in files.items():
        body = json.dumps(data).encode()
        (folder / name).write_bytes(body)
        digests[name] = hashlib.sha256(body).hexdigest()
    return digests


def test_download_checks_the_digests_and_writes_the_files_the_sets_are_cut_from(tmp_path):
    digests = _official_files(tmp_path / "site")
    url = (tmp_path / "site").as_uri() + "/"
    written = download(tmp_path / "data", base_url=url, sha256=digests)
    assert sorted(p.name for p in written) == sorted([datasets.SQUAD2_TRAIN_FILE, datasets.SQUAD1_TRAIN_FILE,
                                                      datasets.SQUAD2_DEV_FILE])
    folder = tmp_path / "data"
    first_ten = [a["title"] for a in _read_json(folder / datasets.SQUAD2_TRAIN_FILE)["data"]]
    assert first_ten == [f"Training_{n}" for n in range(10)]
    assert _titles("squad1-train", folder) == {"Training_10", "Training_11"}  # the rest, from SQuAD v1.1
    dev = _titles("dev-train", folder) | _titles("dev-validation", folder) | _titles("dev-heldout", folder)
    assert dev == set(datasets.DEV_ARTICLES)  # the dev set's other seven are left out


def _read_json(path):
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as file:
        return json.load(file)


def test_a_file_that_is_not_the_official_one_is_refused_and_nothing_is_written(tmp_path):
    digests = _official_files(tmp_path / "site")
    url = (tmp_path / "site").as_uri() + "/"
    with pytest.raises(DataMissing, match="dev-v2.0.json is not the expected file"):
        download(tmp_path / "data", base_url=url, sha256=digests | {"dev-v2.0.json": "0" * 64})
    assert not (tmp_path / "data").exists()
    # the command checks the official digests: stand-ins are refused in one line
    result = CliRunner().invoke(main, ["data", "download", "--data", str(tmp_path / "data"), "--from", url])
    assert result.exit_code == 2 and "is not the expected file" in result.output
    assert len(result.output.strip().splitlines()) == 1 and not (tmp_path / "data").exists()
    result = CliRunner().invoke(main, ["data", "download", "--data", str(tmp_path / "data"),
                                       "--from", (tmp_path / "nowhere").as_uri()])
    assert result.exit_code == 2 and "Cannot fetch" in result.output
