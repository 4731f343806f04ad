"""What starting descend imports: ``import descend`` none of the heavy libraries (its parts load on first use),
``descend --help`` and ``descend list`` none of the report's or the real data sets' (matplotlib, Plotly,
scikit-learn). Checked in a fresh interpreter each."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

HEAVY = ("torch", "pandas", "matplotlib", "plotly", "sklearn", "optuna", "scipy")


def loaded_after(code: str) -> dict:
    script = textwrap.dedent(code) + textwrap.dedent(f"""
        import json, sys
        print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_import_descend_loads_no_heavy_library():
    assert loaded_after("import descend") == []


def test_the_parts_load_on_first_use():
    loaded = loaded_after("""
        import descend
        from descend import RunSpec, Runs, fit, optim, tune
        assert descend.fit is fit and descend.optim is optim and callable(descend.tune)
        assert descend.losses.get_loss("mse") and descend.schedules and descend.models and descend.data
        assert descend.landscapes and descend.clipping and descend.RunSpec is RunSpec and descend.Runs is Runs
        import descend.tune.space  # the subpackage's modules do not take the function's name
        from descend.tune import parse_space
        assert callable(descend.tune) and descend.tune.__module__ == "descend.tune.api" and parse_space
        assert {"fit", "optim", "tune", "RunSpec", "compare", "spec"} <= set(dir(descend))
        assert not {"sys", "importlib", "types", "Any", "TYPE_CHECKING"} & set(dir(descend))  # tab completion
        assert descend.compare.Config and callable(descend.spec.grid)  # the README names them so
        try:
            descend.fitt
        except AttributeError as e:
            assert "fitt" in str(e)
        else:
            raise AssertionError("descend.fitt")
    """)
    assert "torch" in loaded


def test_help_and_list_load_no_report_library():
    for argv in (["--help"], ["list"], ["list", "tasks"]):
        loaded = loaded_after(f"""
            import contextlib, io
            from descend.cli import app
            with contextlib.redirect_stdout(io.StringIO()):
                try:
                    app({argv!r})
                except SystemExit as e:
                    assert e.code in (0, None), e.code
        """)
        assert not {"matplotlib", "plotly", "sklearn", "optuna"} & set(loaded), (argv, loaded)


def test_the_package_pickles_as_a_module_by_its_name():
    """joblib's processes (cloudpickle) could not send a function that calls descend.fit: the package's module class
    of its own ("cannot pickle '_Package' object")."""
    import pickle

    import descend

    assert pickle.loads(pickle.dumps(descend)) is descend
    cloudpickle = __import__("pytest").importorskip("cloudpickle")  # scikit-learn's joblib brings it

    def job(lr):
        return descend.fit(task="line", optimizer="adam", lr=lr, steps=3, compile=False).summary["steps_done"].item()

    assert cloudpickle.loads(cloudpickle.dumps(job))(0.01) == 3
