"""Write a comparison to a directory: the HTML report, PNG/SVG figures, the animation, CSV/JSON and the config."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

#: What a report directory holds; a directory with any of these is "a report" (refused unless force=True).
REPORT_FILES = ("report.html", "summary.csv", "curves.csv", "table.csv", "config.toml")


class ReportExists(ValueError):
    """The output directory already holds a report."""


def check_out(out: str | Path, *, force: bool = False) -> Path:
    """The output directory, refused when it already holds a report (unless ``force``) or is a file."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {str(out)!r} is a file; give a directory for the report")
    if out.is_dir() and any((out / f).exists() for f in REPORT_FILES) and not force:
        raise ReportExists(f"--out {str(out)!r} already holds a report; use --force to overwrite it or choose "
                           "another directory")
    return out


def config_toml(comparison: Any) -> str:
    """The resolved configuration as TOML: ``descend compare --config FILE`` re-runs exactly this comparison."""
    import tomli_w

    data = comparison.config.to_dict()
    return ("# descend compare --config config.toml re-runs this comparison\n"
            f"# descend {comparison.version}\n" + tomli_w.dumps(_plain(data)))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value


def records(comparison: Any) -> dict[str, Any]:
    """The JSON document: one record per run and one per optimizer, plus the configuration and winners."""

    def clean(v: Any) -> Any:
        if isinstance(v, (np.floating, float)):
            return None if not math.isfinite(float(v)) else float(v)
        if isinstance(v, (np.integer,)):
            return int(v)
        if isinstance(v, (np.bool_,)):
            return bool(v)
        if isinstance(v, tuple):
            return list(v)
        if v is None or isinstance(v, (str, int, bool, list, dict)):
            return v
        return str(v)

    runs = [{"run": int(i), **{k: clean(v) for k, v in row.items()}} for i, row in comparison.summary.iterrows()]
    optimizers = [{"optimizer": str(i), **{k: clean(v) for k, v in row.items()}}
                  for i, row in comparison.table.iterrows()]
    return {"descend": comparison.version, "task": comparison.task.name, "mode": comparison.config.mode,
            "config": _plain(comparison.config.to_dict()), "interrupted": comparison.interrupted,
            "winners": comparison.winners, "optimizers": optimizers, "runs": runs}


def chosen(comparison: Any) -> Any:
    """The runs of each label's reported configuration (the table's lr and batch size), every seed."""
    summary, table = comparison.summary, comparison.table
    final = summary[summary["phase"] == "final"] if "phase" in summary else summary
    parts = []
    for label, group in final.groupby("label", sort=False):
        if label in table.index:
            row = table.loc[label]
            lr = row.get("lr")
            same_lr = group["lr"].isna() if lr is None or (isinstance(lr, float) and math.isnan(lr)) else (
                np.isclose(group["lr"].astype(float), float(lr)))
            pick = group[same_lr & (group["batch_size"].astype(str) == str(row.get("batch size")))]
            group = pick if len(pick) else group
        parts.append(group)
    return final.loc[[i for part in parts for i in part.index]]


def representatives(comparison: Any) -> dict[int, str]:
    """One run per optimizer label: its reported configuration, the lowest seed; run -> label (with its lr)."""
    out = {}
    for label, group in chosen(comparison).groupby("label", sort=False):
        run = int(group.sort_values("seed").index[0])
        lr = group.loc[run, "lr"]
        out[run] = f"{label} (lr {lr:g})" if isinstance(lr, float) and math.isfinite(lr) else str(label)
    return out


def write_report(comparison: Any, out: str | Path, *, json_path: str | Path | None = None, figures: bool = True,
                 animation: bool = True, force: bool = False) -> Path:
    """Write ``comparison`` into ``out``: report.html, figures/*.png|svg, paths.gif/.mp4 for 2-D tasks,
    summary.csv, curves.csv, table.csv, config.toml, and ``json_path`` if given. Returns report.html's path."""
    from . import figures as fig
    from .html import write_html

    out = check_out(out, force=force)
    out.mkdir(parents=True, exist_ok=True)
    task, config = comparison.task, comparison.config
    comparison.summary.to_csv(out / "summary.csv")
    comparison.curves.to_csv(out / "curves.csv", index=False)
    comparison.table.to_csv(out / "table.csv")
    toml_text = config_toml(comparison)
    (out / "config.toml").write_text(toml_text)
    if json_path is not None:
        Path(json_path).write_text(json.dumps(records(comparison), indent=1))

    title = f"{task.title} — {config.mode}"
    summary, curves = comparison.summary, comparison.curves
    final = summary[summary["phase"] == "final"] if "phase" in summary else summary
    surface = task.surface
    # on the landscape, one path per optimizer: the configuration of the table (its lr and batch size), seed 0
    shown = representatives(comparison)
    paths = {k: v for k, v in comparison.paths.items() if k in shown} if surface is not None else {}
    path_labels = {k: shown[k] for k in paths}
    images: dict[str, str] = {}
    notes = list(comparison.notes)
    if figures and len(final):
        directory = out / "figures"
        directory.mkdir(exist_ok=True)
        final_curves = curves[curves["run"].isin(final.index)]
        best = chosen(comparison)
        best_curves = curves[curves["run"].isin(best.index)]
        drawn = {
            "loss-step": ("Loss against step: each optimizer's reported configuration (median and inter-quartile "
                          "band over seeds)", lambda: fig.loss_curves(best, best_curves, x="step", title=title)),
            "loss-epoch": ("Loss against epoch", lambda: fig.loss_curves(best, best_curves, x="epoch", title=title)),
            "lr-sensitivity": ("Learning-rate sensitivity (× = diverged)",
                               lambda: fig.lr_sensitivity(summary, title=title)),
            "lr-batch": ("Learning rate × batch size", lambda: fig.lr_batch_heatmap(final, title=title)),
            "batch-regimes": ("GD, SGD, mini-batch and hybrid batch sizes",
                              lambda: fig.batch_regimes(final, final_curves, title=title)),
            "grad-norms": ("Gradient norm per parameter tensor", lambda: fig.grad_norms(final, final_curves,
                                                                                        title=title)),
        }
        if surface is not None and paths:
            drawn["landscape"] = ("The cost surface with every optimizer's path",
                                  lambda: fig.landscape(surface, paths, path_labels, title=title))
        for stem, (caption, draw) in drawn.items():
            if stem == "batch-regimes" and final["batch_size"].nunique() < 2:
                continue
            if stem == "lr-sensitivity" and summary["lr"].nunique() < 2:
                continue
            try:
                figure = draw()
            except ValueError as e:  # nothing to draw (e.g. an interrupted run before its first step)
                notes.append(f"figure {stem} skipped: {e}")
                continue
            if figure is None:
                continue
            fig.save(figure, directory, stem)
            images[caption] = f"figures/{stem}.png"
        if animation and surface is not None and paths:
            try:
                for suffix in (".gif", ".mp4"):
                    fig.animate(surface, paths, path_labels, out / f"paths{suffix}", title=title, max_frames=40,
                                dpi=80)
                images["Animation of the paths (also paths.mp4)"] = "paths.gif"
            except ValueError as e:
                notes.append(f"animation skipped: {e}")
    intro = task.card()
    notes.append(f"{len(summary)} runs in {comparison.seconds:.1f} s; mode {config.mode}; "
                 f"{config.seeds} seed{'s' * (config.seeds != 1)} per configuration")
    return write_html(out / "report.html", title=f"descend compare {task.name}", intro=intro,
                      table=comparison.table, winners=comparison.winners, summary=final, curves=curves,
                      config_text=toml_text, version=comparison.version, mode=config.mode,
                      surface=surface, paths=paths or None, labels=path_labels, images=images, notes=notes)
