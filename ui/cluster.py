"""Serving on a Ray cluster (``qa serve --ray``): the same JSON endpoint and chat, as Ray Serve replicas that share
their documents through one writer.

- **One writer.** :class:`DocumentWriter`, a named Ray actor, owns the :class:`~qa.library.DocumentLibrary`: it
  applies every document change, one at a time, and publishes the result as a new numbered version in the shared
  store (:mod:`index.versions`). A change returns only once every live replica serves its version
  (read-your-writes).
- **Replicas that only answer.** The ``Answerer`` deployment's replicas each hold a pipeline over the current
  version and follow the writer (:class:`Follower`, a long poll on the actor), swapping each new version in
  whole. Answers carry the version they came from.
- **The HTTP faces** are the same FastAPI app as ``qa serve``, over a :class:`RemotePipeline` that hands every
  question to an answerer through a deployment handle (Serve balances them): the ``qa`` application (route
  ``/``) for the JSON endpoint, and the ``chat`` application (route ``/ui``) of one replica, since Gradio keeps a
  chat's session in one process. Their ``POST /documents`` and ``DELETE /documents/{id}`` go to the writer
  (:class:`WriterChanges`).
- **Faults** are Ray Serve's: a dead replica is restarted and, once up, loads the current version. A question an
  answerer could not answer because it died is answered ``503`` with ``Retry-After``, never a 500 or a hang.

Every node reads and writes the store and the seeds folder at the same paths: on one machine, a folder; on a
cluster, shared storage mounted on every node (NFS, or a ReadWriteMany volume on Kubernetes). Ray is an optional
extra (``pip install -e .[cluster]``); nothing else in the project imports this module.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
import uuid

import ray
from ray import serve

from index.documents import Document
from index.embedder import SentenceEmbedder
from index.errors import IndexStoreError
from index.store import LoadedIndex, question_embedder, read_manifest
from index.versions import current, load, publish
from qa.errors import Unavailable
from qa.library import DocumentLibrary
from qa.pipeline import AskResult, Pipeline, Status
from qa.question import checked_question
from qa.settings import Settings, for_ray_cluster, get_settings

NAMESPACE = "extractive-qa"
WRITER = "qa-document-writer"
POLL_SECONDS = 5.0  # a follower's long poll: how long the writer holds it when nothing changed
LIVE_SECONDS = 3 * POLL_SECONDS  # a replica silent for longer is taken for dead: a change does not wait for it
ACK_TIMEOUT_SECONDS = 120.0  # at most, a change waits this long for every live replica to serve it


class DocumentWriter:
    """The cluster's one writer of documents (a Ray actor; see the module's docstring)."""

    def __init__(self, values: dict) -> None:
        self.settings = Settings(**values)
        self.library = DocumentLibrary.from_settings(self.settings)
        try:
            self.version = current(self.settings.store_dir) + 1
        except IndexStoreError:
            self.version = 1
        publish(self.library.snapshot.index, self.settings.store_dir, self.version)
        self.replicas: dict[str, tuple[int, float]] = {}  # replica id -> (version it serves, when last heard)
        self.changed = asyncio.Event()
        self.lock = asyncio.Lock()

    def current_version(self) -> int:
        return self.version

    async def next_version(self, replica: str, serving: int) -> int:
        """Tell the writer ``replica`` serves version ``serving``; returns the current version as soon as it is
        newer, or after :data:`POLL_SECONDS`."""
        self.replicas[replica] = (serving, time.monotonic())
        deadline = time.monotonic() + POLL_SECONDS
        while self.version <= serving and time.monotonic() < deadline:
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), timeout=max(0.0, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                break
        return self.version

    def served(self, replica: str, version: int) -> None:
        self.replicas[replica] = (version, time.monotonic())

    async def add(self, name: str, data: bytes) -> tuple[Document, int]:
        """Add a document and publish the new version; returns once every live replica serves it."""
        return await self._applied(self.library.add, name, data)

    async def remove(self, doc_id: str) -> tuple[Document, int]:
        """Remove a document, likewise."""
        return await self._applied(self.library.remove, doc_id)

    async def _applied(self, change, *args) -> tuple[Document, int]:
        async with self.lock:
            document = await asyncio.to_thread(change, *args)
            version = await self._published()
        await self._served_everywhere(version)
        return document, version

    async def _published(self) -> int:
        await asyncio.to_thread(publish, self.library.snapshot.index, self.settings.store_dir, self.version + 1)
        self.version += 1
        self.changed.set()
        return self.version

    async def _served_everywhere(self, version: int) -> None:
        deadline = time.monotonic() + ACK_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            now = time.monotonic()
            behind = [r for r, (serving, heard) in self.replicas.items() if serving < version and now - heard < LIVE_SECONDS]
            if not behind:
                return
            await asyncio.sleep(0.05)


class Follower:
    """An answerer's side of the versions: loads the current one, then follows the writer's on a thread of its
    own, each swapped in whole."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.name = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.writer = ray.get_actor(WRITER, namespace=NAMESPACE)
        self.pipeline: Pipeline | None = None
        self.alive = True
        self._stop = threading.Event()

    def load(self) -> Pipeline:
        """The pipeline over the current version (the question embedder's ONNX copy from the store's root)."""
        version = ray.get(self.writer.current_version.remote())
        root = self.settings.store_dir
        embedder = question_embedder(root, read_manifest(root), SentenceEmbedder(self.settings.model),
                                     onnx=self.settings.onnx_encoder, threads=self.settings.threads)
        self.pipeline = Pipeline.over(LoadedIndex(load(root, version), "loaded", f"version {version}"), embedder,
                                      self.settings)
        self.pipeline.library.use(self.pipeline.library.snapshot.index, version)
        self.writer.served.remote(self.name, version)
        threading.Thread(target=self._follow, name="versions", daemon=True).start()
        return self.pipeline

    def _follow(self) -> None:
        root = self.settings.store_dir
        failures = 0
        while not self._stop.is_set():
            serving = self.pipeline.library.snapshot.version
            try:
                newest = ray.get(self.writer.next_version.remote(self.name, serving), timeout=POLL_SECONDS * 4)
                if newest > serving:
                    self.pipeline.library.use(load(root, newest), newest)
                    self.pipeline.clear_cache()
                    self.writer.served.remote(self.name, newest)
                failures = 0
            except Exception:  # the writer restarting, a version being replaced: try again shortly
                failures += 1
                self.alive = failures < 60
                time.sleep(0.5)

    def close(self) -> None:
        self._stop.set()


class Answerer:
    """A Serve deployment: each replica holds a pipeline over the current version of the documents."""

    def __init__(self) -> None:
        self.follower = Follower(get_settings())
        self.pipeline = self.follower.load()

    def ask(self, question: str, history: list, top_k: int | None) -> AskResult:
        return self.pipeline.ask(question, history=[tuple(turn) for turn in history], top_k=top_k)

    def search(self, question: str, k: int) -> list:
        return self.pipeline.search(question, k)

    def documents(self) -> dict[str, Document]:
        return self.pipeline.documents

    def document(self, doc_id: str) -> Document:
        return self.pipeline.document(doc_id)

    def status(self) -> Status:
        return self.pipeline.status()

    def check_health(self) -> None:
        """Serve's health check: an answerer that lost its writer for half a minute is restarted."""
        if not self.follower.alive:
            raise RuntimeError("this answerer no longer hears from the document writer")


class RemotePipeline:
    """What the HTTP faces answer with on a cluster: the pipeline's calls, each handed to an answerer. A call an
    answerer could not finish because it died raises :class:`~qa.errors.Unavailable` (503, ``Retry-After``); the
    pipeline's own errors come back as themselves."""

    parallel_calls = 64  # calls in flight at once: they wait on answerers, they do not compute

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._handle = None

    @property
    def handle(self):
        if self._handle is None:
            self._handle = serve.get_deployment_handle("Answerer", app_name="qa")
        return self._handle

    def _call(self, method: str, *args):
        from ray.exceptions import ActorDiedError, ActorUnavailableError, RayActorError
        from ray.serve.exceptions import DeploymentUnavailableError

        try:
            return getattr(self.handle, method).remote(*args).result(timeout_s=120)
        except (ActorDiedError, ActorUnavailableError, RayActorError, DeploymentUnavailableError, TimeoutError):
            raise Unavailable("The server is restarting a worker; try again in a moment.") from None

    def check_question(self, question: object) -> str:
        return checked_question(question, self.settings.max_question_chars)

    def cached(self, question: str, *, history=None, top_k=None) -> None:
        self.check_question(question)  # answers are cached by each answerer

    def ask(self, question: str, *, history=None, top_k: int | None = None) -> AskResult:
        return self._call("ask", self.check_question(question), list(history or []), top_k)

    def search(self, question: str, k: int) -> list:
        return self._call("search", question, k)

    @property
    def documents(self) -> dict[str, Document]:
        return self._call("documents")

    def document(self, doc_id: str) -> Document:
        return self._call("document", doc_id)

    def status(self) -> Status:
        return self._call("status")

    def clear_cache(self) -> None:
        """Each answerer keeps its own cache, cleared when its version changes."""

    def close(self) -> None:
        """Nothing to stop here."""


class WriterChanges:
    """Document changes from any HTTP face, applied by the one writer (:class:`ui.app.DocumentChanges`)."""

    def __init__(self) -> None:
        self._writer = None

    @property
    def writer(self):
        if self._writer is None:
            self._writer = ray.get_actor(WRITER, namespace=NAMESPACE)
        return self._writer

    async def add(self, name: str, data: bytes, progress=None) -> Document:
        if progress:
            progress(f"Adding {name} on the cluster …")
        document, _ = await self.writer.add.remote(name, data)
        return document

    async def remove(self, doc_id: str) -> Document:
        document, _ = await self.writer.remove.remote(doc_id)
        return document


def gateway_app():
    """The ``qa`` application's ingress, built on each of its replicas: the JSON endpoint."""
    from ui.app import create_app

    settings = get_settings()
    return create_app(settings, RemotePipeline(settings), chat=False, changes=WriterChanges())


def chat_app():
    """The ``chat`` application's ingress (one replica, route ``/ui``): the app with its chat mounted."""
    from ui.app import create_app

    settings = get_settings()
    return _FullPaths(create_app(settings, RemotePipeline(settings), chat=True, changes=WriterChanges()))


class _FullPaths:
    """The app routed by the request's full path: Serve hands an application routed at ``/ui`` its requests with
    ``root_path`` ``/ui``, and the app mounts its chat at ``/ui`` itself."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        await self.app({**scope, "root_path": ""} if scope["type"] in ("http", "websocket") else scope, receive, send)


def start_writer(values: dict):
    """The writer actor, started once (a named, restartable actor: Ray starts it again if it dies)."""
    return ray.remote(DocumentWriter).options(
        name=WRITER, namespace=NAMESPACE, get_if_exists=True, lifetime="detached", max_restarts=-1,
        max_concurrency=64, runtime_env={"env_vars": as_environment(values)}).remote(values)


def serve_on_ray(settings: Settings, address: str | None, replicas: int, max_replicas: int | None = None,
                 *, blocking: bool = True, access_log: bool = True) -> None:
    """Start (or join, at ``address``) a Ray cluster and serve there: the writer, ``replicas`` answerers
    (autoscaling up to ``max_replicas`` when given), the JSON endpoint and the chat. Serve's proxy and replicas
    log a line per request unless ``access_log`` is off. Blocks until stopped unless ``blocking`` is off (tests)."""
    values = settings.model_dump(mode="json")
    for_ray_cluster()
    if not ray.is_initialized():
        ray.init(address=address, namespace=NAMESPACE, include_dashboard=False)
    environment = {"env_vars": as_environment(values)}  # every replica's settings object reads these
    log_config = {"enable_access_log": access_log}
    _start_serve(settings, log_config)
    ray.get(start_writer(values).current_version.remote())  # the index built (or found) and published
    scaling = ({"num_replicas": replicas} if max_replicas is None else
               {"autoscaling_config": {"min_replicas": replicas, "max_replicas": max_replicas}})
    answerer = serve.deployment(Answerer, name="Answerer", max_ongoing_requests=8, health_check_period_s=5,
                                ray_actor_options={"runtime_env": environment}, **scaling)
    # The faces wait on answerers; they do not compute. They take as many requests at once as their pipeline hands
    # on: with Serve's default of 5, one face kept a single answerer idle nearly half the time.
    face = {"num_replicas": 1, "max_ongoing_requests": RemotePipeline.parallel_calls,
            "ray_actor_options": {"num_cpus": 0, "runtime_env": environment}}
    gateway = serve.deployment(serve.ingress(gateway_app)(), name="Gateway", **face)
    chat = serve.deployment(serve.ingress(chat_app)(), name="Chat", **face)
    serve.run(gateway.bind(answerer.bind()), name="qa", route_prefix="/", logging_config=log_config)
    serve.run(chat.bind(), name="chat", route_prefix="/ui", blocking=blocking, logging_config=log_config)


def _start_serve(settings: Settings, log_config: dict, attempts: int = 3) -> None:
    """``serve.start``, again if its first HTTP proxy died while starting (on a busy machine the controller may give
    up on it before it is ready; it then starts another, and a second call finds the running controller)."""
    from ray.exceptions import ActorDiedError

    for attempt in range(1, attempts + 1):
        try:
            serve.start(http_options={"host": settings.host, "port": settings.port}, logging_config=log_config)
            return
        except (ActorDiedError, TimeoutError):
            if attempt == attempts:
                raise


def as_environment(values: dict) -> dict[str, str]:
    """The settings as the ``QA_*`` variables every replica's settings object reads."""
    import json

    return {f"QA_{key.upper()}": (json.dumps(value) if isinstance(value, list | dict | bool) else str(value))
            for key, value in values.items() if value is not None}
