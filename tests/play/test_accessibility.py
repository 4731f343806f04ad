"""The playground as a screen reader and a keyboard meet it (Debian's Chromium driven by Playwright, the names,
descriptions and values read from Chromium's own accessibility tree): every control is named by its visible label,
a log slider says its value, the play button says what it does, fields' edges stand out, headings do not skip a
level, nothing is said only on hover, and the vanishing widget colours its layers as the report does."""

from __future__ import annotations

import pytest


def accessible(page, selector: str) -> dict:
    """The accessible role, name, description and value Chromium gives the element ``selector`` finds."""
    session = page.page.context.new_cdp_session(page.page)
    try:
        root = session.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = session.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        assert node, f"no {selector}"
        ax = session.send("Accessibility.getPartialAXTree", {"nodeId": node, "fetchRelatives": False})["nodes"][0]
    finally:
        session.detach()
    return {key: (ax.get(key) or {}).get("value") for key in ("role", "name", "description", "value")}


@pytest.mark.parametrize("path, names", [
    ("/line?steps=5", {"f-slope": "true w", "f-intercept": "true b", "f-steps": "iterations",
                       "f-lr": "learning rate α", "f-noise": "noise σ on y", "f-grid": "contour grid points per axis",
                       "f-m": "training set size m (validation and test samples besides)",
                       "f-start": "initial (w, b), w", "f-start-y": "initial (w, b), b",
                       "s-lr": "learning rate α slider", "s-steps": "iterations slider"}),
    ("/curvature?steps=5", {"f-start": "initial w", "f-curvature": "curvature c of J(w) = c·w²/2"}),
    ("/landscape?steps=5&grid=20", {"f-start": "initial (x, y); none: the landscape's, x",
                                    "f-landscape": "a landscape name (descend list landscapes) or a formula in x "
                                                   "and y"}),
])
def test_each_control_is_named_by_its_visible_label(page, path, names):
    """The controls were named by their keys in the URL: "true w" was "slope", "iterations" "steps", the sliders
    "lr slider" (a voice command says the label it sees)."""
    page.open(path)
    for id_, name in names.items():
        assert accessible(page, f"#{id_}")["name"] == name, id_
    # and every field: its controls' names start with the label shown beside them
    fields = page.page.evaluate("""[...document.querySelectorAll('.field > label[for]')]
        .filter((l) => l.control).map((l) => [l.htmlFor, l.textContent])""")
    assert len(fields) >= 4
    for id_, label in fields:
        assert accessible(page, f"#{id_}")["name"].startswith(label), id_
        slider = id_.replace("f-", "s-", 1)
        if page.page.locator(f"#{slider}").count():
            assert accessible(page, f"#{slider}")["name"] == f"{label} slider"


def test_a_log_slider_says_its_value_not_its_exponent(page):
    """The learning rate's slider said "-1" for α = 0.1 (its position is log10 α): its aria-valuetext says the
    value (Chromium's DevTools tree reports the input's own value there, so the attribute is read)."""
    page.open("/line?steps=5&lr=0.1")
    slider = page.page.locator("#s-lr")
    said = lambda: slider.get_attribute("aria-valuetext")  # noqa: E731
    assert slider.input_value() == "-1" and said() == "0.1"
    slider.focus()
    slider.press("ArrowRight")  # the keyboard
    assert said() == "0.11"
    page.wait_for_result("r.state.lr === 0.11")
    page.page.evaluate("(() => { const s = document.getElementById('s-lr'); s.value = Math.log10(0.5); "
                       "s.dispatchEvent(new Event('input')); })()")  # dragged
    assert said() == "0.5"
    page.wait_for_result("r.state.lr === 0.5")
    page.page.locator("#f-lr").fill("0.02")  # typed in its box
    page.page.locator("#f-lr").press("Enter")
    page.wait_for_result("r.state.lr === 0.02")
    assert said() == "0.02"
    assert page.page.locator("#s-steps").get_attribute("aria-valuetext") is None  # a linear slider's value is its own
    page.open("/vanishing?depth=2&width=4&steps=5")
    assert page.page.locator("#s-lr").get_attribute("aria-valuetext") == "0.5"


def test_the_play_button_is_named_by_what_it_does(page):
    """While the animation played the button showed "❚❚ pause" but was still named "play"."""
    page.open("/line?steps=1000")
    assert accessible(page, "#play")["name"] == "play"
    page.page.locator("#play").click()
    assert page.page.locator("#play").inner_text() == "❚❚ pause"
    assert accessible(page, "#play")["name"] == "pause"
    page.page.locator("#play").click()
    assert accessible(page, "#play")["name"] == "play"


def _contrast(a: list[float], b: list[float]) -> float:
    def luminance(rgb):
        c = [v / 255 for v in rgb]
        c = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_edges_of_fields_and_buttons_stand_out_3_to_1(page):
    """The fields' and buttons' borders (#b9c0cb on white) measured 1.83:1; a control's edge needs 3:1."""
    page.open("/landscape?steps=5&grid=20")
    borders = page.page.evaluate("""[...document.querySelectorAll(
            '.field input[type=number], .field input[type=text], .field select, button')]
        .filter((e) => e.offsetParent !== null)
        .map((e) => [e.id || e.textContent,
                     getComputedStyle(e).borderTopColor.match(/\\d+/g).slice(0, 3).map(Number)])""")
    assert len(borders) > 20
    for name, colour in borders:
        assert _contrast(colour, [255, 255, 255]) >= 3, (name, colour)


@pytest.mark.parametrize("path", ["/line?steps=5", "/tune"])
def test_headings_go_down_one_level_at_a_time_and_each_copy_button_has_its_own_name(page, path):
    """The page went from its h1 to h3 ("Copy as command", "Python"), and both copy buttons were named "copy"."""
    page.open(path)
    levels = page.page.evaluate("[...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map((h) => +h.tagName[1])")
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:])), levels
    names = [accessible(page, f"button.copy[data-copy={kind}]")["name"] for kind in ("command", "python")]
    assert names == ["copy command", "copy Python"]
    headings = page.page.evaluate("[...document.querySelectorAll('.export h2')].map((h) => h.textContent)")
    assert headings == ["Copy as command", "Python"]  # a button is not part of a heading's text


def test_an_optimizer_switch_is_labelled_and_described_and_a_taken_name_says_why(page):
    """A switch's label (centered, nesterov, ...) was not its checkbox's and said what the switch does only on hover;
    a name another row holds was disabled with the reason only on hover."""
    page.open("/landscape?steps=5&grid=20")
    rows = [o["name"] for o in page.result()["state"]["optimizers"]]
    assert rows[2] == "rmsprop" and rows[1] == "momentum"
    switch = page.page.locator('[data-index="2"] input[type=checkbox]').first
    label = page.page.evaluate("(() => { const c = document.querySelector('[data-index=\"2\"] input[type=checkbox]');"
                               " return c.labels.length ? c.labels[0].textContent : null; })()")
    assert label == "centered"
    page.page.locator('[data-index="2"] label', has_text="centered").click()  # the label reaches its checkbox
    page.wait_for_result("r.state.optimizers[2].hyper.centered === true")
    assert switch.is_checked()
    about = accessible(page, '[data-index="2"] input[type=checkbox]')
    assert about["name"] == "centered of optimizer 3"
    assert about["description"] == "divide by the running variance instead"
    # the rows' other labels are their controls' too
    assert page.page.evaluate("[...document.querySelectorAll('#optimizers label')].every((l) => l.control)")
    # optimizer 1 (gd) cannot become momentum (row 2 at its defaults): the option says why
    taken = accessible(page, '[data-index="0"] select option[value=momentum]')
    assert "another row has it at its defaults" in taken["name"]


def test_the_vanishing_widget_colours_layers_as_the_report_does(page):
    """The layers were a rainbow hsl(260 → 40): layers 6 and 7 looked alike (ΔE 5.1, 0.7 under protanopia); the
    report draws the same norms in viridis by depth (descend.report.colours.depth_colours)."""
    from descend.report.colours import depth_colours

    page.open("/vanishing?depth=8&width=4&steps=5")
    result = page.result()
    expected = list(depth_colours(f"layers.{k}.weight" for k in range(9)).values())
    assert result["colours"] == expected
    drawn = page.page.evaluate("document.getElementById('norms').data.map((t) => t.line.color)")
    assert drawn == expected
    bars = page.page.evaluate("document.getElementById('final').data[0].marker.color")
    assert bars == expected
