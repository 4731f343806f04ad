"""descend.report.html: the self-contained HTML report of a comparison, checked on small synthetic frames."""

from __future__ import annotations

import base64
import html
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import plotly.offline
import pytest
import torch

from descend.report.html import MAX_POINTS, write_html
from descend.selection import select

LABELS = ("gd", "adam")
LRS = (0.01, 0.1)
SEEDS = (0, 1)
STEPS = 60
DIVERGED_RUN, DIVERGED_AT = 7, 30  # adam, lr 0.1, seed 1
STATUS = {"x", "diamond-open", "line-ns-open", "triangle-right-open"}  # the marks of runs without a result
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def frames(labels=LABELS, steps=STEPS):
    """summary, curves and table of 2 labels x 2 lrs x 2 seeds, the last run diverged."""
    rows, curves = [], []
    run = 0
    for label in labels:
        for lr in LRS:
            for seed in SEEDS:
                step = np.arange(steps)
                rate = (0.02 if label == labels[0] else 0.05) * (1 + 10 * lr) * (1 + 0.1 * seed)
                loss = 2.0 * np.exp(-rate * step) + 0.01
                diverged = run == DIVERGED_RUN
                if diverged:
                    loss[DIVERGED_AT:] = np.nan
                curves.append(pd.DataFrame({"run": run, "step": step, "epoch": step / 10, "split": "batch",
                                            "metric": "loss", "value": loss}))
                every = step[::10]
                curves.append(pd.DataFrame({"run": run, "step": every, "epoch": every / 10, "split": "test",
                                            "metric": "loss", "value": 1.1 * loss[::10]}))
                for name, scale in (("w", 1.0), ("b", 0.1)):
                    curves.append(pd.DataFrame({"run": run, "step": step, "epoch": step / 10, "split": "train",
                                                "metric": f"grad_norm:{name}", "value": scale * loss}))
                rows.append({"run": run, "label": label, "optimizer": label.split()[0], "lr": lr,
                             "batch_size": "full", "seed": seed,
                             "final_train_loss": np.nan if diverged else float(loss[-1]),
                             "final_test_loss": np.nan if diverged else 1.1 * float(loss[-1]),
                             "diverged": diverged, "diverged_at": DIVERGED_AT if diverged else None})
                run += 1
    summary = pd.DataFrame(rows).set_index("run")
    curves = pd.concat(curves, ignore_index=True)
    table = pd.DataFrame({"final train loss": [0.0123456, 0.00234],
                          "test accuracy": [0.9123, 0.95],
                          "steps to target": ["> 60", 42],
                          "divergence rate": [0.0, 0.25],
                          "ms / step": [1.5, np.nan]}, index=list(labels))
    winners = {"final train loss": [labels[1]], "test accuracy": [labels[1]], "steps to target": [labels[1]],
               "divergence rate": [labels[0]]}
    return summary, curves, table, winners


@dataclass(frozen=True)
class Rosenbrock:
    """A fake cost surface: the interface of descend.tasks.Surface over the Rosenbrock function."""

    names: tuple = ("x", "y")
    domain: tuple = ((-2.0, 2.0), (-1.0, 3.0))
    log_scale: bool = True
    points: tuple = (("minimum", (1.0, 1.0)),)

    def grid(self, n: int = 100):
        (a0, a1), (b0, b1) = self.domain
        a = torch.linspace(a0, a1, n, dtype=torch.float64)
        b = torch.linspace(b0, b1, n, dtype=torch.float64)
        aa, bb = torch.meshgrid(a, b, indexing="xy")
        return aa, bb, (1 - aa) ** 2 + 100 * (bb - aa**2) ** 2


def fake_paths(runs=range(8), length=41):
    t = np.linspace(0.0, 1.0, length)[:, None]
    return {run: (1 - t) * np.array([-1.5, 2.0]) + t * np.array([1.0, 1.0]) + 0.01 * run for run in runs}


def report(tmp_path, name="report.html", **overrides):
    summary, curves, table, winners = frames()
    kwargs = dict(title="Rosenbrock", intro="Find the minimum of a banana-shaped valley.", table=table,
                  winners=winners, summary=summary, curves=curves, config_text='[compare]\nmode = "tuned"\n',
                  version="0.1.0", mode="tuned")
    kwargs.update(overrides)
    kwargs.setdefault("selection", select(kwargs["summary"]))
    path = write_html(tmp_path / name, **kwargs)
    return path, path.read_text(encoding="utf-8")


class Page(HTMLParser):
    """Checks that tags nest properly; collects attributes, plotly divs, table cells and script texts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.attrs, self.scripts, self.cells = [], [], [], [], []
        self.plot_divs, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.attrs.append((tag, attrs))
        if tag == "div" and "plotly-graph-div" in (attrs.get("class") or ""):
            self.plot_divs.append(attrs["id"])
        if tag in ("td", "th"):
            self._cell = [tag, attrs, ""]
        if tag == "script":
            self.scripts.append("")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.attrs.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append(tuple(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self.stack and self.stack[-1] == "script":
            self.scripts[-1] += data
        if self._cell is not None:
            self._cell[2] += data


def parse(text):
    page = Page()
    page.feed(text)
    page.close()
    assert not page.errors, page.errors[:5]
    assert page.stack == [], page.stack
    return page


def figures(text):
    """div id -> (data, layout, config) of every Plotly.newPlot call, each argument decoded as JSON."""
    decoder = json.JSONDecoder()
    found = {}
    for match in re.finditer(r"Plotly\.newPlot\(\s*", text):
        at = match.end()
        args = []
        for _ in range(4):
            value, at = decoder.raw_decode(text, at)
            args.append(value)
            at = re.compile(r"\s*,?\s*").match(text, at).end()
        div_id, data, layout, config = args
        found[div_id] = (data, layout, config)
    return found


def array(value):
    """A plotly JSON array: a list, or a base64 typed array {"dtype", "bdata"}."""
    if isinstance(value, dict):
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
    return np.asarray(value, dtype=float)


# -- the page -------------------------------------------------------------------------------------------


def test_writes_one_offline_page_with_the_bundle_once(tmp_path):
    path, text = report(tmp_path)
    assert path == tmp_path / "report.html" and path.is_file()
    assert text.startswith("<!DOCTYPE html>")
    assert text.count("plotly.js v") == 1
    assert text.count(f"plotly.js v{plotly.offline.get_plotlyjs_version()}") == 1
    assert "<script src" not in text.lower() and "@import" not in text and "<link" not in text.lower()
    page = parse(text)
    for tag, attrs in page.attrs:
        for key in ("src", "href"):
            value = attrs.get(key) or ""
            assert "://" not in value and "cdn.plot.ly" not in value and not value.startswith("//"), (tag, attrs)
    css = text[text.index("<style>"):text.index("</style>")]
    assert "http" not in css and "url(" not in css
    assert len(page.scripts) == 3 + 3  # the PlotlyConfig line, the bundle, the menus' keys, one script per chart
    assert not list(tmp_path.glob("*.partial"))


def test_sections_in_order_with_captions_config_and_version(tmp_path):
    _, text = report(tmp_path, notes=["run interrupted: 6 of 8 runs finished"])
    order = ["<h1>Rosenbrock</h1>", "Find the minimum", "Comparison mode:", "60 steps per run", "6 of 8 runs",
             "<h2>Summary</h2>", "<h2>Loss during training</h2>", "<h2>Learning-rate sensitivity</h2>",
             "<h2>Gradient norms per parameter tensor</h2>", "<h2>Configuration</h2>", "</main>"]
    positions = [text.index(marker) for marker in order]
    assert positions == sorted(positions)
    assert "60 steps per run (\u2248 6 epochs); 8 runs, 2 seeds" in text  # epochs before step 59, extrapolated
    assert '<pre>[compare]\nmode = &quot;tuned&quot;\n</pre>' in text
    assert "descend version: <b>0.1.0</b>" in text
    assert text.count('<p class="caption">') == 1 + 3 + 1  # the table, the three charts, the configuration
    assert "Static figures" not in text


def test_table_has_every_label_formatted_and_the_winners_highlighted(tmp_path):
    _, text = report(tmp_path)
    page = parse(text)
    headers = [c[2] for c in page.cells if c[0] == "th" and c[1].get("scope") == "row"]
    assert headers[:2] == list(LABELS)  # the summary table first, then every run in the details
    best = [c for c in page.cells if "best" in (c[1].get("class") or "")]
    assert [c[2] for c in best] == ["0%", "0.00234", "95%", "42"]  # row by row: gd, then adam
    assert [c[1]["title"] for c in best] == ["best divergence rate", "best final train loss", "best test accuracy",
                                            "best steps to target"]
    cells = [c[2] for c in page.cells if c[0] == "td"][:10]
    # the secondary columns (ms / step) in a second table under "More columns", after the main one
    assert cells == ["0.01235", "91.23%", "> 60", "0%", "0.00234", "95%", "42", "25%", "1.5", "\u2014"]
    assert ("Best per metric: final train loss: <b>adam</b>; test accuracy: <b>adam</b>; steps to target: "
            "<b>adam</b>; divergence rate: <b>gd</b>.") in text
    assert "<dt>steps to target</dt>" in text  # what the columns mean


def test_labels_that_tie_are_all_winners_and_a_bare_label_is_one(tmp_path):
    """A tie named only the first row's label (divergence rate 0 % for three optimizers: "gd" alone)."""
    _, text = report(tmp_path, winners={"divergence rate": ["gd", "adam"], "final train loss": "adam"})
    best = [c[2] for c in parse(text).cells if "best" in (c[1].get("class") or "")]
    assert best == ["0%", "0.00234", "25%"]  # gd's rate, adam's loss and rate
    assert "Best per metric: divergence rate: <b>gd</b>, <b>adam</b>; final train loss: <b>adam</b>." in text


def test_user_strings_are_escaped(tmp_path):
    evil = '<script>alert("x")</script>'
    summary, curves, table, winners = frames(labels=("gd", f"adam {evil}"))
    winners = {column: won for column, won in winners.items() if won == ["gd"]}
    _, text = report(tmp_path, title=f"Task {evil}", intro=f"card {evil}", table=table, winners=winners,
                     summary=summary, curves=curves, config_text=f"note = '{evil}'", version=f"0.1 {evil}",
                     mode=evil, notes=[f"note {evil}"])
    assert "<script>alert" not in text and "</script><" not in text.replace("</script>\n<", "")
    assert text.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") >= 8
    page = parse(text)
    assert len(page.scripts) == 6  # no script came in with the user's strings
    data, _, _ = figures(text)["fig-loss"]
    assert {t["name"] for t in data if t.get("showlegend")} == {"gd", "adam &lt;script&gt;alert(&quot;x&quot;)"
                                                                "&lt;/script&gt;"}


def test_charts_are_valid_json_with_one_legend_entry_per_label(tmp_path):
    _, text = report(tmp_path)
    page = parse(text)
    assert page.plot_divs == ["fig-loss", "fig-lr", "fig-grad"]
    assert text.count("Plotly.newPlot(") == 3
    found = figures(text)
    assert list(found) == page.plot_divs
    import plotly.io

    white = plotly.io.templates["plotly_white"].to_plotly_json()
    for data, layout, config in found.values():
        assert config["displaylogo"] is False and isinstance(data, list) and data
        # every chart on plotly_white, with its height and the page's margins (put in its JSON directly)
        assert layout["template"] == json.loads(json.dumps(white, cls=plotly.utils.PlotlyJSONEncoder))
        assert layout["height"] > 0 and {"l", "r", "t", "b"} <= set(layout["margin"])
    data, layout, _ = found["fig-loss"]
    assert layout["yaxis"]["type"] == "log"
    assert [t["name"] for t in data if t.get("showlegend")] == list(LABELS)
    assert all(t["showlegend"] is False for t in data if t.get("showlegend") is not True)
    assert {t["legendgroup"] for t in data} == set(LABELS)
    dashes = [t["line"].get("dash") for t in data]
    # per label, the 2 seeds of its selected configuration and their median
    assert dashes.count("dash") == dashes.count("solid") == 2 * (2 + 1)
    assert {t["line"]["width"] for t in data if not t.get("showlegend") and t["line"]["dash"] == "solid"
            and t.get("opacity") == 0.35} == {1}  # thin seeds
    # bold medians, each label's narrower than the one before: a median drawn over another leaves it an edge
    assert [t["line"]["width"] for t in data if t.get("showlegend")] == [3.6, 1.8]
    data, layout, _ = found["fig-lr"]
    assert layout["xaxis"]["type"] == "log" and layout["yaxis"]["type"] == "log"
    crosses = [t for t in data if t.get("marker", {}).get("symbol") == "x"]
    assert len(crosses) == 1 and array(crosses[0]["x"]).tolist() == [0.1]
    top = array(crosses[0]["y"])[0]
    finite = np.concatenate([array(t["y"]) for t in data if t.get("mode") == "markers" and t not in crosses])
    assert finite.size == 7 and top > finite.max()
    line = [t for t in data if t.get("mode") == "lines+text"]
    assert len(line) == 1 and line[0]["text"][0] == "diverged" and array(line[0]["y"]).tolist() == [top, top]
    data, layout, _ = found["fig-grad"]
    assert [t["name"] for t in data] == ["b", "w", "b", "w"]  # by depth (colours.depth_order)
    assert [t["visible"] for t in data] == [True, True, False, False]
    buttons = layout["updatemenus"][0]["buttons"]
    assert [b["label"] for b in buttons] == list(LABELS)
    assert buttons[1]["args"][0]["visible"] == [False, False, True, True]


def test_long_runs_are_thinned(tmp_path):
    summary, curves, table, winners = frames(steps=5000)
    at_01 = select(summary[summary["lr"] == 0.1])  # adam's configuration with the diverged run
    path, text = report(tmp_path, summary=summary, curves=curves, table=table, winners=winners, selection=at_01)
    data, _, _ = figures(text)["fig-loss"]
    lengths = [len(array(t["x"])) for t in data]
    assert max(lengths) <= MAX_POINTS + 3
    diverged = [t for t in data if "run 7," in t["meta"] and t["line"]["dash"] == "solid"][0]
    assert array(diverged["x"])[np.isfinite(array(diverged["y"]))].max() == DIVERGED_AT - 1  # its last value kept
    assert path.stat().st_size < 6_000_000


def test_a_long_runs_spikes_stay_on_the_charts_at_their_steps_and_heights(tmp_path):
    """Evenly spaced points showed 9 of a 60,000-step run's 1,093 spikes above 1e-6 and missed its highest by 25×:
    each stretch's lowest and highest loss (and gradient norm) are drawn now, at their own steps."""
    summary, curves, table, winners = frames(steps=5000)
    spikes = np.arange(7, 5000, 397)  # a step in a stretch of its own each (stretches of 20 steps)
    height = 10.0 + np.arange(len(spikes))
    for metric in ("loss", "grad_norm:w"):
        for run in (0, 1):
            rows = curves.index[(curves["run"] == run) & (curves["metric"] == metric) & curves["step"].isin(spikes)
                                & curves["split"].isin(["batch", "train"])]
            curves.loc[rows, "value"] = height
    path, text = report(tmp_path, summary=summary, curves=curves, table=table, winners=winners)
    assert "the lowest and the highest loss of each of 250 stretches" in text
    data, _, _ = figures(text)["fig-loss"]
    run0 = [t for t in data if t["meta"].startswith(f"{summary.loc[0, 'label']}: ") and "run 0," in t["meta"]]
    median = [t for t in data if t["meta"] == f"{summary.loc[0, 'label']}: median of 2 runs"]
    for trace in run0 + median:
        x, y = array(trace["x"]), array(trace["y"])
        assert len(x) <= MAX_POINTS + 3 and (np.diff(x) > 0).all()
        np.testing.assert_array_equal(y[np.isin(x, spikes)], height)
    norms = [t for t in figures(text)["fig-grad"][0] if t["name"] == "w"]
    assert any(np.isin(spikes, array(t["x"])).all() and array(t["y"]).max() == height.max() for t in norms)


def test_surface_charts_only_with_a_surface(tmp_path):
    _, plain = report(tmp_path, name="plain.html", paths=fake_paths())
    assert "fig-contour" not in plain and "fig-surface3d" not in plain
    _, text = report(tmp_path, surface=Rosenbrock(), paths=fake_paths())
    page = parse(text)
    assert page.plot_divs == ["fig-loss", "fig-lr", "fig-grad", "fig-contour", "fig-surface3d"]
    assert text.count("Plotly.newPlot(") == 5
    found = figures(text)
    data, layout, _ = found["fig-contour"]
    assert data[0]["type"] == "contour"
    z = array(data[0]["z"]["bdata"] and data[0]["z"])
    assert z.size == 100 * 100 and np.isfinite(z).all() and z.min() < -2  # log10 of J - min + epsilon
    lines = [t for t in data if t.get("mode") == "lines+markers"]
    assert len(lines) == 8 and [t["showlegend"] for t in lines] == [True] + [False] * 3 + [True] + [False] * 3
    marks = {t["name"]: t for t in data if t.get("mode") == "markers"}
    assert list(marks) == ["start", "minimum"]
    assert array(marks["start"]["x"]) == pytest.approx([-1.5 + 0.01 * run for run in range(8)])
    assert array(marks["minimum"]["x"]).tolist() == [1.0] and array(marks["minimum"]["y"]).tolist() == [1.0]
    assert layout["xaxis"]["range"] == [-2.0, 2.0] and layout["yaxis"]["range"] == [-1.0, 3.0]
    data, _, _ = found["fig-surface3d"]
    assert data[0]["type"] == "surface"
    paths3d = [t for t in data if t["type"] == "scatter3d" and t.get("mode") == "lines"]
    assert len(paths3d) == 8 and all(np.isfinite(array(t["z"])).all() for t in paths3d)


def test_paths_are_named_by_labels_and_cut_at_divergence(tmp_path):
    paths = fake_paths(runs=[0, 7], length=2001)
    paths[7][1500:] = np.inf
    _, text = report(tmp_path, surface=Rosenbrock(), paths=paths, labels={0: "plain gd"})
    data, _, _ = figures(text)["fig-contour"]
    lines = {t["name"]: t for t in data if t.get("mode") == "lines+markers"}
    assert set(lines) == {"plain gd", "adam \u2014 diverged"}  # run 7's status, from the summary
    for line in lines.values():
        x = array(line["x"])
        assert 2 < len(x) <= MAX_POINTS + 1 and np.isfinite(x).all()
    assert array(lines["plain gd"]["x"])[-1] == pytest.approx(1.0)


def test_other_images_are_sections_of_their_own_with_relative_names(tmp_path):
    images = {"Loss curves": "loss.png", "Paths <b>": "paths on surface.png"}
    _, text = report(tmp_path, images=images)
    page = parse(text)
    imgs = [attrs for tag, attrs in page.attrs if tag == "img"]
    assert [i["src"] for i in imgs] == ["loss.png", "paths%20on%20surface.png"]  # no such file: its name
    assert [i["alt"] for i in imgs] == ["Loss curves", "Paths <b>"]
    assert text.index("<h2>Paths &lt;b&gt;</h2>") < text.index("<h2>Configuration</h2>")
    for bad in ("/tmp/loss.png", "https://example.org/loss.png", "file:///tmp/x.png"):
        with pytest.raises(ValueError, match="relative"):
            report(tmp_path, images={"x": bad})


STATIC = ("loss-step", "loss-epoch", "lr-sensitivity", "lr-batch", "batch-regimes", "parameter-steps", "grad-norms")


def _static_files(directory):
    """A PNG (distinct bytes) and an SVG for every static figure a report writes."""
    (directory / "figures").mkdir(parents=True, exist_ok=True)
    images = {}
    for k, stem in enumerate(STATIC):
        (directory / "figures" / f"{stem}.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes([k]) * 40)
        (directory / "figures" / f"{stem}.svg").write_text("<svg/>")
        images[f"caption of {stem}"] = f"figures/{stem}.png"
    return images


def test_each_view_is_shown_once_and_a_chart_links_its_static_file(tmp_path):
    images = _static_files(tmp_path)
    _, text = report(tmp_path, images=images)
    page = parse(text)
    sources = {stem: base64.b64encode((tmp_path / "figures" / f"{stem}.png").read_bytes()).decode() for stem in STATIC}
    imgs = [attrs["src"] for tag, attrs in page.attrs if tag == "img"]
    links = [attrs for tag, attrs in page.attrs if tag == "a" and "download" in attrs]
    # a view with an interactive chart is drawn once, interactively; its PNG is a download link under it
    shown = [stem for stem in STATIC if any(sources[stem] in src for src in imgs)]
    assert shown == ["lr-batch", "batch-regimes", "parameter-steps"]
    assert sorted(a["download"] for a in links) == ["grad-norms.png", "loss-epoch.png", "loss-step.png",
                                                    "lr-sensitivity.png"]
    for stem in STATIC:  # every figure's bytes once in the page: as its image or as its link, never both
        assert text.count(sources[stem]) == 1, stem
        assert f"figures/{stem}.svg" in text  # the SVG named next to the link
    assert all(a["href"].startswith("data:image/png;base64,") for a in links)  # works moved alone
    # in the page's order: each static-only view after the learning-rate chart, before the gradient norms
    order = [text.index(key) for key in ("id=\"fig-loss\"", "download=\"loss-step.png\"", "id=\"fig-lr\"",
                                          "<h2>Learning rate \u00d7 batch size</h2>",
                                          "<h2>GD, SGD, mini-batch and hybrid batch sizes</h2>",
                                          "<h2>The parameter after each step</h2>", "id=\"fig-grad\"",
                                          "download=\"grad-norms.png\"", "<h2>Configuration</h2>")]
    assert order == sorted(order)
    assert "Static figures" not in text and text.count("<section id=\"batch-regimes\">") == 1


def test_without_javascript_each_chart_says_it_needs_it_and_where_its_static_figures_are(tmp_path):
    """With JavaScript off (a mail client's preview) the charts were empty boxes under captions that speak of "the
    buttons above the chart": each now says, where scripts do not run, that it needs them and names its PNGs."""
    stills = {"fig-loss": ["figures/loss-step.png", "figures/loss-epoch.png"], "fig-lr": ["figures/lr-sensitivity.png"],
              "fig-grad": ["figures/grad-norms.png"]}
    for images in (_static_files(tmp_path), None):
        _, text = report(tmp_path, images=images)
        page = parse(text)
        assert page.plot_divs == list(stills)
        for div_id, files in stills.items():
            section = re.search(rf'<section id="{div_id[4:]}">(.*?)</section>', text, re.S).group(1)
            said = re.findall(r"<noscript>(.*?)</noscript>", section, re.S)
            assert len(said) == 1 and "This chart needs JavaScript" in said[0]
            assert all((name in said[0]) == (images is not None) for name in files), said[0]
            assert section.index("<noscript>") < section.index(f'id="{div_id}"')  # above the empty box


def test_the_still_of_a_chart_with_nothing_to_draw_is_shown_in_its_place(tmp_path):
    images = _static_files(tmp_path)
    summary, curves, table, winners = frames()
    summary["lr"] = np.nan  # no learning rate: no interactive sensitivity chart
    _, text = report(tmp_path, images=images, summary=summary)
    page = parse(text)
    assert "fig-lr" not in page.plot_divs
    lr = base64.b64encode((tmp_path / "figures" / "lr-sensitivity.png").read_bytes()).decode()
    assert any(lr in attrs["src"] for tag, attrs in page.attrs if tag == "img") and text.count(lr) == 1


def test_the_summary_table_keeps_secondary_columns_collapsed_and_fits_the_window(tmp_path):
    summary, curves, _, winners = frames()
    columns = ["lr", "batch size", "seeds", "final train loss", "best train loss", "validation loss", "test loss",
               "test accuracy", "divergence rate", "left-domain rate", "generalisation gap",
               "state bytes / parameter", "ms / step", "distance to answer"]
    table = pd.DataFrame([[0.0707, "hybrid(32\u2192512)", 3, 0.009301, 0.009301, 0.01134, 0.009085, 0.9123, 0.0,
                           0.0, -0.0002, 8.0, 0.1234, 0.003265]] * 2, index=list(LABELS), columns=columns)
    _, text = report(tmp_path, table=table, winners={}, summary=summary, curves=curves)
    main, more = re.findall(r"<table>.*?</table>", text, flags=re.S)[:2]
    heads = lambda part: re.findall(r"<th scope=\"col\">(.*?)</th>", part)  # noqa: E731
    assert heads(main) == ["optimizer", "lr", "batch size", "seeds", "final train loss", "validation loss",
                           "test loss", "test accuracy", "divergence rate", "left-domain rate", "distance to answer"]
    assert heads(more) == ["optimizer", "best train loss", "generalisation gap", "state bytes / parameter",
                           "ms / step"]
    assert text.index("<details class=\"more\"><summary>More columns") < text.index(more)
    # the widest the main table can be: each column its longest header word or cell (9 px a character at
    # 0.95 rem, bold headers), plus its padding; the page's text column is 1,120 px in a 1,280 px window
    rows = [re.findall(r"<t[hd][^>]*>(?:<span[^>]*></span>)?(.*?)</t[hd]>", row)
            for row in re.findall(r"<tr>(.*?)</tr>", main, flags=re.S)]
    widths = [max(max(len(word) for word in html.unescape(cell).split()) if i == 0 else len(html.unescape(cell))
                  for i, cell in enumerate(column)) for column in zip(*rows)]
    assert sum(9 * w + 18 for w in widths) + 30 <= 1120, widths


def test_bad_input_names_the_problem(tmp_path):
    summary, curves, table, winners = frames()
    with pytest.raises(ValueError, match="summary is missing the column 'final_train_loss'"):
        report(tmp_path, summary=summary.drop(columns="final_train_loss"))
    with pytest.raises(ValueError, match="curves is missing the columns 'split', 'value'"):
        report(tmp_path, curves=curves.drop(columns=["split", "value"]))
    with pytest.raises(ValueError, match="table must be a pandas DataFrame, not dict"):
        report(tmp_path, table={"a": 1})
    with pytest.raises(ValueError, match="title must be a str"):
        report(tmp_path, title=3)
    with pytest.raises(ValueError, match="winners names the column 'speed'"):
        report(tmp_path, winners={"speed": "gd"})
    with pytest.raises(ValueError, match="names 'sgd', which is not a label of the table"):
        report(tmp_path, winners={"final train loss": ["gd", "sgd"]})
    with pytest.raises(ValueError, match=r"winners\['final train loss'\] must be a list of labels"):
        report(tmp_path, winners={"final train loss": 3})
    with pytest.raises(ValueError, match=r"paths\[0\] has shape \(5, 3\)"):
        report(tmp_path, surface=Rosenbrock(), paths={0: np.zeros((5, 3))})
    with pytest.raises(ValueError, match="notes must be a list of str"):
        report(tmp_path, notes="one note")
    assert not (tmp_path / "report.html").exists()


def test_budget_counts_steps_epochs_runs_and_seeds():
    from descend.report.html import _budget

    summary, curves, _, _ = frames()
    assert _budget(summary, curves) == "60 steps per run (\u2248 6 epochs); 8 runs, 2 seeds"
    final = pd.DataFrame({"run": 0, "step": [STEPS], "epoch": [6.25], "split": "test", "metric": "loss",
                          "value": [0.1]})  # an evaluation after the last step knows the epochs exactly
    assert _budget(summary.iloc[:1], pd.concat([curves, final])) == "60 steps per run (\u2248 6.25 epochs); 1 run"
    assert _budget(summary, curves.drop(columns="epoch")) == "60 steps per run; 8 runs, 2 seeds"
    # the budget the runs were given, when the report knows it: in epochs, the steps each batch size took (a run
    # cut short is not the budget: with --epochs 3000 the page said 12,000 steps, the furthest batch size's)
    given = summary.assign(batch_size=["full", 32] * 4, steps_done=[6, 60] * 4)
    assert _budget(given, curves, "6 epochs") == ("6 epochs per run (6 steps at the full batch, 60 steps at batch "
                                                  "32); 8 runs, 2 seeds")
    cut = given.assign(status=["ok", "interrupted"] * 4, steps_done=[6, 13] * 4)
    assert _budget(cut, curves, "6 epochs").startswith("6 epochs per run (6 steps at the full batch); 8 runs")
    assert _budget(summary, curves, "60 steps") == "60 steps per run; 8 runs, 2 seeds"


def test_curves_show_the_configuration_in_the_table(tmp_path):
    summary, curves, table, winners = frames()
    table = table.assign(lr=[0.1, 0.01], **{"batch size": ["full", "full"]})
    _, text = report(tmp_path, table=table)
    assert "thin lines are the seeds of each optimizer&#x27;s configuration in the table" in text
    data, _, _ = figures(text)["fig-loss"]
    thin = [t["meta"] for t in data if t["line"]["width"] == 1 and t["line"]["dash"] == "solid"]
    assert thin == ["gd: run 2, lr 0.1, seed 0, batch full", "gd: run 3, lr 0.1, seed 1, batch full",
                    "adam: run 4, lr 0.01, seed 0, batch full", "adam: run 5, lr 0.01, seed 1, batch full"]
    data, layout, _ = figures(text)["fig-grad"]
    # the representative run has the (lower) median final loss: seed 1 learns faster in these frames
    assert "adam (run 5, lr 0.01" in layout["updatemenus"][0]["buttons"][1]["args"][1]["title.text"]


def test_an_interrupted_comparison_with_no_run_still_gets_a_page(tmp_path):
    empty = pd.DataFrame()
    _, text = report(tmp_path, table=empty, winners={}, summary=empty, curves=empty,
                     notes=["interrupted (Ctrl-C): 0 runs kept"])
    page = parse(text)
    assert page.plot_divs == ["fig-loss"]  # an empty loss chart; no learning rates, no gradient norms
    assert "No run has a single numeric learning rate" in text and "0 runs kept" in text
    assert "no steps recorded; 0 runs" in text


# -- statuses, colours and the table's notes ----------------------------------------------------------------


def test_charts_read_the_status_of_each_run_never_its_values(tmp_path):
    summary, curves, table, winners = frames()
    summary["status"] = np.where(summary["diverged"], "diverged", "ok")
    summary["status_at"] = summary["diverged_at"]
    summary.loc[3, ["status", "status_at", "final_train_loss"]] = ["left-domain", 12, np.nan]  # gd, lr 0.1
    summary.loc[2, "final_train_loss"] = np.inf  # an infinite loss is not a status: the run stays "ok"
    _, text = report(tmp_path, summary=summary.drop(columns=["diverged", "diverged_at"]))
    data, _, _ = figures(text)["fig-lr"]
    marks = {t["marker"]["symbol"]: t for t in data if t.get("mode") == "markers" and t["marker"]["symbol"] in STATUS}
    assert set(marks) == {"x", "diamond-open"}
    assert array(marks["diamond-open"]["x"]).tolist() == [0.1]
    assert marks["diamond-open"]["text"] == [
        "gd: run 3, lr 0.1, seed 1, batch full: left the model&#x27;s domain at step 12"]
    assert array(marks["x"]["x"]).tolist() == [0.1] and "run 7" in marks["x"]["text"][0]
    (line,) = [t for t in data if t.get("mode") == "lines+text"]
    assert line["text"][0] == "diverged / left the model's domain"


def test_the_learning_rate_chart_shows_what_the_configurations_were_chosen_on(tmp_path):
    """The table's configurations were chosen on the validation loss, the chart showed the training loss: on iris
    Adam's row was lr 0.032 while the chart's lowest median was at 0.18."""
    summary, curves, table, winners = frames()
    summary["final_validation_loss"] = 10 + summary["final_train_loss"]
    _, text = report(tmp_path, summary=summary)
    data, layout, _ = figures(text)["fig-lr"]
    points = [t for t in data if t.get("mode") == "markers" and t["marker"]["symbol"] not in STATUS]
    assert points and all(min(array(t["y"]).tolist()) >= 10 for t in points)
    assert layout["yaxis"]["title"]["text"].startswith("final validation loss")
    assert "The final validation loss (what each optimizer&#x27;s configuration is chosen on) against" in text \
        or "The final validation loss (what each optimizer's configuration is chosen on) against" in text
    _, text = report(tmp_path, name="heat.html", summary=summary, images=_static_files(tmp_path))
    text = text.replace("&#x27;", "'")
    assert "The final validation loss (what each optimizer's configuration is chosen on) of every learning rate" \
        in text  # the heat map's caption, which said "final training loss" whatever the choice was made on
    assert "of the final validation loss at each learning rate" in text  # its alt text


def test_a_batch_without_a_valid_sample_is_a_gap_on_the_log_chart(tmp_path):
    summary, curves, table, winners = frames()
    batch = (curves["split"] == "batch") & (curves["run"] == 2)  # gd at lr 0.1, its selected configuration
    curves.loc[batch & (curves["step"] == 5), "value"] = 0.0  # an older engine wrote 0
    curves.loc[batch & (curves["step"] == 6), "value"] = np.nan  # the engine now writes NaN
    _, text = report(tmp_path, curves=curves)
    data, layout, _ = figures(text)["fig-loss"]
    assert layout["yaxis"]["type"] == "log"
    (thin,) = [t for t in data if "run 2," in t["meta"] and t["line"]["dash"] == "solid"]
    y = array(thin["y"])
    assert np.isnan(y[[5, 6]]).all() and (y[np.isfinite(y)] > 0).all()


def test_colours_are_the_optimizers_and_the_table_notes_are_shown(tmp_path):
    from descend.report.colours import BASE

    _, text = report(tmp_path, table_notes=["one seed instead of 2 for gd at full batch"])
    data, _, _ = figures(text)["fig-loss"]
    assert {t["legendgroup"]: t["line"]["color"] for t in data} == {"gd": BASE["gd"], "adam": BASE["adam"]}
    assert f'<span class="swatch" style="background:{BASE["adam"]}"></span>adam' in text
    notes = text.index('<ul class="notes table-notes"><li>one seed instead of 2 for gd at full batch</li></ul>')
    assert text.index("</table>") < notes < text.index("Best per metric")
    given = {"gd": "#000000", "adam": "#ffffff"}
    _, text = report(tmp_path, name="given.html", colours=given)
    data, _, _ = figures(text)["fig-loss"]
    assert {t["legendgroup"]: t["line"]["color"] for t in data} == given
    with pytest.raises(ValueError, match="no colour for 'adam'"):
        report(tmp_path, name="bad.html", colours={"gd": "#000000"})
    with pytest.raises(ValueError, match="selection must be a descend.selection.Selection"):
        report(tmp_path, name="bad.html", selection={"gd": [0]})


# -- a report a teacher can project ---------------------------------------------------------------------


def _ticks(axis: dict) -> list[str]:
    return [str(t) for t in axis.get("ticktext", [])]


def test_log_axes_are_labelled_at_powers_of_ten_or_round_values_never_a_crowd_of_digits(tmp_path):
    summary, curves, table, winners = frames()
    loss = curves["metric"] == "loss"
    curves.loc[loss, "value"] = 0.52 + 0.18 * np.exp(-curves.loc[loss, "step"] / 10)  # 0.52 .. 0.70: no power of 10
    _, text = report(tmp_path, summary=summary, curves=curves)
    found = figures(text)
    axis = found["fig-loss"][1]["yaxis"]
    assert axis["type"] == "log" and axis["tickmode"] == "array"
    assert len(axis["tickvals"]) >= 2 and all(0.52 <= v <= 0.7 for v in axis["tickvals"])
    assert all(float(t) == float(f"{float(t):.2g}") for t in _ticks(axis))  # "0.6", "0.7": short and round
    grad = found["fig-grad"][1]["yaxis"]  # the norms span 0.001 .. 2: powers of ten
    assert grad["type"] == "log" and grad["dtick"] == 1 and grad["exponentformat"] == "power"
    _, text = report(tmp_path, name="wide.html")
    axis = figures(text)["fig-loss"][1]["yaxis"]  # 0.01 .. 2: powers of ten, as 10^k
    assert axis["dtick"] == 1 and axis["exponentformat"] == "power" and "tickvals" not in axis
    lr = figures(text)["fig-lr"][1]["xaxis"]  # lr 0.01 and 0.1: powers of ten
    assert lr["type"] == "log" and lr["dtick"] == 1


def test_the_gradient_norm_chart_is_always_logarithmic(tmp_path):
    summary, curves, table, winners = frames()
    grad = curves["metric"].str.startswith("grad_norm:")
    curves.loc[grad & (curves["step"] % 7 == 0), "value"] = 0.0  # a batch with no valid sample: a norm of 0
    _, text = report(tmp_path, summary=summary, curves=curves)
    data, layout, _ = figures(text)["fig-grad"]
    assert layout["yaxis"]["type"] == "log" and "log scale" in layout["yaxis"]["title"]["text"]
    y = np.concatenate([array(t["y"]) for t in data])
    assert np.isnan(y).any() and (y[np.isfinite(y)] > 0).all()  # zeros are gaps, never points at the bottom


def test_the_loss_chart_switches_between_step_and_epoch(tmp_path):
    _, text = report(tmp_path)
    data, layout, _ = figures(text)["fig-loss"]
    (menu,) = layout["updatemenus"]
    by_step, by_epoch = menu["buttons"]
    assert (by_step["label"], by_epoch["label"]) == ("against step", "against epoch")
    assert by_epoch["args"][1]["xaxis.title.text"].startswith("epoch")
    for trace, x_step, x_epoch in zip(data, by_step["args"][0]["x"], by_epoch["args"][0]["x"]):
        np.testing.assert_allclose(array(x_step), array(trace["x"]))
        np.testing.assert_allclose(array(x_epoch), array(trace["x"]) / 10)  # frames(): epoch = step / 10
    assert "the buttons above the chart" in text


def test_the_cost_surface_is_filled_and_every_path_stays_visible(tmp_path):
    t = np.linspace(0.0, 1.0, 41)[:, None]
    line = (1 - t) * np.array([-1.5, 2.0]) + t * np.array([1.0, 1.0])
    paths = {0: line, 4: line + 1e-3, 1: line + np.array([0.0, 0.5]) * np.sin(np.pi * t)}  # gd, adam, gd
    summary, curves, table, winners = frames()
    _, text = report(tmp_path, surface=Rosenbrock(), paths={0: paths[0], 4: paths[4]},
                     labels={0: "gd (lr 0.01)", 4: "adam (lr 0.01)"}, markers={"gd": "o", "adam": "s"})
    data, layout, _ = figures(text)["fig-contour"]
    contour = data[0]
    assert contour["contours"]["coloring"] == "fill" and contour["opacity"] < 1  # not faint lines under the paths
    assert contour["colorbar"]["title"]["text"] == "J \u2212 min J (log scale)"
    assert [t.startswith("10<sup>") or t in ("1", "10") for t in contour["colorbar"]["ticktext"]]
    drawn = [t for t in data if t.get("mode") == "lines+markers"]
    edges = [t for t in data if t.get("mode") == "lines" and t["line"]["color"] == "white"]
    assert len(edges) == len(drawn) == 2  # a white edge under each path
    assert [e["line"]["width"] for e in edges] == [d["line"]["width"] + 3 for d in drawn]
    assert drawn[0]["line"]["width"] > drawn[1]["line"]["width"]  # the later path narrower: the earlier an edge
    assert [d["marker"]["symbol"] for d in drawn] == ["circle", "square"]
    for d in drawn:
        sizes = array(d["marker"]["size"])
        assert sizes[-1] == sizes.max() > 0 and 5 <= (sizes > 0).sum() <= 10  # marks along the way, a larger end
    on = [np.flatnonzero(array(d["marker"]["size"])[:-1]) for d in drawn]
    assert not np.array_equal(on[0], on[1])  # side by side, not on top of each other
    assert "gd (lr 0.01) and adam (lr 0.01) follow the same path" in text  # said in the caption
    data, layout, _ = figures(text)["fig-surface3d"]
    surface = data[0]
    np.testing.assert_allclose(array(surface["z"]).reshape(100, 100),
                               Rosenbrock().grid(100)[2].numpy(), rtol=1e-6)  # height J, not a log
    assert "surfacecolor" in surface and layout["scene"]["zaxis"]["title"]["text"] == "J"
    assert "log10" not in text.split("fig-surface3d")[-1][:20000]
    assert layout["scene"]["aspectmode"] == "manual" and layout["scene"]["domain"] == {"x": [0, 1], "y": [0, 1]}
    _, apart = report(tmp_path, name="apart.html", surface=Rosenbrock(), paths={0: paths[0], 1: paths[1]})
    assert "follow the same path" not in apart


def test_the_header_and_the_note_count_the_same_runs(tmp_path):
    from descend import compare as C
    from descend.report import build

    config, task = C.resolve("parabola", optimizers=["gd"], mode="tuned", budget=2, steps=5, seeds=1)
    comparison = C.compare(config, task)
    searched = len(comparison.search.trials)
    assert searched == 2  # the learning-rate search's trials (--budget 2), apart from the summary's runs
    text = build.write_report(comparison, tmp_path / "out", animation=False).read_text()
    header = re.search(r"<b>Budget:</b> [^<]*?; (\d+) runs?", text)
    note = re.search(r"<li>(\d+) runs? \(and (\d+) trials? of the learning-rate search\) in", text)
    assert header and note, (header, note)
    assert header.group(1) == note.group(1) == str(len(comparison.summary))
    assert note.group(2) == str(searched)
    # the mode, as the header and the note name it: with the search's sampler and budget
    assert "<b>Comparison mode:</b> tuned (a spread of 2 trials per optimizer)" in text
    assert "mode tuned (a spread of 2 trials per optimizer);" in text
    assert ("how each learning rate was chosen: learning rate searched with descend tune: 2 trials per optimizer "
            "in one cohort, the optimizer") in text and "else its own default) and a Latin hypercube around it" in text
    span = comparison.search.spaces["gd"].removeprefix("lr=").removesuffix(":log")
    assert f"log-uniform over {span} for every optimizer" in text
    assert (tmp_path / "out" / "figures" / "parameter-steps.png").is_file()  # a one-parameter task
    assert "<h2>The parameter after each step</h2>" in text


def test_the_header_says_the_versions_the_seeds_and_how_often_the_runs_were_evaluated(tmp_path):
    """The page said descend's version alone, not PyTorch's, Python's and NumPy's (comparison.json had them), nor
    which seeds the runs used, nor how often they were evaluated (steps to target after mini-batches is read there)."""
    versions = {"descend": "0.1.0", "python": "3.11.7", "torch": "2.13.0+cpu", "numpy": "2.4.6", "pandas": "3.1.1"}
    summary, curves, table, winners = frames()
    batched = summary.assign(batch_size=16)  # steps to target read at the evaluations, every 10 steps (frames)
    _, text = report(tmp_path, summary=batched, versions=versions)
    line = ("<p class=\"meta\"><span><b>Versions:</b> descend 0.1.0, Python 3.11.7, PyTorch 2.13.0+cpu, NumPy 2.4.6, "
            f"pandas 3.1.1</span><span><b>Seeds:</b> {SEEDS[0]}..{SEEDS[-1]}</span><span><b>Evaluations:</b> every 10 "
            "steps; steps to target after mini-batch steps is read at them (to within their interval)</span></p>")
    assert line in text and text.index("<b>Budget:</b>") < text.index(line) < text.index("</header>")
    assert "Versions: <b>descend 0.1.0, Python 3.11.7, PyTorch 2.13.0+cpu, NumPy 2.4.6, pandas 3.1.1</b>" in text
    # at the full batch steps to target is read at every step: the evaluations are said alone
    _, full = report(tmp_path, name="full.html", versions=versions)
    assert "<b>Evaluations:</b> every 10 steps</span>" in full
    with pytest.raises(ValueError, match="^versions must be a dict"):
        report(tmp_path, versions="0.1.0")


def test_a_comparisons_page_says_the_versions_it_records_and_its_seeds(tmp_path):
    import platform

    import descend
    from descend import compare as C
    from descend.report import build

    config, task = C.resolve("iris", optimizers=["adam"], steps=40, seeds=2, batch_size=["16"], target=0.5)
    comparison = C.compare(config, task)
    text = build.write_report(comparison, tmp_path / "out", figures=False, animation=False).read_text()
    made = (f"descend {descend.__version__}, Python {platform.python_version()}, PyTorch {torch.__version__}, "
            f"NumPy {np.__version__}, pandas {pd.__version__}")
    # 40 steps: the engine's default of 20 evaluations per run is one every 2 steps
    assert (f"<span><b>Versions:</b> {made}</span><span><b>Seeds:</b> 0..1</span><span><b>Evaluations:</b> every 2 "
            "steps; steps to target after mini-batch steps") in text


def test_the_lr_chart_draws_a_median_line_per_batch_size():
    """One median per learning rate pooled a full batch's runs with mini-batches' (ellipse's Adam at 0.01: 0.0665,
    against 0.0092 full and 0.069 of 32), matching neither the table nor the still figure's panels."""
    import pandas as pd

    from descend.report import html
    from descend.report.colours import Style

    rows = [{"label": "adam", "lr": lr, "batch_size": batch, "seed": seed, "status": "ok",
             "final_train_loss": (0.01 if batch == "full" else 0.07) * (1 + seed / 10) * (1 + lr)}
            for lr in (0.01, 0.1) for batch in ("full", "32") for seed in range(3)]
    summary = pd.DataFrame(rows)
    figure = html._lr_figure(summary, ["adam"], {"adam": Style("#1f77b4", "o")})
    lines = [t for t in figure.data if t.mode == "lines" and t.text]
    assert sorted(t.text[0] for t in lines) == ["adam, batch 32: median over seeds",
                                                "adam, full batch: median over seeds"]
    full = next(t for t in lines if "full" in t.text[0])
    assert list(full.y) == pytest.approx([0.01 * 1.1 * 1.01, 0.01 * 1.1 * 1.1])
    # a run without a result counts as +∞, as the choice counts it: 2 of 3 seeds diverged at lr 0.1, no median
    summary.loc[(summary.lr == 0.1) & (summary.batch_size == "full") & (summary.seed > 0), "status"] = "diverged"
    summary.loc[(summary.lr == 0.01) & (summary.batch_size == "full") & (summary.seed == 0), "status"] = "diverged"
    figure = html._lr_figure(summary, ["adam"], {"adam": Style("#1f77b4", "o")})
    full = next(t for t in figure.data if t.mode == "lines" and "full" in (t.text or [""])[0])
    assert list(full.x) == [0.01] and list(full.y) == pytest.approx([0.01 * 1.2 * 1.01])  # of 1.1, 1.2 and ∞


def test_the_lr_charts_median_lines_say_their_optimizer_and_batch_size_in_a_dash_per_batch_size():
    """Two dotted lines of one colour per optimizer, a full batch's and a mini-batch's, looked the same, and their
    hover (a name without a value) hid under the runs' markers: each batch size's lines now have a dash of their
    own, named in the legend, and each point of a line says its optimizer, batch size and median."""
    import pandas as pd

    from descend.report import html
    from descend.report.colours import Style

    rows = [{"label": label, "lr": lr, "batch_size": batch, "seed": seed, "status": "ok",
             "final_train_loss": (0.5 if label == "sgd" else 0.2) * (1 + seed) * lr * (2 if batch == "8" else 1)}
            for label in ("sgd", "adam") for lr in (0.01, 0.1) for batch in ("full", "8") for seed in range(3)]
    summary = pd.DataFrame(rows)
    figure = html._lr_figure(summary, ["sgd", "adam"], {"sgd": Style("#9467bd", "o"), "adam": Style("#d62728", "s")})
    lines = [t for t in figure.data if t.mode == "lines" and t.text]
    assert len(lines) == 4
    for line in lines:
        label, batch = line.legendgroup, "full" if "full batch" in line.text[0] else "8"
        assert set(line.text) == {f"{label}, {'full batch' if batch == 'full' else 'batch 8'}: median over seeds"}
        assert "%{y" in line.hovertemplate and line.hoverinfo != "skip"  # the median's value too
        runs = summary[(summary.label == label) & (summary.batch_size == batch)]
        assert list(line.y) == pytest.approx(runs.groupby("lr")["final_train_loss"].median().tolist())
    dash = {line.text[0].split(": ")[0]: line.line.dash for line in lines}
    assert dash["sgd, full batch"] == dash["adam, full batch"] != dash["sgd, batch 8"] == dash["adam, batch 8"]
    key = {t.name: t.line.dash for t in figure.data if t.legendgroup == "batch sizes"}
    assert key == {"median over seeds, batch 8": dash["sgd, batch 8"],
                   "median over seeds, full batch": dash["sgd, full batch"]}


def test_a_path_ending_outside_the_map_is_named_under_it():
    """The ellipse's momentum converged to the mirror answer (−A, B), outside the map's w_A > 0: a stub, no word."""
    from types import SimpleNamespace

    from descend.report import html

    surface = SimpleNamespace(domain=((0.05, 2.0), (0.25, 2.2)))
    paths = {3: np.array([[0.1, 1.8], [-1.262, 1.235]]), 4: np.array([[0.1, 1.8], [1.26, 1.23]])}
    assert html._outside(surface, paths, {3: "momentum (lr 0.01)", 4: "adam (lr 0.05)"}) == \
        "the path of momentum (lr 0.01) ends outside the map, at (-1.262, 1.235)"
    assert html._outside(surface, {4: paths[4]}, {4: "adam"}) == ""


def test_the_pages_title_is_a_command_that_compares_on_its_task():
    """A formula's and a CSV file's pages were titled "descend compare formula" and "descend compare reg", commands
    that fail ("unknown task")."""
    from types import SimpleNamespace

    from descend import tasks
    from descend.compare_config import resolve
    from descend.report.build import page_title

    config, task = resolve("x**2 + 10*sin(y)")
    assert page_title(task, config) == "descend compare 'x**2 + 10*sin(y)'"
    assert page_title(tasks.get("ellipse"), SimpleNamespace(csv=None)) == "descend compare ellipse"
    csv = SimpleNamespace(csv="/my data/sales.csv", column="unit price")
    assert page_title(SimpleNamespace(name="sales", facts=()), csv) == (
        "descend compare --csv '/my data/sales.csv' --column 'unit price'")


def test_a_run_that_blew_up_leaves_the_loss_chart_at_its_top_as_in_the_still_figure(tmp_path):
    # the still figure caps a log axis at 100 x the largest first value; the chart autoscaled to 1e15, its
    # other lines squashed into the bottom third
    from descend.report.ticks import CAP

    _, text = report(tmp_path)
    assert "range" not in figures(text)["fig-loss"][1]["yaxis"]  # nothing blew up: Plotly's own range
    summary, curves, table, winners = frames()
    blew = (curves["metric"] == "loss") & (curves["run"] < 4) & (curves["step"] > 40)  # every gd run
    curves.loc[blew, "value"] = 10.0 ** (curves.loc[blew, "step"] - 25)  # up to 1e34
    _, text = report(tmp_path, name="blew.html", curves=curves)
    data, layout, _ = figures(text)["fig-loss"]
    low, top = layout["yaxis"]["range"]
    first = 1.1 * 2.01  # frames(): every batch line starts at 2.01, every test line at 1.1 x that
    assert top == pytest.approx(np.log10(CAP * first))
    smallest = min(np.nanmin(array(t["y"])) for t in data)
    assert low < np.log10(smallest) < top
    assert all(float(v) <= CAP * first for v in layout["yaxis"].get("tickvals", []))


def test_the_gradient_norm_chart_colours_each_parameter_as_the_still_figure_does(tmp_path):
    # the chart coloured parameters in the order the curves first named them (layer0.weight dark), the still
    # figure in natural order (layer0.bias dark): one parameter, two colours in one report
    from matplotlib import colors

    from descend.report.colours import depth_colours
    from descend.report.figures import grad_norms

    summary, curves, table, winners = frames()
    grads = curves["metric"].str.startswith("grad_norm:")
    curves.loc[grads, "metric"] = curves.loc[grads, "metric"].map({"grad_norm:w": "grad_norm:layer0.weight",
                                                                   "grad_norm:b": "grad_norm:layer0.bias"})
    _, text = report(tmp_path, curves=curves)
    data, _, _ = figures(text)["fig-grad"]
    expected = depth_colours(["layer0.weight", "layer0.bias"])
    assert list(expected) == ["layer0.bias", "layer0.weight"]
    assert {t["name"]: t["line"]["color"] for t in data} == expected
    still = grad_norms(summary, curves, run=0)
    (ax,) = [ax for ax in still.axes if ax.get_visible()]
    assert {line.get_label(): colors.to_hex(line.get_color()) for line in ax.lines} == expected


def test_an_optimizer_whose_runs_all_failed_is_named_in_the_learning_rate_chart_s_legend(tmp_path):
    # its legend entry was on its (empty) trace of results, which Plotly does not show: only a "×" at the top
    summary, curves, table, winners = frames()
    gd = summary["label"] == "gd"
    summary.loc[gd, "diverged"], summary.loc[gd, "diverged_at"], summary.loc[gd, "final_train_loss"] = True, 5, np.nan
    _, text = report(tmp_path, summary=summary)
    data, _, _ = figures(text)["fig-lr"]
    shown = [t for t in data if t.get("showlegend", True) and t.get("name") and t.get("mode") != "lines+text"
             and len(array(t["x"])) and t.get("legendgroup") != "batch sizes"]  # not the key of the lines' dashes
    assert sorted(t["name"] for t in shown) == ["adam", "gd"]
    (mark,) = [t for t in shown if t["name"] == "gd"]
    assert mark["marker"]["symbol"] == "x" and len(array(mark["x"])) == 4


def test_in_tuned_mode_the_learning_rate_chart_draws_the_search_s_trials(tmp_path):
    """Tuned mode reports each optimizer at its one chosen rate: the chart had one learning rate per optimizer
    under a caption about "a wide flat valley", while the search's trials that swept the rate were not drawn."""
    from descend.report.html import search_runs

    trials = pd.DataFrame({"label": ["gd"] * 4 + ["adam"] * 4, "batch_size": ["full"] * 8,
                           "number": [0, 1, 2, 3] * 2, "state": ["COMPLETE"] * 7 + ["RUNNING"],
                           "value": [2.0, 0.5, 0.1, np.inf, 1.5, 0.3, 0.2, np.nan],
                           "lr": [1e-3, 1e-2, 1e-1, 1.0, 1e-3, 1e-2, 1e-1, 1.0], "seed": [0, 1, 2, 3] * 2,
                           "status": ["ok", "ok", "ok", "diverged", "ok", "ok", "ok", None]})
    runs = search_runs(trials)
    # the running one left out
    assert len(runs) == 7 and list(runs["final_validation_loss"].iloc[:3]) == [2.0, 0.5, 0.1]
    _, text = report(tmp_path, search_runs=runs)
    data, layout, _ = figures(text)["fig-lr"]
    dots = {t["name"]: sorted(array(t["x"]).tolist()) for t in data if t.get("mode") == "markers"
            and t["marker"]["symbol"] not in STATUS}
    assert dots == {"gd": [1e-3, 1e-2, 1e-1], "adam": [1e-3, 1e-2, 1e-1]}
    (cross,) = [t for t in data if t.get("mode") == "markers" and t["marker"]["symbol"] == "x"]
    assert array(cross["x"]).tolist() == [1.0] and "trial 3" in cross["text"][0]
    assert layout["yaxis"]["title"]["text"].startswith("final validation loss")
    assert "this chart shows the search: its validation loss" in text
    _, plain = report(tmp_path, name="plain.html")
    assert "this chart shows the search" not in plain


def test_a_surface_higher_than_float32_holds_is_a_gap_without_numpy_s_warning(tmp_path):
    # exp(exp(x)) reaches 1e64 at x = 5: cast to float32 for the charts, NumPy warned of an overflow on the terminal
    import warnings

    grid = Rosenbrock().grid

    @dataclass(frozen=True)
    class Huge(Rosenbrock):
        def grid(self, n):
            a, b, cost = grid(n)
            return a, b, torch.where(a > 1.5, torch.full_like(cost, 1e64), cost)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, text = report(tmp_path, surface=Huge())
    data, _, _ = figures(text)["fig-surface3d"]
    z = np.asarray([np.nan if v is None else v for row in data[0]["z"] for v in row], dtype=float) \
        if isinstance(data[0]["z"], list) else array(data[0]["z"])
    assert np.isnan(z).any() and np.isfinite(z).any()


def test_the_figures_menus_and_toolbar_are_reached_and_pressed_with_the_keyboard(tmp_path, browser):
    """plotly.js draws a figure's menus in SVG, which took no focus: "against epoch" and the gradient norms'
    optimizer menu could not be reached from the keyboard, and the toolbar's buttons were Tab stops while
    invisible (shown on hover only)."""
    path, text = report(tmp_path)
    assert "against epoch" in text
    context = browser.new_context(offline=True, viewport={"width": 1024, "height": 768})
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        page.wait_for_function("document.querySelectorAll('g.updatemenu-button').length > 0")
        seen = []
        for _ in range(200):  # Tab through the page until "against epoch", noting what the focus shows
            page.keyboard.press("Tab")
            focused = page.evaluate("""() => { const e = document.activeElement;
                const group = e.closest('.modebar-group');
                return [e.getAttribute('aria-label') || '', group ? getComputedStyle(group).opacity : null]; }""")
            seen.append(focused)
            if focused[0] == "against epoch":
                break
        assert seen[-1][0] == "against epoch", seen
        assert all(opacity in (None, "1") for _, opacity in seen), seen  # no Tab stop on a hidden button
        title = "el => el.layout.xaxis.title.text"
        plot = page.locator("g.updatemenu-button:focus").locator("xpath=ancestor::div[contains(@class, "
                                                                 "'js-plotly-plot')]")
        assert plot.evaluate(title) == "step"
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.activeElement.getAttribute('aria-label') === 'against epoch'")
        assert plot.evaluate(title).startswith("epoch")
    finally:
        context.close()


def test_on_a_phone_legends_go_under_the_plots_and_titles_and_menus_stay_inside(tmp_path, browser):
    """At 375 px a legend beside each chart left the plot a sliver, the gradient norms' title ran past the
    figure's right edge and its menu sat on it; at a desktop's width nothing moves."""
    path, _ = report(tmp_path)
    shapes = """() => [...document.querySelectorAll('.js-plotly-plot')].map((d) => {
        const f = d.getBoundingClientRect(), box = (s) => { const e = d.querySelector(s);
            return e && e.getBBox().width ? e.getBoundingClientRect() : null; };
        const t = box('.gtitle'), m = box('.updatemenu-header'), l = box('.legend');
        return {id: d.id, legend: d._fullLayout.showlegend ? d._fullLayout.legend.orientation : null,
                plot: d._fullLayout._size.w, width: f.width, height: f.height, layout: d._fullLayout.height,
                title: t && [t.left - f.left, f.right - t.right, t.top], menu: m && m.bottom,
                under: l && l.top >= f.top + d._fullLayout.margin.t + d._fullLayout._size.h}; })"""
    for width, narrow in ((375, True), (1100, False)):
        context = browser.new_context(offline=True, viewport={"width": width, "height": 800})
        try:
            page = context.new_page()
            page.goto(path.as_uri())
            page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length > 0")
            page.wait_for_timeout(1500)
            figures = page.evaluate(shapes)
        finally:
            context.close()
        with_legend = [f for f in figures if f["legend"]]
        assert with_legend, figures
        for f in figures:
            assert abs(f["height"] - f["layout"]) <= 1, f  # the box holds the whole figure
            if narrow:
                assert f["legend"] in (None, "h") and (f["legend"] is None or f["under"]), f
                assert f["plot"] >= 0.6 * f["width"], f
                if f["title"]:
                    assert f["title"][0] >= 0 and f["title"][1] >= 0, f
                    assert f["menu"] is None or f["menu"] <= f["title"][2] + 1, f
        if not narrow:
            assert any(f["legend"] == "v" for f in with_legend), figures


def test_a_page_opened_narrow_and_widened_is_drawn_as_a_wide_page(tmp_path, browser):
    """A window opened narrow (a projector's split screen, a phone turned) and made wide kept the phone's layout:
    legends under the plots, titles broken, menus above them, on a desktop's width."""
    path, _ = report(tmp_path)
    drawn = """() => [...document.querySelectorAll('.js-plotly-plot')].map((d) => {
        const L = d._fullLayout, m = L.updatemenus && L.updatemenus[0];
        return [d.id, L.showlegend ? L.legend.orientation : null, L.width, L.height, L.margin.t, L.margin.b,
                d.getBoundingClientRect().height, (L.title && L.title.text) || '', m ? [m.x, m.y, m.xanchor] : null];
        })"""
    seen = {}
    # opened narrow and widened; opened wide, narrowed (a window snapped to a third of the screen) and widened,
    # which set the plots' height to 100 px (the "100%" of their style read as pixels): a 2-pixel plot area
    for widths in ((1100,), (375, 500, 1100), (1100, 600, 1100)):
        context = browser.new_context(offline=True, viewport={"width": widths[0], "height": 800})
        try:
            page = context.new_page()
            page.goto(path.as_uri())
            page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length > 0")
            page.wait_for_timeout(1500)
            for before, width in zip(widths, widths[1:]):
                if before < 560:  # narrow: legends under the plots
                    assert any(f[1] == "h" for f in page.evaluate(drawn))
                page.set_viewport_size({"width": width, "height": 800})
                page.wait_for_timeout(1500)
                boxes = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')].map((d) => "
                                      "d.getBoundingClientRect().width)")
                # still narrow (a phone turned) or wide: each figure as wide as its box (a given height had
                # pinned the width, and the figures stayed 315 px wide)
                assert [round(f[2]) for f in page.evaluate(drawn)] == [round(b) for b in boxes]
            seen[widths] = page.evaluate(drawn)
        finally:
            context.close()
    wide = seen[(1100,)]
    assert any(f[1] == "v" for f in wide) and any("<br>" not in f[7] and f[8] for f in wide), wide
    assert seen[(375, 500, 1100)] == wide
    assert seen[(1100, 600, 1100)] == wide


def test_the_collapsed_sections_are_printed_open(tmp_path, browser):
    """A report printed or saved as PDF left out the glossary ("What the columns mean"), "More columns" and the
    runs: only their titles were printed."""
    path, text = report(tmp_path)
    context = browser.new_context(offline=True, viewport={"width": 1024, "height": 768})
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        glossary = page.locator("details", has_text="What the columns mean").locator("dd").first
        assert not glossary.is_visible()  # on screen: collapsed
        page.emulate_media(media="print")
        assert glossary.is_visible()  # printed: open
        page.emulate_media(media="screen")
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")  # a browser's print dialog
        assert page.evaluate("[...document.querySelectorAll('details')].every(d => d.open)")
        page.evaluate("window.dispatchEvent(new Event('afterprint'))")
        assert page.evaluate("[...document.querySelectorAll('details')].every(d => !d.open)")
        pdf = page.pdf()
        assert pdf.startswith(b"%PDF")
        # printed, a heading, its caption and its figure stay on one page: Chromium broke a caption of several lines
        # between its lines (the heading and most of the caption at a page's foot, the figure on the next page)
        page.emulate_media(media="print")
        kept = page.evaluate("""() => [...document.querySelectorAll('.caption')].map((c) => {
            const s = getComputedStyle(c); return [s.breakInside, s.breakAfter]; })""")
        assert kept and all(k == ["avoid", "avoid-page"] for k in kept), kept
    finally:
        context.close()


def test_the_3d_surface_is_left_out_of_a_printed_page_with_a_note_in_its_place(tmp_path, browser):
    """WebGL's 3-D surface printed as an empty box under its heading and caption."""
    path, _ = report(tmp_path, surface=Rosenbrock(), paths=fake_paths())
    context = browser.new_context(offline=True, viewport={"width": 1024, "height": 768})
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length > 0")
        chart, note = page.locator("#surface3d .figure"), page.locator("#surface3d .on-paper")
        others = page.locator("#contour .figure")
        assert chart.is_visible() and not note.is_visible() and others.is_visible()  # on screen
        page.emulate_media(media="print")
        assert not chart.is_visible() and note.is_visible() and others.is_visible()  # printed: the note instead
        assert "The map above shows the same paths" in note.inner_text()
    finally:
        context.close()


def _contrast(first: str, second: str) -> float:
    """WCAG 2.x contrast of two colours (#rgb or #rrggbb), computed here apart from descend's own."""
    def lum(colour):
        h = colour.lstrip("#")
        h = "".join(c * 2 for c in h) if len(h) == 3 else h
        c = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        c = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
    high, low = sorted((lum(first), lum(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_text_colour_of_the_pages_style_reads_on_white(tmp_path):
    """The download links' hint "(the files are in the report's folder)" was #888 on white, 3.54:1; the compare
    report and the search report share the style."""
    from descend.report.html import _CSS

    colours = re.findall(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})", _CSS)
    assert colours and min(_contrast(c, "#fff") for c in colours) >= 4.5, colours
    hint = re.search(r"\.downloads \.hint \{ color: (#[0-9a-fA-F]+)", _CSS).group(1)
    assert _contrast(hint, "#fff") >= 4.5


def test_the_3d_views_minimum_is_outlined_as_on_the_map(tmp_path):
    """The 3-D view's gold minimum had no outline and sat on the surface's yellow end, 1.11:1."""
    _, text = report(tmp_path, surface=Rosenbrock(), paths=fake_paths(runs=[0, 4]))
    data, _, _ = figures(text)["fig-surface3d"]
    (minimum,) = [t for t in data if t.get("name") == "minimum"]
    line = minimum["marker"]["line"]
    lowest = "#fde725"  # viridis reversed: the colour of the lowest cost, where a minimum lies
    assert line["width"] >= 1.5 and _contrast(line["color"] if line["color"].startswith("#") else
                                              {"black": "#000"}[line["color"]], lowest) >= 3


def test_the_animation_stands_still_for_reduced_motion_and_every_image_says_what_it_shows(tmp_path):
    """paths.gif played again and again in a plain <img>, whatever the reader's browser asked for (WCAG 2.2.2), and
    every image's alt text was its section's heading again."""
    images = _static_files(tmp_path)
    (tmp_path / "figures" / "landscape.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"L" * 40)
    (tmp_path / "paths.gif").write_bytes(b"GIF89a" + b"G" * 40)
    images.update({"The cost surface with every optimizer's path": "figures/landscape.png",
                   "Animation of the paths": "paths.gif"})
    _, text = report(tmp_path, images=images, surface=Rosenbrock(), paths=fake_paths(runs=[0, 4]))
    page = parse(text)
    gif = base64.b64encode((tmp_path / "paths.gif").read_bytes()).decode()
    still = base64.b64encode((tmp_path / "figures" / "landscape.png").read_bytes()).decode()
    section = text[text.index("<section id=\"paths\">"):]
    section = section[: section.index("</section>")]
    picture = re.search(r"<picture>(.*?)</picture>", section)
    assert picture, section[:300]
    source = re.search(r"<source ([^>]*)>", picture.group(1)).group(1)
    assert "media=\"(prefers-reduced-motion: reduce)\"" in source and still in source
    img = re.search(r"<img ([^>]*)>", picture.group(1)).group(1)
    assert gif in img
    headings = set(re.findall(r"<h2>(.*?)</h2>", text))
    alts = {attrs["alt"] for tag, attrs in page.attrs if tag == "img"}
    assert len(alts) == 4  # the animation and the three views that only have a still
    for alt in alts:
        assert alt not in headings and html.escape(alt) not in headings
    animation = next(alt for alt in alts if alt.startswith("Animation"))
    assert "gd" in animation and "adam" in animation and "(x horizontally, y vertically)" in animation  # and axes
    heat = next(alt for alt in alts if alt.startswith("Heat maps"))
    assert "gd and adam" in heat and "0.01 and 0.1" in heat and "full" in heat


def test_every_chart_tells_the_optimizers_apart_by_their_shape_not_by_colour_alone(tmp_path):
    """Momentum's orange and rmsprop's green are one olive to a protanope: the loss chart drew plain lines, the
    learning-rate chart a circle for every optimizer and the 3-D view plain lines, told apart by colour alone."""
    from descend.report.colours import MARKS_PER_LINE, styles

    _, text = report(tmp_path, surface=Rosenbrock(), paths=fake_paths(runs=[0, 4]))
    found = figures(text)
    looks = styles({"gd": "gd", "adam": "adam"})  # the table's order
    symbol = {label: look.symbol for label, look in looks.items()}
    assert len(set(symbol.values())) == 2

    def named(data, test):
        return {t["name"].split(":")[0].split(" \u2014")[0]: t for t in data if test(t)}

    loss = named(found["fig-loss"][0], lambda t: t.get("showlegend") is not False and t.get("legendgroup"))
    assert {label: t["marker"]["symbol"] for label, t in loss.items()} == symbol
    assert all(t["mode"] == "lines+markers" and t["marker"]["maxdisplayed"] == MARKS_PER_LINE for t in loss.values())
    lr = named(found["fig-lr"][0], lambda t: t.get("mode") == "markers" and t["marker"]["symbol"] not in STATUS)
    assert {label: t["marker"]["symbol"] for label, t in lr.items()} == symbol
    contour = named(found["fig-contour"][0], lambda t: t.get("mode") == "lines+markers")
    assert {label: t["marker"]["symbol"] for label, t in contour.items()} == symbol
    solid = named(found["fig-surface3d"][0], lambda t: t["type"] == "scatter3d" and t.get("mode") == "lines")
    dashes = {label: look.dash for label, look in looks.items()}
    assert {label: t["line"]["dash"] for label, t in solid.items()} == dashes
    assert len({t["line"]["dash"] for t in solid.values()}) == 2


def test_learning_rates_that_differ_read_differently_and_an_accuracy_below_1_is_not_100_percent():
    """Rates of 0.0100001 and 0.0100002 both read "0.01" in the summary table and in every run's table, so the
    table did not say which one won; 24,999 correct of 25,000 read "100%"."""
    import pandas as pd

    from descend.report.cells import _cell_text, column_texts
    from descend.report.html import _runs_details

    assert column_texts("lr", [0.0100001, 0.0100002], [False, True]) == ["0.0100001", "0.0100002"]
    assert column_texts("lr", [0.001, 0.0031622776601683794, 0.01], [False] * 3) == ["0.001", "0.003162", "0.01"]
    summary = pd.DataFrame({"label": ["gd (lr 1)", "gd (lr 2)"], "lr": [0.0100001, 0.0100002], "seed": [0, 0]})
    page = _runs_details(summary)
    assert "<td>0.0100001</td>" in page and "<td>0.0100002</td>" in page
    assert _cell_text("test accuracy", 24999 / 25000) == "99.996%" and _cell_text("test accuracy", 1.0) == "100%"
    assert _cell_text("divergence rate", 0.99999) == "99.999%"
