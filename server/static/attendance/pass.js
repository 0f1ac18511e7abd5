// The guardian's phone pass: enrol this phone's Ed25519 key once, then show a QR code that changes every 30 s.
// Format: docs/qr-credential.md (TY1P). How the pass works: docs/phone-pass.md.
//
// ---- Reference implementation, copied verbatim from docs/qr-credential.md (a test keeps them equal) ----
const B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

function base45(bytes) {
  let out = "";
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    const x = bytes[i] * 256 + bytes[i + 1];
    out += B45[x % 45] + B45[Math.floor(x / 45) % 45] + B45[Math.floor(x / 2025)];
  }
  if (bytes.length % 2) {
    const x = bytes[bytes.length - 1];
    out += B45[x % 45] + B45[Math.floor(x / 45)];
  }
  return out;
}

// CBOR head in shortest form: major type and an unsigned value below 2**53.
function cborHead(major, n) {
  const bytesOf = (count) => {
    const out = [];
    let v = BigInt(n);
    for (let i = 0; i < count; i++) { out.unshift(Number(v & 255n)); v >>= 8n; }
    return out;
  };
  if (n < 24) return [(major << 5) | n];
  if (n < 0x100) return [(major << 5) | 24, ...bytesOf(1)];
  if (n < 0x10000) return [(major << 5) | 25, ...bytesOf(2)];
  if (n < 0x100000000) return [(major << 5) | 26, ...bytesOf(4)];
  return [(major << 5) | 27, ...bytesOf(8)];
}

// The 20 signed bytes: "TY1P" || u64be(credentialId) || u64be(step).
function phoneMessage(credentialId, step) {
  const message = new Uint8Array(20);
  message.set([0x54, 0x59, 0x31, 0x50]);
  const view = new DataView(message.buffer);
  view.setBigUint64(4, BigInt(credentialId));
  view.setBigUint64(12, BigInt(step));
  return message;
}

async function phoneCode(privateKey, credentialId, nowMs = Date.now()) {
  const step = Math.floor(nowMs / 30000);
  const signature = new Uint8Array(
    await crypto.subtle.sign("Ed25519", privateKey, phoneMessage(credentialId, step)));
  const cbor = [0x83, ...cborHead(0, credentialId), ...cborHead(0, step), ...cborHead(2, 64), ...signature];
  return "TY1P:" + base45(Uint8Array.from(cbor));
}

async function enrolPhoneKey() {
  const keys = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", keys.publicKey));
  const publicKey = btoa(String.fromCharCode(...raw)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return { privateKey: keys.privateKey, publicKey };  // keep privateKey in IndexedDB, post publicKey
}
// ---- End of the reference implementation ----

(() => {
  "use strict";

  const root = document.getElementById("pass");
  if (!root) return;

  const STEP_MS = 30000;
  const DB_NAME = "tuoyu-pass";
  const STORE = "enrolments";
  const credentialId = Number(root.dataset.credentialId);
  const enrolUrl = root.dataset.enrolUrl;
  const livePhoneIds = (root.dataset.phoneIds || "").split(",").filter(Boolean).map(Number);
  const renderedAt = Date.parse(root.dataset.renderedAt);
  const qrBox = document.getElementById("qr");
  const countdown = document.getElementById("countdown");
  const bar = document.getElementById("countdown-bar");
  const status = document.getElementById("status");
  const retryButton = document.getElementById("retry");
  const reEnrolButton = document.getElementById("re-enrol");

  // The messages in the page's language, rendered by the server from the catalogue (pass.html).
  const MESSAGES = JSON.parse(document.getElementById("pass-messages").textContent);

  function say(key, detail) {
    status.textContent = detail ? `${MESSAGES[key]} (${detail})` : MESSAGES[key];
    status.dataset.state = key;
    status.hidden = false;
  }

  function quiet() {
    status.hidden = true;
    status.dataset.state = "";
  }

  // ---- IndexedDB: one record per credential, holding the non-extractable CryptoKey itself ----

  function openDb() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "credentialId" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  function transact(db, mode, work) {
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  const loadEnrolment = (db) => transact(db, "readonly", (store) => store.get(credentialId));
  const saveEnrolment = (db, record) => transact(db, "readwrite", (store) => store.put(record));
  const dropEnrolment = (db) => transact(db, "readwrite", (store) => store.delete(credentialId));

  // ---- Enrolment: generate the key here, send only the public half ----

  class EnrolError extends Error {
    constructor(status, message) {
      super(message || `HTTP ${status}`);
      this.status = status;
    }
  }

  async function enrol(db) {
    const { privateKey, publicKey } = await enrolPhoneKey();
    const csrf = document.querySelector('meta[name="csrf-token"]').content;
    const response = await fetch(enrolUrl, {
      method: "POST",
      credentials: "same-origin",
      redirect: "error",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ public_key: publicKey }),
    });
    const body = await response.json().catch(() => ({}));
    if (response.status !== 201) throw new EnrolError(response.status, body.error && body.error.message);
    const record = { credentialId, phoneKeyId: body.id, enrolledAt: body.enrolled_at, publicKey, privateKey };
    await saveEnrolment(db, record);
    root.dataset.phoneKeyId = String(body.id);
    return record;
  }

  // A phone the centre removed: its key id is missing from the live list the server rendered after enrolment.
  function wasRemoved(record) {
    const enrolledAt = Date.parse(record.enrolledAt);
    return Number.isFinite(enrolledAt) && Number.isFinite(renderedAt) && enrolledAt < renderedAt
      && !livePhoneIds.includes(record.phoneKeyId);
  }

  // ---- The code and its QR ----

  function renderQr(text) {
    const qr = qrcode(0, "M");
    qr.addData(text, "Alphanumeric");  // TY1P: + base45 is all QR alphanumeric: the smallest symbol
    qr.make();
    const count = qr.getModuleCount();
    const quietZone = 4;
    const size = count + 2 * quietZone;
    let d = "";
    for (let row = 0; row < count; row++) {
      for (let col = 0; col < count; ) {
        if (!qr.isDark(row, col)) { col++; continue; }
        const start = col;
        while (col < count && qr.isDark(row, col)) col++;
        d += `M${start + quietZone} ${row + quietZone}h${col - start}v1h${start - col}z`;
      }
    }
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", `0 0 ${size} ${size}`);
    svg.setAttribute("shape-rendering", "crispEdges");
    const background = document.createElementNS(ns, "rect");
    background.setAttribute("width", String(size));
    background.setAttribute("height", String(size));
    background.setAttribute("fill", "#fff");
    const modules = document.createElementNS(ns, "path");
    modules.setAttribute("d", d);
    modules.setAttribute("fill", "#000");
    svg.append(background, modules);
    qrBox.replaceChildren(svg);
    qrBox.dataset.qrText = text;
  }

  let enrolment = null;
  let shownStep = -1;
  let timer = 0;

  async function tick() {
    if (!enrolment) return;
    const now = Date.now();
    const step = Math.floor(now / STEP_MS);
    const left = Math.ceil((STEP_MS - (now % STEP_MS)) / 1000);
    for (const el of countdown.querySelectorAll(".seconds")) el.textContent = String(left);
    bar.value = left;
    if (step === shownStep) return;
    shownStep = step;
    const text = await phoneCode(enrolment.privateKey, credentialId, now);
    if (step === shownStep) renderQr(text);  // a slower sign must not overwrite a newer code
  }

  function show(record) {
    enrolment = record;
    root.dataset.phoneKeyId = String(record.phoneKeyId);
    root.dataset.state = "showing";
    quiet();
    countdown.hidden = false;
    shownStep = -1;
    tick();
    if (!timer) timer = setInterval(tick, 1000);  // checks every second; the code changes with the step
    keepScreenOn();
  }

  let wakeLock = null;
  async function keepScreenOn() {
    if (!("wakeLock" in navigator) || document.visibilityState !== "visible" || wakeLock) return;
    try {
      wakeLock = await navigator.wakeLock.request("screen");
      wakeLock.addEventListener("release", () => { wakeLock = null; });
    } catch (error) {
      wakeLock = null;  // battery saver or no permission: the pass still works
    }
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") {
      shownStep = -1;
      tick();
      keepScreenOn();
    }
  });

  async function enrolAndShow(db) {
    retryButton.hidden = true;
    reEnrolButton.hidden = true;
    root.dataset.state = "enrolling";
    say("enrolling");
    try {
      show(await enrol(db));
    } catch (error) {
      root.dataset.state = "failed";
      if (error.name === "NotSupportedError") {
        say("unsupported");
        return;
      }
      say(error.status === 401 ? "loggedOut" : "enrolFailed", error.message);
      retryButton.hidden = false;
    }
  }

  // Once the service worker runs, ask it to keep this very page (the first visit is not yet under its
  // control), so the pass opens at the door without the network or a live session.
  async function registerServiceWorker() {
    if (!("serviceWorker" in navigator)) return;
    try {
      await navigator.serviceWorker.register(root.dataset.swUrl, { scope: root.dataset.swScope });
      if (navigator.serviceWorker.controller) {
        root.dataset.offline = "ready";  // this load came through the worker, which kept it
        return;
      }
      const registration = await navigator.serviceWorker.ready;
      const channel = new MessageChannel();
      channel.port1.onmessage = (event) => {
        if (event.data && event.data.kept) root.dataset.offline = "ready";
      };
      registration.active.postMessage({ type: "keep-page", url: location.href }, [channel.port2]);
    } catch (error) {
      // No offline copy (e.g. plain HTTP); the pass still works while the page is open.
    }
  }

  async function start() {
    if (!window.isSecureContext || !window.crypto || !crypto.subtle || !window.indexedDB) {
      root.dataset.state = "failed";
      say(window.isSecureContext ? "unsupported" : "insecure");
      return;
    }
    registerServiceWorker();
    let db;
    try {
      db = await openDb();
    } catch (error) {
      root.dataset.state = "failed";
      say("storage");
      return;
    }
    retryButton.addEventListener("click", () => enrolAndShow(db));
    reEnrolButton.addEventListener("click", async () => {
      await dropEnrolment(db);
      await enrolAndShow(db);
    });
    const record = await loadEnrolment(db);
    if (!record) {
      await enrolAndShow(db);
    } else if (wasRemoved(record)) {
      root.dataset.state = "removed";
      say("removed");
      reEnrolButton.hidden = false;
    } else {
      show(record);
    }
  }

  start();
})();
