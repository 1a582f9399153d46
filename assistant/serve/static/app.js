// The operator console: push-to-talk over WS /api/listen, answers spoken and shown with their values,
// confirmation buttons, alarms, fault risks, a trend plot and shift notes (docs/console.md).

const RATE = 16000; // what the server hears: 16 kHz mono signed 16-bit PCM
const $ = (id) => document.getElementById(id);

// Counters a person or a test can read: window.plantvoice.stats
const stats = { framesSent: 0, samplesSent: 0, audioFrames: 0, audioRate: 0, audioLast: false, samplesReceived: 0,
  samplesPlayed: 0, answers: 0, stopped: 0, toSound: [], // toSound: ms from each release to its answer's first sound
  atSpeech: null }; // atSpeech: the answer's audio received when the server took the last press (its "speech")
window.plantvoice = { stats, answers: [], partials: [], trend: null, faults: [] };

// ---------------------------------------------------------------- token and station

const settings = {
  get token() { return localStorage.getItem("plantvoice.token") || ""; },
  set token(v) { localStorage.setItem("plantvoice.token", v); },
  get station() {
    let s = localStorage.getItem("plantvoice.station");
    if (!s) {
      s = "web-" + Math.random().toString(36).slice(2, 8);
      localStorage.setItem("plantvoice.station", s);
    }
    return s;
  },
  set station(v) { localStorage.setItem("plantvoice.station", v); },
};

// ---------------------------------------------------------------- REST

async function api(path, options = {}) {
  const headers = { "X-Station": settings.station, ...(options.headers || {}) };
  if (settings.token) headers.Authorization = "Bearer " + settings.token;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(options.json);
  }
  const response = await fetch(path, { method: options.method || "GET", headers, body: options.body });
  let body = null;
  try { body = await response.json(); } catch { body = null; }
  if (!response.ok) {
    const error = new Error((body && body.error) || `${response.status} ${response.statusText}`);
    error.status = response.status;
    throw error;
  }
  return body;
}

function showStatus(text, kind = "info") {
  const status = $("status");
  status.textContent = text;
  status.dataset.kind = kind;
}

// ---------------------------------------------------------------- WebSocket

let socket = null;
let retry = null;
let audioHeader = null; // the `audio` message whose PCM frame comes next

function connect() {
  clearTimeout(retry);
  if (socket) { socket.onclose = null; socket.close(); }
  const query = new URLSearchParams({ station: settings.station });
  if (settings.token) query.set("token", settings.token);
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  socket = new WebSocket(`${scheme}//${location.host}/api/listen?${query}`);
  socket.binaryType = "arraybuffer";
  socket.onmessage = (event) => {
    if (typeof event.data !== "string") return onAudio(event.data);
    let message;
    try { message = JSON.parse(event.data); } catch { return; }
    onMessage(message);
  };
  socket.onclose = () => {
    document.body.dataset.connected = "false";
    $("who").textContent = "not connected, retrying";
    api("/api/me").catch((error) => { if (error.status === 401) $("who").textContent = `not connected: ${error.message}`; });
    retry = setTimeout(connect, 3000);
  };
}

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) {
    socket.send(typeof message === "string" || message instanceof ArrayBuffer ? message : JSON.stringify(message));
    return true;
  }
  return false;
}

function onMessage(m) {
  switch (m.type) {
    case "ready":
      document.body.dataset.connected = "true";
      showWho(m);
      break;
    case "speech":
      stats.atSpeech = { audioFrames: stats.audioFrames, audioLast: stats.audioLast };
      $("transcript").classList.add("partial");
      break;
    case "partial":
      window.plantvoice.partials.push(m.text);
      setText($("transcript"), m.text || "…");
      $("transcript").classList.add("partial");
      break;
    case "final":
      setText($("transcript"), m.transcript || "(nothing heard)");
      $("transcript").classList.remove("partial");
      $("intent").textContent = m.intent
        ? `${m.intent.name || m.intent} ${m.latency_s != null ? `· ${m.latency_s.toFixed(2)} s` : ""}` : "";
      break;
    case "answer": // a new answer: what was still playing stops, and its own audio follows
      if (!m.elsewhere) { // else given at another screen of this station: shown, not spoken
        stopPlayback();
        muted = false;
      }
      showAnswer(m);
      break;
    case "audio":
      audioHeader = m;
      break;
    case "stopped":
      stats.stopped += 1;
      stopPlayback();
      showStatus("Answer stopped.");
      break;
    case "busy":
      showStatus(m.error || "The server is busy; try again.", "error");
      break;
    case "error":
      showStatus(m.error || "Error.", "error");
      break;
  }
}

function showWho(m) {
  const who = [`station ${m.station || settings.station}`, m.role || "viewer"];
  if (m.user) who.push(m.user);
  if (m.language) who.push(m.language);
  $("who").textContent = who.join(" · ");
  document.body.dataset.role = m.role || "viewer";
}

// ---------------------------------------------------------------- answers

function setText(element, text) {
  element.replaceChildren(document.createTextNode(text));
}

let lastAsset = null;

function showAnswer(m) {
  stats.answers += 1;
  window.plantvoice.answers.push(m);
  setText($("answer"), m.text || "");
  const values = $("values");
  values.replaceChildren();
  for (const v of m.values || []) {
    const item = document.createElement("li");
    item.className = "value";
    item.dataset.tag = v.tag;
    item.dataset.value = v.value;
    const tag = document.createElement("span");
    tag.className = "tag";
    tag.textContent = v.tag;
    const number = document.createElement("mark");
    number.className = "number";
    number.textContent = `${formatNumber(v.value)}${v.unit ? " " + v.unit : ""}`;
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = [v.time ? formatTime(v.time, true) : "", v.quality || ""].filter(Boolean).join(" · ");
    if (v.quality && v.quality !== "good") item.classList.add("not-good");
    item.append(tag, number, meta);
    values.append(item);
  }
  const waiting = m.awaiting === "confirm" || m.awaiting === "sign_on";
  $("confirm").hidden = !waiting;
  if (waiting) $("confirm-prompt").textContent = m.awaiting === "sign_on" ? "Is that you?" : "Carry this out?";
  const asset = (m.data && m.data.asset) || null;
  if (typeof asset === "string") {
    const alarm = Array.isArray(m.data.alarms) && m.data.alarms.length ? m.data.alarms[0] : {};
    const measurement = typeof m.data.measurement === "string" ? m.data.measurement : alarm.measurement || "";
    lastAsset = { asset, measurement };  // none named: the server plots the asset's first measurement
    loadTrend();
  }
  load(loadAlarms, "alarms");
}

async function askTyped(text) {
  if (send({ type: "text", text })) return;
  try {
    const result = await api("/api/ask", { method: "POST", json: { text } });
    setText($("transcript"), result.text || text);
    showAnswer({ ...result, text: result.answer, values: result.values || [] });
  } catch (error) {
    showStatus(error.message, "error");
  }
}

async function confirm(yes) {
  $("confirm").hidden = true;
  if (send({ type: "confirm", yes })) return;
  try {
    const result = await api("/api/confirm", { method: "POST", json: { yes } });
    showAnswer({ ...result, text: result.answer, values: result.values || [] });
  } catch (error) {
    showStatus(error.message, "error");
  }
}

// ---------------------------------------------------------------- spoken answers

let player = null;
let playing = [];
let playAt = 0;
let releasedAt = null; // performance.now() of the last release, until its answer's first piece sounds
let muted = false; // after a press: pieces of the stopped answer still on their way are not played

function onAudio(buffer) {
  const header = audioHeader || { rate: 22050 };
  audioHeader = null;
  stats.audioFrames += 1;
  stats.audioRate = header.rate;
  stats.audioLast = Boolean(header.last);
  const pcm = new Int16Array(buffer.byteLength >> 1);
  const view = new DataView(buffer);
  for (let i = 0; i < pcm.length; i++) pcm[i] = view.getInt16(2 * i, true);
  stats.samplesReceived += pcm.length;
  if (!pcm.length || muted) return;
  if (!player) player = new AudioContext();
  if (player.state === "suspended") player.resume();
  const audio = player.createBuffer(1, pcm.length, header.rate);
  const channel = audio.getChannelData(0);
  for (let i = 0; i < pcm.length; i++) channel[i] = pcm[i] / 32768;
  const source = player.createBufferSource();
  source.buffer = audio;
  source.connect(player.destination);
  playAt = Math.max(playAt, player.currentTime + 0.05);
  source.start(playAt);
  if (releasedAt !== null) { // the first piece of the answer to a spoken request: when it will sound
    stats.toSound.push(performance.now() + (playAt - player.currentTime) * 1000 - releasedAt);
    releasedAt = null;
  }
  playAt += audio.duration;
  playing.push(source);
  document.body.dataset.speaking = "true";
  source.onended = () => {
    if (!playing.includes(source)) return;
    stats.samplesPlayed += pcm.length;
    playing = playing.filter((s) => s !== source);
    if (!playing.length) document.body.dataset.speaking = "false";
  };
}

function stopPlayback() {
  const sources = playing;
  playing = [];
  for (const source of sources) { try { source.stop(); } catch { /* not started */ } }
  playAt = 0;
  document.body.dataset.speaking = "false";
}

// ---------------------------------------------------------------- microphone and push-to-talk

let mic = null;
let talking = false;
let unsent = []; // int16 pieces of the request not sent yet: frames go out every 100 ms
const FRAME = RATE / 10;

const WORKLET = `
class Tap extends AudioWorkletProcessor {
  process(inputs) {
    const input = inputs[0];
    if (input && input[0]) this.port.postMessage(input[0].slice(0));
    return true;
  }
}
registerProcessor("plantvoice-tap", Tap);
`;

// The worklet is ready before the microphone opens, so the first words of the first request are kept.
async function openMic() {
  let context;
  try { context = new AudioContext({ sampleRate: RATE }); } catch { context = new AudioContext(); }
  await context.resume(); // resolves once audio is running
  const url = URL.createObjectURL(new Blob([WORKLET], { type: "text/javascript" }));
  await context.audioWorklet.addModule(url);
  URL.revokeObjectURL(url);
  const tap = new AudioWorkletNode(context, "plantvoice-tap");
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
  });
  const source = context.createMediaStreamSource(stream);
  const down = downsampler(context.sampleRate);
  tap.port.onmessage = (event) => {
    if (!talking) return;
    unsent.push(down(event.data));
    if (unsent.reduce((n, pcm) => n + pcm.length, 0) >= FRAME) flush();
  };
  source.connect(tap);
  return { context, stream };
}

function flush() {
  const pcm = new Int16Array(unsent.reduce((n, piece) => n + piece.length, 0));
  let at = 0;
  for (const piece of unsent) { pcm.set(piece, at); at += piece.length; }
  unsent = [];
  if (pcm.length && send(pcm.buffer)) {
    stats.framesSent += 1;
    stats.samplesSent += pcm.length;
  }
}

// Float samples at `rate` to 16 kHz int16, averaging each output sample's span of input (rate >= 16 kHz).
function downsampler(rate) {
  const step = rate / RATE;
  let carry = new Float32Array(0);
  return (samples) => {
    const input = new Float32Array(carry.length + samples.length);
    input.set(carry);
    input.set(samples, carry.length);
    const count = Math.floor(input.length / step);
    const out = new Int16Array(count);
    for (let n = 0; n < count; n++) {
      const from = Math.floor(n * step);
      const to = Math.max(from + 1, Math.floor((n + 1) * step));
      let sum = 0;
      for (let i = from; i < to; i++) sum += input[i];
      const x = Math.max(-1, Math.min(1, sum / (to - from)));
      out[n] = Math.round(x * 32767);
    }
    carry = input.slice(Math.floor(count * step));
    return out;
  };
}

async function press() {
  if (talking) return;
  talking = true;
  $("ptt").setAttribute("aria-pressed", "true");
  $("ptt").textContent = mic ? "Listening… release to send" : "Opening the microphone…";
  stopPlayback(); // barge-in here; the press tells the server too
  muted = true;
  unsent = [];
  if (!send({ type: "press" })) showStatus("Not connected to the server.", "error");
  setText($("transcript"), "…");
  $("transcript").classList.add("partial");
  try {
    if (!mic) mic = await openMic();
    if (mic.context.state === "suspended") await mic.context.resume();
    if (talking) $("ptt").textContent = "Listening… release to send"; // the first press opens the microphone
  } catch (error) {
    showStatus(`Microphone: ${error.message}`, "error");
    mic = null;
  }
}

function release() {
  if (!talking) return;
  releasedAt = performance.now();
  // frames still queued in the worklet arrive within a few milliseconds
  setTimeout(() => {
    talking = false;
    flush();
    send({ type: "release" });
  }, 60);
  $("ptt").setAttribute("aria-pressed", "false");
  $("ptt").textContent = "Hold to talk";
}

// Where the space bar keeps its own meaning: text fields, and buttons other than push-to-talk.
function ownSpace(target) {
  return target instanceof HTMLElement && target.id !== "ptt" &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT", "BUTTON", "SUMMARY", "A"].includes(target.tagName));
}

// ---------------------------------------------------------------- alarms, faults, notes, trend

async function loadAlarms() {
  const alarms = (await api("/api/alarms")).alarms;
  const rows = $("alarms").tBodies[0];
  rows.replaceChildren();
  for (const a of alarms) {
    const row = rows.insertRow();
    row.dataset.id = a.id;
    row.className = `priority-${a.priority || "low"}${a.acknowledged ? " acknowledged" : ""}`;
    const cells = [a.priority || "", a.asset || "", `${(a.measurement || "").replaceAll("_", " ")} ${a.kind || ""}`.trim(),
      a.value != null ? `${formatNumber(a.value)} ${a.unit || ""}`.trim() : "", a.raised ? formatTime(a.raised, true) : ""];
    for (const text of cells) row.insertCell().textContent = text;
    const state = row.insertCell();
    if (a.acknowledged) {
      state.textContent = `acknowledged${a.acknowledged_by ? " by " + a.acknowledged_by : ""}`;
    } else {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "ack";
      button.textContent = "Acknowledge";
      button.setAttribute("aria-label", `Acknowledge ${a.asset} ${(a.measurement || "").replaceAll("_", " ")} alarm`);
      button.onclick = () => acknowledge(a.id);
      state.append(button);
    }
  }
  $("alarms-empty").hidden = alarms.length > 0;
}

async function acknowledge(id) {
  try {
    const result = await api(`/api/alarms/${encodeURIComponent(id)}/acknowledge`, { method: "POST" });
    showAnswer({ ...result, text: result.answer, values: result.values || [] });
    if (result.awaiting === "confirm") $("yes").focus();
  } catch (error) {
    setText($("answer"), error.message);
  }
}

async function loadFaults() {
  const body = await api("/api/faults");
  const faults = body.risks || [];
  window.plantvoice.faults = faults;
  const list = $("faults");
  list.replaceChildren();
  for (const f of faults.slice(0, 8)) {
    const item = document.createElement("li");
    const p = f.probability != null ? `${Math.round(f.probability * 100)} %` : "";
    const head = document.createElement("strong");
    head.textContent = `${f.asset} ${f.name || f.fault_mode.replaceAll("_", " ")}`;
    const detail = document.createElement("span");
    let life = "";
    const rul = f.rul;
    if (rul && rul.days != null) {
      const limit = `${(rul.signal || "").replaceAll("_", " ")} limit ${formatNumber(rul.limit)} ${rul.unit || ""}`.trim();
      life = rul.days <= 0 ? `at its ${limit} now` : `remaining life ${formatNumber(rul.days)} d ` +
        `(${formatNumber(rul.low)}–${rul.high == null ? "?" : formatNumber(rul.high)} d) to its ${limit}`;
    }
    detail.textContent = [p, life].filter(Boolean).join(" · ");
    item.append(head, document.createTextNode(" "), detail);
    list.append(item);
  }
  if (!faults.length) list.innerHTML = '<li class="muted empty">No fault risks.</li>';
}

async function loadNotes(query = "") {
  const body = query ? await api(`/api/notes/search?q=${encodeURIComponent(query)}`) : await api("/api/notes");
  const notes = query ? (body.results || []).map((r) => r.note) : body.notes || [];
  const list = $("notes");
  list.replaceChildren();
  for (const n of notes) {
    const item = document.createElement("li");
    const head = document.createElement("span");
    head.className = "meta";
    head.textContent = [`#${n.id}`, n.created ? formatTime(n.created, true) : "", n.shift || "", n.by || n.author || "",
      (n.assets || []).join(", ")].filter(Boolean).join(" · ");
    const text = document.createElement("p");
    text.textContent = n.text || "";
    item.append(head, text);
    list.append(item);
  }
  if (!notes.length) list.innerHTML = `<li class="muted empty">${query ? "No notes found." : "No notes yet."}</li>`;
}

async function loadTrend() {
  if (!lastAsset) return;
  const query = new URLSearchParams({ hours: "8" });
  if (lastAsset.measurement) query.set("measurement", lastAsset.measurement);
  try {
    const trend = await api(`/api/assets/${encodeURIComponent(lastAsset.asset)}/trend?${query}`);
    drawTrend(trend);
  } catch (error) {
    $("trend-caption").textContent = `No trend for ${lastAsset.asset}: ${error.message}`;
  }
}

const SVG = "http://www.w3.org/2000/svg";

function svg(name, attributes, text) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  if (text != null) element.textContent = text;
  return element;
}

// A line plot of trend.points ([[iso time, value], ...]) with time and value axes.
function drawTrend(trend) {
  window.plantvoice.trend = trend;
  const points = (trend.points || []).filter((p) => p[1] != null).map(([t, v]) => [Date.parse(t), Number(v)]);
  const name = `${trend.asset} ${(trend.measurement || "").replaceAll("_", " ")}`;
  $("trend-caption").textContent = `${name} (${trend.unit || ""}), ${points.length} points`;
  const box = $("trend");
  box.replaceChildren();
  if (points.length < 2) return;
  const W = 960, H = 360, left = 90, right = 40, top = 20, bottom = 60;
  const offset = offsetMinutes((trend.points[0] || [""])[0]);
  const t0 = points[0][0], t1 = points[points.length - 1][0];
  let v0 = Math.min(...points.map((p) => p[1])), v1 = Math.max(...points.map((p) => p[1]));
  if (v0 === v1) { v0 -= 1; v1 += 1; }
  const ticks = niceTicks(v0, v1, 5);
  v0 = Math.min(v0, ticks[0]);
  v1 = Math.max(v1, ticks[ticks.length - 1]);
  const x = (t) => left + ((t - t0) / Math.max(1, t1 - t0)) * (W - left - right);
  const y = (v) => top + (1 - (v - v0) / (v1 - v0)) * (H - top - bottom);
  const plot = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", class: "trend",
    "aria-label": `Trend of ${name} in ${trend.unit || "units"}, ${points.length} points` });
  plot.append(svg("rect", { class: "plot-area", x: left, y: top, width: W - left - right, height: H - top - bottom }));
  for (const v of ticks) {
    plot.append(svg("line", { class: "grid", x1: left, x2: W - right, y1: y(v), y2: y(v) }));
    plot.append(svg("text", { class: "tick y-tick", x: left - 8, y: y(v) + 6, "text-anchor": "end" }, formatNumber(v)));
  }
  const steps = 6;
  for (let i = 0; i <= steps; i++) {
    const t = t0 + ((t1 - t0) * i) / steps;
    plot.append(svg("line", { class: "grid", x1: x(t), x2: x(t), y1: top, y2: H - bottom }));
    plot.append(svg("text", { class: "tick x-tick", x: x(t), y: H - bottom + 24, "text-anchor": "middle" },
      formatTime(t, false, offset)));
  }
  plot.append(svg("text", { class: "axis-label", x: 16, y: top + (H - top - bottom) / 2, "text-anchor": "middle",
    transform: `rotate(-90 16 ${top + (H - top - bottom) / 2})` }, trend.unit || ""));
  plot.append(svg("text", { class: "axis-label", x: left + (W - left - right) / 2, y: H - 8, "text-anchor": "middle" },
    "time"));
  plot.append(svg("polyline", { class: "line", points: points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(" ") }));
  box.append(plot);
}

function niceTicks(lo, hi, count) {
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) || raw;
  const ticks = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step / 2; v += step) ticks.push(Number(v.toFixed(10)));
  return ticks;
}

function formatNumber(v) {
  const n = Number(v);
  if (!Number.isFinite(n)) return String(v);
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2).replace(/\.?0+$/, "") || "0";
}

// Times are shown in the plant's time zone: the UTC offset the server wrote into the ISO time.
function offsetMinutes(iso) {
  const m = /([+-])(\d\d):?(\d\d)$/.exec(iso);
  return m ? (m[1] === "-" ? -1 : 1) * (60 * Number(m[2]) + Number(m[3])) : 0;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function formatTime(iso, withDate, offset = offsetMinutes(iso)) {
  const ms = typeof iso === "number" ? iso : Date.parse(iso);
  if (Number.isNaN(ms)) return String(iso);
  const d = new Date(ms + offset * 60000);
  const two = (n) => String(n).padStart(2, "0");
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
  return withDate ? `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${time}` : time;
}

async function load(loader, what, tries = 3) {
  try {
    await loader();
  } catch (error) {
    if (error.status === 503 && tries > 1) setTimeout(() => load(loader, what, tries - 1), 2000); // busy: again
    else showStatus(`Could not load ${what}: ${error.message}`, "error");
  }
}

function loadAll() {
  load(loadAlarms, "alarms");
  load(loadFaults, "fault risks");
  load(loadNotes, "notes");
}

// ---------------------------------------------------------------- wiring

function start() {
  $("token").value = settings.token;
  $("station").value = settings.station;
  $("settings-form").addEventListener("submit", (event) => {
    event.preventDefault();
    settings.token = $("token").value.trim();
    settings.station = $("station").value.trim() || settings.station;
    connect();
    loadAll();
  });

  const ptt = $("ptt");
  ptt.addEventListener("pointerdown", (event) => { ptt.setPointerCapture(event.pointerId); press(); });
  ptt.addEventListener("pointerup", release);
  ptt.addEventListener("pointercancel", release);
  // the space bar held (Enter on the focused button toggles)
  document.addEventListener("keydown", (event) => {
    if (event.code !== "Space" || ownSpace(event.target)) return;
    event.preventDefault();
    if (!event.repeat) press();
  });
  document.addEventListener("keyup", (event) => {
    if (event.code !== "Space" || ownSpace(event.target)) return;
    event.preventDefault();
    release();
  });
  ptt.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); talking ? release() : press(); }
  });

  $("ask-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("ask-text").value.trim();
    if (!text) return;
    setText($("transcript"), text);
    $("ask-text").value = "";
    askTyped(text);
  });
  $("yes").addEventListener("click", () => confirm(true));
  $("no").addEventListener("click", () => confirm(false));
  $("notes-form").addEventListener("submit", (event) => {
    event.preventDefault();
    load(() => loadNotes($("notes-q").value.trim()), "notes");
  });

  connect();
  loadAll();
  setInterval(() => load(loadAlarms, "alarms"), 30000);
  setInterval(() => load(loadFaults, "fault risks"), 120000);
}

start();
