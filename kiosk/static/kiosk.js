// The kiosk touch screen: polls GET /state and renders it; taps post JSON to the local kiosk process.
// Plain ES2020, no libraries, no network beyond 127.0.0.1. Names are set with textContent only.
"use strict";

const POLL_MS = 300;
const PIN_IDLE_MS = 60000;
const ACTIONS = {
  check_in: ["入园", "Check in", "已入园", "Checked in"],
  check_out: ["离园", "Check out", "已离园", "Checked out"],
};
const KINDS = { guardian: ["家长", "Guardian"], pickup: ["接送人", "Pick-up adult"], staff: ["员工", "Staff"] };

let current = null;          // last state from the kiosk
let selection = new Set();   // children ticked on the confirm screen
let selectionSerial = -1;
let pinMode = null;          // {step, number, pin, personId, choices, error, serial, touched}
let healthMode = null;       // {serial, childId, digits, step: "temperature" | "hme", error}: the quick screen
let lastKey = null;          // what was rendered last: the DOM is rebuilt only when it changes (no lost taps)

const $ = (id) => document.getElementById(id);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function setPhoto(img, url) {
  if (url) { img.src = url; img.hidden = false; } else { img.removeAttribute("src"); img.hidden = true; }
}

function childItem(child, { action = null, done = false, selectable = false } = {}) {
  const li = el("li");
  li.dataset.childId = String(child.id);
  if (selectable) {
    const tick = el("span", "tick", "✓");
    li.appendChild(tick);
  }
  if (child.photo) {
    const img = el("img", "photo");
    img.alt = "";
    img.src = child.photo;
    li.appendChild(img);
  }
  const text = el("div");
  text.appendChild(el("div", "child-name", child.name));
  if (child.room) text.appendChild(el("div", "room", child.room));
  if (action && ACTIONS[action]) {
    const [zh, en, doneZh, doneEn] = ACTIONS[action];
    text.appendChild(el("div", `action ${action}`, done ? doneZh : zh));
    text.appendChild(el("div", "action-en", done ? doneEn : en));
  }
  li.appendChild(text);
  return li;
}

function fill(list, items) {
  list.replaceChildren(...items);
}

function refusalItems(refusals) {
  return refusals.map((r) => el("li", null, `${r.child.name}：${r.message_zh} / ${r.message_en}`));
}

function render(state) {
  current = state;
  $("clock").textContent = state.time;
  $("confirm-seconds").textContent = state.seconds_left ?? "";
  $("health-seconds").textContent = state.health ? state.health.seconds_left : "";
  if (!state.health) healthMode = null;
  else if (!healthMode || healthMode.serial !== state.serial || healthMode.childId !== state.health.child.id) {
    healthMode = { serial: state.serial, childId: state.health.child.id, digits: "", step: "temperature", error: null };
  }
  if (pinMode && (state.serial !== pinMode.serial || Date.now() - pinMode.touched > PIN_IDLE_MS || !state.pin)) {
    pinMode = null;  // a scan (or a timeout) takes over from the PIN pad
  }
  const health = state.health ? { ...state.health, seconds_left: null } : null;
  const key = JSON.stringify([{ ...state, time: null, seconds_left: null, health }, [...selection].sort(), pinMode,
                              healthMode]);
  if (key === lastKey) return;
  lastKey = key;
  $("centre").textContent = state.kiosk.centre ? `· ${state.kiosk.centre}` : "";
  renderEmergency(state.emergency);
  const banner = $("banner");
  banner.hidden = !state.banner;
  if (state.banner) banner.textContent = `${state.banner.message_zh} / ${state.banner.message_en}`;
  const warnings = $("warnings");
  warnings.hidden = state.warnings.length === 0;
  fill(warnings, state.warnings.map((w) => el("li", null, `⚠ ${w.message_zh} / ${w.message_en}`)));
  const alert = $("alert");
  alert.hidden = !state.alert;
  if (state.alert) {
    $("alert-time").textContent = state.alert.at;
    $("alert-zh").textContent = state.alert.message_zh;
    $("alert-en").textContent = state.alert.message_en;
  }

  const screen = pinMode ? "pin" : state.screen;
  document.body.dataset.screen = screen;
  for (const section of document.querySelectorAll("main > .screen")) {
    section.hidden = section.id !== `screen-${screen}`;
  }
  if (screen === "accepted") renderAccepted(state);
  else if (screen === "refused") renderRefused(state);
  else if (screen === "confirm") renderConfirm(state);
  else if (screen === "pin") renderPin();
  else if (screen === "health") renderHealth(state);
}

// Issue #15: the quick health screen. Digits fill the temperature from the right: 3, 6, 6 reads 36.6 °C.
function temperatureText(digits) {
  if (!digits) return "--.-";
  const padded = digits.padStart(2, "0");
  return `${padded.slice(0, -1)}.${padded.slice(-1)}`;
}

function renderHealth(state) {
  const h = state.health, m = healthMode;
  setPhoto($("health-photo"), h.child.photo);
  $("health-question").textContent = h.question_zh;
  $("health-question-en").textContent = h.question_en;
  $("health-progress").textContent = h.total > 1 ? `${h.index} / ${h.total}` : "";
  $("health-temperature").hidden = m.step !== "temperature";
  $("health-hme").hidden = m.step !== "hme";
  $("health-display").textContent = `${temperatureText(m.digits)} °C`;
  $("health-skip").hidden = !h.skip_allowed;
  const error = $("health-error");
  error.hidden = !m.error;
  error.textContent = m.error || "";
}

function temperatureValue() {
  const value = Number(temperatureText(healthMode.digits));
  const h = current.health;
  return healthMode.digits.length >= 3 && value >= h.temperature_min && value <= h.temperature_max ? value : null;
}

async function submitHealth(handsMouthEyesOk) {
  const m = healthMode;
  const body = { child_id: m.childId, hands_mouth_eyes_ok: handsMouthEyesOk };
  if (m.skipped) body.skipped = true; else body.temperature = temperatureValue();
  const { ok, data } = await post("/screen", body);
  if (ok) { render(data); return; }
  const error = data && data.error;
  m.error = error ? `${error.message_zh} / ${error.message_en}` : "出错了 / Something went wrong";
  m.step = "temperature";
  render(current);
}

function renderAccepted(state) {
  setPhoto($("accepted-photo"), state.person && state.person.photo);
  $("accepted-name").textContent = state.person ? state.person.name : "";
  let zh = "已记录", en = "Recorded";
  const actions = new Set(state.children.map((c) => c.action));
  if (state.staff_action === "on_duty") { zh = "上岗签到成功"; en = "Signed on duty"; }
  else if (state.staff_action === "off_duty") { zh = "下岗签退成功"; en = "Signed off duty"; }
  else if (actions.size === 1 && actions.has("check_in")) { zh = "入园签到成功"; en = "Checked in"; }
  else if (actions.size === 1 && actions.has("check_out")) { zh = "离园签退成功"; en = "Checked out"; }
  $("accepted-title").textContent = zh;
  $("accepted-title-en").textContent = en;
  fill($("accepted-children"), state.children.map((c) => childItem(c, { action: c.action, done: true })));
  renderPhotoCheck($("accepted-photo-check"), state.photo_check);
  fill($("accepted-notes"), refusalItems(state.refusals));
  renderRatio($("accepted-ratio"), state.ratio.warnings);
  renderNotice(state.notice);
  const room = state.to_health_room;
  $("accepted-health-room").hidden = !room;
  $("accepted-health-room-zh").textContent = room ? `⚠ ${room.message_zh}` : "";
  $("accepted-health-room-en").textContent = room ? room.message_en : "";
}

// Issue #14: a member of staff sees their own credential expiring or lapsed; the sign-on is recorded either way.
function renderNotice(notice) {
  const box = $("accepted-notice");
  box.hidden = !notice;
  box.dataset.kind = notice ? notice.kind : "";
  $("accepted-notice-zh").textContent = notice ? `⚠ ${notice.message_zh}` : "";
  $("accepted-notice-en").textContent = notice ? notice.message_en : "";
}

// Issue #13: on a check-out, "compare the photos", or "no photo on file: check ID" when there is none.
function renderPhotoCheck(node, check) {
  node.hidden = !check;
  node.textContent = check ? `${check.message_zh} · ${check.message_en}` : "";
}

// Issue #7: a panic or smoke alarm is shown above every screen; the screens below keep working.
function renderEmergency(emergency) {
  const box = $("emergency");
  box.hidden = !emergency;
  document.body.classList.toggle("in-emergency", Boolean(emergency));
  if (!emergency) return;
  $("emergency-title-zh").textContent = `⚠ ${emergency.title_zh}`;
  $("emergency-title-en").textContent = emergency.title_en;
  fill($("emergency-items"), emergency.items.map((item) =>
    el("li", null, `${item.opened_at} ${item.message_zh} / ${item.message_en}`)));
}

// Issue #6: an amber warning when the children checked in take a room past its headroom (never a refusal).
function renderRatio(list, warnings) {
  list.hidden = warnings.length === 0;
  fill(list, warnings.map((w) => {
    const li = el("li", null, `⚠ ${w.message_zh} / ${w.message_en}`);
    li.dataset.room = w.room;
    return li;
  }));
}

function ratioWarnings(rooms, selected) {
  // Same rule as kiosk.ratio.RoomHeadroom.breached_by, recounted as the parent ticks and unticks.
  return rooms.filter((room) => room.children.filter((id) => selected.has(id)).length > room.headroom);
}

function renderRefused(state) {
  $("refused-zh").textContent = state.message_zh;
  $("refused-en").textContent = state.message_en;
  $("refused-person").textContent = state.person ? state.person.name : "";
  const retry = $("refused-retry");
  if (state.retry_after_s) {
    const minutes = Math.ceil(state.retry_after_s / 60);
    retry.textContent = `请 ${minutes} 分钟后再试 / Try again in ${minutes} min`;
    retry.hidden = false;
  } else if (state.attempts_left !== null && state.attempts_left !== undefined) {
    retry.textContent = `还可尝试 ${state.attempts_left} 次 / ${state.attempts_left} tries left`;
    retry.hidden = false;
  } else {
    retry.hidden = true;
  }
  fill($("refused-children"), refusalItems(state.refusals));
}

function renderConfirm(state) {
  if (state.serial !== selectionSerial) {
    selection = new Set(state.children.filter((c) => c.selected).map((c) => c.id));
    selectionSerial = state.serial;
    $("confirm-error").hidden = true;
  }
  setPhoto($("confirm-photo"), state.person && state.person.photo);
  $("confirm-name").textContent = state.person ? state.person.name : "";
  // Issue #13: the same card again moments after the check-in asks before checking out.
  $("confirm-title").textContent = state.prompt ? state.prompt.message_zh : "请确认幼儿";
  $("confirm-title-en").textContent = state.prompt ? state.prompt.message_en : "Confirm the children";
  renderPhotoCheck($("confirm-photo-check"), state.photo_check);
  fill($("confirm-children"), state.children.map((c) => {
    const li = childItem(c, { action: c.action, selectable: true });
    li.classList.toggle("selected", selection.has(c.id));
    li.setAttribute("role", "checkbox");
    li.setAttribute("aria-checked", String(selection.has(c.id)));
    li.addEventListener("click", () => {
      if (selection.has(c.id)) selection.delete(c.id); else selection.add(c.id);
      render(current);
    });
    return li;
  }));
  fill($("confirm-notes"), refusalItems(state.refusals));
  renderRatio($("confirm-ratio"), ratioWarnings(state.ratio.rooms, selection));
}

function renderPin() {
  const p = pinMode;
  const titles = p.step === "number"
    ? ["请输入签到卡上的个人编号", "Enter the personal number on your card"]
    : p.choices ? ["请选择您的身份", "Choose who you are"] : ["请输入密码", "Enter your PIN"];
  $("pin-title-zh").textContent = titles[0];
  $("pin-title-en").textContent = titles[1];
  $("pin-display").textContent = p.step === "number" ? p.number : "•".repeat(p.pin.length);
  const error = $("pin-error");
  error.hidden = !p.error;
  error.textContent = p.error || "";
  const choices = $("pin-choices");
  choices.hidden = !p.choices;
  fill(choices, (p.choices || []).map((choice) => {
    const [zh, en] = KINDS[choice.kind] || [choice.kind, choice.kind];
    const button = el("button", "button");
    button.type = "button";
    button.append(el("span", "zh", zh), el("span", "en", en));
    button.addEventListener("click", () => { p.personId = choice.person_id; p.choices = null; submitPin(); });
    return button;
  }));
}

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body || {}),
  });
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  return { ok: response.ok, status: response.status, data };
}

async function submitPin() {
  const p = pinMode;
  const body = p.personId ? { person_id: p.personId, pin: p.pin } : { number: p.number, pin: p.pin };
  const { ok, data } = await post("/pin", body);
  if (ok) { pinMode = null; render(data); return; }
  const error = data && data.error;
  if (error && error.code === "ambiguous_number") { p.choices = error.choices; p.error = null; }
  else { p.error = error ? `${error.message_zh} / ${error.message_en}` : "出错了 / Something went wrong"; p.pin = ""; }
  render(current);
}

function pressKey(key) {
  const p = pinMode;
  if (!p) return;
  p.touched = Date.now();
  p.error = null;
  const field = p.step === "number" ? "number" : "pin";
  if (key === "del") p[field] = p[field].slice(0, -1);
  else if (p[field].length < (field === "pin" ? 8 : 12)) p[field] += key;
  render(current);
}

async function poll() {
  try {
    const response = await fetch("/state", { cache: "no-store" });
    if (response.ok) render(await response.json());
  } catch (e) {
    // the kiosk process is restarting: keep the last screen and try again
  }
  setTimeout(poll, POLL_MS);
}

document.addEventListener("DOMContentLoaded", () => {
  $("pin-open").addEventListener("click", () => {
    if (!current) return;
    pinMode = { step: "number", number: "", pin: "", personId: null, choices: null, error: null,
                serial: current.serial, touched: Date.now() };
    render(current);
  });
  $("pin-cancel").addEventListener("click", () => { pinMode = null; render(current); });
  for (const key of document.querySelectorAll(".key[data-key]")) {
    key.addEventListener("click", () => pressKey(key.dataset.key));
  }
  $("pin-next").addEventListener("click", () => {
    const p = pinMode;
    if (!p) return;
    p.touched = Date.now();
    if (p.step === "number") {
      if (p.number) { p.step = "pin"; render(current); }
    } else if (p.pin.length >= 4) {
      submitPin();
    }
  });
  for (const key of document.querySelectorAll(".key[data-tkey]")) {
    key.addEventListener("click", () => {
      const m = healthMode;
      if (!m) return;
      m.error = null;
      if (key.dataset.tkey === "del") m.digits = m.digits.slice(0, -1);
      else if (m.digits.length < 3) m.digits += key.dataset.tkey;
      render(current);
    });
  }
  $("health-next").addEventListener("click", () => {
    const m = healthMode;
    if (!m) return;
    if (temperatureValue() === null) {
      const h = current.health;
      m.error = `请输入 ${h.temperature_min}–${h.temperature_max} °C 的体温 / Enter a temperature of ${h.temperature_min}–${h.temperature_max} °C`;
    } else { m.skipped = false; m.step = "hme"; }
    render(current);
  });
  $("health-skip").addEventListener("click", () => {
    if (!healthMode) return;
    healthMode.skipped = true; healthMode.digits = ""; healthMode.step = "hme"; healthMode.error = null;
    render(current);
  });
  $("health-back").addEventListener("click", () => { if (healthMode) { healthMode.step = "temperature"; render(current); } });
  $("health-yes").addEventListener("click", () => submitHealth(true));
  $("health-no").addEventListener("click", () => submitHealth(false));
  $("health-cancel").addEventListener("click", async () => { const { data } = await post("/cancel"); if (data) render(data); });
  $("confirm-ok").addEventListener("click", async () => {
    if (selection.size === 0) {
      $("confirm-error").textContent = "请至少选择一名幼儿 / Select at least one child";
      $("confirm-error").hidden = false;
      return;
    }
    const { ok, data } = await post("/confirm", { children: [...selection] });
    if (ok) render(data);
    else if (data && data.error) {
      $("confirm-error").textContent = `${data.error.message_zh} / ${data.error.message_en}`;
      $("confirm-error").hidden = false;
    }
  });
  $("confirm-cancel").addEventListener("click", async () => { const { data } = await post("/cancel"); if (data) render(data); });
  $("refused-back").addEventListener("click", async () => { const { data } = await post("/cancel"); if (data) render(data); });
  poll();
});
