// fleetsim live console: one Server-Sent Events stream of frames (a few a second), drawn on a canvas and three uPlot
// charts; the presenter's actions are POSTs to the same process. Plain browser JavaScript, no build step.
"use strict";

const CELLS = ["NOT_CONNECTED", "IDLE", "QUEUED", "DOWNLOADING", "INSTALLING", "OTHER_STEP",
  "SUCCEEDED", "FAILED", "REJECTED", "REMOVED"];
const LABELS = {NOT_CONNECTED: "not connected", IDLE: "idle", QUEUED: "queued (notified)", DOWNLOADING: "downloading",
  INSTALLING: "installing", OTHER_STEP: "in progress", SUCCEEDED: "succeeded", FAILED: "failed", REJECTED: "rejected",
  REMOVED: "canceled / timed out", OFFLINE: "offline"};
const COLOURS = {NOT_CONNECTED: "#2a2f3a", IDLE: "#4c566a", QUEUED: "#5e81ac", DOWNLOADING: "#88c0d0",
  INSTALLING: "#ebcb8b", OTHER_STEP: "#d08770", SUCCEEDED: "#a3be8c", FAILED: "#bf616a", REJECTED: "#b48ead",
  REMOVED: "#7b8394", OFFLINE: "#15181f"};
const STATUSES = ["QUEUED", "IN_PROGRESS", "SUCCEEDED", "FAILED", "REJECTED", "TIMED_OUT", "CANCELED", "REMOVED"];
const STATUS_COLOURS = {QUEUED: "#5e81ac", IN_PROGRESS: "#ebcb8b", SUCCEEDED: "#a3be8c", FAILED: "#bf616a",
  REJECTED: "#b48ead", TIMED_OUT: "#d08770", CANCELED: "#7b8394", REMOVED: "#4c566a"};
const OFFLINE = 0x10;

const $ = (id) => document.getElementById(id);
const state = {cells: new Uint8Array(0), things: [], dirty: new Set(), full: true, frame: null, samples: [],
  cohortsShown: "", jobsShown: "", selected: -1, frames: 0};

// ------------------------------------------------------------------ stream

function connect() {
  const source = new EventSource("events");
  source.onmessage = (e) => apply(JSON.parse(e.data));
  source.onerror = () => {
    $("state").textContent = state.frame && state.frame.run.ended ? "run ended" : "reconnecting…";
    $("state").className = "pill ended";
  };
}

function apply(frame) {
  state.frame = frame;
  state.frames++;
  const size = frame.fleet.size;
  if (state.cells.length !== size) {
    state.cells = new Uint8Array(size);
    state.full = true;
  }
  if (frame.cells.full !== undefined) {
    const raw = atob(frame.cells.full);
    for (let i = 0; i < raw.length; i++) state.cells[i] = raw.charCodeAt(i);
    state.full = true;
  } else {
    const set = frame.cells.set;
    for (let k = 0; k < set.length; k += 2) {
      state.cells[set[k]] = set[k + 1];
      state.dirty.add(set[k]);
    }
  }
  for (const s of frame.samples) state.samples.push(s);
  if (state.samples.length > 3600) state.samples.splice(0, state.samples.length - 3600);
  requestDraw();
}

let drawPending = false;
function requestDraw() {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => {
    drawPending = false;
    draw();
  });
}

function draw() {
  const f = state.frame;
  if (!f) return;
  $("scenario").textContent = f.run.scenario;
  $("target").textContent = f.run.target;
  $("sim-clock").textContent = f.clock.simulated.replace("T", " ").replace(/\.\d+Z$/, "Z");
  $("sim-elapsed").textContent = hms(f.clock.simulatedSeconds);
  $("real-elapsed").textContent = hms(f.clock.realSeconds);
  if (document.activeElement !== $("scale")) $("scale").value = f.clock.scale;
  $("pause").textContent = f.clock.paused ? "Resume" : "Pause";
  for (const id of ["pause", "scale", "set-scale"]) $(id).disabled = !f.clock.pausable || f.run.ended;
  const pill = $("state");
  pill.textContent = f.run.ended ? "run ended" : f.clock.paused ? "paused" : "running · " + f.clock.scale + "×";
  pill.className = "pill " + (f.run.ended ? "ended" : f.clock.paused ? "paused" : "running");
  $("fleet-size").textContent = f.fleet.size.toLocaleString() + " devices, " + f.fleet.connected.toLocaleString()
    + " connected";
  drawGrid();
  drawLegend(f.fleet.cells);
  $("presenter").hidden = !f.fleet.virtualDevices;
  drawCohorts(f.fleet.cohorts);
  drawJobs(f.jobs);
  drawLatency(f.latency);
  drawCharts();
}

// ------------------------------------------------------------------ grid

const grid = {cols: 1, size: 4};

function layout() {
  const canvas = $("grid");
  const width = canvas.clientWidth || 600;
  const n = Math.max(1, state.cells.length);
  const targetHeight = Math.min(420, Math.max(160, n / 8));
  let size = Math.max(2, Math.floor(Math.sqrt((width * targetHeight) / n)));
  size = Math.min(size, 24);
  const cols = Math.max(1, Math.floor(width / size));
  const rows = Math.ceil(n / cols);
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.floor(width * ratio);
  canvas.height = Math.floor(rows * size * ratio);
  canvas.style.height = rows * size + "px";
  canvas.getContext("2d").setTransform(ratio, 0, 0, ratio, 0, 0);
  grid.cols = cols;
  grid.size = size;
}

function drawCell(ctx, i) {
  const cell = state.cells[i];
  const work = CELLS[cell & ~OFFLINE] || "NOT_CONNECTED";
  const x = (i % grid.cols) * grid.size;
  const y = Math.floor(i / grid.cols) * grid.size;
  const gap = grid.size >= 5 ? 1 : 0;
  ctx.fillStyle = "#0b0d12";
  ctx.fillRect(x, y, grid.size, grid.size);
  ctx.globalAlpha = cell & OFFLINE ? 0.28 : 1;
  ctx.fillStyle = COLOURS[work];
  ctx.fillRect(x, y, grid.size - gap, grid.size - gap);
  ctx.globalAlpha = 1;
  if (i === state.selected) {
    ctx.strokeStyle = "#fff";
    ctx.strokeRect(x + 0.5, y + 0.5, grid.size - gap - 1, grid.size - gap - 1);
  }
}

function drawGrid() {
  const ctx = $("grid").getContext("2d");
  if (state.full) {
    layout();
    for (let i = 0; i < state.cells.length; i++) drawCell(ctx, i);
    state.full = false;
  } else {
    for (const i of state.dirty) drawCell(ctx, i);
  }
  state.dirty.clear();
}

function cellAt(event) {
  const rect = $("grid").getBoundingClientRect();
  const col = Math.floor((event.clientX - rect.left) / grid.size);
  const row = Math.floor((event.clientY - rect.top) / grid.size);
  if (col < 0 || col >= grid.cols) return -1;
  const i = row * grid.cols + col;
  return i >= 0 && i < state.cells.length ? i : -1;
}

function cellName(i) {
  const cell = state.cells[i];
  return (cell & OFFLINE ? "offline, " : "") + LABELS[CELLS[cell & ~OFFLINE]];
}

$("grid").addEventListener("mousemove", (e) => {
  const i = cellAt(e);
  const tip = $("tip");
  if (i < 0) { tip.hidden = true; return; }
  tip.hidden = false;
  tip.textContent = (state.things[i] || "#" + i) + " · " + cellName(i);
  const box = $("grid-box").getBoundingClientRect();
  tip.style.left = Math.min(e.clientX - box.left + 12, box.width - 220) + "px";
  tip.style.top = (e.clientY - box.top + 12) + "px";
});
$("grid").addEventListener("mouseleave", () => { $("tip").hidden = true; });
$("grid").addEventListener("click", (e) => {
  const i = cellAt(e);
  if (i >= 0) showDevice(i);
});
window.addEventListener("resize", () => { state.full = true; requestDraw(); });

function drawLegend(counts) {
  const ul = $("legend");
  if (!ul.children.length) {
    for (const name of CELLS.concat(["OFFLINE"])) {
      const li = document.createElement("li");
      li.dataset.cell = name;
      const swatch = document.createElement("i");
      swatch.style.background = name === "OFFLINE" ? "#3a3f4a" : COLOURS[name];
      const label = document.createElement("span");
      label.textContent = LABELS[name];
      const count = document.createElement("b");
      li.append(swatch, label, count);
      ul.append(li);
    }
  }
  for (const li of ul.children) li.querySelector("b").textContent = (counts[li.dataset.cell] || 0).toLocaleString();
}

// ------------------------------------------------------------------ cohorts, jobs, latency

function drawCohorts(cohorts) {
  const key = JSON.stringify(cohorts);
  if (key === state.cohortsShown) return;
  state.cohortsShown = key;
  const body = $("cohorts").tBodies[0];
  body.replaceChildren();
  for (const c of cohorts) {
    const tr = body.insertRow();
    tr.insertCell().textContent = c.name;
    tr.insertCell().textContent = c.from + "–" + (c.to - 1);
    const actions = tr.insertCell();
    actions.append(button("Offline", () => post("cohorts/" + encodeURIComponent(c.name) + "/offline", {}),
      {offline: c.name}), " ", button("Back online", () =>
      post("cohorts/" + encodeURIComponent(c.name) + "/online", {}), {online: c.name}));
  }
}

function button(text, action, data) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  Object.assign(b.dataset, data || {});
  b.addEventListener("click", action);
  return b;
}

function drawJobs(jobs) {
  const body = $("jobs").tBodies[0];
  const ids = jobs.map((j) => j.jobId).join("\n");
  if (ids !== state.jobsShown) {
    state.jobsShown = ids;
    body.replaceChildren();
    for (const j of jobs) {
      const tr = body.insertRow();
      tr.dataset.job = j.jobId;
      for (let k = 0; k < 5; k++) tr.insertCell();
      const cancel = tr.insertCell();
      const force = document.createElement("input");
      force.type = "checkbox";
      force.title = "force: also cancel executions in progress";
      cancel.append(button("Cancel", () => post("jobs/" + encodeURIComponent(j.jobId) + "/cancel",
        {force: force.checked}), {cancel: j.jobId}), " ", force, " force");
    }
    fillTemplates();
  }
  jobs.forEach((j, n) => {
    const tr = body.rows[n];
    tr.dataset.status = j.status;
    tr.cells[0].textContent = j.jobId;
    tr.cells[1].textContent = j.status + (j.reasonCode ? " (" + j.reasonCode + ")" : "")
      + (j.forceCanceled ? " · forced" : "");
    const total = STATUSES.reduce((sum, s) => sum + j.executions[s], 0);
    const bar = document.createElement("div");
    bar.className = "bar";
    for (const s of STATUSES) {
      if (!j.executions[s]) continue;
      const span = document.createElement("span");
      span.style.width = (100 * j.executions[s] / total) + "%";
      span.style.background = STATUS_COLOURS[s];
      span.title = s + " " + j.executions[s];
      bar.append(span);
    }
    const counts = document.createElement("div");
    counts.className = "counts";
    for (const s of STATUSES) {
      if (!j.executions[s]) continue;
      const c = document.createElement("span");
      c.dataset.count = s;
      c.textContent = s.toLowerCase().replace("_", " ") + " " + j.executions[s] + "  ";
      counts.append(c);
    }
    tr.cells[2].replaceChildren(bar, counts);
    tr.cells[3].textContent = j.rollout ? j.rollout.notified + " / " + j.rollout.allowed : "–";
    const abort = document.createElement("div");
    for (const a of j.abort || []) {
      const near = a.executed >= a.minNumberOfExecutedThings && a.failurePercentage >= 0.8 * a.thresholdPercentage;
      const div = document.createElement("div");
      div.className = "abort" + (near ? " near" : "");
      div.textContent = a.failureType + " " + a.failurePercentage + "% of " + a.executed + " (abort at "
        + a.thresholdPercentage + "% after " + a.minNumberOfExecutedThings + ")";
      const meter = document.createElement("div");
      meter.className = "meter";
      const fill = document.createElement("span");
      fill.style.width = Math.min(100, 100 * a.failurePercentage / Math.max(a.thresholdPercentage, 0.01)) + "%";
      meter.append(fill);
      div.append(meter);
      abort.append(div);
    }
    tr.cells[4].replaceChildren(abort);
    tr.cells[5].querySelector("button").disabled = !["IN_PROGRESS", "SCHEDULED"].includes(j.status);
  });
}

function drawLatency(latency) {
  const body = $("latency").tBodies[0];
  body.replaceChildren();
  for (const [phase, l] of Object.entries(latency)) {
    const tr = body.insertRow();
    tr.insertCell().textContent = phase;
    for (const v of [l.count, l.p50, l.p90, l.p99, l.max]) {
      const td = tr.insertCell();
      td.className = "num";
      td.textContent = v.toLocaleString(undefined, {maximumFractionDigits: 1});
    }
  }
}

// ------------------------------------------------------------------ charts

const charts = {};

function chart(id, series, data) {
  const box = $(id);
  const width = Math.max(300, box.clientWidth || 400);
  if (!charts[id]) {
    const axes = [{stroke: "#8a93a6", grid: {stroke: "#262c38"}, label: "simulated s"},
      {stroke: "#8a93a6", grid: {stroke: "#262c38"}}];
    if (series.some((s) => s.scale === "n")) {
      axes.push({scale: "n", side: 1, stroke: "#a3be8c", grid: {show: false}});
    }
    const opts = {width: width, height: 200, legend: {live: false}, scales: {x: {time: false}}, axes: axes,
      series: [{}].concat(series)};
    charts[id] = new uPlot(opts, data, box);
  } else {
    charts[id].setData(data);
  }
}

function drawCharts() {
  const s = state.samples;
  if (s.length < 2) return;
  const x = s.map((p) => p.sim);
  chart("chart-executions", STATUSES.map((name) => ({label: name.toLowerCase(), stroke: STATUS_COLOURS[name],
    width: 2})), [x].concat(STATUSES.map((name) => s.map((p) => p.executions[name]))));
  const job = (state.frame.jobs.find((j) => j.status === "IN_PROGRESS") || state.frame.jobs[0] || {}).jobId;
  $("rollout-job").textContent = job || "";
  chart("chart-rollout", [{label: "notified", stroke: "#88c0d0", width: 2},
    {label: "allowed", stroke: "#ebcb8b", width: 2, dash: [6, 4]}],
    [x, s.map((p) => (p.rollout && p.rollout[job] ? p.rollout[job][0] : null)),
      s.map((p) => (p.rollout && p.rollout[job] ? p.rollout[job][1] : null))]);
  chart("chart-download", [{label: "MiB/s", stroke: "#88c0d0", width: 2},
    {label: "connected", stroke: "#a3be8c", width: 1, scale: "n"}], [x, s.map((p) => p.mibps),
    s.map((p) => p.connected)]);
}

// ------------------------------------------------------------------ actions

async function post(path, body) {
  const message = $("message");
  try {
    const response = await fetch("api/" + path, {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify(body)});
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.error || response.statusText);
    message.className = "ok";
    message.textContent = path + ": done" + (answer.devices !== undefined ? " (" + answer.devices + " devices)" : "");
    return answer;
  } catch (e) {
    message.className = "error";
    message.textContent = path + ": " + e.message;
    return null;
  }
}

$("pause").addEventListener("click", () => post("clock", {paused: !state.frame.clock.paused}));
$("set-scale").addEventListener("click", () => post("clock", {timeScale: Number($("scale").value)}));
$("storm").addEventListener("click", () => post("storm", {share: $("storm-share").value, for: $("storm-for").value}));
$("create-job").addEventListener("click", () => {
  let request;
  try {
    request = JSON.parse($("create-json").value);
  } catch (e) {
    $("message").className = "error";
    $("message").textContent = "CreateJob: the JSON does not parse: " + e.message;
    return;
  }
  post("jobs", request);
});

let templates = [];
async function fillTemplates() {
  if (templates.length) return;
  const response = await fetch("api/templates");
  if (!response.ok) return;
  templates = await response.json();
  const select = $("template");
  for (const t of templates) {
    const option = document.createElement("option");
    option.value = t.jobId;
    option.textContent = "scenario job " + t.jobId;
    select.append(option);
  }
}
$("template").addEventListener("change", (e) => {
  const t = templates.find((x) => x.jobId === e.target.value);
  if (!t) return;
  const copy = JSON.parse(JSON.stringify(t));
  copy.jobId = t.jobId + "-" + new Date().toISOString().slice(11, 19).replace(/:/g, "");
  $("create-json").value = JSON.stringify(copy, null, 2);
});

// ------------------------------------------------------------------ drill-down

async function showDevice(i) {
  const previous = state.selected;
  state.selected = i;
  if (previous >= 0) state.dirty.add(previous);
  state.dirty.add(i);
  requestDraw();
  const response = await fetch("api/devices/" + i);
  const d = await response.json();
  if (!response.ok) return;
  $("device").hidden = false;
  $("device-title").textContent = d.thingName;
  const facts = $("device-facts");
  facts.replaceChildren();
  const rows = [["index", d.index], ["cohort", d.cohort || "–"], ["now", cellName(i)], ["agent", d.agentState],
    ["connected", d.online ? "yes" : "no"], ["step", d.step || "–"], ["firmware", d.firmware],
    ["packages", (d.packages || []).join(", ") || "–"], ["files", Object.keys(d.files || {}).join(", ") || "–"],
    ["certificate", d.certificate], ["jobs done", d.jobsDone]];
  for (const [k, v] of rows) {
    const dt = document.createElement("dt");
    dt.textContent = k;
    const dd = document.createElement("dd");
    dd.textContent = v === undefined ? "–" : v;
    facts.append(dt, dd);
  }
  $("device-execution").textContent = d.execution ? JSON.stringify(d.execution, null, 2) : "none";
  const list = $("device-messages");
  list.replaceChildren();
  for (const m of (d.messages || []).slice().reverse()) {
    const li = document.createElement("li");
    const head = document.createElement("div");
    head.className = m.direction;
    head.textContent = m.secondsAgo + " s ago · " + m.direction + " · " + m.topic;
    const body = document.createElement("code");
    body.textContent = m.payload;
    li.append(head, body);
    list.append(li);
  }
}
$("device-close").addEventListener("click", () => { $("device").hidden = true; });

function hms(seconds) {
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return (h ? h + "h" : "") + String(m).padStart(h ? 2 : 1, "0") + "m" + String(s % 60).padStart(2, "0") + "s";
}

fetch("api/things").then((r) => (r.ok ? r.json() : [])).then((names) => { state.things = names; });
connect();
