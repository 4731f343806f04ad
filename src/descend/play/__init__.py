"""``descend play``: the seeds' interactive widgets as a local web playground, computed by descend itself.

- :mod:`descend.play.state` — each widget's state, validated, and its URL query-string form;
- :mod:`descend.play.widgets` — the computations (:func:`compute`), by :func:`descend.fit` and :func:`descend.tune`;
- :mod:`descend.play.commands` — a state as the ``descend compare`` command and the Python that give its numbers;
- :mod:`descend.play.warm` — compiled programs built on the side, so that later answers come compiled;
- :mod:`descend.play.app` — the FastAPI application (:func:`create_app`) and :func:`serve`, which ``descend play``
  runs.
"""

from .state import STATES, WidgetState, errors_of
from .widgets import WIDGETS, compute


def create_app(*, local_only: bool = False):  # noqa: ANN201  (imports FastAPI only when the server is wanted)
    """The FastAPI application of the playground (see :func:`descend.play.app.create_app`)."""
    from .app import create_app as create

    return create(local_only=local_only)


def serve(host: str = "127.0.0.1", port: int = 8000, *, open_browser: bool = True, echo=print,  # noqa: ANN001
          compile: bool = True) -> None:
    """Serve the playground with uvicorn until Ctrl-C (see :func:`descend.play.app.serve`)."""
    from .app import serve as run

    run(host=host, port=port, open_browser=open_browser, echo=echo, compile=compile)


__all__ = ["STATES", "WIDGETS", "WidgetState", "compute", "create_app", "errors_of", "serve"]
