"""The playground's web server: a thin FastAPI layer over :mod:`descend.play.widgets`, and :func:`serve`.

Routes:

- ``GET /`` and ``GET /WIDGET`` (``/line``, ``/curvature``, ``/landscape``, ``/ellipse``, ``/vanishing``,
  ``/tune``): the page; its URL's query string is the widget's whole state;
- ``GET /api/WIDGET?QUERY`` or ``POST /api/WIDGET`` with the state as JSON (``Content-Type: application/json``,
  else HTTP 415): the widget's result as JSON
  (:func:`descend.play.widgets.compute`); a state that is not allowed gets HTTP 422 with
  ``{"errors": [{"field": ..., "message": ...}]}``, each message naming the field and what is allowed;
- ``GET /api/WIDGET.csv?QUERY``: the numbers as CSV;
- ``GET /api/meta``: what the page's controls offer (optimizers with their hyperparameters and ranges,
  landscapes, schedules, each widget's fields with their ranges);
- ``/static/...``: the page's HTML, JS and CSS (in this package), and ``/static/plotly.min.js``, the copy of
  plotly.js inside the Python ``plotly`` package. Nothing is fetched from the web.

A request sent by another site's page is refused with HTTP 403, and on a loopback address one addressed to another
name with HTTP 400 (:class:`_AnswersOnlyItsPages`).
"""

from __future__ import annotations

import errno
import io
import json
import logging
import os
import socket
import sys
import threading
import urllib.parse
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from .._hosts import is_loopback, refusal
from .state import STATES, errors_of
from .widgets import Cancelled, PlayError, cached_result, compute

STATIC = Path(__file__).parent / "static"
#: The page's files, which the package carries (pyproject.toml's package data; tests/test_packaging.py).
PAGE_FILES = ("index.html", "app.js", "style.css")


class PageMissing(RuntimeError):
    """This installation of descend lacks the playground's page: the message says how to get it."""


def check_page() -> None:
    """Raise :class:`PageMissing` when a file of the page is not in the package (an installation built without
    its package data)."""
    missing = [name for name in PAGE_FILES if not (STATIC / name).is_file()]
    if missing:
        raise PageMissing(f"this installation of descend lacks the playground's page ({', '.join(missing)} in "
                          f"{STATIC}); reinstall descend: pip install --force-reinstall descend")


def plotly_js() -> Path:
    """The plotly.js bundle shipped inside the Python ``plotly`` package."""
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _state(widget: str, data: Any, *, query: bool) -> Any:
    cls = STATES[widget]
    return cls.from_query(data) if query else cls.model_validate(data)


#: The largest body a POST may have: a widget's state is a few hundred bytes of JSON; a larger body is refused
#: (HTTP 413) before it is read whole.
MAX_BODY = 64 * 1024

def plus_fields(query: str) -> set[str]:
    """The fields of a query string whose value holds a literal '+' (which a query reads as a space)."""
    fields = set()
    for item in query.lstrip("?").split("&"):
        key, _, value = item.partition("=")
        if "+" in value:
            fields.add(urllib.parse.unquote_plus(key))
    return fields


class _AnswersOnlyItsPages:
    """ASGI middleware, so that another web page open in the browser cannot make this machine train or read its
    answers (:func:`descend._hosts.refusal`): a request sent by another site's page (``Sec-Fetch-Site:
    cross-site``, which browsers send with every request, a form's or an image's included, or an ``Origin`` other
    than the playground's own) gets HTTP 403; when ``local_only``, a request whose ``Host`` is not ``localhost``
    or a loopback address (a page whose own name was made to resolve to 127.0.0.1, "DNS rebinding") gets HTTP
    400. The POST answers also take only a JSON body (HTTP 415 for another ``Content-Type``), which a page of
    another site cannot send without the browser asking first."""

    def __init__(self, app: Any, local_only: bool) -> None:
        self.app = app
        self.local_only = local_only

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])

            def header(name: str) -> str | None:
                value = headers.get(name.encode())
                return None if value is None else value.decode("latin-1")

            refused = refusal(header, loopback_only=self.local_only, server="this playground",
                              scheme=scope.get("scheme", "http"), path=scope.get("path", "/"))
            if refused:
                status, message = refused
                await JSONResponse({"errors": [{"field": "", "message": message}]}, status_code=status)(
                    scope, receive, send)
                return
            if scope["method"] == "HEAD":  # a GET's answer without its body (HTTP's HEAD; FastAPI answers it 405)
                await self.app({**scope, "method": "GET"}, receive, _headers_only(send))
                return
        await self.app(scope, receive, send)


def _headers_only(send: Any) -> Any:
    async def sending(message: Any) -> None:
        if message["type"] != "http.response.body":
            await send(message)
        elif not message.get("more_body", False):
            await send({"type": "http.response.body", "body": b"", "more_body": False})
    return sending


#: The errors a refused state is answered with, at most (and how many more there were).
MAX_ERRORS = 20

#: Widget answers computed in threads at one time (their trainings take turns; the page's other requests, served
#: from the other threads, never wait behind them).
ANSWER_THREADS = 4


def create_app(*, local_only: bool = False) -> Any:
    """The FastAPI application, which answers no request sent by another site's page (HTTP 403, see
    :class:`_AnswersOnlyItsPages`). ``local_only``: answer only requests whose ``Host`` is ``localhost`` or a
    loopback address, as :func:`serve` does on a loopback address. Raises :class:`PageMissing` when the
    page's files are not in the package."""
    check_page()
    import pandas  # noqa: F401  (here, once: the first answers, in several threads at once, each imported it
    # and some saw it half made: "partially initialized module 'pandas' has no attribute 'DataFrame'")

    from .. import __version__

    # no Swagger page: FastAPI's loads its scripts from a CDN, and nothing here is fetched from the web (the
    # schema stays at /api/openapi.json)
    app = FastAPI(title="descend play", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json")

    # a plain ASGI layer: Starlette's BaseHTTPMiddleware would hide a closed connection from the answers
    # (answer_while_connected)
    app.add_middleware(_AnswersOnlyItsPages, local_only=local_only)

    @app.exception_handler(StarletteHTTPException)
    async def in_its_own_words(request: Request, error: StarletteHTTPException) -> JSONResponse:
        """A page or method that is not there, answered as every refusal is (``{"errors": [...]}``), not in
        FastAPI's ``{"detail": ...}``."""
        message = error.detail if isinstance(error.detail, str) else str(error.detail)
        headers = {k: v for k, v in (error.headers or {}).items() if k.lower() != "allow"}
        if error.status_code == 405:  # a widget's answer takes GET and POST (two routes: Starlette names the first)
            allowed = "GET or POST" if request.url.path.removeprefix("/api/") in STATES else "GET"
            headers["allow"] = allowed.replace(" or ", ", ")
            message = f"{request.method} is not answered at {request.url.path}; {allowed} is"
        return JSONResponse({"errors": [{"field": "", "message": message}]}, status_code=error.status_code,
                            headers=headers)

    def refused(error: Exception) -> JSONResponse:
        if isinstance(error, PlayError):
            errors = [{"field": error.field, "message": str(error)}]
        else:
            errors = errors_of(error)
        if len(errors) > MAX_ERRORS:  # (a body of 4,000 bad rows was answered with 4,000 errors, 0.9 MB)
            errors = [*errors[:MAX_ERRORS], {"field": "", "message": f"and {len(errors) - MAX_ERRORS} more errors"}]
        return JSONResponse({"errors": errors}, status_code=422)

    def with_plus_hint(answer: JSONResponse, query: str) -> JSONResponse:
        """A refused query whose field was typed with a '+' (x**2+y**2 in a link): a query reads '+' as a space,
        and the error, about the text with a space, did not say so."""
        plus = plus_fields(query)
        errors = json.loads(answer.body)["errors"]
        typed = [error for error in errors if error["field"].split(".")[0] in plus]
        for error in typed:
            error["message"] += "\n(in a link, '+' stands for a space: write a plus sign as %2B)"
        return JSONResponse({"errors": errors}, status_code=answer.status_code) if typed else answer

    def known(widget: str) -> None:
        if widget not in STATES:
            raise HTTPException(404, f"no widget {widget!r}; the widgets are {', '.join(STATES)}")

    def checked(widget: str, data: Any, *, query: bool) -> Any:
        """The widget's state read from ``data``, or the refusal to answer instead (HTTP 422)."""
        try:
            return _state(widget, data, query=query)
        except (ValidationError, ValueError) as e:
            answer = refused(e)
            return with_plus_hint(answer, data) if query else answer
        except RecursionError:
            return JSONResponse({"errors": [{"field": "", "message": "the state is nested too deeply: see "
                                             "/api/meta for its fields"}]}, status_code=422)

    def answer(widget: str, data: Any, *, query: bool, cancelled: Any = None, state: Any = None) -> Any:
        """The answer to a request for ``widget`` with ``data`` (its ``state``, when already read from it)."""
        known(widget)
        if state is None:
            state = checked(widget, data, query=query)
            if isinstance(state, Response):
                return state
        try:
            return compute(state, cancelled)
        except (ValidationError, ValueError) as e:
            answer = refused(e)
            return with_plus_hint(answer, data) if query else answer
        except Cancelled:  # the page went away (or asked for a newer state) before this one's turn to train
            return Response(status_code=499)

    import anyio

    answering = anyio.CapacityLimiter(ANSWER_THREADS)

    async def answer_while_connected(widget: str, data: Any, request: Request, *, query: bool) -> Any:
        """:func:`answer` in a worker thread, told when the page has closed the request meanwhile: a page that
        asks for a newer state (a slider dragged, a key held) cancels its older requests, and those that still
        wait for their turn to train then give it up, instead of training one after another for no one."""
        import anyio.to_thread

        known(widget)  # raised here, not inside the task group (which would wrap it)
        # a refusal and a cached result are answered at once, in the event loop (a fraction of a millisecond): they
        # waited for a thread behind requests that wait for their turn to train (6.5 s for a cached answer while
        # another page's search trained, 0.2-5 s for a 422 with 30 pages dragging sliders)
        state = checked(widget, data, query=query)
        if isinstance(state, Response):
            return state
        if (cached := cached_result(state)) is not None:
            return cached
        gone = threading.Event()

        async def watch() -> None:
            while not await request.is_disconnected():
                await anyio.sleep(0.05)
            gone.set()
            group.cancel_scope.cancel()  # one still waiting for a thread gives up at once

        async with anyio.create_task_group() as group:
            group.start_soon(watch)
            try:  # at most ANSWER_THREADS answers in threads, the others waiting in the event loop: the page,
                # its files and /api/meta keep the rest of the threads however many answers wait to train
                return await anyio.to_thread.run_sync(
                    lambda: answer(widget, data, query=query, cancelled=gone.is_set, state=state), limiter=answering)
            finally:
                group.cancel_scope.cancel()

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_bundle() -> Any:
        return FileResponse(plotly_js(), media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=86400"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/api/meta")
    def meta() -> Any:
        return _meta()

    @app.get("/api/{widget}.csv")
    async def csv(widget: str, request: Request) -> Any:  # within the answers' limit, given up when the page goes
        result = await answer_while_connected(widget, str(request.url.query), request, query=True)
        if isinstance(result, Response):  # refused (422), or its page went away (499)
            return result
        return Response(to_csv(result), media_type="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="descend-{widget}.csv"'})

    @app.get("/api/{widget}")
    async def get_widget(widget: str, request: Request) -> Any:
        return await answer_while_connected(widget, str(request.url.query), request, query=True)

    @app.api_route("/api/meta", methods=["POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    @app.api_route("/api/{widget}.csv", methods=["POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    def read_only(request: Request) -> Any:  # read by GET: not taken for a widget named "meta" or "line.csv"
        return JSONResponse({"errors": [{"field": "", "message": f"{request.url.path} is read with GET"}]},
                            status_code=405, headers={"Allow": "GET"})

    @app.post("/api/{widget}")
    async def post_widget(widget: str, request: Request) -> Any:
        if request.url.query:  # a POST reads its body: settings in the query were dropped without a word
            return JSONResponse({"errors": [{"field": "", "message": "a POST reads the state from its JSON body, not "
                                             f"from the query ({request.url.query[:100]}): put the settings in the "
                                             "body, or send them as a GET query"}]}, status_code=422)
        kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        if kind != "application/json":  # a form or text/plain body is one another site's page can send unasked
            return JSONResponse({"errors": [{"field": "", "message": "a POST's body must be the state as JSON, sent "
                                             f"as Content-Type: application/json, not {kind or 'no type'!r}"}]},
                                status_code=415)
        too_large = JSONResponse({"errors": [{"field": "", "message": f"the body is larger than {MAX_BODY // 1024} "
                                              "KB; a widget's state is a few hundred bytes of JSON"}]},
                                 status_code=413)
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_BODY:
            return too_large
        chunks, size = [], 0
        try:
            async for chunk in request.stream():  # a body sent in chunks, with no length, is counted as it comes
                size += len(chunk)
                if size > MAX_BODY:
                    return too_large
                chunks.append(chunk)
        except ClientDisconnect:  # the client left in the middle of its body: nobody to answer (and no traceback)
            return Response(status_code=400)
        try:
            body = json.loads(b"".join(chunks))
        except json.JSONDecodeError:
            return JSONResponse({"errors": [{"field": "", "message": "the body must be the state as JSON"}]},
                                status_code=422)
        except (ValueError, RecursionError):  # JSON, with an integer of over 4,300 digits or nested too deep
            return JSONResponse({"errors": [{"field": "", "message": "the body holds a number too long or arrays "
                                              "nested too deep for any state"}]}, status_code=422)
        return await answer_while_connected(widget, body, request, query=False)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Any:
        return Response(status_code=204)

    @app.get("/", include_in_schema=False)
    def root() -> Any:
        return RedirectResponse("/landscape")

    @app.get("/{widget}", include_in_schema=False)
    def page(widget: str) -> Any:
        if widget not in STATES:
            raise HTTPException(404, f"no page {widget!r}; the widgets are {', '.join(STATES)}")
        return FileResponse(STATIC / "index.html", media_type="text/html")

    return app


def _meta() -> dict[str, Any]:
    """What the page's controls offer, from descend's registries and the states' fields."""
    from .. import landscapes, outcomes
    from ..optim import OPTIMIZERS
    from ..schedules import SCHEDULES
    from .state import KEY_HYPERPARAMETERS, MAX_LANDSCAPE_WORK, MAX_OPTIMIZERS, SCALED_INITS

    optimizers = {}
    for name, info in OPTIMIZERS.items():
        hyper = [{"name": h.name, "default": h.default, "symbol": h.symbol, "description": h.description,
                  "low": h.allowed.low, "high": h.allowed.high if h.allowed.high != float("inf") else None}
                 for h in info.hyperparameters if h.name in KEY_HYPERPARAMETERS]
        options = [{"name": o.name, "default": o.default, "description": o.description}
                   for o in info.options if o.name in KEY_HYPERPARAMETERS and o.name not in info.fixed]
        optimizers[name] = {"description": info.description, "lr": info.defaults["lr"], "hyper": hyper,
                            "options": options}
    scapes = [{"name": n, "title": s.title, "formula": s.formula} for n, s in landscapes.LANDSCAPES.items()
              if s.dim == 2]
    return {"optimizers": optimizers, "landscapes": scapes,
            "schedules": [s for s in SCHEDULES if s not in ("warmup", "constant")],
            "limits": {"optimizers": MAX_OPTIMIZERS, "landscape_work": MAX_LANDSCAPE_WORK},
            "scaled_inits": list(SCALED_INITS),  # the inits that take init_scale (the vanishing widget)
            "statuses": dict(outcomes.STATUSES),  # a run's status in words (descend.outcomes decides them)
            "widgets": {name: {"doc": (cls.__doc__ or "").strip(), "schema": cls.model_json_schema()}
                        for name, cls in STATES.items()}}


def to_csv(result: dict[str, Any]) -> str:
    """A widget's numbers as CSV, one row per step (and per optimizer or batch size)."""
    import csv

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    widget = result["widget"]
    if widget == "line":
        writer.writerow(["step", "w", "b", "cost", "batch_loss"])
        for t, (point, cost) in enumerate(zip(result["path"], result["cost"])):
            batch = result["batch_loss"][t] if t < len(result["batch_loss"]) else None
            writer.writerow([t, *point, cost, batch])
    elif widget == "curvature":
        writer.writerow(["step", "w", "cost", "slope", "predicted_next_cost", "approximation_error"])
        for t, (w, cost, slope) in enumerate(zip(result["path"], result["cost"], result["slope"])):
            more = [result["predicted"][t], result["error"][t]] if t < len(result["predicted"]) else [None, None]
            writer.writerow([t, w, cost, slope, *more])
    elif widget == "landscape":
        names = result.get("names", ["x", "y"])
        writer.writerow(["optimizer", "step", *names, "cost", "status"])
        for run in result["runs"]:
            for t, (point, cost) in enumerate(zip(run["path"], run["cost"])):
                writer.writerow([run["label"], t, *point, cost, run["status"]])
    elif widget == "ellipse":
        # one table of every series the figures draw: each optimizer's path; each batch size's loss per update
        # (thinned as drawn), its whole training set's loss (the dotted curve: J, so in the cost column) and the
        # (A, B) it ended at, after its last update
        names = result.get("names", ["A", "B"])
        writer.writerow(["series", "label", "step", *names, "cost", "status", "epoch", "batch_loss"])
        for run in result["runs"]:
            for t, (point, cost) in enumerate(zip(run["path"], run["cost"])):
                writer.writerow(["path", run["label"], t, *point, cost, run["status"], None, None])
        nowhere = [None] * len(names)
        for b in result["batches"]:
            for update, epoch, loss in zip(b["update"], b["epoch"], b["loss"]):
                writer.writerow(["batch loss", b["label"], update, *nowhere, None, None, epoch, loss])
            for update, epoch, loss in zip(b["train_update"], b["train_epoch"], b["train_loss"]):
                writer.writerow(["whole training set", b["label"], update, *nowhere, loss, None, epoch, None])
            ended = b["train_update"] and b["train_update"][-1] == b["updates"]  # evaluated at the end
            last = (b["train_loss"][-1], b["train_epoch"][-1]) if ended else (None, None)
            writer.writerow(["batch end", b["label"], b["updates"], *b["final"], last[0], b["status"], last[1], None])
    elif widget == "vanishing":
        writer.writerow(["step", *(f"grad_norm {name}" for name in result["layers"])])
        for i, step in enumerate(result["steps"]):
            writer.writerow([step, *(norms[i] for norms in result["norms"])])
    elif widget == "tune":
        writer.writerow(["optimizer", "trial", "state", "status", "value", "lr"])
        for row in result["trials"]:
            writer.writerow([row["optimizer"], row["number"], row["state"], row.get("status") or "", row["value"],
                             row["lr"]])
    return out.getvalue()


# -- serving ---------------------------------------------------------------------------------------------------------


class PortBusy(RuntimeError):
    """The port is taken: the message says which flag picks another."""


def check_port(host: str, port: int) -> None:
    """Raise :class:`PortBusy` (one line, with the fix) when ``host:port`` cannot be bound."""
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise PortBusy(f"port {port!r} is not a port number; choose one in 1-65535 with --port 8000")
    if not isinstance(host, str) or not host.strip():  # an unset $HOST in a script: it listened on every address
        raise PortBusy(f"--host {host!r}: give the address to listen on, such as 127.0.0.1 (this machine alone) or "
                       "0.0.0.0 (every machine that can reach it)")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                raise PortBusy(f"port {port} on {host} is already in use; choose another with --port "
                               f"{port + 1 if port < 65535 else 8001}") from None
            if e.errno in (errno.EACCES, errno.EPERM):
                raise PortBusy(f"port {port} needs privileges on this machine; choose one above 1023 with "
                               "--port 8000") from None
            raise PortBusy(f"cannot listen on {host}:{port} ({e.strerror}); check --host") from None


def url_of(host: str, port: int) -> str:
    """The address a browser opens: every interface's (0.0.0.0, ::) through the loopback one; an IPv6 address in
    brackets.

    >>> url_of("0.0.0.0", 8000), url_of("::", 8000), url_of("::1", 8000), url_of("fe80::1", 80)
    ('http://127.0.0.1:8000/', 'http://[::1]:8000/', 'http://[::1]:8000/', 'http://[fe80::1]:80/')
    """
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else ("::1" if host == "::" else host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def serve(host: str = "127.0.0.1", port: int = 8000, *, open_browser: bool = True, echo: Any = print,
          compile: bool = True) -> None:
    """Serve the playground with uvicorn on ``host:port`` until Ctrl-C; print the URL and, when ``open_browser``
    and a browser is available, open it. Raises :class:`PortBusy` before starting when the port is taken, and
    :class:`PageMissing` when the page is not in the package (before anything is compiled).
    ``compile``: widgets use compiled programs built on the side (:mod:`descend.play.warm`), else always eager.
    Raises RuntimeError, before anything is printed or compiled, where an event loop runs in this thread (a
    Jupyter notebook's cell): uvicorn cannot run its own there."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError("descend play cannot serve from inside a running event loop (a Jupyter notebook's "
                           "cell): run `descend play` in a terminal, or `!descend play` in a cell (interrupt the "
                           "kernel to stop it)")
    import uvicorn

    from . import warm

    check_port(host, port)
    warm.set_enabled(compile)
    url = url_of(host, port)
    local = is_loopback(host)
    app = create_app(local_only=local)  # before the compiling starts: an app that cannot be made ends it at once
    if not local:
        echo(f"warning: --host {host} serves the playground to every machine that can reach this one; it runs "
             "training on request and has no login")
    echo(f"descend play: {url}  (Ctrl-C to stop)")
    if compile:
        from .widgets import prepare_defaults

        prepare_defaults()  # the default states' programs, built on the side while the server starts
    from .widgets import stop_waiting

    class Server(uvicorn.Server):
        """uvicorn's server, which at the first Ctrl-C also tells the answers waiting for their turn to train to
        give it up (uvicorn waits for every open request: a class's queued states trained one after another
        first), and at a second one cancels the rest without a traceback for each."""

        signals = 0

        def handle_exit(self, sig: int, frame: Any) -> None:
            if sig == signal.SIGINT and ignored and not relayed():  # a job a script started in the background
                return  # keeps ignoring Ctrl-C (uvicorn put its handler in place of the ignore it inherited), not a
                # SIGHUP or SIGTERM sent on as one (descend._interrupts.stops_as_ctrl_c)
            self.signals += 1
            stop_waiting()
            if self.signals > 1:  # uvicorn cancels the answers still running: their cancellation is no error
                logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
            super().handle_exit(sig, frame)

    import signal

    from .._interrupts import ctrl_c_ignored, relayed

    ignored = ctrl_c_ignored()
    stop_waiting(False)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning")
    server = Server(config)
    if open_browser:
        threading.Thread(target=_open_when_up, args=(server, url), daemon=True).start()

    def terminated(number: int, frame: Any) -> None:  # SIGTERM (kill, a service manager) ends the process as Ctrl-C
        raise KeyboardInterrupt  # does: through the wait for a compile below (uvicorn, once stopped, raises the
        # signal it caught again, and SIGTERM's default action ended the process there and then)

    previous = signal.signal(signal.SIGTERM, terminated) if threading.current_thread() is threading.main_thread() \
        else None
    interrupted = False
    try:
        server.run()  # until Ctrl-C or SIGTERM (raised again once the server has stopped)
        if ignored and relayed():  # a SIGHUP sent on as Ctrl-C, which uvicorn raised again into the ignore: as
            raise KeyboardInterrupt  # Ctrl-C ends the command (exit 130)
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        # a second Ctrl-C while the server was stopping stops at once, as one during the wait for a compile does
        _stop_compiling(echo, again=interrupted, now=server.signals > 1)
        stop_waiting(False)  # the widgets, called as library functions after the server, train again
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _stop_compiling(echo: Any, again: bool = True, now: bool = False) -> None:
    """Before the process ends: drop the programs waiting to be compiled and wait for the one being compiled
    (:func:`descend.play.warm.stop`: a process that ends inside a compile is aborted by torch); a Ctrl-C (a
    second one, ``again``, when the server stopped for the first) ends the process at once, and so does ``now``
    (a second Ctrl-C came while the server was stopping)."""
    from . import warm

    if now and warm.running():
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    if warm.running():
        try:
            echo("descend play: stopping once the program being compiled is done "
                 f"(Ctrl-C{' again' if again else ''} to stop now)")
        except OSError:  # its reader gone (descend play | head -1): the wait below must still happen
            pass
    try:
        warm.stop()
    except KeyboardInterrupt:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)


def _open_when_up(server: Any, url: str) -> None:
    import time
    import webbrowser

    for _ in range(100):
        if server.started:
            break
        time.sleep(0.1)
    try:
        webbrowser.get()
    except webbrowser.Error:
        return  # no browser here (a server, CI): the printed URL is enough
    webbrowser.open(url)
