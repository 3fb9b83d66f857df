"""The one settings object. Every field can be set by a ``QA_*`` environment variable or in ``qa.toml``.

This module is also the only place that reads or writes the process environment: :func:`quiet_libraries` sets
what the libraries read at import (no telemetry, no progress bars), and :func:`for_server` hands the settings
of ``qa serve`` (address, workers) to the processes uvicorn starts.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from index.embedder import BUNDLED_MODEL
from index.formats import MAX_FILE_BYTES, Limits
from index.store import APPROXIMATE_FROM

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SETTINGS_FILE = PROJECT_ROOT / "qa.toml"


class Settings(BaseSettings):
    """Paths, models and limits. ``qa eval --calibrate`` writes ``no_answer_threshold`` into ``qa.toml``."""

    model_config = SettingsConfigDict(env_prefix="QA_", toml_file=SETTINGS_FILE, extra="ignore")

    seeds_dir: Path = PROJECT_ROOT / "seeds"
    store_dir: Path = PROJECT_ROOT / "index" / "store"
    model: str = Field(BUNDLED_MODEL, description="sentence-transformers model name or path")
    onnx_encoder: bool = Field(True, description="encode questions with the ONNX copy stored with the index")
    reader_model: Path = Field(
        PROJECT_ROOT / "models" / "reader", description="folder of the reader (reader.onnx, tokenizer.json, reader.json)"
    )
    reader_passages: int = Field(4, ge=1, le=20, description="retrieved passages the reader reads at most")
    reader_read_on_below: float = Field(
        0.5, ge=0.0, le=1.0,
        description="read past the first passage only when sigmoid(margin) is below this (0.5: its best span does "
                    "not beat its no-answer score)",
    )
    reader_rank_prior: float = Field(
        0.0, ge=0.0, le=10.0,
        description="spans of different passages compete by their score minus this times log(1 + retrieval rank)",
    )
    reader_balance_marks: bool = Field(True, description="balance an answer's quotation marks and brackets")
    top_k: int = Field(3, ge=1, le=20, description="cited passages returned with an answer")
    no_answer_threshold: float = Field(0.5, ge=0.0, le=1.0, description="abstain when the no-answer score is above")
    max_question_chars: int = Field(500, ge=1)
    max_history_turns: int = Field(20, ge=0)
    max_body_bytes: int = Field(64 * 1024, ge=1024)
    approximate_search_from: int = Field(
        APPROXIMATE_FROM, ge=1, description="passages from which FAISS switches to product-quantised search, re-scored exactly"
    )
    cache_size: int = Field(1024, ge=0, description="answers kept for repeated identical questions")
    cors_origins: list[str] = Field(default_factory=list)
    admin_token: str | None = Field(
        None, min_length=16,
        description="turns on POST /documents and DELETE /documents/{id}, for requests sending it as a bearer token",
    )
    max_upload_bytes: int = Field(20 * 1024 * 1024, ge=1024, le=MAX_FILE_BYTES, description="largest file added")
    max_document_pages: int = Field(1000, ge=1, description="pages a PDF added may have")
    max_document_chars: int = Field(2_000_000, ge=1000, description="characters of text a document added may hold")
    max_document_passages: int = Field(10_000, ge=1, description="passages a document added may make")
    max_indexing_seconds: float = Field(120.0, gt=0, description="time a document added may take to read and parse")
    host: str = Field("127.0.0.1", description="the interface qa serve listens on (make serve HOST=…)")
    port: int = Field(8000, ge=1, le=65535, description="the port qa serve listens on (make serve PORT=…)")
    serve_workers: int = Field(1, ge=1, le=64, description="uvicorn worker processes (qa serve --workers)")
    model_threads: int = Field(0, ge=0, le=256, description="threads each model may use (0: shared out by workers)")
    ray_address: str | None = Field(
        None, description="serve and index on the Ray cluster at this address ('local': one started for the run)")
    public_url: str | None = Field(
        None, description="the address people reach the server at (behind a proxy); the chat's links use it "
                          "instead of the request's Host header")
    api_docs: bool = Field(True, description="serve the API's documentation at /docs (from installed files)")
    data_dir: Path = Field(PROJECT_ROOT.parent / "shared" / "data",
                           description="the folder holding the SQuAD files `qa train` and `qa eval` read")

    @property
    def document_limits(self) -> Limits:
        return Limits(max_pages=self.max_document_pages, max_chars=self.max_document_chars)

    @property
    def threads(self) -> int:
        """Threads each model may use: ``model_threads`` when set, else the cores shared equally between
        workers (0: the library decides)."""
        if self.model_threads:
            return self.model_threads
        if self.serve_workers == 1:
            return 0
        return max(1, (os.cpu_count() or 1) // self.serve_workers)

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, TomlConfigSettingsSource(settings_cls)


def settings_problem(error: ValidationError) -> str:
    """A settings error as sentences naming each setting as a person sets it, and the value it got."""
    problems = []
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else "settings"
        shown = not isinstance(item.get("input"), dict) and "token" not in name  # a secret is not echoed
        got = f" (got {item['input']!r})" if shown else ""
        problems.append(f"Setting QA_{name.upper()} ({name} in {SETTINGS_FILE.name}): {item['msg']}{got}.")
    return " ".join(problems)


@lru_cache
def get_settings() -> Settings:
    return Settings()


def quiet_libraries() -> None:
    """No telemetry or version check from Gradio, no progress bars from the model hub, no tokenizer threads
    forked: set before those libraries are imported."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def for_ray_cluster() -> None:
    """Give Ray Serve's HTTP proxies a minute to start before they are declared dead (Ray's default is 5 s, which
    a busy machine misses). Read by the cluster's processes: set before a local cluster is started."""
    os.environ.setdefault("RAY_SERVE_PROXY_READY_CHECK_TIMEOUT_S", "60")


def for_server(host: str, port: int, workers: int) -> None:
    """Make the settings that the server's processes read (uvicorn starts the app in each of its workers) say
    where it listens and how many workers share the cores."""
    os.environ.update({"QA_HOST": host, "QA_PORT": str(port), "QA_SERVE_WORKERS": str(workers)})
