"""The playground in a real browser (Debian's Chromium driven by Playwright) against a real uvicorn server.

Few and small: the page loads offline (nothing requested beyond the server) with no console error; moving a
slider recomputes; dragging the start recomputes and moves the path; play animates; the URL reproduces the
same state and numbers; the command shown is the result's; a bad formula shows its error beside the control.
"""

from __future__ import annotations

import urllib.parse

import pytest

LANDSCAPE = "/landscape?steps=60&optimizers=gd;lr=0.01&optimizers=adam;lr=0.05"


def test_landscape_offline_slider_url_command_and_formula_error(page):
    page.open(LANDSCAPE)
    first = page.result()
    assert first["state"]["steps"] == 60 and [len(r["path"]) for r in first["runs"]] == [61, 61]
    assert page.page.locator("#contour .main-svg").count() > 0  # drawn by plotly.js, served by the server
    assert page.page.locator("#command").inner_text() == first["command"]
    assert first["command"].startswith("descend compare himmelblau --optimizer gd --lr 0.01 --steps 60")

    # a slider, moved with the keyboard, recomputes the figure and the URL
    page.page.locator("#s-steps").focus()
    page.page.keyboard.press("ArrowRight")
    page.wait_for_result("r.state.steps === 61 && r.runs[0].path.length === 62")
    assert "steps=61" in page.page.url

    # the URL reproduces the same state and numbers in a new page
    moved = page.result()
    url = urllib.parse.urlsplit(page.page.url)
    page.open(f"{url.path}?{url.query}")
    again = page.result()
    assert again["state"] == moved["state"] and again["runs"] == moved["runs"]

    # a bad formula: its message beside the control, the figure kept
    box = page.page.locator("#f-landscape")
    box.fill("x^2 + y")
    box.press("Enter")
    box.blur()
    error = page.page.locator('.error[data-error-for="landscape"]')
    error.wait_for(state="visible", timeout=30_000)
    assert "'^' is not allowed" in error.inner_text() and "use ** for powers" in error.inner_text()
    assert page.result()["state"]["landscape"] == "himmelblau"
    assert box.input_value() == "x^2 + y"  # kept to be corrected (it came back as "himmelblau")
    assert page.external == []
    # the browser logs the refused request itself (HTTP 422), nothing else
    assert [e for e in page.errors if "status of 422" not in e] == []


def test_line_drag_start_and_play(page):
    page.open("/line?steps=40")
    x, y = page.page.evaluate("descendPlay.toPixel('contour', -2, 3)")
    page.page.mouse.move(x, y)
    page.page.mouse.down()
    page.page.mouse.move(x + 60, y + 40, steps=6)
    page.page.mouse.up()
    page.wait_for_result("r.state.start[0] !== -2 && r.path[0][0] !== -2")
    result = page.result()
    start = result["state"]["start"]
    assert start[0] > -2 and start[1] < 3
    assert result["path"][0] == pytest.approx(start, abs=1e-6)  # the path starts where the dot was dropped
    assert "start=" in page.page.url
    # play animates from the first step
    page.page.locator("#reset").click()
    assert page.page.evaluate("descendPlay.step()") == 0
    page.page.locator("#play").click()
    page.page.wait_for_function("descendPlay.step() >= 8", timeout=20_000)
    page.page.locator("#play").click()  # pause
    assert "iteration" in page.page.locator("#update").inner_text()
    assert page.external == [] and page.errors == []


@pytest.mark.parametrize("batch, said", [(0, "w ← w − α·∂J/∂w ="), (8, "w ← w − α·∂J_B/∂w =")])
def test_the_line_fits_update_names_the_cost_whose_gradient_it_takes(page, batch, said):
    """With mini-batches the step's gradient is of its batch's cost: it was written ∂J/∂w, J being the whole set's."""
    page.open(f"/line?steps=10&optimizer=gd&batch_size={batch}")
    page.page.locator("#reset").click()  # the first iteration, and its update
    text = page.page.locator("#update").inner_text()
    assert said in text and ("J_B: J on the step's batch" in text) == bool(batch), text


@pytest.mark.parametrize("path", [
    "/curvature?lr=2.5",
    "/vanishing?depth=3&width=4&steps=10",
    "/ellipse?steps=20&epochs=1&batch_sizes=full&batch_sizes=32&grid=20",
    "/tune?target=landscape&trials=4&query=" + urllib.parse.quote("landscape=booth&steps=20&optimizers=gd;lr=0.01"),
])
def test_each_widget_loads_with_no_console_error(page, path):
    page.open(path)
    result = page.result()
    assert result is not None and result["widget"] == path[1:].split("?")[0]
    assert page.page.locator("#plots .main-svg").count() > 0
    assert page.page.locator("#python").inner_text().startswith("import descend")
    if result["widget"] == "curvature":
        assert result["regime"] == "diverging" and result["status"] == "diverged"
    assert page.external == [] and page.errors == []


def test_curvature_view_follows_a_growing_run_sliders_hit_round_values_and_text_is_refused(page):
    """The w axis stayed at ±2.5 while a diverging run left it; the sliders could not land on α = 1 or c = 1.1; a
    text typed in a number box was dropped without a word."""
    page.open("/curvature?lr=2.2&steps=20")
    width = lambda: page.page.evaluate("document.getElementById('parabola').layout.xaxis.range[1]")  # noqa: E731
    assert width() == pytest.approx(2.5)
    for _ in range(12):
        page.page.locator("#step").click()
    page.page.wait_for_function("descendPlay.step() >= 12", timeout=20_000)
    w = page.result()["path"][13]
    assert width() == pytest.approx(1.1 * abs(w), rel=1e-6)  # the next iterate in view
    page.page.evaluate("(() => { const s = document.getElementById('s-lr'); s.value = 0; "
                       "s.dispatchEvent(new Event('input')); })()")  # log10(α) = 0
    page.wait_for_result("r.state.lr === 1")
    page.page.evaluate("(() => { const s = document.getElementById('s-curvature'); s.value = 1.1; "
                       "s.dispatchEvent(new Event('input')); })()")
    page.wait_for_result("r.state.curvature === 1.1")
    box = page.page.locator("#f-lr")  # a number box that a text (or nothing) leaves empty
    box.fill("")
    box.dispatch_event("change")
    error = page.page.locator('.error[data-error-for="lr"]')
    error.wait_for(state="visible", timeout=10_000)
    assert "give a number (0 to 5)" in error.inner_text() and page.result()["state"]["lr"] == 1
    assert page.external == [] and page.errors == []


def test_the_line_fits_m_slider_offers_no_m_below_the_batch_size(page):
    """With batch size 32, Home on the m slider (or a drag below 32) was refused and m jumped back to 64."""
    page.open("/line?batch_size=32&steps=5")
    assert page.page.locator("#s-m").get_attribute("min") == "32"
    page.page.locator("#s-m").focus()
    page.page.keyboard.press("Home")
    page.wait_for_result("r.state.m === 32")
    assert [e for e in page.errors if "status of 422" in e] == []
    page.open("/line?steps=5")  # the whole set as the batch: m down to its own least
    assert page.page.locator("#s-m").get_attribute("min") == "8"


def test_the_init_scale_is_offered_only_beside_an_init_that_takes_one(page):
    """With the default init (xavier) the init_scale slider was offered, and every value of it refused."""
    page.open("/vanishing?depth=2&width=4&steps=5")
    assert page.result()["state"]["init"] not in ("normal", "uniform")
    assert page.page.locator("#s-init_scale").is_disabled() and page.page.locator("#f-init_scale").is_disabled()
    page.page.locator("#f-init").select_option("normal")
    page.wait_for_result("r.state.init === 'normal'")
    assert page.page.locator("#s-init_scale").is_enabled()


def test_a_rate_just_past_2_over_c_is_not_shown_as_2_beside_diverges(page):
    """α = 0.6667 at c = 3 (the 2/c the page shows, to 4 digits) was labelled "α > 2/c: ... diverges" beside
    "α·c = 2" and "1 − αc = -1", which say it oscillates for ever."""
    page.open("/curvature?curvature=3&lr=0.6667&steps=5")
    assert page.page.locator("#regime").get_attribute("data-regime") == "diverging"
    text = page.page.locator("#update").inner_text()
    assert "α·c = 2.0001:" in text and "1 − αc = -1.0001" in text, text
    page.open("/curvature?curvature=2&lr=1&steps=5")  # exactly 2/c: no digits added
    assert "α·c = 2:" in page.page.locator("#update").inner_text()


def test_on_a_phone_the_figures_come_first_then_the_controls_then_the_commands(page):
    page.page.set_viewport_size({"width": 390, "height": 900})
    page.open("/line?steps=20")
    tops = page.page.evaluate("() => ['#plots', '#controls', '.export'].map("
                              "(s) => document.querySelector(s).getBoundingClientRect().top)")
    assert tops == sorted(tops), tops
    width = page.page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, width  # nothing wider than the screen
    # nor the landscape's results table with long settings (it scrolls inside its own box)
    page.open("/landscape?steps=20&optimizers=adam;lr=0.05;beta1=0.8;beta2=0.99;decay=0.01"
              "&optimizers=momentum;lr=0.01;schedule=step:step_size=5,gamma=0.5")
    width = page.page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, width
    page.page.set_viewport_size({"width": 1300, "height": 950})  # side by side again: controls left of figures
    lefts = page.page.evaluate("() => ['#controls', '#plots'].map((s) => document.querySelector(s)"
                               ".getBoundingClientRect().left)")
    assert lefts[0] < lefts[1]
    assert not page.errors


def test_a_legend_of_many_rows_does_not_sit_on_the_title(page):
    optimizers = "&".join(f"optimizers={o};lr=0.01" for o in ("gd", "momentum", "nesterov", "rmsprop", "adam",
                                                              "adagrad"))
    page.page.set_viewport_size({"width": 390, "height": 900})
    page.open(f"/landscape?steps=20&{optimizers}")
    page.page.wait_for_timeout(500)  # the margin is set once the legend is drawn
    boxes = page.page.evaluate("""() => { const d = document.getElementById('contour');
        const t = d.querySelector('.gtitle').getBoundingClientRect(), l = d.querySelector('.legend').getBoundingClientRect();
        return [t.bottom, l.top]; }""")
    assert boxes[0] <= boxes[1] + 1, boxes
    assert not page.errors


def test_a_title_wider_than_a_phone_breaks_into_lines_inside_its_figure(page):
    """The ellipse's title ran past both edges of a 390-pixel figure; it breaks between words, and the top margin
    holds its lines and the legend under them."""
    page.page.set_viewport_size({"width": 390, "height": 900})
    page.open("/ellipse?steps=20&epochs=1&batch_sizes=full&batch_sizes=32&grid=20")
    page.page.wait_for_timeout(500)  # the title is broken once it is drawn
    boxes = page.page.evaluate("""() => { const d = document.getElementById('contour'), f = d.getBoundingClientRect();
        const t = d.querySelector('.gtitle').getBoundingClientRect();
        const l = d.querySelector('.legend').getBoundingClientRect();
        return { left: t.left - f.left, right: f.right - t.right, bottom: t.bottom, legend: l.top,
                 lines: d.layout.title.text.split('<br>').length }; }""")
    assert boxes["lines"] >= 2 and boxes["left"] >= 0 and boxes["right"] >= 0, boxes
    assert boxes["bottom"] <= boxes["legend"] + 1, boxes
    assert not page.errors


def test_on_a_touch_screen_the_toolbar_sits_above_every_title(browser, server):
    """plotly.js shows its toolbar at all times on a touch screen, and it was drawn over every figure's title."""
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(f"{server}/vanishing?steps=20")
        page.wait_for_function("window.descendPlayReady === true", timeout=90_000)
        page.wait_for_timeout(500)  # titles are broken into lines once drawn
        overlaps = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')].map((d) => {
            const bar = d.querySelector('.modebar'), title = d.querySelector('.gtitle');
            if (!bar || !title) return null;
            const b = bar.getBoundingClientRect(), t = title.getBoundingClientRect();
            return [d.id, getComputedStyle(bar.parentElement).opacity, b.bottom - t.top,
                    Math.min(b.right, t.right) - Math.max(b.left, t.left)]; }).filter(Boolean)""")
        assert overlaps, "no figure with a title"
        for name, _, vertical, horizontal in overlaps:
            assert vertical <= 1 or horizontal <= 0, (name, vertical, horizontal)  # no overlap
    finally:
        context.close()


def test_on_a_phone_an_axis_title_stays_clear_of_a_tall_legend(page):
    """The ellipse's batch figure at 375 px: its eight legend rows left the plot so little height that the y axis's
    title ran up into the legend. The figure grows instead."""
    page.page.set_viewport_size({"width": 375, "height": 740})
    page.open("/ellipse")
    page.page.wait_for_timeout(500)
    boxes = page.page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')].map((d) => {
        const y = d.querySelector('.g-ytitle'), legend = d.querySelector('.legend');
        if (!y || !legend || !y.getBBox().height) return null;
        return [d.id, y.getBoundingClientRect().top, legend.getBoundingClientRect().bottom]; }).filter(Boolean)""")
    assert any(name == "batches" for name, _, _ in boxes), boxes
    for name, title_top, legend_bottom in boxes:
        assert title_top >= legend_bottom - 1, (name, title_top, legend_bottom)


def test_the_3d_view_starts_farther_on_a_phone_and_keeps_the_readers_camera(page):
    """At 375 px plotly.js's default camera cut the z axis's numbers and title at the left edge; and every new
    answer turned the view back to the default camera."""
    page.page.set_viewport_size({"width": 375, "height": 740})
    page.open("/landscape?steps=30")
    eye = "document.getElementById('surface3d').layout.scene.camera.eye"
    assert page.page.evaluate(f"{eye}.x") == 1.6
    page.page.evaluate("Plotly.relayout('surface3d', {'scene.camera': {eye: {x: 0.5, y: -2, z: 1}}})")
    page.page.locator("#s-steps").focus()
    page.page.keyboard.press("ArrowRight")
    page.wait_for_result("r.state.steps === 31")
    page.page.wait_for_timeout(300)
    assert page.page.evaluate(f"[{eye}.x, {eye}.y]") == [0.5, -2]


def test_a_refused_value_puts_the_controls_back_and_later_changes_recompute(page):
    # the refused value stayed in the page's state: every later change was refused with it, the figures kept the
    # old run while the controls showed the new values
    page.open("/line?batch_size=32&steps=20")
    m = page.page.locator("#f-m")
    m.fill("16")
    m.press("Enter")
    page.page.wait_for_function("document.querySelector('#errors').textContent.includes('larger')", timeout=30_000)
    page.page.wait_for_function("descendPlay.state().m === 64", timeout=30_000)
    assert m.input_value() == "64" and "larger than the training set" in page.page.locator("#errors").inner_text()
    noise = page.page.locator("#f-noise")
    noise.fill("3")
    noise.press("Enter")
    page.wait_for_result("r.state.noise === 3")
    assert page.page.locator("#errors").inner_text() == ""
    # a link with a refused value: the defaults, computed, and what the link asked for
    page.open("/line?start=100,100")
    result = page.result()
    assert result is not None and result["state"]["start"] != [100, 100]
    assert "the link's" in page.page.locator("#errors").inner_text()
    assert page.external == [] and [e for e in page.errors if "status of 422" not in e] == []


@pytest.mark.parametrize("name, text", [("step", "step:step_size=20,gamma=0.3"),
                                        ("multistep", "multistep:milestones=30;45,gamma=0.3"),
                                        ("cosine_restarts", "cosine_restarts:period=15")])
def test_a_schedule_with_parameters_is_given_them_for_the_steps(page, name, text):
    # step, multistep, exponential, inverse_time and cosine_restarts were refused: "needs step_size", with no
    # place on the page to give it
    page.open("/landscape?steps=60&optimizers=gd;lr=0.01&optimizers=adam;lr=0.05")
    page.page.locator('select[aria-label="schedule of optimizer 2"]').select_option(name)
    page.wait_for_result(f"r.state.optimizers[1].schedule === {text!r}")
    assert page.page.locator("#errors").inner_text() == ""
    assert text in page.result()["command"]


def test_the_3d_view_keeps_the_domain_when_a_path_runs_away(page):
    # gd at lr 0.01 diverges on Rosenbrock: the 3-D axes stretched to its path (x up to 700), the surface a speck
    page.open("/landscape?landscape=rosenbrock&steps=60")
    assert any(run["status"] == "diverged" for run in page.result()["runs"])
    domain = page.result()["domain"]
    scene = page.page.evaluate("(() => { const s = document.getElementById('surface3d')._fullLayout.scene; "
                               "return [s.xaxis.range, s.yaxis.range]; })()")
    assert scene == domain
    drawn = page.page.evaluate("document.getElementById('surface3d').data.filter((t) => t.type === 'scatter3d')"
                               ".flatMap((t) => t.x.filter((v) => v !== null))")
    assert drawn and all(domain[0][0] <= x <= domain[0][1] for x in drawn)


def test_controls_offer_no_value_the_server_refuses(page):
    # the steps slider went to 2000 with 4 optimizers (refused: at most 6000 steps in all); "+ add optimizer" stayed
    # enabled at 6 (a 7th refused)
    page.open("/landscape?steps=60")
    assert len(page.result()["state"]["optimizers"]) == 4
    assert page.page.locator("#s-steps").get_attribute("max") == "1500"
    add = page.page.locator("#add-optimizer")
    for n in (5, 6):
        add.click()
        page.wait_for_result(f"r.state.optimizers.length === {n}")
    assert add.is_disabled() and page.page.locator("#s-steps").get_attribute("max") == "1000"


@pytest.mark.parametrize("form", ["png", "svg"])
def test_the_export_buttons_hold_every_figure_as_the_page_shows_them(page, form, tmp_path):
    page.open(LANDSCAPE)
    boxes = page.page.evaluate("""[...document.querySelectorAll('#plots .plot')].filter(d => d.offsetParent !== null)
        .map(d => { const r = d.getBoundingClientRect(), p = document.querySelector('#plots').getBoundingClientRect();
                    return [r.left - p.left, r.top - p.top, r.width, r.height]; })""")
    assert len(boxes) == 3  # the map, the 3-D view, the costs
    width = round(max(x + w for x, _, w, _ in boxes))
    height = round(max(y + h for _, y, _, h in boxes))
    with page.page.expect_download() as download:
        page.page.locator(f"#{form}").click()
    path = tmp_path / f"figures.{form}"
    download.value.save_as(path)
    assert download.value.suggested_filename == f"descend-landscape.{form}"
    if form == "png":
        from PIL import Image

        with Image.open(path) as image:  # twice the page's pixels
            assert abs(image.width - 2 * width) <= 2 and abs(image.height - 2 * height) <= 2
            # the lowest figure (the costs, full width) is drawn, not left white
            lowest = max(boxes, key=lambda b: b[1])
            strip = image.crop((0, round(2 * lowest[1]), image.width, image.height)).convert("L")
            assert strip.getextrema()[0] < 128
    else:
        import xml.etree.ElementTree as ET

        root = ET.parse(path).getroot()
        images = root.findall("{http://www.w3.org/2000/svg}image")
        assert abs(float(root.get("width")) - width) <= 1 and abs(float(root.get("height")) - height) <= 1
        assert len(images) == 3
        assert all(i.get("href").startswith("data:image/svg+xml") for i in images)
    assert [e for e in page.errors] == []


def test_no_figure_offers_to_send_its_data_to_plotlys_cloud(page):
    """plotly.js 4 adds a "Share chart..." button to every mode bar, which uploads the figure's data."""
    page.open("/line?steps=20")
    page.page.hover("#contour")
    assert page.page.locator(".modebar-btn").count() > 0  # the mode bar is there, without that button
    assert page.page.locator('.modebar-btn[data-title="Share chart..."]').count() == 0


def test_space_on_a_focused_button_presses_it(page):
    """Space anywhere played or paused the animation, also on a focused button (add an optimizer, remove one)."""
    page.open(LANDSCAPE)
    page.page.get_by_role("button", name="+ add optimizer").focus()
    page.page.keyboard.press(" ")
    page.page.wait_for_function("descendPlay.state().optimizers.length === 3", timeout=30_000)


def test_whole_number_fields_read_the_number_typed(page):
    """parseInt read "1e2" steps as 1 and "2.5" as 2."""
    page.open("/line?steps=20")
    steps = page.page.locator("#f-steps")
    steps.fill("1e2")
    steps.press("Enter")
    page.wait_for_result("r.state.steps === 100")
    steps.fill("2.5")
    steps.press("Enter")
    error = page.page.locator('.error[data-error-for="steps"]')
    error.wait_for(state="visible", timeout=30_000)
    assert "give a whole number" in error.inner_text() and page.result()["state"]["steps"] == 100


def test_a_link_with_one_refused_value_keeps_its_other_values(page):
    page.open("/line?m=5&lr=0.3")
    result = page.result()
    assert result["state"]["lr"] == 0.3 and result["state"]["m"] != 5
    assert "the link's" in page.page.locator("#errors").inner_text()


def test_the_page_says_when_the_server_does_not_answer(page):
    """A stopped server (or an answer that is not JSON) left the page on "computing…" for good, the controls
    showing values the figures did not."""
    page.open("/line?steps=20")
    page.page.route("**/api/line*", lambda route: route.abort())
    noise = page.page.locator("#f-noise")
    shown = page.result()["state"]["noise"]
    noise.fill("3")
    noise.press("Enter")
    page.page.wait_for_function("document.querySelector('#errors').textContent.includes('did not answer')",
                                timeout=30_000)
    assert page.page.evaluate("descendPlay.state().noise") == shown and float(noise.input_value()) == shown
    assert "not computed" in page.page.locator("#status").inner_text()
    page.page.unroute("**/api/line*")
    noise.fill("2")
    noise.press("Enter")
    page.wait_for_result("r.state.noise === 2")
    assert page.page.locator("#errors").inner_text() == ""


def test_a_start_dragged_where_it_is_refused_goes_back(page):
    """Dragged past the allowed ±20 the start was refused, but its dot stayed where it was dropped, off the plot."""
    page.open("/line?steps=20")
    x, y = page.page.evaluate("descendPlay.toPixel('contour', -2, 3)")
    page.page.mouse.move(x, y)
    page.page.mouse.down()
    page.page.mouse.move(x + 5, y, steps=3)
    page.page.mouse.move(x + 900, y, steps=10)
    page.page.mouse.up()
    page.page.wait_for_function("document.querySelector('#errors').textContent !== ''", timeout=30_000)
    page.page.wait_for_function("(() => { const s = document.getElementById('contour').layout.shapes[0]; "
                                "return s.xanchor === -2 && s.yanchor === 3; })()", timeout=30_000)


def test_a_batch_size_from_a_link_has_a_box_of_its_own(page):
    """batch_sizes=full,8 in a link: 8 had no box, so the first change dropped it unseen."""
    page.open("/ellipse?batch_sizes=full,8&epochs=1")
    assert page.result()["state"]["batch_sizes"] == ["full", "8"]
    eight = page.page.locator("#f-batch-8")
    assert eight.is_checked()
    page.page.locator("#f-batch-32").check()
    page.wait_for_result("r.state.batch_sizes.length === 3")
    assert set(page.result()["state"]["batch_sizes"]) == {"full", "32", "8"}


def test_keyboard_focus_stays_on_an_optimizer_rows_control(page):
    """A change in an optimizer's row built the rows again and the focus fell to the top of the page; the last
    optimizer's × stayed active (removing it is refused)."""
    page.open(LANDSCAPE)
    lr = page.page.get_by_label("lr α of optimizer 2")
    lr.fill("0.02")
    lr.press("Tab")  # the change, then the focus moves on to the next control of the row
    page.wait_for_result("r.state.optimizers[1].lr === 0.02")
    assert page.page.evaluate("document.activeElement.getAttribute('aria-label')") == "decay of optimizer 2"
    page.page.get_by_label("remove optimizer 2").click()
    page.wait_for_result("r.state.optimizers.length === 1")
    assert page.page.get_by_label("remove optimizer 1").is_disabled()


def test_the_arrow_keys_browse_the_optimizer_menu_past_a_name_another_row_holds(page):
    """ArrowDown on optimizer 1 (gd) chose momentum, optimizer 2's at its defaults: refused as one optimizer twice,
    the menu went back to gd, and the arrows never got past momentum. Such a name is offered disabled."""
    page.open("/landscape?steps=30")
    names = [o["name"] for o in page.result()["state"]["optimizers"]]
    assert names == ["gd", "momentum", "rmsprop", "adam"]
    menu = page.page.get_by_label("optimizer 1", exact=True)
    assert menu.locator("option[value=momentum]").is_disabled() and not menu.locator("option[value=sgd]").is_disabled()
    menu.focus()
    page.page.keyboard.press("ArrowDown")
    page.wait_for_result("r.state.optimizers[0].name !== 'gd'")
    assert page.result()["state"]["optimizers"][0]["name"] not in names
    assert [e for e in page.errors if "status of 422" in e] == []


def test_the_csv_link_appears_with_the_first_numbers(page):
    page.open("/tune")
    assert page.page.locator("#csv").is_hidden()  # before a search there are no numbers (it downloaded the page)
    page.open("/line?steps=20")
    assert page.page.locator("#csv").is_visible()


def test_a_refused_value_does_not_undo_a_change_made_with_it(page):
    """A refused value typed while a valid change was on its way put every control back, the valid change too."""
    page.open("/line?batch_size=32&steps=20")
    shown = page.result()["state"]
    page.page.evaluate("""() => {  // two changes before an answer: a valid noise, a training set smaller than a batch
        const change = (id, v) => { const e = document.querySelector(id); e.value = v; e.dispatchEvent(new Event("change")); };
        change("#f-noise", "2"); change("#f-m", "16");
    }""")
    page.wait_for_result("r.state.noise === 2")
    assert page.result()["state"]["m"] == shown["m"] and page.page.locator("#f-m").input_value() == str(shown["m"])
    assert "larger than the training set" in page.page.locator("#errors").inner_text()


def test_a_log_slider_moves_with_the_arrow_keys_and_an_empty_scale_sets_its_slider_low(page):
    """An arrow key moved lr by 0.7 %, rounded away to 2 digits: the slider snapped back and the keyboard could not
    move it. The weight scale's slider stood at its top (10) while the field was empty (σ = 0.01)."""
    page.open("/line?steps=20&lr=0.1")
    slider = page.page.locator("#s-lr")
    slider.focus()
    for _ in range(3):  # the next value of two digits each time
        slider.press("ArrowRight")
    page.wait_for_result("r.state.lr === 0.13")
    for _ in range(4):  # and down into the decade below: 0.12, 0.11, 0.1, 0.099
        slider.press("ArrowLeft")
    page.wait_for_result("r.state.lr === 0.099")
    page.open("/vanishing?depth=2&width=4&steps=5&init=normal")
    low = page.page.evaluate("+document.getElementById('s-init_scale').min")
    assert page.page.evaluate("+document.getElementById('s-init_scale').value") == pytest.approx(low)
    assert page.page.locator("#f-init_scale").input_value() == ""
    assert page.external == [] and page.errors == []


def test_the_points_to_reach_are_drawn_over_the_paths_and_the_3d_paths_over_the_surface(page):
    """At the default states the paths hid what they ran to: the ellipse's star and Himmelblau's minima under
    hundreds of white-rimmed iterates, and every 3-D path under the surface it was drawn on."""
    page.open("/ellipse")
    order = page.page.evaluate("document.getElementById('contour').data.map((t) => [t.name, t.mode, "
                               "t.marker ? t.marker.line && t.marker.line.width : null])")
    names = [name for name, _, _ in order]
    paths = [i for i, (_, mode, _) in enumerate(order) if mode == "lines+markers"]
    assert paths and names.index("ground truth") > max(paths)
    assert all(rim == 0 for _, mode, rim in order if mode == "lines+markers")  # 400 steps: no white rims
    page.open("/landscape?steps=30")
    order = page.page.evaluate("document.getElementById('contour').data.map((t) => [t.mode, "
                               "t.marker ? t.marker.line && t.marker.line.width : null])")
    paths = [i for i, (mode, _) in enumerate(order) if mode == "lines+markers"]
    assert paths and len(order) > max(paths) + 1 and all(order[i][1] == 1 for i in paths)  # a short path keeps them
    runs = page.result()["runs"]
    heights = page.page.evaluate("(() => { const d = document.getElementById('surface3d').data; "
                                 "const s = d.find((t) => t.type === 'surface'); const z = s.z.flat().filter(Number.isFinite);"
                                 "return [Math.min(...z), Math.max(...z), d.filter((t) => t.type === 'scatter3d')"
                                 ".map((t) => [t.z, t.customdata])]; })()")
    low, high, drawn = heights
    assert len(drawn) == len(runs)
    for (z, cost), run in zip(drawn, runs):
        assert cost == run["cost"]  # the hover's J is the run's own
        lifts = [a - b for a, b in zip(z, cost) if a is not None]
        assert lifts and all(abs(d - (high - low) / 100) < 1e-9 * max(1.0, high) for d in lifts)


def test_the_paths_and_the_cost_chart_draw_each_run_in_its_shape_not_its_colour_alone(page):
    """Momentum's orange and rmsprop's green are one olive to a protanope: the paths and "cost J against step" were
    told apart by colour alone."""
    page.open("/landscape?steps=30&optimizers=momentum;lr=0.01&optimizers=rmsprop;lr=0.01")
    runs = page.result()["runs"]
    symbols = [run["symbol"] for run in runs]
    assert len(set(symbols)) == 2
    paths = page.page.evaluate("document.getElementById('contour').data.filter((t) => t.mode === 'lines+markers')"
                               ".map((t) => t.marker.symbol)")
    assert paths == symbols
    costs = page.page.evaluate("document.getElementById('costs').data.map((t) => [t.marker.symbol, "
                               "t.marker.maxdisplayed])")
    assert costs == [[symbol, runs[0]["marks"]] for symbol in symbols]
    dashes = page.page.evaluate("document.getElementById('surface3d').data.filter((t) => t.type === 'scatter3d')"
                                ".map((t) => t.line.dash)")
    assert dashes == [run["dash"] for run in runs] and len(set(dashes)) == 2


def test_the_tune_widgets_best_settings_show_a_switch_beside_the_numbers(page):
    """A best configuration holding a switch (sgd's nesterov=true) ended the page in "v.toPrecision is not a
    function": no table of the best settings, no link to open them, no command."""
    query = urllib.parse.quote("landscape=booth&steps=20&optimizers=sgd;lr=0.01;momentum=0.9;nesterov=true")
    page.open(f"/tune?target=landscape&trials=4&query={query}")
    assert page.result()["best"][0]["config"]["nesterov"] is True
    settings = page.page.locator("#best td").nth(3).inner_text()
    assert "nesterov = true" in settings and "lr = " in settings, settings
    assert page.page.locator("#apply").is_visible() and page.errors == []


def test_an_answer_for_a_state_left_during_its_wait_does_not_undo_the_last_move(page):
    """The slider paused on 30 (its request sent), moved on to 60 and was let go; the answer for 30 came within
    60's 200-ms wait, before 60's request was sent, so the page took it as the newest: the controls went back to 30
    and 30 was asked again, 60 dropped (a busy classroom server, 3 of 73 drags). A move now cancels the answer on
    its way."""
    page.open("/curvature?steps=20")
    held = []

    def hold(route):
        body = route.request.post_data
        if body and '"steps":30' in body.replace(" ", "") and not held:
            held.append((route, route.fetch()))  # computed, its answer kept back: a server that is slow to answer
        else:
            route.continue_()

    page.page.route("**/api/curvature*", hold)
    move = ("(v) => { const s = document.getElementById('s-steps'); s.value = v; "
            "s.dispatchEvent(new Event('input', {bubbles: true})); }")
    page.page.evaluate(move, "30")
    for _ in range(300):  # the request for 30 reaches the server after the slider's wait
        if held:
            break
        page.page.wait_for_timeout(20)
    assert held, "the page never asked for steps=30"
    page.page.evaluate(move, "60")
    route, response = held[0]
    try:
        route.fulfill(response=response)  # the answer for 30 arrives inside 60's wait
    except Exception:  # noqa: BLE001 - the page cancelled it: nothing left to answer
        pass
    page.wait_for_result("r.state.steps === 60", timeout=30_000)
    page.page.wait_for_timeout(500)  # no later answer takes it back
    assert page.page.evaluate("descendPlay.state().steps") == 60 and page.result()["state"]["steps"] == 60
    assert page.page.locator("#s-steps").input_value() == "60"
    assert float(page.page.locator("#f-steps").input_value()) == 60
    page.page.unroute("**/api/curvature*")


def test_empty_start_boxes_give_the_landscapes_own_start_and_one_empty_box_is_said(page):
    """Emptying both start boxes did nothing: the state, the URL and the figure kept start=1,1 beside two blank
    boxes, with no word; "nan" typed after a refused 1e30 left 1e30's message showing."""
    page.open("/landscape?steps=20")
    own = page.result()["start"]  # the landscape's, as a link without a start draws it
    page.open("/landscape?steps=20&start=1,1")
    assert page.result()["state"]["start"] == [1, 1] != own
    x, y = page.page.locator("#f-start"), page.page.locator("#f-start-y")
    said = "document.querySelector('.error[data-error-for=\"start\"]').textContent"
    x.fill("1e30")
    x.press("Enter")
    page.page.wait_for_function(f"{said}.includes('1e+30')", timeout=30_000)
    # text that is no number (Chromium drops the letters of "nan": the box is empty, y is not), each said in place
    # of the refusal before it, the start kept
    for typed, words in (("1e", "give two numbers"), ("nan", "give both x and y")):
        x.fill("")
        x.press_sequentially(typed)
        x.press("Enter")
        page.page.wait_for_function(f"{said}.includes('{words}') && !{said}.includes('1e+30')", timeout=10_000)
        assert page.page.evaluate("descendPlay.state().start") == [1, 1]
    assert x.input_value() == "" and float(y.input_value()) == 1  # kept, to empty y next
    y.fill("")
    y.press("Enter")
    page.wait_for_result("r.state.start === null")
    result = page.result()
    assert "start=" not in page.page.url and page.page.locator("#errors").inner_text() == ""
    assert result["start"] == own and [run["path"][0] for run in result["runs"]] == [own] * len(result["runs"])
    shape = page.page.evaluate("document.getElementById('contour').layout.shapes[0]")
    assert [shape["xanchor"], shape["yanchor"]] == own
    assert [float(x.input_value()), float(y.input_value())] == pytest.approx(own, rel=1e-5)
    assert page.external == []


def test_empty_start_boxes_of_the_line_give_its_default_start(page):
    from descend.play.state import LineState

    page.open("/line?steps=20&start=1,1")
    for box in ("#f-start", "#f-start-y"):
        page.page.locator(box).fill("")
        page.page.locator(box).press("Enter")
    default = list(LineState().start)
    page.wait_for_result(f"r.state.start[0] === {default[0]} && r.state.start[1] === {default[1]}")
    assert page.result()["path"][0] == default and "start=" not in page.page.url
    assert page.page.locator("#errors").inner_text() == ""


def test_a_number_the_page_refuses_puts_the_value_in_use_back(page):
    """m = 2.5, a text or nothing was refused with a message, but the box kept it while the figures used m = 64."""
    page.open("/line?steps=20")
    m = page.result()["state"]["m"]
    box, slider = page.page.locator("#f-m"), page.page.locator("#s-m")
    error = page.page.locator('.error[data-error-for="m"]')
    for typed in ("2.5", "", "1e"):  # a fraction, nothing, text that is no number
        box.fill("")
        box.press_sequentially(typed)
        box.press("Enter")
        error.wait_for(state="visible", timeout=10_000)
        assert "give a whole number" in error.inner_text()
        assert box.input_value() == str(m) and float(slider.input_value()) == m, typed
        assert page.page.evaluate("descendPlay.state().m") == m == page.result()["state"]["m"]
        page.page.evaluate("document.querySelector('.error[data-error-for=\"m\"]').textContent = ''")


@pytest.mark.parametrize("path", [
    "/line?steps=5",
    "/curvature?steps=5",
    "/landscape?steps=5",
    "/ellipse?steps=5&epochs=1&batch_sizes=full&grid=20",
    "/vanishing?depth=2&width=4&steps=5&init=normal",
])
def test_every_slider_reaches_both_ends(page, path):
    """The curvature widget's learning-rate slider stopped at α = 4.9: its step, a thousandth of log10(5) + 4,
    does not divide its range, and the browser keeps a slider's value on its steps."""
    page.open(path)
    ends = page.page.evaluate("""[...document.querySelectorAll('#controls input[type=range]')].map((s) => {
        const kept = s.value, got = [];
        for (const end of [s.min, s.max]) { s.value = end; got.push([s.id, +s.value, +end]); }
        s.value = kept;
        return got; }).flat()""")
    assert len(ends) >= 4
    for name, value, end in ends:
        assert value == pytest.approx(end, rel=1e-12, abs=1e-12), (name, value, end)
    if path.startswith("/curvature"):  # End and Home on the learning rate: its bounds
        slider = page.page.locator("#s-lr")
        slider.focus()
        slider.press("End")
        page.wait_for_result("r.state.lr === 5")
        slider.press("Home")
        page.wait_for_result("r.state.lr === 1e-4")
    assert page.external == []
