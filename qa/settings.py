"""The one settings object. Every field can be set by a ``QA_*`` environment variable or in ``qa.toml``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from index.encoder import BUNDLED_MODEL
from index.formats import MAX_FILE_BYTES
from index.store import ANN_FROM

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
    reader_sure: float = Field(
        0.5, ge=0.0, le=1.0,
        description="read past the first passage only when sigmoid(margin) is below this (0.5: its best span does "
                    "not beat its no-answer score)",
    )
    reader_rank_prior: float = Field(
        0.0, ge=0.0, le=10.0,
        description="spans of different passages compete by their score minus this times log(1 + retrieval rank)",
    )
    top_k: int = Field(3, ge=1, le=20, description="cited passages returned with an answer")
    no_answer_threshold: float = Field(0.5, ge=0.0, le=1.0, description="abstain when the no-answer score is above")
    max_question_chars: int = Field(500, ge=1)
    max_history_turns: int = Field(20, ge=0)
    max_body_bytes: int = Field(64 * 1024, ge=1024)
    ann_from: int = Field(
        ANN_FROM, ge=1, description="passages from which FAISS switches to product-quantised search, re-scored exactly"
    )
    cache_size: int = Field(1024, ge=0, description="answers kept for repeated identical questions")
    cors_origins: list[str] = Field(default_factory=list)
    admin_token: str | None = Field(
        None, min_length=16,
        description="turns on POST /documents and DELETE /documents/{id}, for requests sending it as a bearer token",
    )
    max_upload_bytes: int = Field(20 * 1024 * 1024, ge=1024, le=MAX_FILE_BYTES, description="largest file added")
    data_dir: Path = Field(PROJECT_ROOT.parent / "shared" / "data",
                           description="the folder holding the SQuAD files `qa train` and `qa eval` read")

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, TomlConfigSettingsSource(settings_cls)


@lru_cache
def get_settings() -> Settings:
    return Settings()
