"""The comparison's configuration schema (descend.compare.Config on descend.schema): the command line, TOML
files and dicts (a web request body) accept and refuse the same things, each naming the field its own way,
and a field added to the schema appears in all three."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import pytest
import typer
from typer.testing import CliRunner

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

from descend import cli, schema
from descend import compare as C
from descend.compare import Config

runner = CliRunner()


def toml(value: Any) -> str:
    import tomli_w

    return tomli_w.dumps({"x": value})[len("x = "):].strip()


#: A valid value of every key (as the command line writes it, and as TOML / JSON do).
VALID = {
    "plugin": (["json"], ["json"]),  # an importable module (a file's path is kept absolute)
    "task": ("line", "line"),
    "csv": ("data.csv", "data.csv"),
    "column": ("y", "y"),
    "kind": ("classification", "classification"),
    "features": ("a,b", ["a", "b"]),
    "drop": ("id", ["id"]),
    "categorical": ("zip", ["zip"]),
    "dropna": (True, True),
    "na_values": ("?,-", ["?", "-"]),
    "sep": (";", ";"),
    "encoding": ("latin-1", "latin-1"),
    "decimal": (",", ","),
    "thousands": (".", "."),
    "max_categories": (200, 200),
    "standardize_target": (False, False),
    "loss": ("huber", "huber"),
    "init": ("normal", "normal"),
    "init_scale": ("0.5", 0.5),
    "start": ("-1.5,2", [-1.5, 2.0]),
    "clip_norm": ("1", 1.0),
    "clip_value": ("0.5", 0.5),
    "optimizer": (["adam", "sgd:momentum=0.9"], ["adam", "sgd:momentum=0.9"]),
    "mode": ("tuned", "tuned"),
    "lr": ("0.01,0.1", [0.01, 0.1]),
    "batch_size": ("full,32", "full,32"),
    "steps": ("20", 20),
    "epochs": ("2", 2),
    "schedule": ("cosine", "cosine"),
    "target": ("0.5", 0.5),
    "seeds": ("2", 2),
    "budget": ("4", 4),
    "compile": (True, True),
    "task_options": (None, {"n": 64}),
    "out": ("somewhere", "somewhere"),
    "json": ("runs.json", "runs.json"),
}


def test_every_field_has_a_sample_here_and_a_key_and_the_cli_shows_it_with_a_word_for_its_type():
    keys = Config.keys()
    assert sorted(keys) == sorted(VALID), "add the new field's sample to VALID"
    result = runner.invoke(cli.app, ["compare", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for entry in Config.entries():
        if entry.setting.argument:
            assert entry.setting.metavar in result.stdout
        for flag in entry.flags:
            assert flag in result.stdout, flag
        if entry.flags and not entry.setting.switch:
            assert f"{entry.flag} {entry.setting.metavar}" in result.stdout, entry.key
    for python_type in ("list[str]", "<str>  ", "<int>"):
        assert python_type not in result.stdout.split("Options:")[1]


def test_mode_help_says_defaults_is_each_optimizers_own_rate_not_the_tasks_known_one():
    """--mode defaults ran Adam at torch's 0.001 on the ellipse, whose card knows 0.05 (descend.fit's rate there),
    and its help said only "each at its own": Adam read as failing."""
    import torch

    from descend.tasks import get

    adam = torch.optim.Adam([torch.zeros(1)]).defaults["lr"]
    assert get("ellipse").lrs["adam"] != adam  # what the help tells apart
    text = " ".join(runner.invoke(cli.app, ["compare", "--help"], env={"COLUMNS": "200"}).stdout.split())
    assert f"defaults: each at its own default hyperparameters, its learning rate included (Adam's {adam:g}), not " \
        "the task's known lrs of descend card TASK" in text, text


class Stop(Exception):
    pass


@pytest.fixture
def captured(monkeypatch):
    """What descend compare checked and would resolve (the comparison never runs)."""
    seen: dict[str, Config] = {}

    def resolved(self, names=None):
        seen["config"] = self
        raise ValueError("stopped here by the test")

    monkeypatch.setattr(Config, "resolved", resolved)
    return seen


def cli_args(values: dict[str, Any]) -> list[str]:
    args = []
    by_key = {e.key: e for e in Config.entries()}
    for key, value in values.items():
        entry = by_key[key]
        if entry.setting.argument:
            args.insert(0, value)
        elif entry.setting.switch:
            args.append(entry.flags[0] if value else f"--no-{entry.flags[0][2:]}")
        elif entry.setting.repeat:
            for v in value:
                args += [entry.flags[0], v]
        else:
            args += [entry.flag, value]
    return args


def test_the_three_interfaces_read_the_same_configuration(tmp_path, captured):
    given = {"task": "line", "optimizer": ["adam", "sgd:momentum=0.9"], "mode": "tuned", "lr": "0.01,0.1",
             "batch_size": "full,32", "steps": "20", "schedule": "cosine", "target": "0.5", "seeds": "2",
             "budget": "4", "compile": True, "out": "somewhere", "json": "runs.json"}
    result = runner.invoke(cli.app, ["compare", *cli_args(given)])
    assert result.exit_code == 2 and "stopped here by the test" in result.output, result.output
    from_cli = captured.pop("config")

    plain = {key: VALID[key][1] for key in given}
    path = tmp_path / "config.toml"
    path.write_text("".join(f"{key} = {toml(value)}\n" for key, value in plain.items()))
    result = runner.invoke(cli.app, ["compare", "--config", str(path)])
    assert result.exit_code == 2 and "stopped here by the test" in result.output, result.output
    from_toml = captured.pop("config")

    from_dict = Config.from_dict(plain)
    assert from_cli == from_toml == from_dict
    assert from_dict.lr == (0.01, 0.1) and from_dict.steps == 20 and from_dict.compile is True
    assert [o.label for o in from_dict.optimizers] == ["adam", "sgd(momentum=0.9)"]
    # the command line wins over the file, key by key
    result = runner.invoke(cli.app, ["compare", "--config", str(path), "--seeds", "5"])
    assert captured.pop("config") == Config.from_dict({**plain, "seeds": 5})
    # the report's switches are the command's, not the comparison's: the file is refused naming the flag
    path.write_text('task = "line"\nno_animation = true\n')
    result = runner.invoke(cli.app, ["compare", "--config", str(path)])
    assert result.exit_code == 2 and "give --no-animation on the command line" in result.output, result.output


def test_to_dict_and_from_dict_round_trip_and_rerun_the_same_resolved_config():
    from descend.compare import resolve

    config, _ = resolve("ellipse", optimizers=["gd", "sgd:momentum=0.9", "adam:beta1=0.9123456789"],
                        lr=[0.0123456789, 0.1], steps=7, batch_size="full,hybrid(16,2,64)", target=0.25)
    data = config.to_dict()
    assert data["lr"] == "0.0123456789,0.1", "learning rates are written to the last digit"
    # and so are an optimizer's own values (they were rounded to six digits: 0.912346, another run)
    assert data["optimizer"] == ["gd", "sgd:momentum=0.9", "adam:beta1=0.9123456789"]
    again, _ = Config.from_dict(data).resolved()
    assert again.to_dict() == data
    assert "out" not in data and "json" not in data  # where a report went is not what was compared


@pytest.mark.parametrize("key, text, value, message", [
    ("seeds", "0", 0, "a whole number >= 1"),
    ("steps", "abc", "abc", "a whole number >= 1"),
    ("steps", "2.5", 2.5, "a whole number >= 1"),
    ("budget", "1", 1, "a whole number >= 2"),
    ("lr", "1..0.1", "1..0.1", "LOW < HIGH"),
    ("lr", "-1", -1, "positive"),
    ("batch_size", "full,0", "full,0", "'0' is not a batch size"),
    ("optimizer", "adamm", ["adamm"], "did you mean 'adam'"),
    ("optimizer", "sgd:momentum", ["sgd:momentum"], "key=value"),
    ("optimizer", "sgd:momentun=0.9", ["sgd:momentun=0.9"], "did you mean 'momentum'"),
    ("optimizer", "adam:lr=0.1", ["adam:lr=0.1"], "give learning rates with"),
    ("schedule", "cosin", "cosin", "did you mean 'cosine'"),
    ("mode", "tune", "tune", "did you mean 'tuned'"),
    ("target", "nan", float("nan"), "a finite number"),
    ("target", "low", "low", "must be a number"),
])
def test_the_three_interfaces_refuse_the_same_values_naming_the_field(tmp_path, key, text, value, message):
    entry = {e.key: e for e in Config.entries()}[key]
    result = runner.invoke(cli.app, ["compare", "line", entry.flag, text, "--out", str(tmp_path / "never")])
    assert result.exit_code == 2, result.output
    assert f"{entry.flag} " in result.output and message in result.output and "Traceback" not in result.output

    path = tmp_path / "config.toml"
    path.write_text(f'task = "line"\n{key} = {toml(value)}\n')
    result = runner.invoke(cli.app, ["compare", "--config", str(path), "--out", str(tmp_path / "never")])
    assert result.exit_code == 2, result.output
    assert f"{key} (in {path})" in result.output and message in result.output, result.output

    with pytest.raises(ValueError, match=message) as error:
        Config.from_dict({"task": "line", key: value})
    assert str(error.value).startswith(key) or f" {key} " in str(error.value), str(error.value)
    assert not (tmp_path / "never").exists()


@pytest.mark.parametrize("given, words", [
    ({"steps": 10, "epochs": 2}, ("steps", "epochs", "not both")),
    ({"mode": "defaults", "lr": "0.1"}, ("mode", "lr", "drop")),
])
def test_checks_across_fields_name_both_fields_in_each_interface(tmp_path, given, words):
    flags = Config.flags()
    args = ["compare", "line"]
    for key, value in given.items():
        args += [flags[key], str(value)]
    result = runner.invoke(cli.app, [*args, "--out", str(tmp_path / "never")])
    assert result.exit_code == 2, result.output
    assert all(flags[w] in result.output for w in words[:2]) and words[2] in result.output, result.output
    with pytest.raises(ValueError, match=words[2]) as error:
        Config.from_dict({"task": "line", **given})
    assert all(w in str(error.value) and f"--{w}" not in str(error.value) for w in words[:2])


def test_unknown_keys_are_refused_with_the_closest_one(tmp_path):
    with pytest.raises(ValueError, match=r"unknown key 'lrr'; did you mean 'lr'\?"):
        Config.from_dict({"task": "line", "lrr": 0.1})
    path = tmp_path / "c.toml"
    path.write_text('task = "line"\nseed = 2\n')
    result = runner.invoke(cli.app, ["compare", "--config", str(path)])
    assert result.exit_code == 2 and f"unknown key in {path} 'seed'; did you mean 'seeds'?" in result.output


def test_target_names_the_csv_column_when_csv_has_no_column_in_every_interface(tmp_path, captured):
    # the old form keeps working, with a deprecation note: --target is the target loss, --column the column
    result = runner.invoke(cli.app, ["compare", "--csv", "data.csv", "--target", "price"])
    assert result.exit_code == 2 and "stopped here" in result.output, result.output
    assert "note: --target price for the column to predict is deprecated: use --column price" in result.output
    config = captured.pop("config")
    assert (config.csv, config.column, config.target) == ("data.csv", "price", None)
    with pytest.warns(FutureWarning, match="target price for the column to predict is deprecated: use column"):
        assert Config.from_dict({"csv": "data.csv", "target": "price"}) == config
    result = runner.invoke(cli.app, ["compare", "--csv", "data.csv", "--column", "price"])
    assert "deprecated" not in result.output
    captured.pop("config")
    result = runner.invoke(cli.app, ["compare", "--csv", "data.csv", "--column", "price", "--target", "0.1"])
    config = captured.pop("config")
    assert (config.column, config.target) == ("price", 0.1)
    with pytest.raises(ValueError, match="target 'price' must be a number"):
        Config.from_dict({"task": "line", "target": "price"})


def test_a_config_built_in_python_is_validated_by_the_same_parsers():
    with pytest.raises(ValueError, match="seeds 0: a whole number >= 1"):
        Config(task="line", seeds=0)
    assert Config(task="line", lr="0.1,0.2").lr == (0.1, 0.2)


# -- a field added to the schema appears in all three ------------------------------------------------------------


@dataclass(frozen=True)
class Wider(Config):
    warmup: Optional[int] = schema.setting(None, metavar="INTEGER", parse=schema.whole(0),
                                           help="Warm-up steps before the schedule starts.")


def _wider_app(seen: dict[str, Any]) -> typer.Typer:
    app = typer.Typer(rich_markup_mode=None)  # as descend's

    @app.command()
    @cli._with_settings(Wider)
    def run(config: Optional[Path] = typer.Option(None), **settings: Any) -> None:
        try:
            seen["config"] = cli._settings(Wider, settings, config)
        except ValueError as e:
            cli._fail(str(e))

    return app


def test_a_field_added_to_the_schema_appears_on_the_command_line_in_toml_and_in_dicts(tmp_path):
    seen: dict[str, Any] = {}
    app = _wider_app(seen)
    help_text = runner.invoke(app, ["--help"], env={"COLUMNS": "200"}).stdout
    assert "--warmup INTEGER" in help_text and "Warm-up steps before the schedule starts." in help_text
    assert "--lr RATES" in help_text  # and every field of the schema it extends

    assert runner.invoke(app, ["line", "--warmup", "5"]).exit_code == 0 and seen.pop("config").warmup == 5
    path = tmp_path / "c.toml"
    path.write_text('task = "line"\nwarmup = 7\n')
    assert runner.invoke(app, ["--config", str(path)]).exit_code == 0 and seen.pop("config").warmup == 7
    assert Wider.from_dict({"task": "line", "warmup": 3}).warmup == 3
    assert Wider(task="line", warmup=4).to_dict()["warmup"] == 4

    bad = runner.invoke(app, ["line", "--warmup", "-1"])
    assert bad.exit_code == 2 and "--warmup -1: a whole number >= 0 is required" in bad.output
    path.write_text('task = "line"\nwarmup = -1\n')
    bad = runner.invoke(app, ["--config", str(path)])
    assert bad.exit_code == 2 and f"warmup (in {path}) -1" in bad.output
    with pytest.raises(ValueError, match="warmup -1: a whole number >= 0"):
        Wider.from_dict({"task": "line", "warmup": -1})


# -- the small languages of the settings ---------------------------------------------------------------------


def test_parse_optimizer_values_batch_sizes_and_schedules():
    spec = C.parse_optimizer("sgd:momentum=0.9,nesterov=true")
    assert spec.name == "sgd" and dict(spec.options) == {"momentum": 0.9, "nesterov": True}
    assert spec.label == "sgd(momentum=0.9, nesterov=true)" and C.parse_optimizer(spec.to_text()) == spec
    assert C.parse_values("0.1,0.01") == [0.1, 0.01]
    assert C.parse_values("1e-4..1e-1:4") == [0.0001, 0.001, 0.01, 0.1]
    assert len(C.parse_values("1e-4..1")) == 7
    sizes = C.parse_batch_sizes("full,1,32,hybrid,hybrid(16,4,256)")
    assert sizes[:3] == [None, 1, 32] and [C.batch_label(b) for b in sizes[3:]] == ["hybrid(32→512)",
                                                                                  "hybrid(16 for 4 epochs→256)"]
    ends_full = C.parse_batch_sizes("hybrid(16,4,full)")  # full batches after 4 epochs, written back as read
    assert ends_full[0].then is None and C.parse_batch_sizes(C.batch_text(ends_full[0])) == ends_full
    # the labels the summary, tables and best.json show are read back (a script passed them to --batch-size or
    # fit(batch_size=...) and was refused)
    assert [C.parse_batch_sizes(C.batch_label(b))[0] for b in sizes] == sizes
    assert C.parse_batch_sizes("hybrid(16 for 1 epoch->full)") == C.parse_batch_sizes("hybrid(16,1,full)")
    assert C.parse_batch_sizes(repr(ends_full[0])) == ends_full  # as descend.fit's summary writes it
    name, schedule = C.parse_schedule("step:step_size=10,gamma=0.5", 100)
    assert schedule(0) == 1.0 and schedule(10) == 0.5
    assert C.parse_schedule("cosine", 100)[1](100) == pytest.approx(0.0)
    # every schedule a flag can hold: one_cycle without total_steps (it was refused: checked against 1 step),
    # multistep's milestones separated by semicolons, or one alone
    assert C.Config.from_dict({"task": "ellipse", "schedule": "one_cycle"}).schedule == "one_cycle"
    assert C.resolve("ellipse", steps=20, schedule="one_cycle")[0].schedule == "one_cycle"
    multistep = C.parse_schedule("multistep:milestones=5;10,gamma=0.5", 100)[1]
    assert (multistep(4), multistep(5), multistep(10)) == (1.0, 0.5, 0.25)
    assert C.parse_schedule("multistep:milestones=5", 100)[1](5) == 0.1
    with pytest.raises(ValueError, match="warmup wraps another schedule"):
        C.parse_schedule("warmup", 100)


@pytest.mark.parametrize("call, message", [
    (lambda: C.parse_optimizer("adamm"), "did you mean 'adam'"),
    (lambda: C.parse_optimizer("sgd:momentum"), "key=value"),
    (lambda: C.parse_optimizer("sgd:momentun=0.9"), "momentum"),
    (lambda: C.parse_optimizer("sgd:momentum=-1"), "momentum"),
    (lambda: C.parse_optimizer("adam:lr=0.1"), "--lr"),
    # a switch in the command line's words (it said "choose one of False, True")
    (lambda: C.parse_optimizer("adam:amsgrad=maybe"), r"amsgrad=maybe is not allowed; choose true or false$"),
    (lambda: C.parse_optimizer("sgd:momentum=0.9,nesterov=2"), r"nesterov=2 is not allowed; choose true or false$"),
    (lambda: C.parse_values("1e-1..1e-4"), "LOW < HIGH"),
    (lambda: C.parse_values("0.1,abc"), "'abc' is not a number"),
    (lambda: C.parse_values("-1"), "positive"),
    (lambda: C.parse_batch_sizes("full,0"), "'0' is not a batch size"),
    (lambda: C.parse_schedule("cosin", 10), "did you mean 'cosine'"),
    (lambda: C.resolve("ellipse", mode="tune"), "did you mean 'tuned'"),
    (lambda: C.resolve("ellipse", steps=10, epochs=2), "not both"),
    (lambda: C.resolve("ellipse", seeds=0), "--seeds"),
    (lambda: C.resolve("ellipse", mode="defaults", lr="0.1"), "drop --lr"),
    (lambda: C.resolve("elipse"), "did you mean 'ellipse'"),
    (lambda: C.resolve("x**2 + foo(y)"), "unknown function 'foo'"),
    # a hybrid's second size was checked only when training reached it, epochs later (120 training rows)
    (lambda: C.resolve("line", batch_size="hybrid", steps=100), r"--batch-size hybrid\(32,8,512\): its batches of "
     r"512 after 8 epochs are larger than the training set of task 'line' \(200 rows, 120 of them for training\); "
     r"give --batch-size hybrid\(32,8,full\)"),
    (lambda: C.resolve("line", batch_size="hybrid(200,2,full)"), "its first batches of 200 are larger"),
    (lambda: C.resolve("line", batch_size="hybrid", epochs=9), "its batches of 512 after 8 epochs"),
    # not typed: the task's default, said as one
    (lambda: C.resolve("ellipse", task_options={"n": 200}), r"^the default batch size of task 'ellipse', "
     r"hybrid\(32,8,512\), does not fit: its batches of 512 after 8 epochs are larger"),
])
def test_bad_input_is_refused_before_training(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_schedule_under_epochs_is_checked_against_each_batch_sizes_own_steps():
    """one_cycle under --epochs was checked against 1 step, whatever the batch sizes ("total_steps=1 is out of
    range", a value never given): each batch size's steps now, and a refusal names the batch size."""
    config, _ = C.resolve("iris", optimizers=["adam"], epochs=4, batch_size="16,full", schedule="one_cycle")
    assert config.schedule == "one_cycle"
    with pytest.raises(ValueError, match=r"total_steps=1 is out of range; allowed: \[2, inf\) \(at batch size full, "
                                         r"whose 1 epoch takes 1 step\)"):
        C.resolve("iris", optimizers=["adam"], epochs=1, batch_size="16,full", schedule="one_cycle")


def test_a_hybrids_later_size_is_refused_only_where_the_budget_reaches_it_as_fit_does():
    """The command line refused hybrid(32,8,512) on 120 training rows for any budget; descend.fit only where the
    budget reaches epoch 8 (32 steps here), and trains the 8 epochs of batches of 32 before it."""
    import descend

    for budget in ({"epochs": 8}, {"steps": 32}):
        config, _ = C.resolve("line", batch_size="hybrid", **budget)
        assert C.batch_text(config.batch_size[0]) == "hybrid(32,8,512)"
        descend.fit(task="line", optimizer="gd", batch_size=config.batch_size[0], **budget)  # fit takes it too
    for budget in ({"epochs": 9}, {"steps": 33}):
        with pytest.raises(ValueError, match="its batches of 512 after 8 epochs"):
            C.resolve("line", batch_size="hybrid", **budget)
        with pytest.raises(ValueError, match="gives batches of 512 from epoch 8"):
            descend.fit(task="line", optimizer="gd", batch_size=config.batch_size[0], **budget)


def test_defaults_for_the_ellipse_compare_gd_sgd_minibatch_momentum_rmsprop_adam():
    config, task = C.resolve("ellipse")
    assert [o.name for o in config.optimizers] == ["gd", "momentum", "rmsprop", "adam"]
    assert [C.batch_label(b) for b in config.batch_size] == ["full", "1", "32", "hybrid(32→512)"]
    assert config.mode == "same-lr" and len(config.lr) == 3 and config.steps == task.steps and config.seeds == 3


def test_a_csv_tasks_options_are_written_so_that_a_rerun_is_the_same(tmp_path):
    path = tmp_path / "houses.csv"
    path.write_text("area,rooms,price\n" + "\n".join(f"{50 + 3 * i},{1 + i % 4},{300 + 7 * i + (i % 5)}.5"
                                                     for i in range(60)))
    resolved, task = Config(csv=str(path), column="price", task_options={"standardize_target": False}).resolved()
    assert task.data.target_mean is None
    assert resolved.task_options == {"standardize_target": False}
    assert resolved.to_dict()["task_options"] == {"standardize_target": False}
    again, rebuilt = Config.from_dict(resolved.to_dict()).resolved()
    assert rebuilt.data.target_mean is None and again.task_options == resolved.task_options
    default, task = Config(csv=str(path), column="price").resolved()
    assert default.task_options == {} and task.data.target_mean is not None


def test_a_formulas_start_and_domain_are_written_so_that_a_rerun_is_the_same():
    """A formula's start (--start, or [task_options]) and domain were left out of config.toml: its re-run started
    from the formula's default start, and descend report redrew the map over the default domain."""
    from descend.compare import resolve

    config, task = resolve("x**2 + 10*sin(y)", optimizers=["adam"], lr="0.01", steps=5, seeds=1, start=(1.0, 1.0))
    assert dict(task.facts)["start"] == "1, 1"
    assert config.to_dict()["task_options"]["start"] == [1.0, 1.0]
    config, task = resolve("x**2 + y**2", optimizers=["gd"], lr="0.9", steps=5, seeds=1,
                           task_options={"domain": [[-0.5, 0.5], [-0.5, 0.5]], "start": [0.4, 0.4]})
    data = config.to_dict()
    assert data["task_options"] == {"start": [0.4, 0.4], "domain": [[-0.5, 0.5], [-0.5, 0.5]]}
    again, rebuilt = Config.from_dict(data).resolved()
    assert again.to_dict() == data
    assert rebuilt.surface.domain == task.surface.domain == ((-0.5, 0.5), (-0.5, 0.5))


def test_a_budget_without_the_tuned_mode_is_refused():
    """--budget is read by the tuned mode's search alone: with another mode it was ignored silently."""
    with pytest.raises(ValueError, match="--budget 3 is the trial budget of --mode tuned"):
        Config.from_dict({"task": "digits", "mode": "same-lr", "budget": 3},
                         names={"budget": "--budget", "mode": "--mode"})
    assert Config.from_dict({"task": "digits", "mode": "tuned", "budget": 3}).budget == 3


@pytest.mark.parametrize("data, message", [
    ({"task": "line", "column": "price"}, "column applies to a CSV file (csv PATH column COL), not to a task"),
])
def test_a_csv_option_with_a_task_is_refused(data, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        Config.from_dict(data).resolved()


@pytest.mark.parametrize("text, message", [
    ("adam:beta1=0.8;0.9", "beta1='0.8;0.9' is one value, not several; to compare several, give --optimizer once "
                           "for each, e.g. --optimizer adam:beta1=0.8"),
    ("adam:beta1=0.8,beta1=0.9", "beta1 is given twice; one value per optimizer"),
])
def test_an_optimizers_option_is_one_value_given_once(text, message):
    # several values said "must be a number or a tensor of shape [K]", which no command line can give; an option
    # given twice kept the last without a word
    with pytest.raises(ValueError, match=re.escape(message)):
        C.parse_optimizer(text)


@pytest.mark.parametrize("task, csv, options, message", [
    ("rosenbrock", None, {"noize": 0.5}, "unknown option of task 'rosenbrock' 'noize'; did you mean 'noise'?"),
    ("x**2 + y**2", None, {"noise": 0.5}, r"unknown option of task 'x\*\*2 \+ y\*\*2' 'noise' \(allowed: domain, "),
    (None, True, {"hiden": [8]}, "unknown option of csv .*'hiden'; did you mean 'hidden'?"),
])
def test_a_misspelt_task_option_of_a_landscape_formula_or_csv_file_is_named(task, csv, options, message, tmp_path):
    """A built-in task's misspelt option was named with its close match; a landscape's, a formula's and a CSV
    file's was a TypeError from deep inside (a traceback on the command line)."""
    path = tmp_path / "xy.csv"
    path.write_text("x,y\n" + "\n".join(f"{i},{2 * i + 1}" for i in range(40)))
    settings = dict(csv=str(path), column="y") if csv else dict(task=task)
    with pytest.raises(ValueError, match=message):
        Config(task_options=options, **settings).resolved()


@pytest.mark.parametrize("file, given, gone", [
    ('task = "ellipse"\nsteps = 20\n', {"epochs": 2}, "steps"),
    ('task = "ellipse"\nlr = "0.01,0.1"\n', {"mode": "defaults"}, "lr"),
    ('task = "line"\nmode = "tuned"\nbudget = 3\n', {"mode": "same-lr"}, "budget"),
    ('csv = "data.csv"\ncolumn = "y"\nsep = ";"\n', {"task": "line"}, "csv"),
    ('task = "line"\n[task_options]\nnoise = 0.5\n', {"csv": "data.csv", "column": "y"}, "task_options"),
])
def test_a_flag_replaces_the_config_files_settings_it_cannot_go_with(tmp_path, file, given, gone):
    """README: "the options given on the command line win"; --epochs over a report's config.toml (which holds its
    steps) was refused as "steps or --epochs, not both", as were another mode, another task and --csv."""
    from descend import cli

    path = tmp_path / "config.toml"
    path.write_text(file)
    config = cli._settings(Config, given, path)
    assert getattr(config, gone) in (None, {}, (), Config().budget) and getattr(config, gone) != \
        tomllib.loads(file)[gone]  # the file's value gone: the default, or nothing
    for key, value in given.items():
        assert getattr(config, key) is not None
    same = cli._settings(Config, {"mode": "tuned"} if "mode" in file else {}, path) if "budget" in file else None
    assert same is None or same.budget == 3  # the file's own mode again: nothing replaced


def test_an_optimizers_unknown_option_lists_what_it_may_set_and_not_lr():
    """The list of allowed keys named lr, which the same entry refuses ("give learning rates with --lr")."""
    from descend.compare_config import parse_optimizer

    with pytest.raises(ValueError) as refused:
        parse_optimizer("adam:foo=1", what="--optimizer")
    allowed = str(refused.value).partition("(allowed: ")[2]
    assert "beta1" in allowed and "lr" not in allowed.replace("decoupled", "").split(", "), str(refused.value)


@pytest.mark.parametrize("text, words", [("hybrid(0,8,64)", "--batch-size 'hybrid(0,8,64)': first=0"),
                                         ("hybrid(32,8,0)", "--batch-size 'hybrid(32,8,0)': then=0")])
def test_a_hybrid_with_a_part_of_zero_names_the_flag(text, words):
    from descend.compare_config import parse_batch_sizes

    with pytest.raises(ValueError) as refused:
        parse_batch_sizes(text)
    assert str(refused.value).startswith(words), str(refused.value)


def test_a_choice_is_read_in_any_case_as_batch_sizes_and_optimizers_are():
    """--batch-size FULL and -o ADAM were taken, --mode SAME-LR and --init NORMAL refused."""
    config = Config.from_dict({"task": "line", "mode": "SAME-LR", "init": "Normal", "optimizer": ["ADAM"],
                               "batch_size": "FULL"})
    assert (config.mode, config.init, config.optimizers[0].name, config.batch_size) == (
        "same-lr", "normal", "adam", (None,))
    with pytest.raises(ValueError, match=r"mode 'same lr' is not allowed; did you mean 'same-lr'"):
        Config.from_dict({"task": "line", "mode": "same lr"})


def test_a_configuration_read_back_from_its_dict_equals_it_and_says_it_is_no_key():
    """A file's list of numbers came back as a list where the configuration held a tuple (the ellipse's start), so
    Config.from_dict(cfg.to_dict()) != cfg; hash(cfg) said "unhashable type: 'dict'" (the configuration is a value
    with mappings, not a key: it says so), and an OptimizerSpec, a small value, could not be a key at all."""
    config_, _ = C.resolve("ellipse", optimizers=["adam", "sgd:momentum=0.9"], steps=30, seeds=2, lr=[0.01, 0.1])
    assert C.Config.from_dict(config_.to_dict()) == config_
    assert C.Config.from_dict(config_.to_dict()).resolved()[0] == config_
    with pytest.raises(TypeError, match="unhashable type: 'Config'"):
        hash(config_)
    a, b = C.parse_optimizer("sgd:momentum=0.9,nesterov=true"), C.parse_optimizer("sgd:nesterov=true,momentum=0.9")
    assert a == b and hash(a) == hash(b) and len({a, b, C.parse_optimizer("adam")}) == 2
    assert C.Config.from_dict({"task": "ellipse", "task_options": {"start": [0.1, 1.8]}}).task_options["start"] == \
        (0.1, 1.8)


@pytest.mark.parametrize("file, given, key, value", [
    # what descend compare writes for line, house-prices and diabetes: the task's own option in [task_options]
    ('task = "line"\n[task_options]\nstart = [-2.0, 3.0]\n', {"start": "1,1"}, "start", (1.0, 1.0)),
    ('task = "house-prices"\n[task_options]\nloss = "huber"\n', {"loss": "mae"}, "loss", "mae"),
    ('task = "diabetes"\n[task_options]\nstandardize_target = false\n', {"standardize_target": True},
     "standardize_target", True),
])
def test_a_flag_wins_over_the_config_files_task_option_of_the_same_setting(tmp_path, file, given, key, value):
    """A report's config.toml re-run with --start, --loss or --standardize-target was refused ("--start and
    task_options (in FILE) start=-2.0,3.0 both set start; give it in one place"), though the command line wins."""
    path = tmp_path / "config.toml"
    path.write_text(file)
    config = cli._settings(Config, given, path)
    assert getattr(config, key) == value and key not in config.task_options
    task = config.resolved()[1]
    assert task.data.target_standardized if key == "standardize_target" else task.options[key] == value


def test_a_task_option_flag_wins_over_the_config_files_setting_and_one_source_may_not_give_it_twice(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('task = "line"\nstart = [1.0, 2.0]\n')
    config = cli._settings(Config, {"task_options": ["start=3,4"]}, path)
    assert config.start is None and config.resolved()[1].options["start"] == (3, 4)
    path.write_text('task = "line"\nstart = [1.0, 2.0]\n[task_options]\nstart = [-2.0, 3.0]\n')
    config, names, _ = cli._named_settings(Config, {}, path)
    with pytest.raises(ValueError, match=re.escape(f"start (in {path}) and task_options (in {path}) start=-2.0,3.0 "
                                                   "both set start; give it in one place")):
        config.resolved(names=names)
    path.write_text('task = "line"\n')
    config, names, _ = cli._named_settings(Config, {"start": "3,4", "task_options": ["start=1,2"]}, path)
    with pytest.raises(ValueError, match="--start and --task-option start=1,2 both set start"):
        config.resolved(names=names)


def test_drop_on_the_command_line_replaces_the_config_files_features(tmp_path):
    """A file's features = [...] with --drop id was refused as "give features (in FILE) ... or --drop ..., not
    both": the command line's choice of columns replaces the file's."""
    data = tmp_path / "d.csv"
    data.write_text("id,a,b,y\n" + "".join(f"{i},{i % 7}.5,{i % 5}.25,{i % 3}.75\n" for i in range(40)))
    path = tmp_path / "c.toml"
    path.write_text(f'csv = "{data}"\ncolumn = "y"\nfeatures = ["a", "b"]\n')
    config = cli._settings(Config, {"drop": "id"}, path)
    assert config.features is None and config.drop == ("id",)
    path.write_text(f'csv = "{data}"\ncolumn = "y"\ndrop = ["id"]\n')
    config = cli._settings(Config, {"features": "a"}, path)
    assert config.features == ("a",) and config.drop is None


def test_a_task_option_flag_is_merged_into_the_config_files_task_options(tmp_path):
    """--task-option depth=2 with a file's [task_options] hidden = "relu", width = 8 trained width 16 and sigmoid:
    the file's whole table was replaced."""
    path = tmp_path / "c.toml"
    path.write_text('task = "vanishing"\n[task_options]\nhidden = "relu"\nwidth = 8\n')
    config = cli._settings(Config, {"task_options": ["depth=2", "width=4"]}, path)
    assert dict(config.task_options) == {"hidden": "relu", "width": 4, "depth": 2}
    options = config.resolved()[1].options
    assert (options["hidden"], options["width"], options["depth"]) == ("relu", 4, 2)
    # another task: the file's table was the other task's
    config = cli._settings(Config, {"task": "line", "task_options": ["start=1,1"]}, path)
    assert dict(config.task_options) == {"start": (1, 1)}


@pytest.mark.parametrize("file, mode, kept, gone", [
    ('task = "line"\nbudget = 3\n', "tuned", {"budget": 3}, []),
    ('task = "line"\nlr = "0.01,0.02"\n', "tuned", {"lr": (0.01, 0.02)}, []),
    ('task = "line"\nmode = "tuned"\nlr = "0.01,0.02"\nbudget = 3\n', "same-lr", {"lr": (0.01, 0.02)}, ["budget"]),
    ('task = "line"\nmode = "tuned"\nlr = "0.01,0.02"\nbudget = 3\n', "defaults", {}, ["budget", "lr"]),
])
def test_a_mode_on_the_command_line_takes_out_only_what_cannot_go_with_it_and_says_so(tmp_path, file, mode, kept,
                                                                                       gone):
    """--mode tuned dropped a file's budget and learning rates, both of which tuned mode reads (a file's budget = 3
    alone was refused with "add --mode tuned", which then ran 7 trials), and said nothing."""
    path = tmp_path / "c.toml"
    path.write_text(file)
    config, _, notes = cli._named_settings(Config, {"mode": mode}, path)
    assert config.mode == mode and {k: getattr(config, k) for k in kept} == kept
    searched = [n for n in notes if n.startswith("--mode tuned searches the rates of")]
    assert [n.partition(" (in ")[0] for n in notes if n not in searched] == [f"--mode {mode} takes out {key}"
                                                                              for key in gone], notes
    # another mode's rates kept as tuned mode's range, said: a report's file holds the task's default grid, which
    # --config FILE --mode tuned searched without a word where the task alone searches each optimizer's own range
    assert len(searched) == (mode == "tuned" and "mode" not in file and "lr" in file), notes
    if searched:
        assert searched[0] == (f"--mode tuned searches the rates of same-lr mode in {path}, lr = 0.01,0.02, from the "
                               "lowest to the highest, for every optimizer; leave lr out of the file for each "
                               "optimizer's own range, or give --lr LOW..HIGH")
    if "budget" in gone:
        assert config.budget == Config().budget
    if "lr" in gone:
        assert config.lr is None


def test_init_scale_on_a_model_without_drawn_weights_is_told_so_first():
    """--init-scale alone was told to add --init normal, which was then refused: the ellipse draws no weights."""
    with pytest.raises(ValueError, match=r"^--init-scale 0\.1: the model of task 'ellipse' starts from given values"):
        C.resolve("ellipse", init_scale=0.1)
    with pytest.raises(ValueError, match=r"^--init-scale 0\.1 is the scale of --init normal"):
        C.resolve("digits", init_scale=0.1)
    with pytest.raises(ValueError, match=r"^target 'abc' must be a number \(the target loss\); the column to "
                                         r"predict of a csv file is column$"):
        C.Config.from_dict({"task": "ellipse", "target": "abc"})  # (--column alone was named: only a CSV has one)
