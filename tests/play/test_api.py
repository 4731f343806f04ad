"""The web API with FastAPI's test client: numbers equal descend.fit's, refusals are 422 with the field and its
message, the page and plotly.js are served from the package; the command's port and host checks."""

from __future__ import annotations

import re
import socket
import threading
import time
import urllib.parse
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

import descend
from descend.play import app as app_module
from descend.play.state import STATES, LandscapeState
from descend.spec import RunSpec


@pytest.fixture(scope="module")
def client():
    return TestClient(app_module.create_app())


def test_landscape_endpoint_equals_descend_fit_bit_for_bit(client):
    query = "landscape=beale&steps=50&optimizers=rmsprop;lr=0.01;alpha=0.9&optimizers=nesterov;lr=0.002"
    got = client.get(f"/api/landscape?{query}")
    assert got.status_code == 200
    body = got.json()
    assert LandscapeState.from_query(body["query"]) == LandscapeState.from_query(query)
    task = descend.tasks.landscape_task("beale")
    runs = descend.fit(task=task, runs=[RunSpec("rmsprop", {"lr": 0.01, "alpha": 0.9}, None, 0),
                                        RunSpec("nesterov", {"lr": 0.002}, None, 0)], steps=50, compile=False)
    for i, run in enumerate(body["runs"]):
        np.testing.assert_array_equal(np.array(run["path"], dtype=np.float64), runs.paths[i])
    # the same state given as JSON
    posted = client.post("/api/landscape", json=LandscapeState.from_query(query).model_dump(mode="json"))
    assert posted.status_code == 200 and posted.json()["runs"][0]["path"] == body["runs"][0]["path"]


def test_line_endpoint_equals_descend_fit(client):
    body = client.get("/api/line?steps=15&batch_size=1&lr=0.05&start=0.5,0.5").json()
    task = descend.tasks.get("line", start=(0.5, 0.5), m=64)
    runs = descend.fit(task=task, optimizer="gd", lr=0.05, batch_size=1, steps=15, compile=False)
    np.testing.assert_array_equal(np.array(body["path"]), runs.paths[0])


@pytest.mark.parametrize("widget, query", [
    ("curvature", "lr=1.9&steps=10"),
    ("vanishing", "depth=2&width=4&steps=5"),
    ("ellipse", "steps=10&epochs=1&batch_sizes=full&grid=20&optimizers=adam;lr=0.05"),
])
def test_every_widget_answers(client, widget, query):
    got = client.get(f"/api/{widget}?{query}")
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["widget"] == widget and STATES[widget].from_query(body["query"]) == STATES[widget].from_query(query)
    assert body["python"].startswith("import descend")
    csv = client.get(f"/api/{widget}.csv?{query}")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert len(csv.text.splitlines()) > 3


def test_the_vanishing_widget_gives_its_steps_as_whole_numbers(client):
    """Its steps were 0.0, 1.0, ... in the JSON and in the CSV's step column; every other widget's are 0, 1, ..."""
    query = "depth=2&width=4&steps=5"
    body = client.get(f"/api/vanishing?{query}").json()
    for key in ("steps", "loss_step", "accuracy_step"):
        assert body[key] and all(type(v) is int for v in body[key]), (key, body[key])
    rows = client.get(f"/api/vanishing.csv?{query}").text.splitlines()
    assert rows[0].startswith("step,") and [row.split(",")[0] for row in rows[1:]] == ["0", "1", "2", "3", "4"]


@pytest.mark.parametrize("path, field, words", [
    ("/api/landscape?steps=99999", "steps", "1 ≤ steps ≤ 2000"),
    ("/api/landscape?landscape=x%5E2", "landscape", "use ** for powers"),
    ("/api/landscape?landscape=sin(x)%2B", "landscape", "formula"),
    ("/api/landscape?optimizers=adam;lr=0&steps=10", "optimizers.0.lr", "0 < lr ≤ 10"),
    ("/api/landscape?grid=1000", "grid", "20 ≤ grid ≤ 150"),
    ("/api/line?batch_size=100", "batch_size", "1..64"),
    ("/api/vanishing?depth=40", "depth", "1 ≤ depth ≤ 12"),
    ("/api/curvature?bogus=1", "bogus", "extra"),
    ("/api/landscape?optimizers=adam;lr&steps=10", "optimizers.0", "'lr' is not key=value"),
    ("/api/landscape?optimizers=adam;beta1=0.9;beta1=0.8&steps=10", "optimizers.0", "beta1 is given twice"),
    ("/api/landscape?optimizers=adam;lr=0.1;lr=0.2&steps=10", "optimizers.0", "lr is given twice"),
    ("/api/tune?target=landscape&query=optimizers%3Dadam%3Blr", "query", "query (the landscape widget's state): "),
    ("/api/tune?target=landscape&query=landscape%3Dfoo(x)", "query", "unknown function 'foo'"),
    # every optimizer "diverged at step 0" where the formula is not a number at the start
    ("/api/landscape?landscape=sqrt(x)%2By**2&start=-1,0&steps=10", "start", "start=-1,0 is not allowed; the cost "
                                                                            "is nan there"),
    # a schedule checked with its row at 100 steps; the state's one step is too few for it
    ("/api/landscape?optimizers=adam&optimizers=adam;schedule=one_cycle&steps=1", "optimizers.1",
     "optimizer 2: schedule 'one_cycle': total_steps=1 is out of range"),
])
def test_a_refused_state_is_422_naming_the_field(client, path, field, words):
    got = client.get(path)
    assert got.status_code == 422
    errors = got.json()["errors"]
    assert any(e["field"] == field and words in e["message"] for e in errors), errors
    widget, _, query = path[len("/api/"):].partition("?")
    assert client.get(f"/api/{widget}.csv?{query}").status_code == 422  # the CSV export refuses it alike


def test_bad_bodies_and_unknown_widgets(client):
    assert client.post("/api/landscape", content=b"{not json", headers={"Content-Type": "application/json"}
                       ).status_code == 422
    assert client.post("/api/landscape", json={"steps": "many"}).status_code == 422
    assert client.get("/api/nonsense").status_code == 404
    assert client.get("/nonsense").status_code == 404


def test_numbers_beyond_a_float_are_422_and_a_rate_beyond_one_diverges(client):
    """A 400-digit integer in a JSON body is refused naming its field (it overflowed into a 500); a schedule whose
    rate grows past the largest float is a diverging run, drawn as such (it raised OverflowError, a 500)."""
    huge = 10**400
    for body, field in (({"optimizers": [{"name": "adam", "lr": 0.1, "hyper": {"beta1": huge}}]}, "optimizers.0.hyper"),
                        ({"start": [huge, 0]}, "start")):
        got = client.post("/api/landscape", json=body)
        assert got.status_code == 422, got.text
        assert any(e["field"] == field and "finite" in e["message"] and len(e["message"]) < 200
                   for e in got.json()["errors"]), got.json()
    assert client.post("/api/line", json={"start": [huge, 0]}).status_code == 422
    got = client.get("/api/landscape?steps=50&optimizers=adam;lr=0.05;schedule=exponential:gamma=1e10")
    assert got.status_code == 200 and got.json()["runs"][0]["status"] == "diverged"
    # "constant", which the schedule's refusals list as allowed, is no schedule (it was an internal error)
    constant = client.get("/api/landscape?steps=20&optimizers=adam;lr=0.05;schedule=constant")
    plain = client.get("/api/landscape?steps=20&optimizers=adam;lr=0.05")
    assert constant.status_code == 200 and constant.json()["runs"][0]["path"] == plain.json()["runs"][0]["path"]


def test_the_vanishing_widget_bounds_the_sigmoids_derivative_by_a_quarter_as_the_task_card_does():
    """Its introduction said each sigmoid layer multiplies the backward signal by at most 1/4; what is at most 1/4
    is the sigmoid's derivative (the signal is multiplied by Wᵀ too), as the vanishing task's card says."""
    script = (Path(app_module.__file__).parent / "static" / "app.js").read_text(encoding="utf-8")
    quoted = re.search(r'vanishing: "(Seed 002.*?)",\n', script, re.S).group(1)
    intro = " ".join(re.sub(r'"\s*\+\s*"', "", quoted).split())  # its strings joined with +, as the page shows it
    assert "the sigmoid's derivative is at most 1/4" in intro and "backward signal by at most" not in intro


def test_the_page_and_plotly_are_served_from_the_package(client):
    for widget in STATES:
        page = client.get(f"/{widget}")
        assert page.status_code == 200 and "/static/plotly.min.js" in page.text
    assert client.get("/", follow_redirects=False).status_code in (302, 307)
    bundle = client.get("/static/plotly.min.js")
    assert bundle.status_code == 200 and bundle.content == app_module.plotly_js().read_bytes()
    for name in ("app.js", "style.css"):
        assert client.get(f"/static/{name}").status_code == 200
    page = (Path(app_module.__file__).parent / "static" / "index.html").read_text()
    assert "http://" not in page and "https://" not in page  # nothing fetched from the web
    assert client.get("/api/docs").status_code == 404  # FastAPI's Swagger page loads its scripts from a CDN
    assert client.get("/api/openapi.json").status_code == 200
    meta = client.get("/api/meta").json()
    assert "adam" in meta["optimizers"] and any(s["name"] == "rosenbrock" for s in meta["landscapes"])
    assert meta["widgets"]["landscape"]["schema"]["properties"]["steps"]["maximum"] == 2000


def test_a_busy_port_is_one_line_naming_the_flag():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(app_module.PortBusy) as info:
            app_module.check_port("127.0.0.1", port)
        assert "--port" in str(info.value) and "\n" not in str(info.value)
        from typer.testing import CliRunner

        from descend.cli import app

        result = CliRunner().invoke(app, ["play", "--port", str(port), "--no-browser"])
        assert result.exit_code == 2
        assert "already in use" in result.output and "--port" in result.output
    for bad in ("70000", "0", "-1"):  # not a port: the flag's range, no traceback (70000 was an OverflowError)
        result = CliRunner().invoke(app, ["play", "--port", bad, "--no-browser"])
        assert result.exit_code == 2 and "--port" in result.output and "Traceback" not in result.output
    with pytest.raises(app_module.PortBusy, match="1-65535"):
        app_module.check_port("127.0.0.1", 70000)


def test_serve_warns_for_every_address_and_prints_the_url(monkeypatch):
    import uvicorn

    monkeypatch.setattr(uvicorn.Server, "run", lambda self: None)
    printed = []
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    app_module.serve("0.0.0.0", port, open_browser=False, echo=printed.append, compile=False)
    assert printed[0].startswith("warning: --host 0.0.0.0")
    assert printed[1].startswith(f"descend play: http://127.0.0.1:{port}/")
    printed.clear()
    app_module.serve("127.0.0.1", port, open_browser=False, echo=printed.append, compile=False)
    assert len(printed) == 1 and "warning" not in printed[0]


def test_serve_refuses_a_running_event_loop_before_printing_or_compiling(monkeypatch):
    """In a Jupyter cell (an event loop running in the thread) uvicorn could not start; serve printed the URL,
    queued the default states' compiles, waited ~40 s for them, and a kernel interrupt meanwhile killed the
    kernel (os._exit)."""
    import asyncio

    from descend.play import warm

    queued = []
    monkeypatch.setattr("descend.play.widgets.prepare_defaults", lambda: queued.append(1))
    printed = []

    async def cell():
        app_module.serve("127.0.0.1", 8767, open_browser=False, echo=printed.append)

    with pytest.raises(RuntimeError, match=r"running event loop .*`descend play` in a terminal"):
        asyncio.run(cell())
    assert printed == [] and queued == [] and not warm.running()


def test_stopping_says_ctrl_c_again_only_after_a_ctrl_c(monkeypatch):
    import uvicorn

    from descend.play import warm

    monkeypatch.setattr(warm, "running", lambda: True)
    monkeypatch.setattr(warm, "stop", lambda: None)
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    for failure, words in ((OSError("the server failed"), "(Ctrl-C to stop now)"),
                           (KeyboardInterrupt(), "(Ctrl-C again to stop now)")):
        def run(self, failure=failure):
            raise failure

        monkeypatch.setattr(uvicorn.Server, "run", run)
        printed = []
        with pytest.raises(type(failure)):
            app_module.serve("127.0.0.1", port, open_browser=False, echo=printed.append, compile=False)
        assert printed[-1].endswith(words), printed


def test_true_is_not_a_number_and_a_huge_one_is_not_echoed_whole(client):
    """{"steps": true} trained one step; a 400-digit steps was echoed whole in its 422."""
    got = client.post("/api/landscape", json={"steps": True})
    assert got.status_code == 422
    assert got.json()["errors"] == [{"field": "steps", "message": "steps = true: a number is required"}]
    got = client.post("/api/landscape", json={"steps": 10**400})
    message = got.json()["errors"][0]["message"]
    assert got.status_code == 422 and "..." in message and len(message) < 160, message
    for start in (list(range(10_000)), ",".join(["1"] * 3000)):  # a start of many numbers was echoed whole
        got = client.post("/api/landscape", json={"start": start})
        message = got.json()["errors"][0]["message"]
        assert got.status_code == 422 and "give two numbers" in message and len(message) < 200, message[:300]


def test_a_deeply_nested_body_is_refused_not_a_server_error(client):
    """A body nested thousands of levels deep raised RecursionError: a 500, and a traceback in the terminal."""
    body = "[" * 30_000 + "]" * 30_000  # (within the body's size limit: a larger one is 413 before it is parsed)
    got = client.post("/api/landscape", content=body, headers={"Content-Type": "application/json"})
    assert got.status_code == 422, got.text[:200]
    for depth in (500, 5_000, 30_000):
        body = '{"steps": 5, "start": ' + "[" * depth + "1" + "]" * depth + "}"
        got = client.post("/api/landscape", content=body, headers={"Content-Type": "application/json"})
        assert got.status_code == 422 and len(got.text) < 400, got.text[:200]


@pytest.mark.parametrize("path", ["/api/curvature", "/api/curvature.csv"])
def test_a_request_whose_page_went_away_does_not_train_when_its_turn_comes(server, monkeypatch, path):
    """A page that asks for a newer state cancels its older requests; those still waiting for their turn to train
    (behind another request's training) used to train one after another for no one, delaying the newest answer by
    their whole time. The answer's ``seconds`` leaves out the wait. A CSV download trained outside the limit of
    answers in threads and after its page had gone (ten dropped downloads held a later answer 22 s)."""
    import httpx

    from descend.play import widgets

    trained, fit = [], descend.fit
    monkeypatch.setattr(descend, "fit", lambda **kwargs: trained.append(kwargs["lr"]) or fit(**kwargs))
    widgets.clear_cache()
    with widgets._TRAINING:  # another request's training
        with pytest.raises(httpx.TimeoutException):  # the page gives up on this one (a newer state was asked)
            httpx.get(f"{server}{path}?lr=0.31", timeout=0.5)
        time.sleep(0.3)  # the server sees the closed connection
        held = time.perf_counter()
        later = []
        thread = threading.Thread(target=lambda: later.append(httpx.get(f"{server}{path}?lr=0.32", timeout=60)))
        thread.start()
        time.sleep(0.5)
    thread.join(60)
    waited = time.perf_counter() - held
    assert trained == [0.32], "the request the page left trained all the same"
    assert later[0].status_code == 200
    if not path.endswith(".csv"):
        answer = later[0].json()
        assert answer["seconds"] < waited - 0.4, (answer["seconds"], waited)


@pytest.mark.parametrize("body", [{"optimizers": [{"name": "adam", "lr": True}]},
                                  {"optimizers": [{"name": "adam", "lr": 0.01, "decay": True}]},
                                  {"start": [True, False]}])
def test_a_json_true_where_a_number_goes_is_refused_in_an_optimizer_and_a_start(client, body):
    """{"steps": true} was refused, but {"lr": true} in an optimizer trained at 1.0 and a start of [true, false]
    started at (1, 0)."""
    got = client.post("/api/landscape", json=body)
    assert got.status_code == 422, got.json()


def test_a_batch_size_given_twice_in_other_digits_is_refused(client):
    """32,３２ (fullwidth digits) passed the ellipse's "given twice" check: two identical runs, and a command that
    descend compare refuses."""
    got = client.get("/api/ellipse?epochs=2&batch_sizes=32,%EF%BC%93%EF%BC%92")
    assert got.status_code == 422 and "batch size 32 is given twice" in str(got.json()), got.json()


def test_the_page_is_served_while_many_answers_wait_to_train():
    """Answers waiting for their turn to train held every worker thread (AnyIO's 40): with 60 of them waiting, the
    page's requests took 17 s and more."""
    import threading
    import time

    from descend.play import widgets

    widgets.clear_cache()
    waiting, got, answers = [], {}, []
    # one event loop for every request, as the server has (a client outside `with` starts one per request)
    with TestClient(app_module.create_app()) as shared:
        widgets._TRAINING.acquire()  # a long training: every answer below waits for its turn
        try:
            def answered(url):
                answers.append(shared.get(url).status_code)

            for i in range(45):
                thread = threading.Thread(target=answered, args=(f"/api/curvature?steps={20 + i}",), daemon=True)
                thread.start()
                waiting.append(thread)
            time.sleep(1.0)
            meta = threading.Thread(target=lambda: got.update(status=shared.get("/api/meta").status_code),
                                    daemon=True)
            meta.start()
            meta.join(10)
            in_time = not meta.is_alive()  # (it never came while the training lasted)
        finally:
            widgets._TRAINING.release()
        for thread in waiting:
            thread.join(60)
    assert in_time and got == {"status": 200} and answers == [200] * 45


def test_a_body_larger_than_the_limit_is_413_before_it_is_read_whole(client):
    big = b'{"steps": 5, "pad": "' + b"x" * app_module.MAX_BODY + b'"}'
    answer = client.post("/api/landscape", content=big, headers={"Content-Type": "application/json"})
    assert answer.status_code == 413 and "larger than 64 KB" in answer.json()["errors"][0]["message"]

    def chunks():  # no Content-Length: counted as it comes
        yield b'{"steps": 5, "pad": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    answer = client.post("/api/landscape", content=chunks(), headers={"Content-Type": "application/json"})
    assert answer.status_code == 413
    assert client.post("/api/landscape", json={"steps": 5}).status_code == 200  # a state is far below it


def test_served_on_a_loopback_address_it_answers_only_to_loopback_names():
    """A web page whose own name was made to resolve to 127.0.0.1 (DNS rebinding) sends its name as the Host: it
    must not make this machine train or read its answers."""
    local = TestClient(app_module.create_app(local_only=True), base_url="http://127.0.0.1:8000")
    for host in ("127.0.0.1:8000", "localhost:8000", "LOCALHOST", "[::1]:8000", "127.0.0.2:8000"):
        assert local.get("/api/meta", headers={"Host": host}).status_code == 200, host
    for host in ("evil.example:8000", "127.0.0.1.evil.example", "", "[::2]:8000"):
        answer = local.get("/api/landscape?steps=5", headers={"Host": host})
        assert answer.status_code == 400 and "answers only at localhost" in answer.json()["errors"][0]["message"]
    assert local.post("/api/landscape", json={"steps": 5}, headers={"Host": "evil.example"}).status_code == 400
    assert local.get("/landscape", headers={"Host": "evil.example"}).status_code == 400


def test_another_sites_page_cannot_make_it_train():
    """README promised that another web page cannot make the playground train; a cross-site
    fetch(..., {mode: "no-cors", method: "POST", headers: {"Content-Type": "text/plain"}}), or an
    <img src="http://127.0.0.1:PORT/api/tune?...">, was answered (its Host is 127.0.0.1)."""
    for local in (True, False):
        client = TestClient(app_module.create_app(local_only=local), base_url="http://127.0.0.1:8000")
        state = '{"steps": 5}'
        sent = client.post("/api/landscape", content=state,
                           headers={"Content-Type": "text/plain", "Origin": "https://evil.example",
                                    "Sec-Fetch-Site": "cross-site"})
        assert sent.status_code == 403, sent.text[:200]
        assert "answers only its own pages" in sent.json()["errors"][0]["message"]
        image = client.get("/api/landscape?steps=5", headers={"Sec-Fetch-Site": "cross-site"})
        assert image.status_code == 403
        # a page of another port of this machine: the same site to a browser, which sends no Origin for an image
        image = client.get("/api/landscape?steps=5", headers={"Sec-Fetch-Site": "same-site",
                                                               "Sec-Fetch-Mode": "no-cors"})
        assert image.status_code == 403 and "same-site" in image.json()["errors"][0]["message"]
        # but a link from a notebook on another port opens the page, not an answer (a hidden frame's)
        assert client.get("/landscape", headers={"Sec-Fetch-Site": "same-site",
                                                 "Sec-Fetch-Mode": "navigate"}).status_code == 200
        assert client.get("/api/landscape?steps=5", headers={"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "navigate",
                                                              "Sec-Fetch-Dest": "iframe"}).status_code == 403
        for origin in ("https://evil.example", "null", "http://127.0.0.1:8001", "http://localhost:8000"):
            answer = client.post("/api/landscape", json={"steps": 5}, headers={"Origin": origin})
            assert answer.status_code == 403, origin
        # a body another site's page can send without the browser asking first: not JSON, refused
        for kind in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None):
            headers = {"Content-Type": kind} if kind else {}
            answer = client.post("/api/landscape", content=state, headers=headers)
            assert answer.status_code == 415 and "Content-Type: application/json" in answer.json()["errors"][0][
                "message"], kind
        # the playground's own page: same origin
        own = {"Origin": "http://127.0.0.1:8000", "Sec-Fetch-Site": "same-origin"}
        assert client.get("/api/landscape?steps=5", headers={"Sec-Fetch-Site": "same-origin"}).status_code == 200
        assert client.post("/api/landscape", content=state, headers={
            **own, "Content-Type": "application/json; charset=utf-8"}).status_code == 200
        assert client.get("/landscape", headers={"Sec-Fetch-Site": "none"}).status_code == 200  # an address typed
        assert client.get("/api/meta", headers={"Host": "localhost:8000", "Origin": "http://localhost:8000",
                                                "Sec-Fetch-Site": "same-origin"}).status_code == 200


def test_a_loopback_address_other_than_127_0_0_1_is_served_as_one(monkeypatch):
    """--host 127.0.0.2 was warned about as serving "every machine that can reach this one", and answered any Host
    (evil.example: 200), its protection against DNS rebinding off."""
    import uvicorn

    seen = {}

    class Server:  # the serve() up to uvicorn's run, which is where the app and the words are decided
        def __init__(self, config):
            seen["app"] = config.app

        def run(self):
            pass

    monkeypatch.setattr(uvicorn, "Server", Server)
    monkeypatch.setattr(app_module, "check_port", lambda host, port: None)
    said = []
    app_module.serve("127.0.0.2", 8123, open_browser=False, echo=said.append, compile=False)
    assert not any("every machine" in line for line in said), said
    client = TestClient(seen["app"], base_url="http://127.0.0.2:8123")
    assert client.get("/api/meta", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/api/meta", headers={"Host": "127.0.0.2:8123"}).status_code == 200


def play_process(**popen):
    """``descend play --no-compile`` in a process of its own on a free loopback port, once it answers: the process
    (output on its stdout) and the server's base URL."""
    import socket
    import subprocess
    import sys

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "descend", "play", "--no-browser", "--no-compile", "--port",
                                str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **popen)
    for _ in range(120):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/meta", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    return process, f"http://127.0.0.1:{port}"


def test_sigterm_stops_the_server_as_ctrl_c_does(tmp_path):
    """SIGTERM (kill, a service manager) ended the process at once (status -15): uvicorn raised it again once the
    server had stopped, before the wait for a compile and the cleanup at exit."""
    import signal

    process, _ = play_process()
    try:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, (process.returncode, output)  # as after Ctrl-C
    assert "Traceback" not in output


def test_host_names_of_host_headers():
    from descend._hosts import host_name

    assert [host_name(h) for h in ("localhost:8000", "[::1]:8000", "::1", "127.0.0.1", "a.b:1")] == [
        "localhost", "::1", "::1", "127.0.0.1", "a.b"]


def test_a_post_with_a_query_is_refused_and_a_read_only_path_is_405(client):
    """POST /api/line?steps=5 answered with the default 100 steps (the query dropped without a word); POST /api/meta
    and POST /api/line.csv were taken for widgets named "meta" and "line.csv" (404)."""
    refused = client.post("/api/line?steps=5", json={})
    assert refused.status_code == 422 and "a POST reads the state from its JSON body, not from the query " \
        "(steps=5)" in refused.json()["errors"][0]["message"]
    assert client.post("/api/line", json={"steps": 5}).json()["state"]["steps"] == 5
    for path in ("/api/meta", "/api/line.csv"):
        answer = client.post(path, json={})
        assert answer.status_code == 405 and answer.headers["allow"] == "GET", (path, answer.text)


def test_a_formula_finite_nowhere_is_refused_in_the_playgrounds_words(client):
    """The 422 said to give domain=((x0, x1), (y0, y1)) in Python or a --config file: the widget has no domain."""
    answer = client.get("/api/landscape", params={"landscape": "log(log(x - 10)) + y**2"})
    message = answer.json()["errors"][0]["message"]
    assert answer.status_code == 422 and "somewhere in [-5, 5]² (the playground draws it where it is)" in message
    assert "--config" not in message and "domain=" not in message


def test_an_integer_fields_range_is_written_as_whole_numbers(client):
    """data_seed's range said "≤ 1e+06", a form the field itself refuses."""
    answer = client.get("/api/line", params={"data_seed": "-1"})
    message = answer.json()["errors"][0]["message"]
    assert answer.status_code == 422 and "1000000" in message and "1e+06" not in message, message


def test_a_body_of_the_wrong_shape_is_told_in_json_not_in_pydantics_class_names(client):
    """A top-level list, or an optimizer's text form inside a JSON list, was refused as "Input should be a valid
    dictionary or instance of LandscapeState" (OptimizerEntry): names of descend's Python classes."""
    for body, field, words in (([1, 2], "", "the widget's state must be a JSON object of settings"),
                               ({"optimizers": ["adam;lr=0.05"]}, "optimizers.0",
                                "an optimizer must be a JSON object of settings ({\"name\": \"adam\", \"lr\": 0.05}; "
                                "the text adam;lr=0.05 is a query string's form)")):
        answer = client.post("/api/landscape", json=body)
        (error,) = answer.json()["errors"]
        assert answer.status_code == 422 and error["field"] == field and words in error["message"], error
        assert "instance of" not in error["message"]


def test_a_null_or_a_nan_is_refused_with_the_fields_range(client):
    """steps: null and lr: NaN were refused without the range the field allows ("steps: Input should be a valid
    integer")."""
    for body, words in (('{"steps": null}', "steps = null: input should be a valid integer (allowed: 1 ≤ steps ≤"),
                        ('{"lr": NaN}', "lr = nan: input should be a finite number (allowed: 0 < lr ≤")):
        answer = client.post("/api/line", content=body, headers={"content-type": "application/json"})
        assert answer.status_code == 422 and words in answer.json()["errors"][0]["message"], answer.text


def test_a_plus_sign_typed_in_a_link_is_explained(client):
    """landscape=x**2+y**2 typed in the address bar reached the formula as 'x**2 y**2' (a query reads '+' as a
    space), and the error advised "write 2*y": it says how to write a plus sign in a link; %2B trains."""
    refused = client.get("/api/landscape?landscape=x**2+y**2&steps=5")
    message = refused.json()["errors"][0]["message"]
    assert refused.status_code == 422 and "write a plus sign as %2B" in message, message
    assert client.get("/api/landscape?landscape=x**2%2By**2&steps=5").status_code == 200
    other = client.get("/api/landscape?landscape=x**2%20y**2&steps=5")  # a space typed as one: no word about '+'
    assert other.status_code == 422 and "%2B" not in other.json()["errors"][0]["message"]
    lr = client.get("/api/landscape?optimizers=adam;lr=1e+3&steps=5").json()["errors"][0]
    assert lr["field"].startswith("optimizers") and "%2B" in lr["message"], lr
    assert "%2B" not in client.get("/api/landscape?landscape=x+y&steps=0").json()["errors"][0]["message"]


def test_an_unknown_optimizer_is_refused_in_the_playgrounds_words(client):
    """The 422 advised "descend.optim.register, or --plugin FILE.py on the command line" (descend play has no
    --plugin) and, for 'adam,sgd', "-o adam -o sgd"."""
    for path, field in (("/api/landscape?optimizers=adamm;lr=0.01", "optimizers.0.name"),
                        ("/api/line?optimizer=adamm", "optimizer")):
        error = client.get(path).json()["errors"][0]
        assert error["field"] == field and "did you mean 'adam'" in error["message"], error
        assert "the playground offers: gd, momentum" in error["message"]
        assert "--plugin" not in error["message"] and "register" not in error["message"]
    error = client.get("/api/line?optimizer=adam,sgd").json()["errors"][0]
    assert "names several optimizers; give one" in error["message"] and "-o" not in error["message"], error


def test_an_installation_without_the_page_says_so_in_one_line_before_compiling(monkeypatch, tmp_path):
    """A wheel built without the package's data lacked the page: `descend play` printed its address, started
    compiling the default widgets, ended in a traceback ("Directory '.../static' does not exist") and lingered until
    the compile was done (28-87 s)."""
    from typer.testing import CliRunner

    from descend.cli import app
    from descend.play import widgets

    monkeypatch.setattr(app_module, "STATIC", tmp_path / "static")  # no page files
    monkeypatch.setattr(app_module, "check_port", lambda host, port: None)
    compiled = []
    monkeypatch.setattr(widgets, "prepare_defaults", lambda: compiled.append(True))
    result = CliRunner().invoke(app, ["play", "--port", "8123", "--no-browser"])
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output, result.output
    assert "lacks the playground's page (index.html, app.js, style.css" in result.output
    assert "pip install --force-reinstall descend" in result.output and "http://" not in result.output
    assert not compiled
    with pytest.raises(app_module.PageMissing):
        app_module.create_app()


def test_every_widgets_csv_is_one_table_whose_numbers_read_as_numbers(client):
    """The ellipse's CSV was two tables in one file (its paths, a blank line, then a second header for the batch
    losses): pandas read that header as a row and every path column as text."""
    import csv
    import io

    import pandas as pd

    for widget, query in (("landscape", "steps=5"), ("line", "steps=5"), ("curvature", "lr=1.9&steps=5"),
                          ("vanishing", "depth=2&width=4&steps=5"),
                          ("ellipse", "steps=10&epochs=1&batch_sizes=full,32&grid=20&optimizers=adam;lr=0.05")):
        text = client.get(f"/api/{widget}.csv?{query}").text
        rows = list(csv.reader(io.StringIO(text)))
        assert all(rows) and {len(row) for row in rows} == {len(rows[0])}, (widget, rows[:3])
        table = pd.read_csv(io.StringIO(text))
        assert pd.api.types.is_numeric_dtype(table["step"]), (widget, table.dtypes)
    assert set(table["series"]) == {"path", "batch loss", "whole training set", "batch end"}
    assert set(table.loc[table["series"] == "batch loss", "label"]) == {"full", "32"}
    for column in ("A", "B", "cost", "epoch", "batch_loss"):
        assert pd.api.types.is_numeric_dtype(table[column]), column


def test_the_ellipse_csv_holds_the_whole_training_sets_loss_and_each_batch_runs_end(client):
    """The ellipse's CSV held the loss of each update only: not the dotted curves of the whole training set's loss
    nor the (A, B) each batch size's run ended at."""
    import io

    import pandas as pd

    query = "steps=5&epochs=2&batch_sizes=full,32&grid=20&batch_optimizer=momentum&batch_lr=0.05"
    table = pd.read_csv(io.StringIO(client.get(f"/api/ellipse.csv?{query}").text))
    task = descend.tasks.get("ellipse")
    runs = descend.fit(task=task, runs=[RunSpec("momentum", {"lr": 0.05}, b, 0) for b in (None, 32)], epochs=2,
                       compile=False)
    for i, label in enumerate(["full", "32"]):
        rows = table[table["label"] == label]
        whole = rows[rows["series"] == "whole training set"]
        step, epoch, loss = runs.curve(i, "loss", "train")
        np.testing.assert_array_equal(whole["step"], step)
        np.testing.assert_array_equal(whole["epoch"], epoch)
        np.testing.assert_allclose(whole["cost"], loss, rtol=1e-6)  # float32, written as text
        (end,) = rows[rows["series"] == "batch end"].itertuples()
        updates = len(runs.curve(i, "loss", "batch")[2])
        assert (end.step, end.epoch, end.status) == (updates, 2, "ok")
        assert [end.A, end.B] == pytest.approx([float(runs.params[i]["w_a"]), float(runs.params[i]["w_b"])])
        assert end.cost == pytest.approx(loss[-1])


def test_a_cached_answer_and_a_refusal_come_at_once_while_answers_wait_to_train():
    """A cached state (3 ms on an idle server) took 6.5 s while another page's search trained, and a 422 up to 5 s
    with 30 pages dragging sliders: both waited for one of the answers' threads behind requests that wait for their
    turn to train. They are answered in the event loop now."""
    import threading
    import time

    from descend.play import widgets

    widgets.clear_cache()
    answers, timed = [], {}
    with TestClient(app_module.create_app()) as shared:
        assert shared.get("/api/curvature?steps=11").status_code == 200  # computed once: cached from now on
        widgets._TRAINING.acquire()  # a long training: every new state waits for its turn
        try:
            waiting = [threading.Thread(target=lambda i=i: answers.append(shared.get(f"/api/curvature?steps={30 + i}")
                                                                          .status_code), daemon=True)
                       for i in range(8)]  # more than the answers' threads
            for thread in waiting:
                thread.start()
            time.sleep(1.0)

            def timed_get(name, url):
                started = time.perf_counter()
                response = shared.get(url)
                timed[name] = (response.status_code, response.json().get("cached"), time.perf_counter() - started)

            quick = [threading.Thread(target=timed_get, args=("cached", "/api/curvature?steps=11"), daemon=True),
                     threading.Thread(target=timed_get, args=("refused", "/api/curvature?steps=abc"), daemon=True)]
            for thread in quick:
                thread.start()
            for thread in quick:
                thread.join(5)
            in_time = dict(timed)  # what came while the training lasted
        finally:
            widgets._TRAINING.release()
        for thread in waiting:
            thread.join(60)
    assert set(in_time) == {"cached", "refused"}, in_time
    assert in_time["cached"][:2] == (200, True) and in_time["refused"][0] == 422
    assert answers == [200] * 8


def test_a_search_whose_page_went_away_stops_and_frees_the_training(server, monkeypatch):
    """A tune search went on for up to 20 s after its page had closed, every other page's new state waiting for it
    (6.5 s for a 10-ms curvature answer). It stops after the step it is at now, and nothing of it is cached."""
    import httpx

    from descend.play import widgets

    widgets.clear_cache()
    told = []
    search = descend.tune

    def counted(*args, **kwargs):
        result = search(*args, **kwargs)
        from optuna.trial import TrialState

        told.append(len(result.study.get_trials(states=(TrialState.COMPLETE,))))
        return result

    monkeypatch.setattr(descend, "tune", counted)
    query = urllib.parse.quote("steps=1500&noise=10&m=2048&batch_size=1&optimizers=adam;lr=0.01", safe="")
    url = f"{server}/api/tune?target=landscape&trials=48&query={query}"
    with pytest.raises(httpx.TimeoutException):  # the page closes while its search trains
        httpx.get(url, timeout=1.5)
    started = time.perf_counter()
    answer = httpx.get(f"{server}/api/curvature?steps=13", timeout=60)  # another page's new state
    assert answer.status_code == 200 and time.perf_counter() - started < 4.0
    assert told and told[0] < 48, told  # stopped before its budget
    from descend.play.state import TuneState

    state = TuneState.from_query(f"target=landscape&trials=48&query={query}")
    assert widgets.cached_result(state) is None, "the search cut short was cached as the state's answer"


@pytest.mark.parametrize("twice", [False, True])
def test_ctrl_c_under_load_ends_after_the_training_running_not_every_queued_one(twice):
    """At Ctrl-C uvicorn waits for every open request: the states queued behind a training trained one after
    another first (a classroom's server took 11-15 s to stop), and a second Ctrl-C then printed a traceback per
    answer it cancelled. The queued ones give their turn up now (HTTP 499), the server ends after the training
    running, and nothing is printed but the lines of a stop."""
    import signal

    import httpx

    process, base = play_process()
    statuses: dict[float, int] = {}

    def ask(lr: float) -> None:
        try:
            statuses[lr] = httpx.get(f"{base}/api/vanishing?depth=12&width=32&steps=250&init=normal&init_scale=10"
                                     f"&lr={lr}", timeout=120).status_code
        except httpx.HTTPError:
            statuses[lr] = -1  # the connection closed without an answer
    try:
        askers = [threading.Thread(target=ask, args=(lr,), daemon=True) for lr in (0.11, 0.12, 0.13, 0.14)]
        for thread in askers:
            thread.start()
            time.sleep(0.2)
        time.sleep(1.0)  # one trains, three wait for their turn
        process.send_signal(signal.SIGINT)
        if twice:  # a second Ctrl-C while the training runs: uvicorn cancels its answer, and the server ends
            time.sleep(0.5)
            process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=120)
        for thread in askers:
            thread.join(30)
    finally:
        process.kill()
    assert process.returncode == 130, (process.returncode, output)
    assert "Traceback" not in output and "Exception in ASGI" not in output, output
    assert sorted(statuses.values()).count(200) <= 1, statuses  # the one training at most; the queued gave it up
    assert sum(status == 499 for status in statuses.values()) >= 3, statuses


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGHUP"])
def test_a_background_job_that_ignores_ctrl_c_keeps_ignoring_it(tmp_path, stop):
    """A script's background job ignores Ctrl-C (SIGINT), as every descend command keeps it: descend play stopped
    on it, uvicorn's handler put in place of the ignore it inherited. SIGTERM still stops it, and so does SIGHUP (a
    closed terminal), which it had taken for the Ctrl-C it ignores: it went on serving."""
    import signal

    import httpx

    def background() -> None:  # as a script's job: Ctrl-C ignored, the others as they come (not nohup's)
        for number in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(number, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    process, base = play_process(preexec_fn=background)
    try:
        process.send_signal(signal.SIGINT)
        time.sleep(1.5)
        assert process.poll() is None and httpx.get(f"{base}/api/meta", timeout=5).status_code == 200
        process.send_signal(getattr(signal, stop))
        output, _ = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130 and "Traceback" not in output, (process.returncode, output)


def test_the_widgets_train_again_after_a_server_stopped_in_the_process(monkeypatch):
    """A server stopped by Ctrl-C tells the answers waiting for their turn to give it up; the widgets called as
    library functions afterwards, in the same process (a notebook), must train again."""
    from descend.play import widgets
    from descend.play.state import STATES

    class Stopped(Exception):
        pass

    class Server:
        def __init__(self, config):
            self.signals = 0

        def handle_exit(self, sig, frame):  # uvicorn's
            pass

        def run(self):
            self.handle_exit(2, None)  # Ctrl-C
            raise Stopped()

    import uvicorn

    monkeypatch.setattr(uvicorn, "Server", Server)
    monkeypatch.setattr(app_module, "check_port", lambda host, port: None)
    with pytest.raises(Stopped):
        app_module.serve("127.0.0.1", 8124, open_browser=False, echo=lambda line: None, compile=False)
    widgets.clear_cache()
    assert widgets.compute(STATES["curvature"].from_query("steps=7"))["cached"] is False


def test_what_a_careless_client_sends_is_answered_in_the_playgrounds_words(client):
    """Each had been answered otherwise: a null start with HTTP 500 (a TypeError, traced on the terminal), a bad
    batch optimizer with the command line's advice, Python's 4,300-digit limit in its own words (and a body holding
    such a number called "not JSON"), a formula whose gradient is nowhere finite with advice to give a domain the
    page has no control for, and 4,000 bad rows with 4,000 errors (0.9 MB)."""
    import json

    for widget in ("line", "ellipse"):
        answer = client.post(f"/api/{widget}", json={"start": None})
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"] == [{"field": "start", "message": "start: null: give two numbers, x,y"}]
    message = client.get("/api/ellipse?batch_optimizer=adamm").json()["errors"][0]["message"]
    assert "the playground offers" in message and "--plugin" not in message and "register" not in message
    message = client.get("/api/ellipse?batch_sizes=" + "9" * 4301).json()["errors"][0]["message"]
    assert "more than 18 digits" in message and "set_int_max_str_digits" not in message and len(message) < 200
    answer = client.post("/api/line", content='{"steps": ' + "9" * 4301 + "}",
                         headers={"Content-Type": "application/json"})
    assert answer.status_code == 422 and "number too long" in answer.json()["errors"][0]["message"]
    message = client.get("/api/landscape?landscape=(-1)**x").json()["errors"][0]["message"]
    assert "gradient" in message and "give another domain" not in message
    rows = json.dumps({"optimizers": [{"name": "zzz"}] * 4000}, separators=(",", ":"))
    answer = client.post("/api/landscape", content=rows, headers={"Content-Type": "application/json"})
    errors = answer.json()["errors"]
    assert answer.status_code == 422 and len(errors) == app_module.MAX_ERRORS + 1
    assert errors[-1]["message"] == f"and {3999 + 1 - app_module.MAX_ERRORS} more errors"


def test_head_is_a_gets_answer_without_its_body(client):
    for path in ("/", "/landscape", "/api/meta"):
        head, get = client.head(path), client.get(path)
        assert head.status_code == get.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == get.headers["content-length"]


def test_a_client_that_leaves_in_the_middle_of_its_body_is_no_error():
    """Each left a 60-line "Exception in ASGI application" (ClientDisconnect) on the server's terminal."""
    import asyncio

    app = app_module.create_app()
    messages = iter([{"type": "http.request", "body": b'{"st', "more_body": True}, {"type": "http.disconnect"}])
    sent = []

    async def receive():
        return next(messages)

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/line", "raw_path": b"/api/line", "query_string": b"",
             "headers": [(b"host", b"127.0.0.1:8000"), (b"content-type", b"application/json")],
             "scheme": "http", "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 5000), "root_path": "",
             "http_version": "1.1", "app": app}
    asyncio.run(app(scope, receive, send))
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 400


def test_a_method_or_page_that_is_not_there_is_answered_as_every_refusal(client):
    """A PUT answered in FastAPI's {"detail": "Method Not Allowed"} with Allow: GET, where POST is answered too."""
    answer = client.put("/api/line", json={})
    assert answer.status_code == 405 and answer.headers["allow"] == "GET, POST"
    assert answer.json() == {"errors": [{"field": "", "message": "PUT is not answered at /api/line; GET or POST is"}]}
    assert client.delete("/landscape").json()["errors"][0]["message"].endswith("GET is")
    assert "no widget 'nope'" in client.get("/api/nope").json()["errors"][0]["message"]
    assert client.patch("/api/openapi.json").headers["allow"] == "GET"  # a widget's answer only takes POST too
