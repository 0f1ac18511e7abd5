// The room tablet's outbox: every entry is kept on the tablet (localStorage) with its idempotency key until the
// server answered 2xx, and sent again on `online`, on an interval and on page load. A final refusal (a 4xx that
// sending again cannot change) stays, marked failed with the server's reason, until the user fixes or discards
// it: nothing typed is dropped silently. The server stores a keyed request once (server/idempotency.py), so an
// entry whose answer was lost on the way back is recorded exactly once when it is sent again.
(function () {
  "use strict";

  // Sending again may help: the network, a busy or restarting server, a concurrent twin (409 conflict).
  var TRANSIENT = {408: true, 425: true, 429: true, 500: true, 502: true, 503: true, 504: true};

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    // Plain-HTTP LAN pages are no secure context (no randomUUID): 16 random bytes in UUID form.
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // An answer that does not come within this time is treated like no answer: the same key goes again later.
  var SEND_TIMEOUT_MS = 15000;

  // Entries hold the child's id, never the child's name: the page names them from the board it has.
  function Outbox(user, csrf, onChange, owner) {
    this.storeKey = "tuoyu-tablet-outbox:" + user;  // one outbox per user: a key and its entries are theirs
    this.owner = owner || "";  // the user's name, so another user of this tablet sees whose entries wait
    this.csrf = csrf;
    this.onChange = onChange;
    this.sending = false;
    this.state = this.load();
  }

  Outbox.prototype.load = function () {
    try {
      var kept = JSON.parse(localStorage.getItem(this.storeKey) || "null");
      if (kept && Array.isArray(kept.entries)) return {entries: kept.entries, ids: kept.ids || {}};
    } catch (e) { /* a damaged store starts empty rather than blocking the tablet */ }
    return {entries: [], ids: {}};
  };

  Outbox.prototype.save = function () {
    // Keep only the ids an entry still waits for (a check on a nap started offline); the rest are done with.
    var wanted = {}, ids = this.state.ids;
    this.state.entries.forEach(function (e) { if (e.after && ids[e.after] !== undefined) wanted[e.after] = ids[e.after]; });
    this.state.ids = wanted;
    this.state.owner = this.owner;
    localStorage.setItem(this.storeKey, JSON.stringify(this.state));
    if (this.onChange) this.onChange(this);
  };

  Outbox.prototype.entries = function () { return this.state.entries.slice(); };
  Outbox.prototype.count = function () { return this.state.entries.length; };

  // entry: {action, url, body, child, label, at, after?}: `after` names the key of an entry whose answer's id
  // fills "{id}" in the url (a nap check on a nap started offline).
  Outbox.prototype.add = function (entry) {
    entry.key = newKey();
    entry.bodyText = JSON.stringify(entry.body);  // sent byte for byte the same every time
    entry.status = "waiting";
    entry.error = null;
    entry.created = Date.now();
    this.state.entries.push(entry);
    this.save();
    this.flush();
    return entry;
  };

  Outbox.prototype.find = function (key) {
    return this.state.entries.filter(function (e) { return e.key === key; })[0];
  };

  Outbox.prototype.discard = function (key) {
    this.state.entries = this.state.entries.filter(function (e) { return e.key !== key && e.after !== key; });
    this.save();
  };

  Outbox.prototype.retry = function (key, bodyPatch) {
    var entry = this.find(key);
    if (!entry) return;
    if (bodyPatch) {
      Object.keys(bodyPatch).forEach(function (k) { entry.body[k] = bodyPatch[k]; });
      // A refused request was not kept by the server, so its key may carry the corrected body.
      entry.bodyText = JSON.stringify(entry.body);
    }
    entry.status = "waiting";
    entry.error = null;
    this.save();
    this.flush();
  };

  // Send the waiting entries in order, one at a time; stop at the first that cannot go now (offline, logged
  // out, server busy) so a nap's end never overtakes its start.
  Outbox.prototype.flush = function () {
    var self = this;
    if (self.sending) { self.again = true; return Promise.resolve(); }
    self.sending = true;
    self.again = false;
    function next() {
      var entry = self.state.entries.filter(function (e) { return e.status === "waiting"; })[0];
      if (!entry) return Promise.resolve();
      if (entry.after) {
        var id = self.state.ids[entry.after];
        var before = self.find(entry.after);
        if (id === undefined) {
          if (before && before.status === "waiting") return Promise.resolve();  // its nap goes first
          entry.status = "failed";
          entry.error = {code: "after_failed", message: ""};
          self.save();
          if (self.onRefused) self.onRefused(entry);
          return next();
        }
        entry.url = entry.url.replace("{id}", String(id));
        delete entry.after;
      }
      return self.send(entry).then(function (go) { return go ? next() : null; });
    }
    return next().then(function () {
      self.sending = false;
      if (self.again) return self.flush();
    }, function () { self.sending = false; });
  };

  // One request; resolves true to go on with the next entry, false to stop this round.
  Outbox.prototype.send = function (entry) {
    var self = this;
    var abort = window.AbortController ? new AbortController() : null;
    var timer = abort ? setTimeout(function () { abort.abort(); }, SEND_TIMEOUT_MS) : null;
    return fetch(entry.url, {
      method: "POST", credentials: "same-origin", redirect: "manual",
      headers: {"Content-Type": "application/json", "Idempotency-Key": entry.key, "X-CSRFToken": self.csrf},
      body: entry.bodyText, signal: abort ? abort.signal : undefined,
    }).then(function (response) {
      clearTimeout(timer);
      return response.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (response.ok) {
          self.state.ids[entry.key] = data && data.id !== undefined ? data.id : null;
          self.state.entries = self.state.entries.filter(function (e) { return e.key !== entry.key; });
          if (self.onLogin) self.onLogin(true);
          self.save();
          if (self.onDelivered) self.onDelivered(entry, data);
          return true;
        }
        var error = (data && data.error) || {code: "http_" + response.status, message: ""};
        if (response.type === "opaqueredirect" || response.status === 401) {
          entry.error = {code: "login", message: ""};  // kept; sent once the user logs in again
          self.save();
          if (self.onLogin) self.onLogin(false);
          return false;
        }
        if (TRANSIENT[response.status] || (response.status === 409 && error.code === "conflict") ||
            (response.status === 400 && /csrf/i.test(error.code || ""))) {
          return false;
        }
        entry.status = "failed";  // final: the user fixes (e.g. confirms an allergy) or discards it
        entry.error = error;
        self.save();
        if (self.onRefused) self.onRefused(entry);
        return true;
      });
    }, function () {
      clearTimeout(timer);
      return false;  // no answer (offline, dropped, timed out): the entry waits, the same key goes again
    });
  };

  window.TabletOutbox = Outbox;
})();
