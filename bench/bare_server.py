"""The floor for the HTTP rows: an ASGI app that answers every request with a fixed small JSON body, run by the
same uvicorn (uvloop, httptools, access log on) as the product. What a request costs here before any framework,
model or answer: the socket round trip, uvicorn and the client.

    .venv/bin/python -m uvicorn bench.bare_server:app --port 8001
"""

from __future__ import annotations

from starlette.types import Receive, Scope, Send

BODY = b'{"status":"ok"}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):  # read the request body, as a real endpoint would
        pass
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
