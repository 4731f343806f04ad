// descend play: the page draws what the server computes with descend (nothing is trained here).
// The URL's query string is the widget's whole state: the server reads it, validates it and answers with the
// result, the canonical state and its query string, which the page writes back to the URL.
"use strict";

const WIDGETS = {
  line: "1 · Line fit",
  curvature: "2 · Learning rate & curvature",
  landscape: "3 · Optimizers on a landscape",
  ellipse: "4 · Earth–Mars ellipse",
  vanishing: "5 · Vanishing and exploding gradients",
  tune: "6 · Tune it",
};
const INTROS = {
  line: "Fit ŷ = w·x + b to a training set of m noisy samples of a ground-truth line (blue) with gradient descent on the cost " +
    "J(w, b) = (1/m) Σ (w·xᵢ + b − yᵢ)². Drag the red dot to choose the initialisation; the batch size is the " +
    "whole training set (GD), 1 (SGD) or anything between (mini-batch).",
  curvature: "Gradient descent on the parabola J(w) = c·w²/2: each step follows the tangent (the linear " +
    "approximation of J). The learning rate α against the curvature c decides everything: α < 1/c converges " +
    "monotonically, α = 1/c reaches the minimum in one step, 1/c < α < 2/c oscillates and converges, α > 2/c " +
    "diverges; each step keeps |1 − αc| of w.",
  landscape: "Choose a cost landscape J(w₁, w₂) (or type a formula in x and y), drag the red dot to choose the " +
    "start, and compare optimizers, each with its own learning rate, decay α/(1 + decay·t) and hyperparameters. " +
    "With gradient noise σ > 0 the landscape becomes an empirical risk over m samples and each step sees a batch.",
  ellipse: "Seed 004: fit the Hohmann transfer orbit (x + 0.26185)²/A² + y²/B² = 1 to 512 noisy points, from " +
    "A = 0.1, B = 1.8. Top: each optimizer's path over the cost surface. Bottom: gradient descent with the whole " +
    "set (GD), one sample (SGD), mini-batches of 32 and the hybrid (32 for 8 epochs, then 512).",
  vanishing: "Seed 002: a deep MLP on two noisy circles. With sigmoid units the sigmoid's derivative is at most " +
    "1/4, and each layer multiplies the backward signal by it (and by its weights Wᵀ), so the first layers' " +
    "gradients vanish; with weights too large (relu, init normal, " +
    "weight scale 1) every layer multiplies it and the gradients explode. Change the depth, activation and " +
    "initialisation and watch the gradient norm of every layer during training.",
  tune: "A small hyperparameter search with descend tune (Optuna, trials trained as one batched program) for the " +
    "problem of another widget: the best settings found per optimizer, and a link back with them filled in.",
};
const PLAYERS = new Set(["line", "curvature", "landscape", "ellipse"]);
// each widget's figures, created before anything is drawn so that each takes its place in the grid
const PLOTS = {
  line: [["contour", ""], ["data", ""], ["costs", "wide short"]],
  curvature: [["parabola", "wide"]],
  landscape: [["contour", ""], ["surface3d", ""], ["costs", "wide short"]],
  ellipse: [["contour", ""], ["costs", ""], ["batches", "wide"]],
  vanishing: [["norms", "wide"], ["final", ""], ["loss", ""]],
  tune: [["trials", "wide"]],
};
// the hyperparameters and switches a row of the optimizer list shows (any other can be given in the URL)
const ROW_HYPER = new Set(["beta", "beta1", "beta2", "momentum", "alpha", "rho"]);
const ROW_OPTIONS = new Set(["nesterov", "bias_correction", "centered", "amsgrad"]);
const WIDGET = (location.pathname.replace(/^\/+|\/+$/g, "") || "landscape");
let META = null, STATE = null, RESULT = null, T = 0, TIMER = null, PENDING = null, SEQ = 0;

// ---------------------------------------------------------------------------------------------- helpers

const $ = (sel) => document.querySelector(sel);
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) node.append(c);
  return node;
}
// a number to d significant digits; a switch (true/false) or a name as it is
const fmt = (v, d = 4) => (v === null || v === undefined) ? "—" : typeof v !== "number" ? String(v) : (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0)) ? v.toExponential(d - 1) : (+v.toPrecision(d)).toString();
// no "share" button: plotly.js offers to send a figure's data to Plotly's cloud, and nothing here leaves the machine
const CONFIG = { responsive: true, displaylogo: false, showSendToCloud: false, modeBarButtonsToRemove: ["lasso2d", "select2d"] };
// a title wider than its figure (a long one, a phone's width) breaks between words into as many lines as it
// needs, and a legend in a row under the title may wrap to several rows (six optimizers): the top margin grows
// to hold both, which otherwise were cut at the figure's edges or sat on each other
const TEXT_WIDTH = document.createElement("canvas").getContext("2d");
function titleLines(text, font, width) {
  TEXT_WIDTH.font = `${font.size}px ${font.family}`;
  const shown = (t) => TEXT_WIDTH.measureText(t.replace(/<[^>]*>/g, "")).width;
  const lines = [];
  for (const word of text.split(/ (?![^<]*>)/)) {  // a space inside a tag (<span style="...">) is not a break
    const last = lines.length ? lines[lines.length - 1] + " " + word : null;
    if (last !== null && shown(last) <= width) lines[lines.length - 1] = last;
    else lines.push(word);
  }
  return lines;
}
// on a touch screen plotly.js shows its toolbar at all times, over the top of the figure: the title starts below it
const TOOLBAR = window.matchMedia && window.matchMedia("(hover: none)").matches ? 30 : 0;
const MIN_PLOT = 230;  // the least height of a figure's plotting area, in pixels
async function fitTitleAndLegend(gd) {
  const L = gd && gd._fullLayout;
  if (!L || !L.margin) return;
  const update = {};
  let extra = 0;  // the title's lines after its first
  const text = gd.layout && gd.layout.title && gd.layout.title.text;
  if (text && !text.includes("<br>") && L.title && L.title.font) {
    const lines = titleLines(text, L.title.font, L.width - 20);
    if (lines.length > 1) { update["title.text"] = lines.join("<br>"); extra = (lines.length - 1) * 1.3 * L.title.font.size; }
  } else if (text && L.title && L.title.font) extra = (text.split("<br>").length - 1) * 1.3 * L.title.font.size;
  const legend = L.showlegend && L.legend && L.legend._height ? L.legend._height : 0;
  const need = Math.ceil(34 + TOOLBAR + extra + legend);
  if (Math.abs((L.margin.t || 0) - need) > 2 && need > 70) update["margin.t"] = need;
  // a legend of many rows (a narrow screen) leaves the plot too little height for its axis title: the figure grows
  const above = update["margin.t"] !== undefined ? update["margin.t"] : L.margin.t;
  const natural = gd.dataset.natural ? Number(gd.dataset.natural) : L.height;
  const tall = above + L.margin.b + MIN_PLOT > natural ? Math.ceil(above + L.margin.b + MIN_PLOT) : null;
  if (tall !== null && Math.abs(tall - L.height) > 2) {
    gd.dataset.natural = natural; gd.style.height = `${tall}px`; update.height = tall;
  } else if (tall === null && gd.dataset.natural && Math.abs(natural - L.height) > 2) {
    gd.style.height = ""; update.height = natural; delete gd.dataset.natural;
  }
  if (!Object.keys(update).length) return;
  await Plotly.relayout(gd, update);
  // plotly.js anchors a title of several lines by its first: "top" then puts the block above the figure's edge
  const drawn = update["title.text"] && gd.querySelector(".gtitle");
  const top = drawn ? drawn.getBBox().y : 4;
  if (top < 4) await Plotly.relayout(gd, { "title.y": L.title.y - (4 - top) / L.height });
}
const plotlyReact = Plotly.react.bind(Plotly);
Plotly.react = (...args) => plotlyReact(...args).then(async (gd) => { await fitTitleAndLegend(gd); await decadeTicks(gd); return gd; });
// A log axis spanning a decade or more is labelled at whole decades, with unlabelled minor ticks between: Plotly's
// own labels 2 and 5 between the decades (a lone "5" under a "1" reads as 5 < 1)
async function decadeTicks(gd) {
  const update = {};
  for (const [name, ax] of Object.entries(gd._fullLayout || {})) {
    if (!/^[xy]axis\d*$/.test(name) || !ax || ax.type !== "log" || !Array.isArray(ax.range)) continue;
    if (Math.abs(ax.range[1] - ax.range[0]) >= 1 && typeof ax.dtick === "string" && ax.dtick.startsWith("D")) {
      update[`${name}.dtick`] = 1;
      update[`${name}.minor`] = { dtick: "D1", ticklen: 3, showgrid: false };
    }
  }
  if (Object.keys(update).length) await Plotly.relayout(gd, update);
}
const DRAG = { ...CONFIG, edits: { shapePosition: true } };
function layout(title, extra = {}) {
  // the legend in a row under the title, where no axis title or tick label can sit
  const out = { title: { text: title, font: { size: 14 }, y: 0.98, yanchor: "top", pad: { t: TOOLBAR } }, margin: { l: 55, r: 15, t: 70 + TOOLBAR, b: 45 },
                legend: { orientation: "h", x: 0, xanchor: "left", y: 1.0, yanchor: "bottom" }, hovermode: "closest", ...extra };
  // a log axis says 10⁻⁶, not 1µ (SI prefixes read as units)
  for (const k of Object.keys(out)) if (/^[xy]axis\d*$/.test(k) && out[k] && out[k].type === "log") out[k] = { exponentformat: "power", ...out[k] };
  return out;
}
function yRange(values) {
  const lo = Math.min(...values), hi = Math.max(...values), pad = 0.08 * (hi - lo || 1);
  return [lo - pad, hi + pad];
}

function plotDiv(id, cls = "") {
  let div = document.getElementById(id);
  if (!div) { div = el("div", { id, class: "plot " + cls }); $("#plots").append(div); }
  return div;
}
function clearErrors() {
  $("#errors").textContent = "";
  document.querySelectorAll(".error[data-error-for]").forEach((e) => (e.textContent = ""));
}
function showErrors(errors) {
  clearErrors();
  const general = [];
  for (const e of errors) {
    let target = document.querySelector(`.error[data-error-for="${e.field}"]`);
    if (!target && e.field) {  // optimizers.0.lr -> the row's box, then the list's
      const parts = e.field.split(".");
      while (!target && parts.length > 1) { parts.pop(); target = document.querySelector(`.error[data-error-for="${parts.join(".")}"]`); }
    }
    if (target) target.textContent = (target.textContent ? target.textContent + "\n" : "") + e.message;
    general.push(e.message);
  }
  $("#errors").textContent = general.join("\n");
}

// ---------------------------------------------------------------------------------------------- state & server

let REFUSED = false, REFUSALS = [];  // the last request's state was refused (HTTP 422, or no answer), and why
let INFLIGHT = null;  // the request of the newest state, which a newer one cancels
async function request(body) {
  const seq = ++SEQ;
  REFUSED = false;
  // an older state's answer would be dropped: the server gives its training up if it has not begun yet
  if (INFLIGHT) INFLIGHT.abort();
  const controller = INFLIGHT = new AbortController();
  $("#status").textContent = "computing…";
  const started = performance.now();
  let response, data;
  try {
    if (typeof body === "string") response = await fetch(`/api/${WIDGET}${body ? "?" + body : ""}`, { signal: controller.signal });
    else response = await fetch(`/api/${WIDGET}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), signal: controller.signal });
    data = await response.json();
  } catch (error) {  // aborted for a newer state, or no server (stopped), or an answer that is not JSON
    if (seq !== SEQ) return null;
    const message = response ? `the server answered ${response.status} ${response.statusText}: see its terminal`
      : "the server did not answer: is descend play still running?";
    REFUSED = true; REFUSALS = [{ field: "", message }]; showErrors(REFUSALS);
    $("#status").textContent = "not computed: see the message (the figures and controls keep the last values computed)";
    return null;
  }
  if (seq !== SEQ) return null;  // a later request answers instead
  if (response.status === 422 || !response.ok) {
    REFUSED = true;
    REFUSALS = response.status === 422 ? data.errors : [{ field: "", message: data.detail || response.statusText }];
    showErrors(REFUSALS);
    $("#status").textContent = "not computed: see the message (the figures and controls keep the last values computed)";
    return null;
  }
  clearErrors();
  const ms = performance.now() - started;
  $("#status").textContent = `${data.cached ? "from the cache" : `computed by descend in ${(data.seconds * 1000).toFixed(0)} ms`} · ` +
    `answered in ${ms.toFixed(0)} ms`;
  return data;
}
function accept(data) {
  RESULT = data; STATE = data.state;
  const url = `/${WIDGET}${data.query ? "?" + data.query : ""}`;
  history.replaceState(null, "", url);
  syncControls();
  render();
}
function recompute(delay = 0) {
  clearTimeout(PENDING);
  PENDING = setTimeout(async () => {
    const data = await request(STATE);
    if (data) accept(data);
    else if (REFUSED && RESULT) {
      // the refused controls back to the state the figures show (a refused value kept in the state refused every
      // later change too), the message next to each (rebuilt rows lose it: shown again). Other changes made with
      // them (typed while an answer was on its way) are kept and computed, once: if refused again, every control
      // goes back
      const fields = new Set(REFUSALS.map((e) => (e.field || "").split(".")[0]));
      const refusals = REFUSALS, every = fields.has("");
      if (LAST_SET) fields.add(LAST_SET);  // a refusal may name another field (a batch larger than the new m)
      // a refused formula stays in its box, to be corrected rather than typed again
      const typed = [...fields].map((f) => document.getElementById(`f-${f}`)).filter((box) => box && box.type === "text")
        .map((box) => [box, box.value]);
      STATE = every ? { ...RESULT.state } : { ...STATE, ...Object.fromEntries([...fields].filter((f) => f in RESULT.state).map((f) => [f, RESULT.state[f]])) };
      syncControls();
      typed.forEach(([box, value]) => (box.value = value));
      if (fields.has("start")) render();  // a start dragged where it is refused goes back where the figures have it
      showErrors(refusals);
      if (!every && JSON.stringify(STATE) !== JSON.stringify(RESULT.state)) {
        const data = await request(STATE);
        if (data) { accept(data); showErrors(refusals); }
        else if (REFUSED) { STATE = { ...RESULT.state }; syncControls(); showErrors([...refusals, ...REFUSALS]); }
      }
    }
  }, delay);
}
let LAST_SET = null;  // the control changed last: with the fields a refusal names, the one put back
function set(field, value, delay = 0) {
  STATE = { ...STATE, [field]: value };
  LAST_SET = field;
  // the answer on its way is for a state left behind: taken inside this change's wait (before its request
  // cancels it), it would put the controls back and ask for the old state again, this change dropped
  if (INFLIGHT && WIDGET !== "tune") { SEQ++; INFLIGHT.abort(); INFLIGHT = null; }
  if (WIDGET !== "tune") recompute(delay);  // a search runs when its button is pressed
}

// ---------------------------------------------------------------------------------------------- controls

function schemaOf(name) { return META.widgets[WIDGET].schema; }
function defaults() {
  const props = schemaOf().properties, out = {};
  for (const [k, p] of Object.entries(props)) out[k] = p.default !== undefined ? p.default : null;
  return out;
}
function bounds(p) {
  const any = p.anyOf ? p.anyOf.find((a) => a.type === "number" || a.type === "integer") || p : p;
  return { min: any.minimum ?? any.exclusiveMinimum, max: any.maximum ?? any.exclusiveMaximum, type: any.type || p.type };
}
// a control's visible label, which is also its accessible name (the number box is named by its <label for>)
function labelOf(name, p) { return p.description || name; }
const LOG_FIELDS = new Set(["lr", "batch_lr"]);
function numberControl(name, p, { log = LOG_FIELDS.has(name), onset } = {}) {
  const b = bounds(p);
  const integer = b.type === "integer";
  const number = el("input", { type: "number", id: `f-${name}`, step: integer ? 1 : "any", min: b.min, max: b.max });
  const lo = log ? Math.log10(Math.max(b.min || 1e-4, 1e-4)) : b.min, hi = log ? Math.log10(b.max) : b.max;
  // a linear slider moves by a round step (1, 2 or 5 × 10^k: 1/c and 2/c can be hit exactly); a log slider finely,
  // its value rounded to 2 significant digits (1, 1.1, ..., 2, ...), and its arrow keys go to the next such value
  // (the slider's own step, 0.7 %, was rounded away: the slider snapped back and the keyboard could not move it).
  // A log slider has no step of its own: its ends are its min and max (a thousandth of log10(5) + 4 as its step
  // left α = 5 out of reach, End and a drag to the end gave 4.9)
  const niceStep = (span) => { const p = Math.pow(10, Math.floor(Math.log10(span / 200))); return [1, 2, 5, 10].map((k) => k * p).find((s) => span / s <= 200); };
  const slider = el("input", { type: "range", id: `s-${name}`, min: lo, max: hi, step: integer ? 1 : log ? "any" : niceStep(hi - lo), "aria-label": `${labelOf(name, p)} slider` });
  // a log slider's own value is the exponent (-1 for 0.1): a screen reader says the value itself
  const valueText = (v) => {
    if (log) slider.setAttribute("aria-valuetext", v === null || v === undefined || v === "" ? "none" : String(v));
  };
  const apply = (v, delay) => (onset ? onset(v, delay) : set(name, v, delay));
  const nullable = Array.isArray(p.anyOf) && p.anyOf.some((a) => a.type === "null");
  // a value the page refuses itself is said, and the box and slider go back to the value in use, as after a refusal
  // by the server (the box kept "2.5" or nothing while the figures used m = 64)
  const refuse = () => {
    const words = `give a ${integer ? "whole number" : "number"} (${b.min ?? "−∞"} to ${b.max ?? "∞"})`;
    showErrors([{ field: name, message: words }]);
    row.sync(STATE[name]);
  };
  number.addEventListener("change", () => {
    if (number.validity && number.validity.badInput) { refuse(); return; }  // text the browser cannot read reads as ""
    if (nullable && number.value.trim() === "") { apply(null, 0); return; }  // empty: the field's own default
    // Number, not parseInt: "1e3" is 1000 steps (parseInt read 1), and "2.9" is refused rather than read as 2
    const v = number.value.trim() === "" ? NaN : Number(number.value);
    if (Number.isNaN(v) || (integer && !Number.isInteger(v))) { refuse(); return; }
    apply(v, 0);
  });
  slider.addEventListener("input", () => {
    let v = parseFloat(slider.value); v = log ? +Math.pow(10, v).toPrecision(2) : +v.toPrecision(12);
    number.value = v; valueText(v); apply(integer ? Math.round(v) : v, 200);
  });
  if (log) {
    slider.addEventListener("keydown", (event) => {
      const up = event.key === "ArrowRight" || event.key === "ArrowUp";
      if (!up && event.key !== "ArrowLeft" && event.key !== "ArrowDown") return;
      event.preventDefault();
      const current = Number(number.value) || Math.pow(10, parseFloat(slider.value));
      const unit = Math.pow(10, Math.floor(Math.log10(current) + 1e-9) - 1);  // the second digit's place
      let v = (Math.round(current / unit) + (up ? 1 : -1)) * unit;
      if (!up && v < 10 * unit - 1e-12 * unit) v = current - unit / 10;  // 0.10 down: 0.099, the decade below
      v = +v.toPrecision(2);
      const low = Math.pow(10, lo), high = Math.pow(10, hi);
      if (v < low || v > high) return;
      number.value = v; slider.value = Math.log10(v); valueText(v); apply(v, 200);
    });
  }
  const row = el("div", { class: "row" }, slider, number);
  // an empty (nullable) field: the slider at its low end, not where the last value left it (10 for a scale of 0.01)
  row.sync = (v) => { number.value = v ?? ""; slider.value = v === null || v === undefined ? lo : log ? Math.log10(v) : v; valueText(v); };
  return row;
}
function field(name, label, control, hint) {
  const box = el("div", { class: "field", "data-field": name }, el("label", { for: `f-${name}`, id: `l-${name}` }, label), control);
  if (hint) box.append(el("span", { class: "hint" }, hint));
  box.append(el("span", { class: "error", "data-error-for": name }));
  return box;
}
const SYNC = {};
function buildControls() {
  const form = $("#controls"); form.textContent = "";
  const props = schemaOf().properties;
  for (const [name, p] of Object.entries(props)) {
    const label = labelOf(name, p);
    let control;
    if (name === "optimizers") { form.append(optimizerList()); continue; }
    if (name === "start") { control = startControl(name, p); }
    else if (name === "batch_sizes") { control = batchSizes(); }
    else if (name === "landscape") {
      const list = el("datalist", { id: "landscapes" }, ...META.landscapes.map((l) => el("option", { value: l.name }, `${l.title}: ${l.formula}`)));
      const input = el("input", { type: "text", id: "f-landscape", list: "landscapes", autocomplete: "off", spellcheck: "false" });
      input.addEventListener("change", () => set("landscape", input.value));
      control = el("div", { class: "row" }, input, list);
      control.sync = (v) => (input.value = v);
    } else if (name === "optimizer" || name === "batch_optimizer") {
      const select = el("select", { id: `f-${name}` }, ...Object.keys(META.optimizers).map((o) => el("option", { value: o }, o)));
      select.addEventListener("change", () => set(name, select.value));
      control = select; control.sync = (v) => (select.value = v);
    } else if (p.enum || (p.allOf && p.allOf[0].enum)) {
      const values = p.enum || p.allOf[0].enum;
      const select = el("select", { id: `f-${name}` }, ...values.map((o) => el("option", { value: o }, o)));
      select.addEventListener("change", () => set(name, select.value));
      control = select; control.sync = (v) => (select.value = v);
    } else if (p.type === "string") {
      const input = el("input", { type: "text", id: `f-${name}` });
      input.addEventListener("change", () => set(name, input.value));
      control = input; control.sync = (v) => (input.value = v);
    } else {
      control = numberControl(name, p);
    }
    SYNC[name] = control.sync;
    form.append(field(name, label, control));
  }
  if (WIDGET === "tune") {
    form.append(el("button", { type: "button", id: "run", onclick: () => recompute(0) }, "Run the search"));
  }
}
function startControl(name, p) {
  const single = WIDGET === "curvature";
  // one number (curvature's w) is named by the field's label; a pair by the label and the coordinate it holds
  // ("initial (w, b), w"), the coordinates read from the label's "(w, b)"
  const label = labelOf(name, p), pair = label.match(/\(([^(),]+),\s*([^(),]+)\)/) || [null, "first", "second"];
  const x = el("input", { type: "number", id: "f-start", step: "any", "aria-label": single ? null : `${label}, ${pair[1]}` });
  const y = el("input", { type: "number", id: "f-start-y", step: "any", "aria-label": `${label}, ${pair[2]}` });
  // every box empty: the field's default, which for the landscape (none) is the landscape's own start; one of two
  // empty: both are asked for, the other box kept to be filled; text that is no number: said, and the boxes put
  // back to the start in use. Each says so in place of an earlier refusal's message (a refused 1e30's stayed)
  const own = p.default === undefined ? null : p.default;
  const ownWords = own === null ? "the landscape's own start" : `the default, ${[].concat(own).join(", ")}`;
  const apply = () => {
    const boxes = single ? [x] : [x, y];
    const refuse = (message) => showErrors([{ field: "start", message: `start: ${message}` }]);
    if (boxes.some((box) => box.validity && box.validity.badInput)) {  // "1e", "-": read by the browser as ""
      refuse(`give ${single ? "a number" : "two numbers"}, or leave ${single ? "it" : "both"} empty for ${ownWords}`);
      row.sync(STATE.start);
      return;
    }
    const empty = boxes.map((box) => box.value.trim() === "");
    if (empty.every(Boolean)) { set("start", own); return; }
    if (empty.some(Boolean)) {
      refuse(`give both ${pair[1]} and ${pair[2]}, or leave both empty for ${ownWords}`);
      return;
    }
    const v = boxes.map((box) => Number(box.value));
    set("start", single ? v[0] : v);
  };
  x.addEventListener("change", apply); y.addEventListener("change", apply);
  const row = el("div", { class: "row" }, x);
  if (!single) row.append(y);
  row.sync = (v) => {
    if (single) { x.value = v; return; }
    const s = v || (RESULT && RESULT.start) || ["", ""];
    x.value = s[0] === "" ? "" : +(+s[0]).toPrecision(6); y.value = s[1] === "" ? "" : +(+s[1]).toPrecision(6);
  };
  return row;
}
function batchSizes() {
  // its checkboxes, each named by its size, are a group named by the field's label
  const box = el("div", { class: "row", role: "group", "aria-labelledby": "l-batch_sizes" }), boxes = [];
  const add = (b) => {
    const c = el("input", { type: "checkbox", value: b, id: `f-batch-${b}` });
    c.addEventListener("change", () => set("batch_sizes", boxes.filter((x) => x.checked).map((x) => x.value)));
    box.append(el("label", {}, c, ` ${b}`));
    boxes.push(c);
  };
  ["full", "1", "32", "hybrid"].forEach(add);
  // a size from a link (8, hybrid(16,4,256)) gets a box of its own: seen, and unchecked like the others
  box.sync = (v) => {
    const sizes = v.map(String);
    sizes.filter((b) => !boxes.some((c) => c.value === b)).forEach(add);
    boxes.forEach((c) => (c.checked = sizes.includes(c.value)));
  };
  return box;
}
function optimizerList() {
  const box = el("div", { class: "field", "data-field": "optimizers" }, el("label", { id: "l-optimizers" }, "Optimizers"));
  const rows = el("div", { id: "optimizers", role: "group", "aria-labelledby": "l-optimizers" });
  box.append(rows, el("button", { type: "button", id: "add-optimizer", onclick: () => {
    const used = new Set(STATE.optimizers.map((o) => o.name));
    const name = ["gd", "momentum", "rmsprop", "adam", "nesterov", "adagrad", "adamw", "nadam"].find((n) => !used.has(n)) || "adam";
    set("optimizers", [...STATE.optimizers, { name, lr: META.optimizers[name].lr, decay: 0, schedule: "", hyper: {} }]);
  } }, "+ add optimizer"), el("span", { class: "error", "data-error-for": "optimizers" }));
  SYNC.optimizers = (list) => {
    // the rows are built again: the control that had the keyboard's focus gets it back (it fell to the page's top)
    const focused = rows.contains(document.activeElement) ? document.activeElement.getAttribute("aria-label") : null;
    rows.textContent = "";
    list.forEach((o, i) => rows.append(optimizerRow(o, i)));
    rows.querySelectorAll("button[aria-label^='remove optimizer']").forEach((b) => (b.disabled = list.length <= 1));
    const again = focused && [...rows.querySelectorAll("[aria-label]")].find((e) => e.getAttribute("aria-label") === focused);
    if (again) again.focus();
    // no control offers what the server refuses: a 7th optimizer, more steps than the work per request allows
    const limits = META.limits || {};
    $("#add-optimizer").disabled = list.length >= (limits.optimizers || Infinity);
    if (WIDGET === "landscape" && limits.landscape_work) {
      const most = Math.min(schemaOf().properties.steps.maximum, Math.floor(limits.landscape_work / Math.max(1, list.length)));
      for (const id of ["#s-steps", "#f-steps"]) { const c = document.querySelector(id); if (c) c.max = most; }
    }
  };
  return box;
}
function optimizerRow(o, i) {
  const info = META.optimizers[o.name];
  const colour = RESULT && RESULT.runs && RESULT.runs[i] && RESULT.runs[i].colour;
  const update = (patch) => {
    const list = STATE.optimizers.map((x, j) => (j === i ? { ...x, ...patch } : x));
    set("optimizers", list);
  };
  // a name that would repeat another row as it is (that row at its defaults, this row's decay and schedule) is
  // offered disabled: the server refuses the pair, and the arrow keys, which choose as they move, skip it. Its
  // text says why (a title shows only on hover, and to no screen reader)
  const defaultOf = (n, k) => ((META.optimizers[n].hyper || []).find((h) => h.name === k) || {}).default;
  const repeats = (n) => STATE.optimizers.some((x, j) => j !== i && x.name === n && x.lr === META.optimizers[n].lr
    && (x.decay || 0) === (o.decay || 0) && (x.schedule || "") === (o.schedule || "")
    && Object.entries(x.hyper || {}).every(([k, v]) => v === defaultOf(n, k)));
  const select = el("select", { "aria-label": `optimizer ${i + 1}` }, ...Object.keys(META.optimizers).map((n) => {
    const taken = n !== o.name && repeats(n);
    return el("option", { value: n, selected: n === o.name, disabled: taken, title: taken ? `${n} at its defaults is another row already` : "" },
              taken ? `${n} (another row has it at its defaults)` : n);
  }));
  select.addEventListener("change", () => update({ name: select.value, lr: META.optimizers[select.value].lr, hyper: {} }));
  const remove = el("button", { type: "button", "aria-label": `remove optimizer ${i + 1}`, onclick: () => set("optimizers", STATE.optimizers.filter((_, j) => j !== i)) }, "×");
  const row = el("div", { class: "opt", "data-index": i },
    el("div", { class: "head" }, el("span", { class: "swatch", style: `background:${colour || "#999"}` }), select, remove));
  // each label is the label of its control (a click on it reaches the control)
  const id = (key) => `o${i}-${key}`;
  const num = (label, value, onchange, attrs = {}) => {
    const input = el("input", { type: "number", step: "any", value, id: id(attrs["data-opt"]),
                                "aria-label": `${label} of optimizer ${i + 1}`, ...attrs });
    input.addEventListener("change", () => {
      const v = input.value.trim() === "" ? NaN : Number(input.value);
      if (Number.isNaN(v)) showErrors([{ field: `optimizers.${i}`, message: `${label} of optimizer ${i + 1}: give a number` }]);
      else onchange(v);
    });
    row.append(el("label", { for: input.id }, label), input);
  };
  num("lr α", o.lr, (v) => update({ lr: v }), { "data-opt": "lr", min: 0 });
  num("decay", o.decay, (v) => update({ decay: v }), { "data-opt": "decay", min: 0 });
  for (const h of info.hyper.filter((h) => ROW_HYPER.has(h.name) || h.name in o.hyper)) {
    num(`${h.name} ${h.symbol}`, o.hyper[h.name] ?? h.default, (v) => update({ hyper: { ...o.hyper, [h.name]: v } }), { "data-opt": h.name });
  }
  for (const opt of info.options.filter((x) => ROW_OPTIONS.has(x.name) || x.name in o.hyper)) {
    // what the switch does: a title on hover, and the checkbox's description for a screen reader
    const c = el("input", { type: "checkbox", id: id(opt.name), checked: !!(o.hyper[opt.name] ?? opt.default),
                            "aria-label": `${opt.name} of optimizer ${i + 1}`, "aria-describedby": `${id(opt.name)}-about`,
                            title: opt.description });
    c.addEventListener("change", () => update({ hyper: { ...o.hyper, [opt.name]: c.checked } }));
    row.append(el("label", { for: c.id, title: opt.description }, opt.name), c,
               el("span", { id: `${c.id}-about`, hidden: true }, opt.description));
  }
  const schedule = el("select", { id: id("schedule"), "aria-label": `schedule of optimizer ${i + 1}`, title: o.schedule }, el("option", { value: "" }, "constant / decay"),
    ...META.schedules.map((s) => el("option", { value: s, selected: o.schedule.split(":")[0] === s }, s)));
  schedule.addEventListener("change", () => {
    const text = scheduleText(schedule.value, STATE.steps || 100);
    update({ schedule: text, decay: text ? 0 : o.decay });
  });
  row.append(el("label", { for: schedule.id }, "schedule"), schedule, el("span", { class: "error", "data-error-for": `optimizers.${i}` }));
  return row;
}
// A schedule that takes more than the number of steps, with its parameters sized to the steps it is chosen for
// (as the command line spells them: descend compare --schedule): each decays the rate about tenfold in all.
function scheduleText(name, steps) {
  const at = (f) => Math.max(1, Math.round(steps * f));
  switch (name) {
    case "step": return `step:step_size=${at(1 / 3)},gamma=0.3`;
    case "multistep": return `multistep:milestones=${at(1 / 2)};${at(3 / 4)},gamma=0.3`;
    case "exponential": return `exponential:gamma=${+Math.pow(0.1, 1 / steps).toPrecision(6)}`;
    case "inverse_time": return `inverse_time:decay=${+(9 / steps).toPrecision(3)}`;
    case "cosine_restarts": return `cosine_restarts:period=${at(1 / 4)}`;
    default: return name;
  }
}
function syncControls() {
  for (const [name, sync] of Object.entries(SYNC)) if (sync && STATE[name] !== undefined) sync(STATE[name]);
  // init_scale beside an init that takes no scale (xavier, ...) is refused: not offered there
  const scale = document.querySelector('.field[data-field="init_scale"]');
  if (scale && STATE.init !== undefined) {
    const usable = (META.scaled_inits || []).includes(STATE.init);
    scale.querySelectorAll("input, select").forEach((c) => (c.disabled = !usable));
    scale.title = usable ? "" : `init ${STATE.init} takes no scale: choose ${(META.scaled_inits || []).join(" or ")} to set one`;
  }
}

// ---------------------------------------------------------------------------------------------- player

function maxT() {
  if (!RESULT) return 0;
  if (WIDGET === "landscape" || WIDGET === "ellipse") return Math.max(...RESULT.runs.map((r) => r.path.length - 1));
  return RESULT.path.length - 1;
}
function setT(t) {
  T = Math.max(0, Math.min(maxT(), t));
  $("#t").value = T; $("#tlabel").textContent = `step ${T} / ${maxT()}`;
  frame();
}
// the play button says what pressing it does, to the eye and to a screen reader alike
function playButton(playing) {
  const button = $("#play");
  button.textContent = playing ? "❚❚ pause" : "▶ play";
  button.setAttribute("aria-label", playing ? "pause" : "play");
}
function stop() { clearInterval(TIMER); TIMER = null; playButton(false); }
function play() {
  if (TIMER) { stop(); return; }
  if (T >= maxT()) setT(0);
  playButton(true);
  TIMER = setInterval(() => {
    const speed = parseInt($("#speed").value, 10) * (WIDGET === "curvature" ? 0.25 : 1);
    const next = T + Math.max(1, Math.round(speed));
    setT(next);
    if (next >= maxT()) stop();
  }, WIDGET === "curvature" ? 400 : 50);
}
function setupPlayer() {
  if (!PLAYERS.has(WIDGET)) return;
  $("#player").hidden = false;
  $("#play").addEventListener("click", play);
  $("#step").addEventListener("click", () => { stop(); setT(T + 1); });
  $("#reset").addEventListener("click", () => { stop(); setT(0); });
  $("#t").addEventListener("input", () => { stop(); setT(parseInt($("#t").value, 10)); });
  document.addEventListener("keydown", (e) => {
    // a focused control keeps its keys (Space presses a button, arrows move a slider or a selection)
    if (["INPUT", "SELECT", "TEXTAREA", "BUTTON", "A"].includes(document.activeElement.tagName)) return;
    if (e.key === " ") { e.preventDefault(); play(); }
    else if (e.key === "ArrowRight") { stop(); setT(T + 1); }
    else if (e.key === "ArrowLeft") { stop(); setT(T - 1); }
    else if (e.key === "Home") { stop(); setT(0); }
  });
}

// ---------------------------------------------------------------------------------------------- drawing

function startShape(x, y) {  // the start, a red dot of 8 pixels' radius anchored at (x, y), draggable
  return [{ type: "circle", xref: "x", yref: "y", xsizemode: "pixel", ysizemode: "pixel", xanchor: x, yanchor: y,
            x0: -8, x1: 8, y0: -8, y1: 8, fillcolor: "#e0201b", line: { color: "white", width: 2 }, editable: true, layer: "above" }];
}
function onDrag(div, handler) {
  div.removeAllListeners && div.removeAllListeners("plotly_relayout");
  div.on("plotly_relayout", (ev) => {
    let cx = ev["shapes[0].xanchor"], cy = ev["shapes[0].yanchor"];
    if (cx === undefined && ev["shapes[0].x0"] !== undefined) { cx = (ev["shapes[0].x0"] + ev["shapes[0].x1"]) / 2; cy = (ev["shapes[0].y0"] + ev["shapes[0].y1"]) / 2; }
    if (cx === undefined || cy === undefined) return;
    handler(+(+cx).toPrecision(5), +(+cy).toPrecision(5));
  });
}
function truncated(path, t) { return path.slice(0, Math.min(path.length, t + 1)); }
const col = (pts, i) => pts.map((p) => (p === null ? null : p[i]));
const POINT_SYMBOLS = { minimum: ["star", 14, "gold"], saddle: ["x", 10, "black"], maximum: ["triangle-up", 10, "white"], degenerate: ["diamond", 9, "grey"] };
function criticalTraces(points) {
  const kinds = {};
  for (const p of points) (kinds[p.kind] = kinds[p.kind] || []).push(p);
  return Object.entries(kinds).map(([kind, list]) => ({
    type: "scatter", mode: "markers", name: { minimum: "minima", maximum: "maxima", saddle: "saddle points", degenerate: "degenerate points" }[kind] || kind,
    x: list.map((p) => p.point[0]), y: list.map((p) => p.point[1]), hovertemplate: `${kind} (%{x:.4g}, %{y:.4g})<extra></extra>`,
    marker: { symbol: POINT_SYMBOLS[kind][0], size: POINT_SYMBOLS[kind][1], color: POINT_SYMBOLS[kind][2], line: { color: "black", width: 1 } },
  }));
}
function statusWords(run) { return (META.statuses && META.statuses[run.status]) || run.status; }
function statusText(run) {
  if (run.status === "ok") return "";
  return ` — ${statusWords(run)}${run.status_at !== null ? " at step " + run.status_at : ""}`;
}
function render() {
  if (!RESULT) return;
  ({ line: renderLine, curvature: renderCurvature, landscape: renderLandscape, ellipse: renderEllipse,
     vanishing: renderVanishing, tune: renderTune })[WIDGET]();
  $("#command").textContent = RESULT.command || "";
  $("#command-note").textContent = RESULT.command_note || "";
  $("#python").textContent = RESULT.python || "";
  $("#csv").href = `/api/${WIDGET}.csv${RESULT.query ? "?" + RESULT.query : ""}`;
  $("#csv").hidden = false;  // no numbers before a first result (a search not yet run): the link downloaded the page
  if (["line", "landscape", "ellipse"].includes(WIDGET)) {
    $("#tunelink").hidden = false;
    $("#tunelink").href = `/tune?target=${WIDGET}&query=${encodeURIComponent(RESULT.query)}`;
  }
  // the whole run is shown after each computation (a reloaded URL shows the same figure); the parabola starts at
  // its first iterate, to be stepped through
  if (PLAYERS.has(WIDGET)) { $("#t").max = maxT(); setT(TIMER ? T : WIDGET === "curvature" ? 0 : maxT()); }
}
function frame() {
  if (!RESULT) return;
  ({ line: frameLine, curvature: frameCurvature, landscape: frameLandscape, ellipse: frameLandscape })[WIDGET]?.();
}

// A path of more iterates than this draws them smaller, without their white rim (renderLandscape).
const LONG_PATH = 100;

// 3 · landscape (and the ellipse's paths). A cost's colours are Viridis reversed, the lighter the smaller, as in
// every report (descend.report.colours.COST_COLORSCALE)
function renderLandscape() {
  const r = RESULT, g = r.grid, names = r.names || ["x", "y"];
  const div = plotDiv("contour");
  // a surface flat over the domain (a constant, or beyond float32) has no contours: Plotly's contour would fail
  const shown = g.shown.flat().filter((v) => v !== null && Number.isFinite(v));
  const flat = !shown.length || Math.min(...shown) === Math.max(...shown);
  const traces = flat ? [] : [{ type: "contour", x: g.x, y: g.y, z: g.shown, colorscale: "Viridis", reversescale: true, ncontours: 30,
                    contours: { coloring: "heatmap" }, colorbar: { title: { text: g.shown_label }, thickness: 12 },
                    hovertemplate: `${names[0]} %{x:.3g}, ${names[1]} %{y:.3g}<extra></extra>`, name: "J" }];
  if (flat) showErrors([{ field: "", message: "the surface shows no contours: its values are the same (or not finite in float32) everywhere on this domain" }]);
  const first = traces.length;
  // each run in its colour and its marker shape at every iterate (descend.report.colours.styles, sent by the server):
  // two colours alike to a colour-blind reader (momentum's orange, rmsprop's green) are still two shapes; a long
  // path's iterates smaller and without their white rim, which over hundreds of close steps was a white smear
  for (const run of r.runs) {
    const long = run.path.length > LONG_PATH;
    traces.push({ type: "scatter", mode: "lines+markers", name: run.label + statusText(run), x: [], y: [],
                  line: { color: run.colour, width: 2 },
                  marker: { size: long ? 5 : 7, color: run.colour, symbol: run.symbol,
                            line: { color: "white", width: long ? 0 : 1 } } });
  }
  // the points to reach drawn over the paths, which ended on them and hid them (the ellipse's star, a minimum)
  if (r.critical_points) traces.push(...criticalTraces(r.critical_points));
  if (r.truth) traces.push({ type: "scatter", mode: "markers", name: "ground truth", x: [r.truth.A], y: [r.truth.B],
                             marker: { symbol: "star", size: 15, color: "gold", line: { color: "black", width: 1 } } });
  const xr = r.domain[0], yr = r.domain[1];
  const heading = !r.formula ? `${r.title}: J(A, B), the MSE of the ellipse (x + 0.26185)²/A² + y²/B² = 1`
    : r.title === r.formula ? `J = ${r.formula}` : `${r.title}: J = ${r.formula}`;  // a typed formula is its own title
  Plotly.react(div, traces, layout(heading, {
    xaxis: { title: { text: names[0] }, range: xr }, yaxis: { title: { text: names[1] }, range: yr },
    shapes: startShape(r.start[0], r.start[1]) }), DRAG);
  div.dataset.first = first;
  onDrag(div, (x, y) => set("start", [x, y]));
  const costs = plotDiv("costs", "short");
  const positive = r.runs.every((run) => run.cost.every((c) => c === null || c > 0));
  // its marker shape run.marks times along each line (descend.report.colours.MARKS_PER_LINE), as a report's loss chart
  Plotly.react(costs, r.runs.map((run) => ({ type: "scatter", mode: "lines+markers", name: run.label,
                                               x: run.cost.map((_, i) => i), y: run.cost, line: { color: run.colour },
                                               marker: { color: run.colour, symbol: run.symbol, size: 8,
                                                         maxdisplayed: run.marks, line: { color: "white", width: 1 } },
                                             })),
    layout("cost J against step", { xaxis: { title: { text: "step" } }, yaxis: { title: { text: "J" }, type: positive ? "log" : "linear" },
                                      shapes: [{ type: "line", xref: "x", yref: "paper", x0: 0, x1: 0, y0: 0, y1: 1, line: { color: "#888", dash: "dot" } }] }), CONFIG);
  if (WIDGET === "landscape") render3d();
  if (WIDGET === "ellipse") renderBatches();
  const rows = r.runs.map((run) => `<tr><td><span class="swatch" style="background:${run.colour};display:inline-block;width:10px;height:10px;border-radius:50%"></span> ${run.label}</td>` +
    `<td>(${run.final.map((v) => fmt(v)).join(", ")})</td><td>${fmt(run.final_cost ?? run.cost[run.cost.length - 1])}</td><td>${statusWords(run)}${run.status_at !== null ? " at step " + run.status_at : ""}</td></tr>`).join("");
  $("#explain").innerHTML = `<table><tr><th>optimizer</th><th>end (${names.join(", ")})</th><th>J at the end</th><th>status</th></tr>${rows}</table>`;
}
function render3d() {
  const r = RESULT, g = r.grid;
  const div = plotDiv("surface3d");
  const shown = (c) => (c === null ? null : g.log ? Math.log10(1 + c - g.zmin) : c);
  const values = g.shown.flat().filter((v) => v !== null && Number.isFinite(v));
  const flat = !values.length || Math.min(...values) === Math.max(...values);  // nothing to draw in 3-D either
  const traces = flat ? [] : [{ type: "surface", x: g.x, y: g.y, z: g.shown, colorscale: "Viridis", reversescale: true, showscale: false, opacity: 0.9, name: "J" }];
  // the box is the domain and the surface's heights, as on the contour: a path that runs away (diverges, leaves the
  // domain) is drawn while it is inside, not by stretching the axes until the surface is a speck
  const [xr, yr] = r.domain, names = r.names || ["x", "y"];
  const lo = flat ? null : Math.min(...values), hi = flat ? null : Math.max(...values);
  const inside = (x, y, z) => x >= xr[0] && x <= xr[1] && y >= yr[0] && y <= yr[1] && z !== null && Number.isFinite(z) &&
    (lo === null || (z >= lo && z <= hi));
  for (const run of r.runs) {
    const xs = col(run.path, 0), ys = col(run.path, 1), zs = run.cost.map(shown);
    const keep = xs.map((x, i) => inside(x, ys[i], zs[i]));
    // a little above the surface (a hundredth of its heights), which hid a path drawn at J itself; its hover says J
    const lift = lo === null ? 0 : (hi - lo) / 100;
    traces.push({ type: "scatter3d", mode: "lines", name: run.label, x: xs.map((x, i) => (keep[i] ? x : null)),
                  y: ys.map((y, i) => (keep[i] ? y : null)), z: zs.map((z, i) => (keep[i] ? z + lift : null)),
                  customdata: run.cost,
                  hovertemplate: `${names[0]} %{x:.4g}, ${names[1]} %{y:.4g}<br>J %{customdata:.4g}<extra>${run.label}</extra>`,
                  // plotly.js has few 3-D marker shapes: each run's line dash (descend.report.colours.Style.dash)
                  line: { color: run.colour, width: 5, dash: run.dash }, connectgaps: false });
  }
  const zaxis = { title: { text: g.shown_label }, ...(lo === null ? {} : { range: [lo, hi] }) };
  // the camera as the reader turned it; at first, on a narrow screen, farther than plotly.js's (1.25, 1.25, 1.25),
  // whose view cut the z axis's numbers and title at a phone's left edge
  const turned = div.layout && div.layout.scene && div.layout.scene.camera;
  const camera = turned || (div.clientWidth < 560 ? { eye: { x: 1.6, y: 1.6, z: 1.25 } } : undefined);
  Plotly.react(div, traces, layout("3-D view", { scene: { xaxis: { title: { text: names[0] }, range: xr },
                                                          yaxis: { title: { text: names[1] }, range: yr }, zaxis,
                                                          ...(camera ? { camera } : {}) },
                                               margin: { l: 0, r: 0, t: 40, b: 0 }, showlegend: false }), CONFIG);
}
function frameLandscape() {
  const div = document.getElementById("contour");
  if (!div || !div.data) return;
  const first = parseInt(div.dataset.first, 10);
  const xs = [], ys = [], idx = [];
  RESULT.runs.forEach((run, i) => { const p = truncated(run.path, T); xs.push(col(p, 0)); ys.push(col(p, 1)); idx.push(first + i); });
  Plotly.restyle(div, { x: xs, y: ys }, idx);
  const costs = document.getElementById("costs");
  if (costs && costs.layout) Plotly.relayout(costs, { "shapes[0].x0": T, "shapes[0].x1": T });
}

// 4 · ellipse
function renderEllipse() { renderLandscape(); }
function renderBatches() {
  const r = RESULT;
  const div = plotDiv("batches", "wide");
  const traces = [];
  for (const b of r.batches) {
    traces.push({ type: "scatter", mode: "lines", name: `batch ${b.label}${b.thinning ? ` (${b.thinning})` : ""}${statusText(b)}`,
                  x: b.epoch, y: b.loss, line: { color: b.colour, width: 1 }, opacity: 0.8 });
    traces.push({ type: "scatter", mode: "lines+markers", name: `batch ${b.label}: whole training set`, x: b.train_epoch, y: b.train_loss,
                  line: { color: b.colour, width: 2, dash: "dot" }, marker: { size: 4 }, showlegend: true });
  }
  Plotly.react(div, traces, layout(`${r.batch_optimizer} (lr ${r.batch_lr}) with different batch sizes: loss of each update`, {
    xaxis: { title: { text: "epoch" } }, yaxis: { title: { text: "loss (MSE over the valid samples)" }, type: "log" } }), CONFIG);
}

// 1 · line fit
function renderLine() {
  const r = RESULT, g = r.grid;
  for (const id of ["#s-batch_size", "#f-batch_size"]) { const c = $(id); if (c) c.max = r.state.m; }  // 0..m
  // and m no smaller than the batch size (the server refuses a batch larger than the training set)
  const least = Math.max(schemaOf().properties.m.minimum, r.state.batch_size);
  for (const id of ["#s-m", "#f-m"]) { const c = $(id); if (c) c.min = least; }
  const div = plotDiv("contour");
  const xr = [g.w[0], g.w[g.w.length - 1]], yr = [g.b[0], g.b[g.b.length - 1]];
  Plotly.react(div, [
    { type: "contour", x: g.w, y: g.b, z: g.cost, colorscale: "Viridis", reversescale: true, ncontours: 30, contours: { coloring: "heatmap" },
      colorbar: { title: { text: "J(w, b)" }, thickness: 12 }, hovertemplate: "w %{x:.3g}, b %{y:.3g}: J %{z:.4g}<extra></extra>", name: "J" },
    // a ring, so that the least-squares star and the path's end, which lie near it, do not hide it
    { type: "scatter", mode: "markers", name: "ground truth", x: [r.truth.w], y: [r.truth.b], marker: { symbol: "circle-open", color: "#1f5fd6", size: 20, line: { color: "#1f5fd6", width: 3 } } },
    { type: "scatter", mode: "markers", name: "least squares (the minimum)", x: [r.least_squares.w], y: [r.least_squares.b], marker: { symbol: "star", color: "gold", size: 14, line: { color: "black", width: 1 } } },
    { type: "scatter", mode: "lines+markers", name: `path (${r.optimizer})${statusText(r)}`, x: [], y: [], line: { color: "#e0201b" }, marker: { size: 3, color: "#e0201b" } },
  ], layout("cost J(w, b) over the training set", { xaxis: { title: { text: "w" }, range: xr }, yaxis: { title: { text: "b" }, range: yr },
                                                   shapes: startShape(r.state.start[0], r.state.start[1]) }), DRAG);
  onDrag(div, (x, y) => set("start", [x, y]));
  const data = plotDiv("data");
  const xs = r.data.x, lo = Math.min(...xs), hi = Math.max(...xs);
  Plotly.react(data, [
    { type: "scatter", mode: "markers", name: `training set (m = ${r.train_size})`, x: r.data.x, y: r.data.y, marker: { color: "#777", size: 5 } },
    { type: "scatter", mode: "lines", name: `ground truth y = ${r.truth.w}x ${r.truth.b < 0 ? "−" : "+"} ${Math.abs(r.truth.b)}`, x: [lo, hi], y: [r.truth.w * lo + r.truth.b, r.truth.w * hi + r.truth.b], line: { color: "#1f5fd6", width: 3 } },
    { type: "scatter", mode: "lines", name: "model ŷ = w·x + b", x: [lo, hi], y: [0, 0], line: { color: "#e0201b", width: 3 } },
  ], layout("the data and the fitted line", { xaxis: { title: { text: "x" } },
    // the data's range (and the truth's), not the model's: a diverging line would flatten the points into one
    yaxis: { title: { text: "y" }, range: yRange([...r.data.y, r.truth.w * lo + r.truth.b, r.truth.w * hi + r.truth.b]) } }), CONFIG);
  const costs = plotDiv("costs", "wide short");
  const steps = r.cost.map((_, i) => i);
  Plotly.react(costs, [
    { type: "scatter", mode: "lines", name: "J on the whole training set", x: steps, y: r.cost, line: { color: "#e0201b" } },
    { type: "scatter", mode: "lines", name: `J on the step's batch (${r.batch_label})`, x: steps.slice(0, r.batch_loss.length), y: r.batch_loss, line: { color: "#999", width: 1 } },
  ], layout("cost against iteration", { xaxis: { title: { text: "iteration" } }, yaxis: { title: { text: "J" }, type: "log" },
                                         shapes: [{ type: "line", xref: "x", yref: "paper", x0: 0, x1: 0, y0: 0, y1: 1, line: { color: "#888", dash: "dot" } }] }), CONFIG);
}
function frameLine() {
  const r = RESULT, div = document.getElementById("contour");
  if (!div || !div.data) return;
  const p = truncated(r.path, T);
  Plotly.restyle(div, { x: [col(p, 0)], y: [col(p, 1)] }, [3]);
  const [w, b] = r.path[T], xs = r.data.x, lo = Math.min(...xs), hi = Math.max(...xs);
  Plotly.restyle(document.getElementById("data"), { y: [[w * lo + b, w * hi + b]] }, [2]);
  Plotly.relayout(document.getElementById("costs"), { "shapes[0].x0": T, "shapes[0].x1": T });
  let text = `iteration ${T}: w = ${fmt(w, 6)}, b = ${fmt(b, 6)}, J = ${fmt(r.cost[T], 6)}`;
  if (T + 1 < r.path.length) {
    const [w1, b1] = r.path[T + 1], a = r.lr;
    if (r.optimizer === "gd" || r.optimizer === "sgd") {
      // the gradient of the step's own batch's cost where the batch is not the whole training set (J is that set's)
      const gw = (w - w1) / a, gb = (b - b1) / a, J = r.whole_batch ? "J" : "J_B";
      text += `\nupdate (${r.batch_label}${r.whole_batch ? "" : "; J_B: J on the step's batch"}):` +
              `\n  w ← w − α·∂${J}/∂w = ${fmt(w, 6)} − ${a} × (${fmt(gw, 5)}) = ${fmt(w1, 6)}` +
              `\n  b ← b − α·∂${J}/∂b = ${fmt(b, 6)} − ${a} × (${fmt(gb, 5)}) = ${fmt(b1, 6)}`;
    } else {
      text += `\nupdate by ${r.optimizer} (${r.batch_label}):\n  w ← ${fmt(w, 6)} + (${fmt(w1 - w, 5)}) = ${fmt(w1, 6)}` +
              `\n  b ← ${fmt(b, 6)} + (${fmt(b1 - b, 5)}) = ${fmt(b1, 6)}`;
    }
  }
  $("#explain").innerHTML = "";
  $("#explain").append(el("div", { class: "update", id: "update" }, text));
}

// 2 · curvature
function renderCurvature() {
  const r = RESULT;
  const div = plotDiv("parabola", "wide");
  Plotly.react(div, [
    { type: "scatter", mode: "lines", name: `J(w) = ${r.state.curvature}·w²/2`, x: r.curve.w, y: r.curve.cost, line: { color: "#1f5fd6", width: 3 } },
    { type: "scatter", mode: "lines+markers", name: "iterates", x: [], y: [], line: { color: "#999", dash: "dot" }, marker: { color: "#1f5fd6", size: 8 } },
    { type: "scatter", mode: "lines", name: "tangent (the linear model GD follows)", x: [], y: [], line: { color: "#ff8c00", width: 2 } },
    { type: "scatter", mode: "lines+markers", name: "approximation error", x: [], y: [], line: { color: "#d62728", width: 3 }, marker: { size: 6 } },
  ], layout("gradient descent on a parabola", { xaxis: { title: { text: "w" }, range: curvatureSpan(r, 1) },
                                                yaxis: { title: { text: "J" }, range: curvatureRange(r, 1) } }), CONFIG);
}
// the view follows the iterates shown so far (up to step t): a run that grows stays in view as it grows
function curvatureSpan(r, t) {  // w: ±2.5, or wider to hold every iterate up to the next one
  const w = r.path.slice(0, t + 2).filter((v) => v !== null && Number.isFinite(v)).map(Math.abs);
  return [-1, 1].map((s) => s * Math.max(2.5, 1.1 * Math.max(0, ...w)));
}
function curvatureRange(r, t) {  // J: from the highest of those iterates down to the lowest tangent prediction
  const finite = (v) => v !== null && Number.isFinite(v);
  const span = curvatureSpan(r, t)[1];
  const top = Math.max(r.state.curvature * span * span / 4, 1.3 * Math.max(...r.cost.slice(0, t + 2).filter(finite)));
  const low = Math.min(0, ...r.predicted.slice(0, t + 1).filter(finite));
  return [Math.max(low * 1.1, -4 * top) - 0.05 * top, top];  // the tangent's prediction in view, within reason
}
function frameCurvature() {
  const r = RESULT, div = document.getElementById("parabola");
  if (!div || !div.data) return;
  const n = r.path.length;
  const t = Math.min(T, n - 1);
  const pts = r.path.slice(0, t + 1), costs = r.cost.slice(0, t + 1);
  const w = r.path[t], J = r.cost[t], s = r.slope[t];
  // the tangent reaches the next iterate, where the error bar stands (a step may move w by more than 1)
  const reach = t + 1 < n && Number.isFinite(r.path[t + 1]) ? Math.max(1, 1.15 * Math.abs(r.path[t + 1] - w)) : 1;
  const tx = [w - reach, w + reach], ty = [J - s * reach, J + s * reach];
  let ex = [], ey = [];
  if (t + 1 < n) { ex = [r.path[t + 1], r.path[t + 1]]; ey = [r.predicted[t], r.cost[t + 1]]; }
  Plotly.restyle(div, { x: [pts, tx, ex], y: [costs, ty, ey] }, [1, 2, 3]);
  const xr = curvatureSpan(r, t), yr = curvatureRange(r, t), now = div.layout.xaxis.range || [];
  if (now[0] !== xr[0] || now[1] !== xr[1]) Plotly.relayout(div, { "xaxis.range": xr, "yaxis.range": yr });
  // a number that would round to a threshold it is not (α·c = 2.0001 shown as 2 beside "α > 2/c: diverges") is
  // given the digits that tell them apart
  const apart = (v, marks) => { let d = 4; while (d < 12 && marks.some((m) => v !== m && Number(fmt(v, d)) === m)) d += 1; return fmt(v, d); };
  let text = `α·c = ${apart(r.state.lr * r.state.curvature, [1, 2])}: each step multiplies w by 1 − αc = ${apart(r.factor, [0, -1])} (1/c = ${fmt(r.thresholds.one_step)}, 2/c = ${fmt(r.thresholds.diverge)})`;
  text += `\niteration ${t}: w = ${fmt(w, 6)}, J(w) = ${fmt(J, 6)}, slope J'(w) = c·w = ${fmt(s, 6)}`;
  const term = (v) => (v < 0 ? `(${fmt(v, 6)})` : fmt(v, 6));  // w − α × (−1.5), not w − α × -1.5
  if (t + 1 < n) text += `\n  w ← w − α·J'(w) = ${fmt(w, 6)} − ${r.state.lr} × ${term(s)} = ${fmt(r.path[t + 1], 6)}` +
    `\n  the tangent predicts J = ${fmt(r.predicted[t], 6)} there; J is ${fmt(r.cost[t + 1], 6)}: approximation error ${fmt(r.error[t], 6)}`;
  if (r.status !== "ok") text += `\n${r.status} at step ${r.status_at}`;
  $("#explain").innerHTML = "";
  $("#explain").append(el("div", { class: "regime", id: "regime", "data-regime": r.regime }, r.regime_text), el("div", { class: "update", id: "update" }, text));
}

// 5 · vanishing
function renderVanishing() {
  const r = RESULT;
  const n = r.layers.length;
  const colour = (i) => r.colours[i];  // the server's: the report's colours by depth
  const div = plotDiv("norms", "wide");
  // a norm of exactly 0 (a zero initialisation) has no place on a log axis: then the axes are linear
  const positive = [...r.norms.flat(), ...r.first_norms, ...r.final_norms].every((v) => v === null || v > 0);
  const scale = positive ? "log" : "linear";
  Plotly.react(div, r.norms.map((norms, i) => ({ type: "scatter", mode: "lines", name: r.layers[i], x: r.steps, y: norms, line: { color: colour(i) } })),
    layout(`gradient norm of each layer's weights (${r.state.depth} × ${r.state.activation}, ${r.state.init} init)`,
           { xaxis: { title: { text: "step" } }, yaxis: { title: { text: "‖∂J/∂W‖" }, type: scale } }), CONFIG);
  const bars = plotDiv("final");
  Plotly.react(bars, [{ type: "bar", name: "first step", x: r.layers, y: r.first_norms, marker: { color: r.layers.map((_, i) => colour(i)) } },
                      { type: "bar", name: r.status === "ok" ? "last step" : "last finite step", x: r.layers, y: r.final_norms, marker: { color: "#bbb" } }],
    layout("by layer, input → output", { xaxis: { automargin: true, tickangle: "auto" }, yaxis: { title: { text: "‖∂J/∂W‖" }, type: scale },
                                         barmode: "group" }), CONFIG);
  const loss = plotDiv("loss");
  Plotly.react(loss, [{ type: "scatter", mode: "lines+markers", name: "training loss", x: r.loss_step, y: r.loss },
                      { type: "scatter", mode: "lines+markers", name: "training accuracy", x: r.accuracy_step, y: r.accuracy, yaxis: "y2" }],
    layout(`training loss and accuracy${statusText(r)}`, { margin: { l: 55, r: 60, t: 70, b: 45 }, xaxis: { title: { text: "step" } }, yaxis: { title: { text: "BCE" } },
                                        yaxis2: { title: { text: "accuracy" }, overlaying: "y", side: "right", range: [0, 1], tickmode: "linear", tick0: 0, dtick: 0.2 } }), CONFIG);
  const ratio = r.first_norms[0] && r.first_norms[n - 1] ? r.first_norms[0] / r.first_norms[n - 1] : null;
  const zero = r.layers.filter((_, i) => r.first_norms[i] === 0);
  $("#explain").textContent = ratio ? `at the first step the first layer's gradient norm is ${fmt(ratio)} × the output layer's`
    : zero.length ? `at the first step the gradient of ${zero.join(", ")} is exactly 0: no signal reaches ${zero.length > 1 ? "those layers" : "that layer"} (with ${r.state.init} init, every unit of a layer computes the same thing)`
    : "";
  if (r.status !== "ok" && r.status_at !== null && r.status_at !== undefined) $("#explain").textContent += ` · ${r.status} at step ${r.status_at}`;
}

// 6 · tune
function renderTune() {
  const r = RESULT;
  const div = plotDiv("trials", "wide");
  const by = {};
  for (const t of r.trials) (by[t.optimizer] = by[t.optimizer] || []).push(t);
  // a few trials far above the rest (a rate near divergence) would squash every other onto the axis: the axis ends
  // a little above the upper quartile's spread and such a trial is an open triangle at its top, its value on hover
  const log = r.trials.every((t) => t.value === null || t.value > 0);
  const scale = (v) => (log ? Math.log10(v) : v), unscale = (v) => (log ? Math.pow(10, v) : v);
  const finite = r.trials.map((t) => t.value).filter((v) => v !== null && Number.isFinite(v)).map(scale).sort((a, b) => a - b);
  let top = null;
  if (finite.length >= 4) {
    const low = finite[0], q3 = finite[Math.floor(0.75 * (finite.length - 1))], high = finite[finite.length - 1];
    const edge = q3 + 2 * (q3 - low || 1);
    if (high > edge) top = edge;
  }
  const over = (t) => top !== null && t.value !== null && Number.isFinite(t.value) && scale(t.value) > top;
  const yaxis = { title: { text: r.objective }, type: log ? "log" : "linear" };
  if (top !== null) {
    const pad = 0.04 * (top - finite[0] || 1);
    yaxis.range = [finite[0] - pad, top + pad];
  }
  // each row in its colour and marker shape in the other widget (sent by the server), a trial above the axis a triangle
  const look = (name) => (r.looks && r.looks[name]) || {};
  Plotly.react(div, Object.entries(by).map(([name, list]) => ({
    type: "scatter", mode: "markers", name, x: list.map((t) => t.lr), y: list.map((t) => (over(t) ? unscale(top) : t.value)),
    marker: { color: look(name).colour, symbol: list.map((t) => (over(t) ? "triangle-up-open" : look(name).symbol || "circle")),
              size: list.map((t) => (over(t) ? 9 : 7)) },
    text: list.map((t) => `trial ${t.number} (${t.status || t.state}): ${fmt(t.value)}${over(t) ? ", above the axis" : ""}`) })),
    layout(`every trial: learning rate against the ${r.objective}` + (top !== null ? " (△: above the axis)" : ""),
           { xaxis: { title: { text: "lr" }, type: "log" }, yaxis }), CONFIG);
  // the link trains seed 0, as the widgets do; the best trial trained with its own seed (sampled batches differ)
  const rows = r.best.map((b) => `<tr><td>${b.optimizer}</td><td>${fmt(b.value)} (trial ${b.trial})</td><td>${fmt(b.link_value)}</td><td>${Object.entries(b.config).map(([k, v]) => `${k} = ${fmt(v)}`).join(", ")}</td></tr>`).join("");
  $("#explain").innerHTML = `<table id="best"><tr><th>optimizer</th><th>best ${r.objective}</th><th>with seed 0, as the link trains it</th><th>settings</th></tr>${rows}</table>` +
    `<p>${r.trials.length} trials in ${r.seconds.toFixed(1)} s. ${r.notes.join(" ")}</p>` +
    `<p><a id="apply" href="/${r.target}?${r.applied_query}">Open the ${r.target} widget with these settings →</a></p>`;
}

// ---------------------------------------------------------------------------------------------- export

function mainPlot() { return document.querySelector("#plots .plot"); }
// Every figure on the page as one image, laid out as the page shows them (each figure's own camera button, in
// its mode bar, exports that figure alone): a PNG at twice the screen's pixels, or an SVG holding each figure's
// SVG as it is (vector), on white.
async function pageImage(format) {
  const divs = [...document.querySelectorAll("#plots .plot")].filter((d) => d.data && d.offsetParent !== null);
  if (!divs.length) return null;
  const box = $("#plots").getBoundingClientRect(), scale = format === "png" ? 2 : 1;
  const parts = await Promise.all(divs.map(async (d) => {
    const r = d.getBoundingClientRect(), width = Math.round(r.width), height = Math.round(r.height);
    const url = await Plotly.toImage(d, { format, width, height, scale });
    return { x: Math.round(r.left - box.left), y: Math.round(r.top - box.top), width, height, url };
  }));
  const width = Math.max(...parts.map((p) => p.x + p.width)), height = Math.max(...parts.map((p) => p.y + p.height));
  if (format === "svg") {
    const images = parts.map((p) => `<image x="${p.x}" y="${p.y}" width="${p.width}" height="${p.height}" ` +
      `href="${p.url.replace(/&/g, "&amp;").replace(/"/g, "&quot;")}"/>`).join("");
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}"><rect width="100%" height="100%" fill="white"/>${images}</svg>`;
    return { url: URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" })), width, height };
  }
  const canvas = Object.assign(document.createElement("canvas"), { width: width * scale, height: height * scale });
  const context = canvas.getContext("2d");
  context.fillStyle = "white";
  context.fillRect(0, 0, canvas.width, canvas.height);
  for (const p of parts) {
    const image = new Image();
    await new Promise((done, fail) => { image.onload = done; image.onerror = fail; image.src = p.url; });
    context.drawImage(image, p.x * scale, p.y * scale, p.width * scale, p.height * scale);
  }
  const blob = await new Promise((done) => canvas.toBlob(done, "image/png"));
  return { url: URL.createObjectURL(blob), width: canvas.width, height: canvas.height };
}
async function download(format) {
  const image = await pageImage(format);
  if (!image) return;
  const link = Object.assign(document.createElement("a"), { href: image.url, download: `descend-${WIDGET}.${format}` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(image.url), 10_000);
}

// ---------------------------------------------------------------------------------------------- start

async function main() {
  $("#nav").append(...Object.entries(WIDGETS).map(([w, label]) => el("a", { href: `/${w}`, "aria-current": w === WIDGET ? "page" : false }, label)));
  $("#intro").append(el("h1", {}, WIDGETS[WIDGET] || WIDGET), el("p", {}, INTROS[WIDGET] || ""));
  META = await (await fetch("/api/meta")).json();
  if (!META.widgets[WIDGET]) { showErrors([{ field: "", message: `no widget ${WIDGET}` }]); return; }
  STATE = defaults();
  for (const [id, cls] of PLOTS[WIDGET] || []) plotDiv(id, cls);
  buildControls();
  setupPlayer();
  $("#png").addEventListener("click", () => download("png"));
  $("#svg").addEventListener("click", () => download("svg"));
  document.querySelectorAll("button.copy").forEach((b) => b.addEventListener("click", () => {
    const source = document.getElementById(b.dataset.copy), text = source.textContent;
    const label = b.textContent, name = b.getAttribute("aria-label");
    // what happened, shown and said ("copy command: copied"), then the button as it was
    const done = (word) => {
      b.textContent = word; b.setAttribute("aria-label", `${name}: ${word}`);
      setTimeout(() => { b.textContent = label; b.setAttribute("aria-label", name); }, 1500);
    };
    // the clipboard API exists only on localhost or HTTPS: served to a classroom (--host 0.0.0.0) the text is
    // copied by selecting it, or left selected for Ctrl+C
    const bySelection = () => {
      const range = document.createRange(); range.selectNodeContents(source);
      const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
      let copied = false;
      try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
      done(copied ? "copied" : "selected: Ctrl+C");
    };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(() => done("copied"), bySelection);
    else bySelection();
  }));
  syncControls();
  const query = location.search.replace(/^\?/, "");
  if (WIDGET === "tune" && !query) { $("#status").textContent = "choose the problem and press “Run the search”"; window.descendPlayReady = true; return; }
  const data = await request(query);
  if (data) accept(data);
  else if (REFUSED && query) {  // a link with a refused value: the link without it, and what was refused in it
    const refused = REFUSALS, keys = new Set(refused.map((e) => (e.field || "").split(".")[0]));
    const params = new URLSearchParams(query);
    keys.forEach((k) => params.delete(k));
    let fallback = keys.has("") ? null : await request(params.toString());
    const defaults = !fallback;
    if (!fallback) fallback = await request("");
    if (fallback) accept(fallback);
    showErrors(refused.map((e) => ({ ...e, message: `the link's ${e.message} (showing ${defaults ? "the defaults" : "the default for it"} instead)` })));
  }
  window.descendPlayReady = true;
}
window.descendPlay = {
  state: () => STATE, result: () => RESULT, step: () => T,
  toPixel(id, x, y) {  // page coordinates of a data point of a 2-D plot (for keyboard-free tests and tools)
    const div = document.getElementById(id), fl = div._fullLayout, box = div.getBoundingClientRect();
    return [box.left + fl._size.l + fl.xaxis.l2p(x), box.top + fl._size.t + fl.yaxis.l2p(y)];
  },
};
main().catch((e) => showErrors([{ field: "", message: String(e) }]));
