"""``--plugin FILE.py``: an optimizer of one's own, registered by a Python file, named by -o in descend compare and
descend tune, kept in config.toml (its absolute path) so that the report rebuilds; a plugin that cannot be
imported is one line naming the flag."""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from descend import compare_config, optim
from descend.cli import app

runner = CliRunner()

SIGNUM = '''
import torch
from typing import NamedTuple
import descend
from descend.optim import Hyperparameter, Interval, OptimizerInfo
from descend.optim._base import new_step, per_run


class State(NamedTuple):
    step: torch.Tensor


def init(params):
    return State(new_step(params))


def update(grads, state, params, *, lr=0.01):
    """signSGD: w <- w - lr * sign(g)."""
    return tuple(w - per_run(lr, w) * torch.sign(g) for w, g in zip(params, grads)), State(state.step + 1)


descend.optim.register(OptimizerInfo("signum-test", "signSGD", init, update,
                                     (Hyperparameter("lr", 0.01, Interval(0.0), "α", "learning rate"),), ()))
'''


@pytest.fixture
def plugin(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "rule.py").write_text(SIGNUM)
    (folder / "signum_plugin.py").write_text("import rule  # a neighbour, imported as a script would\n")
    yield folder / "signum_plugin.py"
    forget()


def forget() -> None:
    """What a new process would not hold: the registered optimizer, the imported plugin and its neighbour."""
    for name in optim.available(own=False):
        optim.unregister(name)
    compare_config._PLUGINS.clear()
    compare_config._REGISTERED_BY.clear()
    for module in [m for m in sys.modules if m == "rule" or m.startswith("descend_plugin_")]:
        sys.modules.pop(module)


def test_compare_names_a_plugins_optimizer_and_the_report_rebuilds_from_anywhere(plugin, tmp_path, monkeypatch):
    out = tmp_path / "r"
    monkeypatch.chdir(plugin.parent)
    result = runner.invoke(app, ["compare", "rosenbrock", "-o", "adam", "-o", "signum-test", "--plugin",
                                 plugin.name, "--lr", "0.01", "--steps", "20", "--seeds", "1", "--quiet",
                                 "--no-animation", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f'plugin = [\n    "{plugin}",\n]' in (out / "config.toml").read_text()
    # the plugin is recorded: no note that config.toml cannot name it (every plugin's report said so, its rule
    # registered by a module the report could not trace back to the plugin)
    assert "optimizer of one's own" not in (out / "report.html").read_text()
    assert "optimizer of one's own" not in (out / "comparison.json").read_text()
    monkeypatch.chdir(tmp_path)
    forget()  # as in a new process: the plugin is imported again, from config.toml
    again = runner.invoke(app, ["report", str(out), "--out", str(tmp_path / "r2")])
    assert again.exit_code == 0, again.output
    assert "signum-test" in optim.OPTIMIZERS


def test_a_relative_plugin_in_a_config_file_is_read_from_the_files_folder(plugin, tmp_path, monkeypatch):
    """plugin = ["signum_plugin.py"] in a file beside it worked only from that folder ("no such file"), where a
    relative csv path in the same file is read from the file's folder."""
    (plugin.parent / "cfg.toml").write_text(f'task = "rosenbrock"\nplugin = ["{plugin.name}"]\noptimizer = '
                                            '["signum-test"]\nsteps = 5\nseeds = 1\nlr = "0.01"\n')
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["compare", "--config", str(plugin.parent / "cfg.toml"), "--quiet", "--no-animation",
                                 "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert f'"{plugin}"' in (tmp_path / "r" / "config.toml").read_text()


def test_tune_names_a_plugins_optimizer_and_resumes_with_it(plugin, tmp_path):
    result = runner.invoke(app, ["tune", "rosenbrock", "-o", "signum-test", "--plugin", str(plugin), "--trials", "4",
                                 "--cohort", "4", "--steps", "20", "--seeds", "1", "--quiet", "--out",
                                 str(tmp_path / "t")], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert f"-o signum-test --plugin {plugin} " in result.stdout


def test_a_plugin_that_cannot_be_imported_is_one_line_naming_the_flag(tmp_path):
    (tmp_path / "broken.py").write_text("raise RuntimeError('half written')\n")
    for args, message in [
        (["--plugin", str(tmp_path / "none.py")], f"--plugin '{tmp_path / 'none.py'}': no such file"),
        (["--plugin", str(tmp_path / "broken.py")], "failed while it was imported: RuntimeError: half written"),
        ([], "unknown optimizer 'signum-test' (available: gd, "),
    ]:
        result = runner.invoke(app, ["compare", "rosenbrock", "-o", "signum-test", *args, "--out",
                                     str(tmp_path / "never")])
        assert result.exit_code == 2 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "never").exists()
    result = runner.invoke(app, ["compare", "rosenbrock", "-o", "signum-test", "--out", str(tmp_path / "never")])
    assert "--plugin FILE.py on the command line" in result.stderr
    result = runner.invoke(app, ["compare", "rosenbrock", "-o", "signum-test", "--plugin", str(tmp_path), "--out",
                                 str(tmp_path / "never")])  # a folder was "no such file"
    assert result.exit_code == 2 and f"--plugin '{tmp_path}': a folder" in result.stderr


def test_a_rate_outside_a_plugins_own_range_is_refused_naming_the_flag_before_training(tmp_path):
    # it was refused by fit, after the comparison had begun, as "run 1 (capped, {'lr': 2.0}): ..."
    (tmp_path / "capped.py").write_text(SIGNUM.replace('"signum-test"', '"capped-test"').replace(
        'Interval(0.0), "α"', 'Interval(0.0, 1.0), "α"'))
    try:
        result = runner.invoke(app, ["compare", "rosenbrock", "-o", "adam", "-o", "capped-test", "--plugin",
                                     str(tmp_path / "capped.py"), "--lr", "0.01,2", "--steps", "5",
                                     "--out", str(tmp_path / "never")])
        assert result.exit_code == 2, result.output
        assert result.stderr.strip() == "error: --lr 2: capped-test takes a learning rate in [0, 1)"
        assert not (tmp_path / "never").exists()
    finally:
        forget()


def test_a_study_resumed_after_its_rule_was_edited_is_refused(plugin, tmp_path):
    # the edited rule's trials were added to the old rule's study, and the old re-runs reported as the new rule's
    def tune(trials):
        return runner.invoke(app, ["tune", "rosenbrock", "-o", "signum-test", "--plugin", str(plugin), "--trials",
                                   str(trials), "--cohort", "4", "--steps", "10", "--seeds", "1", "--quiet", "--out",
                                   str(tmp_path / "t")])

    assert tune(4).exit_code == 0
    forget()
    rule = plugin.parent / "rule.py"
    rule.write_text(rule.read_text().replace("torch.sign(g)", "torch.sign(g) * 0.5"))
    result = tune(8)
    assert result.exit_code == 2
    assert "--optimizer: study 'rosenbrock' was made with another rule of signum-test" in result.stderr
    forget()
    rule.write_text(SIGNUM)  # the rule as it was: the study resumes
    assert tune(8).exit_code == 0


def test_an_optimizer_registered_by_a_plugin_is_recorded_whether_the_file_or_its_neighbour_registers_it(tmp_path):
    """Every --plugin report said its optimizer was "registered in this process, not by a plugin of this
    comparison": the file ran as a module outside sys.modules, so its rule could not be traced back to it."""
    alone = tmp_path / "alone.py"
    alone.write_text(SIGNUM)
    try:
        key = compare_config.load_plugin(str(alone))
        assert compare_config.unrecorded_plugins(["adam", "signum-test"], [key]) == []
        assert compare_config.unrecorded_plugins(["signum-test"], []) == ["signum-test"]  # not kept: noted
    finally:
        forget()


def test_landscape_draws_a_plugins_optimizer(plugin, tmp_path):
    """descend landscape -o lion said to use --plugin FILE.py, which it did not take ("No such option")."""
    result = runner.invoke(app, ["landscape", "himmelblau", "-o", "gd", "-o", "signum-test", "--plugin", str(plugin),
                                 "--lr", "0.01", "--steps", "10", "--out", str(tmp_path / "l")])
    assert result.exit_code == 0, result.output
    assert "signum-test" in result.stdout and (tmp_path / "l" / "landscape-himmelblau.png").is_file()


def test_names_and_values_in_square_brackets_are_shown_as_they_are_never_read_as_markup(tmp_path):
    """The terminal's tables print the user's text as it is: an option value "[bold]b" kept its brackets only in the
    files (the table showed "b"), and "x[/]" ended the search, after it had trained, in Rich's MarkupError; a report
    folder named "exp[/x]" did the same to descend show, and "[lr sweep]" vanished from its title."""
    rule = SIGNUM.replace("from descend.optim import Hyperparameter, Interval, OptimizerInfo",
                          "from descend.optim import Hyperparameter, Interval, OptimizerInfo, Option")
    option = 'Option("mode", "plain", ("plain", "x[/]", "[bold]b"), "a mode")'
    rule = rule.replace("*, lr=0.01)", "*, lr=0.01, mode='plain')").replace(
        '"learning rate"),), ()))', f'"learning rate"),), ({option},)))')
    (tmp_path / "brackets.py").write_text(rule)
    try:
        for mode in ("[bold]b", "x[/]"):
            out = tmp_path / f"exp[/x] [{mode}]"
            args = ["tune", "rosenbrock", "-o", f"signum-test:mode={mode}", "--plugin", str(tmp_path / "brackets.py"),
                    "--trials", "2", "--cohort", "2", "--steps", "5", "--seeds", "1", "--out", str(out)]
            for result in (runner.invoke(app, args, env={"COLUMNS": "300"}),
                           runner.invoke(app, ["show", str(out)], env={"COLUMNS": "300"})):
                assert result.exit_code == 0, result.output
                assert f"mode={mode}" in result.stdout
        out = tmp_path / "exp[/x] [lr sweep]"
        compared = runner.invoke(app, ["compare", "rosenbrock", "-o", "adam", "--steps", "5", "--seeds", "1", "--lr",
                                       "0.01", "--no-animation", "--out", str(out)], env={"COLUMNS": "300"})
        assert compared.exit_code == 0, compared.output
        shown = runner.invoke(app, ["show", str(out)], env={"COLUMNS": "300"})
        assert shown.exit_code == 0, shown.output
        # the title wraps to the table's width, folding a long temporary path anywhere: compared without spaces
        assert "exp[/x][lrsweep])" in "".join(shown.stdout.split())
    finally:
        forget()


FAILING = '''
import torch
from typing import NamedTuple
import descend
from descend.optim import Hyperparameter, Interval, OptimizerInfo
from descend.optim._base import new_step, per_run

COHORTS = [0]  # the cohorts that reached step 5


class State(NamedTuple):
    step: torch.Tensor


def init(params):
    return State(new_step(params))


def update(grads, state, params, *, lr=0.01):
    if int(state.step.flatten()[0]) == 5:
        COHORTS[0] += 1
        if COHORTS[0] >= FROM:
            raise ERROR("math domain error")
    return tuple(w - per_run(lr, w) * g for w, g in zip(params, grads)), State(state.step + 1)


descend.optim.register(OptimizerInfo("failing-test", "fails at step 5", init, update,
                                     (Hyperparameter("lr", 0.01, Interval(0.0), "α", "learning rate"),), ()))
'''


def _failing(folder, error: str, cohort: int = 1):
    """A plugin whose rule raises ``error`` at step 5 of its ``cohort``-th cohort (after registration's checks)."""
    path = folder / f"failing_{error.lower()}.py"
    path.write_text(f"FROM, ERROR = {cohort}, {error}\n" + FAILING)
    return path


@pytest.mark.parametrize("error", ["ValueError", "TypeError"])
def test_a_plugins_rule_that_raises_while_training_is_one_line_naming_it_and_the_step(tmp_path, error):
    """A ValueError of the rule was shown as a usage error ("error: math domain error", exit 2) naming nothing, a
    TypeError as a traceback: it is one line naming the optimizer, the plugin file and the step, exit 1."""
    plugin = _failing(tmp_path, error)
    try:
        result = runner.invoke(app, ["compare", "rosenbrock", "-o", "adam", "-o", "failing-test", "--plugin",
                                     str(plugin), "--lr", "0.001", "--steps", "20", "--seeds", "1", "--quiet",
                                     "--no-animation", "--out", str(tmp_path / "r")])
    finally:
        forget()
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == (f"error: optimizer 'failing-test' (registered by {plugin}) failed at step 5: "
                                     f"{error}: math domain error; no report written")
    assert result.stdout == ""  # no traceback
    assert not (tmp_path / "r").exists()


def test_tune_says_which_rule_failed_and_keeps_the_trials_of_earlier_cohorts(tmp_path):
    plugin = _failing(tmp_path, "ValueError", cohort=2)
    out = tmp_path / "t"
    try:
        # learning rates that do not diverge before step 5: a cohort whose runs have all stopped takes no more step
        result = runner.invoke(app, ["tune", "rosenbrock", "-o", "failing-test", "--plugin", str(plugin), "--trials",
                                     "8", "--cohort", "4", "--steps", "20", "--seeds", "1", "--quiet", "--out",
                                     str(out), "--space", "lr=1e-6..1e-5:log"])
    finally:
        forget()
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == (f"error: optimizer 'failing-test' (registered by {plugin}) failed at step 5: "
                                     "ValueError: math domain error; the trials that finished are kept in the study")
    import optuna

    from descend.tune import storage

    study = optuna.load_study(study_name="rosenbrock", storage=storage.open_storage(str(out / "study.journal")))
    assert len(study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))) == 4  # the first cohort's
