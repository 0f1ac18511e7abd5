// The room tablet: a card per child present (from the board, fetched and polled), one-tap logging through the
// outbox (queue.js), nap checks counting down. Words and URLs come from the page's JSON blocks. The page itself
// carries no child's data: the board needs the session. The tablet keeps only the last board WITHOUT its health
// parts (to draw the cards after an offline reload) and the gap between the server's clock and its own.
(function () {
  "use strict";
  function json(id) { return JSON.parse(document.getElementById(id).textContent); }
  var config = json("tablet-config"), T = json("tablet-texts"), zone = json("tablet-zone");
  var BOARD_KEY = "tuoyu-tablet-board:" + config.user + ":" + config.room;
  var OFFSET_KEY = "tuoyu-tablet-offset";
  var HEALTH_PARTS = ["allergies", "morning_check", "doses_due", "screen_temperature", "awaiting_signature"];
  var board = keptBoard(), haveBoard = board.children.length > 0;
  var sessionOver = false;
  var SENTINEL = "2147483647";  // the id the page's URL templates carry (views.ACTIONS)
  var lang = document.documentElement.lang || "zh-CN";
  var clock = new Intl.DateTimeFormat(lang, {hour: "2-digit", minute: "2-digit", hour12: false, timeZone: zone});
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var announced = {};
  var openChild = null;

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (m, k) { return values[k] !== undefined ? values[k] : m; });
  }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }
  // The server's time: this tablet's clock plus the gap measured at the last board fetch (kept across reloads,
  // so an entry made after an offline reload is stamped now, not when the page was saved).
  function serverNow() { return Date.now() + (parseInt(localStorage.getItem(OFFSET_KEY) || "0", 10) || 0); }
  function keptBoard() {
    var empty = {children: [], at: null, ratio: {}, outdoor: {}, patrol_interval_s: null, due_soon_s: 120, health: false};
    try { return JSON.parse(localStorage.getItem(BOARD_KEY) || "null") || empty; } catch (e) { return empty; }
  }
  function keepBoard(data) {
    var copy = Object.assign({}, data, {health: false, children: data.children.map(function (c) {
      var plain = Object.assign({}, c);
      HEALTH_PARTS.forEach(function (k) { delete plain[k]; });
      return plain;
    })});
    try {
      localStorage.setItem(BOARD_KEY, JSON.stringify(copy));
      localStorage.setItem(OFFSET_KEY, String(Date.parse(data.at) - Date.now()));
    } catch (e) { /* a full store: the screen still works online */ }
  }
  function nameOf(childId) {
    var hit = board.children.filter(function (c) { return c.id === childId; })[0];
    return hit ? hit.name : childId === null ? "" : fill(T.unknown_child, {id: childId});
  }
  function hhmm(iso) { return iso ? clock.format(new Date(iso)) : ""; }
  function label(set, value) {
    var hit = (T.labels[set] || []).filter(function (pair) { return pair[0] === value; })[0];
    return hit ? hit[1] : value;
  }
  function url(name, id) {
    var u = config.actions[name];
    return u && id !== undefined ? u.replace(SENTINEL, String(id)) : u;
  }
  function page(name, id) {
    var u = config.pages[name];
    return u ? u.replace(SENTINEL, String(id)) : null;
  }
  function readUrl(name, id) {
    var u = (config.reads || {})[name];
    return u ? u.replace(SENTINEL, String(id)) : null;
  }

  // --- the outbox -------------------------------------------------------------------------------------------
  var outbox = new window.TabletOutbox(config.user, csrf, function () { renderPending(); renderCards(); }, config.user_name);
  var refreshSoon = null, lastKey = null;
  outbox.onDelivered = function (entry) {
    clearTimeout(refreshSoon);
    refreshSoon = setTimeout(refresh, 300);
    if (entry.key === lastKey && dialog.open) document.getElementById("dialog-result").textContent = T.saved;
    if (entry.action === "note" && entry.child === openChild) loadNotes(openChild);
  };
  // A final refusal: say so at the top, with the child and the server's reason, and open the list to fix it.
  outbox.onRefused = function (entry) {
    var banner = document.getElementById("refused-banner");
    banner.textContent = fill(T.refused, {name: nameOf(entry.child) || entry.label,
                                          reason: (entry.error && entry.error.message) || T.failed});
    banner.hidden = false;
    if (entry.key === lastKey && dialog.open) document.getElementById("dialog-result").textContent = banner.textContent;
    var list = document.getElementById("pending-list");
    list.hidden = false;
    document.getElementById("pending-button").setAttribute("aria-expanded", "true");
  };
  outbox.onLogin = function (ok) { setSession(ok); };

  function setSession(ok) {
    var changed = sessionOver === ok;
    sessionOver = !ok;
    document.getElementById("session-banner").hidden = ok;
    if (changed && haveBoard) renderCards();
  }

  function queue(action, child, body, labelText, extra) {
    var entry = {action: action, child: child ? child.id : null,
                 label: labelText, at: body.at || body.started_at, body: body, url: extra && extra.url ? extra.url : url(action)};
    if (extra && extra.after) entry.after = extra.after;
    outbox.add(entry);
    renderPending();
    renderCards();
    return entry;
  }

  function renderPending() {
    var entries = outbox.entries();
    var button = document.getElementById("pending-button");
    button.dataset.count = entries.length;
    button.classList.toggle("has-failed", entries.some(function (e) { return e.status === "failed"; }));
    document.getElementById("pending-count").textContent =
      entries.length ? fill(T.pending, {n: entries.length}) : T.all_sent;
    if (!entries.some(function (e) { return e.status === "failed"; })) document.getElementById("refused-banner").hidden = true;
    var list = document.getElementById("pending-items");
    list.textContent = "";
    entries.forEach(function (e) {
      var reason = e.status === "failed" ? (e.error && e.error.message) || T.failed
        : e.after ? T.after_nap : e.error && e.error.code === "login" ? T.login_again : T.waiting;
      var item = el("li", {"data-key": e.key, "data-status": e.status}, [
        el("strong", {text: nameOf(e.child)}), el("span", {text: " " + e.label + " " + hhmm(e.at) + " · "}),
        el("span", {className: e.status === "failed" ? "state-bad" : "state-warn", text: reason}),
      ]);
      if (e.status === "failed") {
        if (e.error && e.error.code === "allergy_warning") {
          var confirm = el("button", {type: "button", className: "small-button", text: T.confirm_allergy});
          confirm.addEventListener("click", function () { outbox.retry(e.key, {acknowledge_allergy: true}); });
          item.appendChild(confirm);
        } else {
          var again = el("button", {type: "button", className: "small-button", text: T.retry});
          again.addEventListener("click", function () { outbox.retry(e.key); });
          item.appendChild(again);
        }
        var drop = el("button", {type: "button", className: "small-button secondary", text: T.discard});
        drop.addEventListener("click", function () { outbox.discard(e.key); });
        item.appendChild(drop);
      }
      list.appendChild(item);
    });
  }

  // --- the cards: the board with the entries still waiting laid over it -------------------------------------
  function withPending(card) {
    var c = Object.assign({}, card), interval = (board.patrol_interval_s || 0) * 1000;
    c.pending = 0;
    outbox.entries().forEach(function (e) {
      if (e.child !== card.id || e.status === "failed") return;
      c.pending += 1;
      var b = e.body;
      if (e.action === "nap_start") {
        c.asleep_since = e.at; c.nap_key = e.key; c.nap_id = null; c.check_overdue = false;
        c.next_check_due = interval ? new Date(Date.parse(e.at) + interval).toISOString() : null;
      } else if (e.action === "nap_end") {
        c.asleep_since = null; c.next_check_due = null; c.check_overdue = false; c.nap_id = null; c.nap_key = null;
      } else if (e.action === "nap_check") {
        c.check_overdue = false;
        c.next_check_due = interval ? new Date(Date.parse(e.at) + interval).toISOString() : null;
      } else if (e.action === "entry" && b.kind === "meal") {
        c.last_meal_at = e.at; c.last_meal_share = b.share_eaten;
      } else if (e.action === "entry" && b.kind === "bottle") {
        c.last_bottle_at = e.at; c.last_bottle_ml = b.ml;
      } else if (e.action === "entry" && b.kind === "water") {
        c.last_water_at = e.at;
      } else if (e.action === "entry" && b.kind === "diaper") {
        c.last_diaper_at = e.at; c.last_diaper_kind = b.diaper_kind;
      }
    });
    return c;
  }

  function napState(c, now) {
    if (!c.asleep_since || !c.next_check_due) return {state: c.asleep_since ? "asleep" : "", text: ""};
    var left = Date.parse(c.next_check_due) - now;
    if (left < 0 || c.check_overdue) {  // minutes rounded up: "overdue by 0 minutes" is never said
      var late = Math.max(1, Math.ceil(-left / 60000));
      return {state: "overdue", late: late, text: fill(T.check_overdue, {m: late})};
    }
    if (left <= board.due_soon_s * 1000) return {state: "due", text: T.check_due};
    // Logged out: no reassuring countdown from a board that can no longer be refreshed (due/overdue still show).
    if (sessionOver) return {state: "asleep", text: ""};
    return {state: "asleep", text: fill(T.next_check, {m: Math.ceil(left / 60000)})};
  }

  function screenText(c) {
    return c.screen_temperature ? fill(T.screened_fever, {t: c.screen_temperature}) : T.screened_signs;
  }

  function badges(c) {
    var out = [];
    (c.allergies || []).forEach(function (a) {
      out.push(el("span", {className: "badge badge-allergy", "data-allergen": a.code,
                           text: lang.indexOf("zh") === 0 ? a.label_zh : a.label_en}));
    });
    if (c.morning_check === "missing") out.push(el("span", {className: "badge badge-todo", text: T.morning_missing}));
    if (c.morning_check === "screened") out.push(el("span", {className: "badge badge-todo", text: T.morning_screened}));
    if (c.morning_check === "abnormal") out.push(el("span", {className: "badge badge-bad", text: T.morning_abnormal}));
    if (c.morning_check === "screened_abnormal") {
      out.push(el("span", {className: "badge badge-bad badge-screen", text: screenText(c)}));
    }
    (c.doses_due || []).forEach(function (d) {
      out.push(el("span", {className: "badge " + (d.given ? "badge-done" : "badge-dose"),
                           text: fill(T.dose_due, {t: hhmm(d.due_at), drug: d.drug}) + (d.given ? " · " + T.dose_given : "")}));
    });
    // A request the guardians have not signed yet: no dose can be given, say since when it waits.
    (c.awaiting_signature || []).forEach(function (r) {
      out.push(el("span", {className: "badge badge-todo badge-signature", "data-request": r.request_id,
                           text: fill(T.awaiting_signature, {t: hhmm(r.since), drug: r.drug})}));
    });
    return out;
  }

  function byName(a, b) { return a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id; }
  var URGENCY = {screen: 0, overdue: 1, due: 2};

  function renderCards() {
    var holder = document.getElementById("cards"), now = serverNow();
    var fresh = document.createElement("div"), todo = [];
    document.getElementById("no-children").hidden = !haveBoard || board.children.length > 0;
    document.getElementById("children-here").textContent = fill(T.children_here, {n: board.children.length});
    // The cards stay in name order (a card never moves under the finger); what is due now is ALSO shown in the
    // "to do now" strip above them.
    board.children.slice().sort(byName).forEach(function (raw) {
      var c = withPending(raw), nap = napState(c, now);
      var lines = [];
      if (c.asleep_since) lines.push(el("p", {className: "nap-line", text: fill(T.asleep_since, {t: hhmm(c.asleep_since)})}));
      if (nap.text) lines.push(el("p", {className: "nap-timer", "data-nap": nap.state, text: nap.text}));
      if (c.last_meal_at) lines.push(el("p", {"data-line": "meal", text: fill(T.last_meal, {t: hhmm(c.last_meal_at), share: label("share", c.last_meal_share)})}));
      if (c.last_bottle_at) lines.push(el("p", {"data-line": "bottle", text: fill(T.last_bottle, {t: hhmm(c.last_bottle_at), ml: c.last_bottle_ml})}));
      if (c.last_water_at) lines.push(el("p", {"data-line": "water", text: fill(T.last_water, {t: hhmm(c.last_water_at)})}));
      if (c.last_diaper_at) lines.push(el("p", {"data-line": "diaper", text: fill(T.last_diaper, {t: hhmm(c.last_diaper_at), kind: label("diaper", c.last_diaper_kind)})}));
      if (c.pending) lines.push(el("p", {className: "state-warn card-pending", text: fill(T.pending, {n: c.pending})}));
      var card = el("button", {type: "button", className: "child-card", "data-child": c.id, "data-nap": nap.state},
        [el("strong", {className: "child-name", text: c.name}), el("div", {className: "badges"}, badges(c))].concat(lines));
      card.addEventListener("click", function () { openDialog(raw.id); });
      fresh.appendChild(card);
      if (nap.state === "due" || nap.state === "overdue") {
        announce(c, nap);
        todo.push({c: c, why: nap.state, text: nap.text});
      }
      if (c.morning_check === "screened_abnormal") todo.push({c: c, why: "screen", text: screenText(c)});
    });
    // Only what changed is redrawn, so a finger on a card never meets a card being replaced.
    swap(holder, fresh);
    todo.sort(function (a, b) { return URGENCY[a.why] - URGENCY[b.why] || byName(a.c, b.c); });
    var strip = document.createElement("div");
    todo.forEach(function (t) {
      var item = el("button", {type: "button", className: "todo-card", "data-child": t.c.id, "data-todo": t.why},
                    [el("strong", {text: t.c.name}), el("span", {text: " " + t.text})]);
      item.addEventListener("click", function () { openDialog(t.c.id); });
      strip.appendChild(item);
    });
    swap(document.getElementById("todo-cards"), strip);
    document.getElementById("todo-strip").hidden = todo.length === 0;
    document.getElementById("updated").textContent = board.at ? fill(T.updated, {t: hhmm(board.at)}) : "";
    var ratio = board.ratio || {};
    document.querySelector(".tablet-ratio").dataset.state = ratio.state;
    document.getElementById("ratio-label").textContent = ratio.state === "breach" && ratio.under_staffed
      ? T.ratio.breach_needed.replace("{n}", ratio.caregivers_needed) : T.ratio[ratio.state] || ratio.state;
    var out = board.outdoor || {};
    var outdoor = document.getElementById("outdoor-today");
    outdoor.textContent = out.required ? fill(T.outdoor_today, {m: out.minutes, r: out.required}) : fill(T.outdoor_today_free, {m: out.minutes || 0});
    outdoor.className = out.required && !out.met ? "state-warn" : "state-ok";
    if (openChild !== null) renderDialogState();
  }

  function swap(holder, fresh) {
    if (fresh.innerHTML === holder.innerHTML) return;
    holder.textContent = "";
    while (fresh.firstChild) holder.appendChild(fresh.firstChild);
  }

  function announce(c, nap) {
    var key = c.id + ":" + c.next_check_due + ":" + nap.state;
    if (announced[key]) return;
    announced[key] = true;
    document.getElementById("announce").textContent = nap.state === "overdue"
      ? fill(T.announce_overdue, {name: c.name, m: nap.late}) : fill(T.announce_due, {name: c.name});
    // The browser lets a page vibrate only after a tap on it (a call before is refused with a console error).
    if (navigator.vibrate && (!navigator.userActivation || navigator.userActivation.hasBeenActive)) navigator.vibrate(200);
  }

  // --- the board, polled ------------------------------------------------------------------------------------
  var leaving = false;  // logging out: no more polls (they would only meet a 401)
  function refresh() {
    if (leaving) return Promise.resolve();
    return fetch(config.board_url, {credentials: "same-origin", redirect: "manual", headers: {"Accept": "application/json"}})
      .then(function (r) {
        if (r.status === 401 || r.type === "opaqueredirect") { setSession(false); throw new Error("login"); }
        if (!r.ok) throw new Error("board " + r.status);
        return r.json();
      })
      .then(function (data) {
        board = data; haveBoard = true;
        keepBoard(data);
        setSession(true);
        document.getElementById("offline-note").hidden = navigator.onLine;  // an answer may land just as it drops
        renderCards();
      }, function () { document.getElementById("offline-note").hidden = navigator.onLine || sessionOver; });
  }

  // --- the child's dialog: actions, then a short form where one is needed -----------------------------------
  var dialog = document.getElementById("child-dialog");
  function current() {
    var raw = board.children.filter(function (c) { return c.id === openChild; })[0];
    return raw ? withPending(raw) : null;
  }
  function openDialog(childId) {
    openChild = childId;
    document.getElementById("dialog-result").textContent = "";
    hideForm();
    notesSeen = [];
    renderDialogState();
    loadNotes(childId);
    if (!dialog.open) dialog.showModal();
  }

  // Today's notes of the child (the server's, shared and internal, then those still waiting on this tablet).
  var notesSeen = [];
  function loadNotes(childId) {
    var u = readUrl("notes", childId);
    renderNotes();
    if (!u || !navigator.onLine) return;  // offline: those waiting on the tablet still show
    fetch(u, {credentials: "same-origin", redirect: "manual", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) throw new Error("notes " + r.status); return r.json(); })
      .then(function (data) {
        if (openChild !== childId) return;
        notesSeen = data.items || [];
        renderNotes();
      }, function () { /* offline: the notes waiting on the tablet still show */ });
  }
  function noteLine(n, waiting) {
    var domain = (config.domains || []).filter(function (d) { return d[0] === n.domain; })[0];
    var kind = n.kind === "observation" ? (domain ? domain[1] : n.domain) : T.note_note;
    return el("li", {"data-note": n.id || "", "data-shared": n.shared_with_family ? "yes" : "no"}, [
      el("strong", {text: hhmm(n.at) + " " + kind + " "}), el("span", {text: n.text}),
      n.shared_with_family ? null : el("small", {className: "state-warn", text: " · " + T.note_internal}),
      waiting ? el("small", {className: "state-warn", text: " · " + T.waiting}) : null]);
  }
  function renderNotes() {
    var holder = document.getElementById("dialog-notes");
    if (!holder || openChild === null) return;
    var list = el("ul", {className: "note-list"});
    notesSeen.forEach(function (n) { list.appendChild(noteLine(n, false)); });
    outbox.entries().forEach(function (e) {
      if (e.action === "note" && e.child === openChild) list.appendChild(noteLine(Object.assign({at: e.at}, e.body), true));
    });
    holder.textContent = "";
    holder.appendChild(el("h3", {text: T.notes_today}));
    holder.appendChild(list.children.length ? list : el("p", {className: "med-hint", text: T.no_notes}));
  }
  function closeDialog() { openChild = null; dialog.close(); }
  function hideForm() {
    var form = document.getElementById("dialog-form");
    form.hidden = true; form.textContent = "";
    document.getElementById("dialog-actions").hidden = false;
  }
  // "Recorded" only once the server has it (outbox.onDelivered); until then the entry is saved on the tablet.
  function done(entry) {
    lastKey = entry.key;
    document.getElementById("dialog-result").textContent = navigator.onLine ? T.saved_uploading : T.queued;
    hideForm();
    renderDialogState();
  }
  function base() { return {at: new Date(serverNow()).toISOString()}; }

  // A tap disables the button for a moment: a double tap records once.
  var TAP_PAUSE_MS = 1500;
  function actionButton(text, handler, className) {
    var b = el("button", {type: "button", className: "action " + (className || ""), text: text});
    b.addEventListener("click", function () {
      if (b.disabled) return;
      b.disabled = true;
      setTimeout(function () { b.disabled = false; }, TAP_PAUSE_MS);
      var c = current();
      if (c) handler(c);
    });
    return b;
  }
  function actionLink(text, href) { return el("a", {role: "button", className: "action outline", href: href, text: text}); }

  function renderDialogState() {
    var c = current();
    if (!c) { closeDialog(); return; }
    document.getElementById("dialog-name").textContent = c.name;
    swap(document.getElementById("dialog-badges"), el("div", {}, badges(c)));
    var nap = napState(c, serverNow());
    document.getElementById("dialog-state").textContent = c.asleep_since
      ? fill(T.asleep_since, {t: hhmm(c.asleep_since)}) + (nap.text ? " · " + nap.text : "") : "";
    var holder = document.getElementById("dialog-actions");
    var buttons = [];
    if (config.may_write && config.actions.nap_start) {
      if (c.asleep_since) {
        buttons.push(actionButton(T.nap_check, napCheckForm, nap.state === "overdue" || nap.state === "due" ? "urgent" : ""));
        buttons.push(actionButton(T.quick_check, quickCheck, "quick-check"));
        buttons.push(actionButton(T.nap_end, napEnd, "secondary"));
      } else {
        buttons.push(actionButton(T.nap_start, function (c) { done(queue("nap_start", c, base(), T.nap_start, {url: url("nap_start", c.id)})); }));
      }
    }
    if (config.may_write && config.actions.entry) {
      buttons.push(actionButton(T.meal, function (c) { mealForm(c, "meal"); }));
      buttons.push(actionButton(T.bottle, function (c) { mealForm(c, "bottle"); }));
      buttons.push(actionButton(T.water, function (c) { done(queue("entry", c, Object.assign(base(), {kind: "water"}), T.water, {url: url("entry", c.id)})); }));
      buttons.push(actionButton(T.diaper, function (c) { diaperForm(c, "diaper"); }));
      buttons.push(actionButton(T.toilet, function (c) { diaperForm(c, "toilet"); }));
    }
    if (config.may_check && config.pages.check_form) {
      var form = page("check_form", c.id);
      if (c.morning_check === "missing" || c.morning_check === "screened" || c.morning_check === "screened_abnormal") {
        buttons.push(actionLink(T.morning_check, form + (form.indexOf("?") < 0 ? "?" : "&") + "kind=morning"));
      }
      buttons.push(actionLink(T.observation, form + (form.indexOf("?") < 0 ? "?" : "&") + "kind=noon"));
    }
    var consents = {};  // one button per consent: its form shows the times of the day
    (c.doses_due || []).forEach(function (d) {
      if (!d.given && config.may_write && config.pages.dose_form && !consents[d.consent_id]) {
        consents[d.consent_id] = true;
        buttons.push(actionLink(T.give_dose + " · " + d.drug, page("dose_form", d.consent_id)));
      }
    });
    if (config.may_write && config.actions.note) buttons.push(actionButton(T.note_button, noteForm, "note-button"));
    if (config.may_write && config.pages.request_form) buttons.push(actionLink(T.consent, page("request_form", c.id)));
    // Rebuilt only when the buttons differ (the poll redraws every few seconds; a finger may be on one).
    var shape = buttons.map(function (b) { return b.outerHTML; }).join("");
    if (holder.dataset.shape === shape + c.id) return;
    holder.dataset.shape = shape + c.id;
    holder.textContent = "";
    buttons.forEach(function (b) { holder.appendChild(b); });
  }

  // The usual patrol check in one tap: on the back, breathing and colour normal (anything else: the form).
  function quickCheck(c) {
    var body = Object.assign(base(), {position: "back", breathing_ok: true, colour_ok: true, action: ""});
    if (c.nap_id) done(queue("nap_check", c, body, T.nap_check, {url: url("nap_check", c.nap_id)}));
    else if (c.nap_key) done(queue("nap_check", c, body, T.nap_check, {url: url("nap_check", "{id}"), after: c.nap_key}));
  }

  var MILK = "milk";  // the allergen catalogue's code of 乳及乳制品 (compliance/health/allergens.yaml)
  function napEnd(c) {
    var body = base();
    if (c.nap_id) done(queue("nap_end", c, body, T.nap_end, {url: url("nap_end", c.nap_id)}));
    else if (c.nap_key) done(queue("nap_end", c, body, T.nap_end, {url: url("nap_end", "{id}"), after: c.nap_key}));
  }

  function showForm(build) {
    var form = document.getElementById("dialog-form");
    form.textContent = "";
    document.getElementById("dialog-actions").hidden = true;
    build(form);
    var cancel = el("button", {type: "button", className: "secondary", text: T.cancel});
    cancel.addEventListener("click", hideForm);
    form.appendChild(el("div", {className: "form-buttons"}, [cancel, el("button", {type: "submit", className: "action", text: T.save})]));
    form.hidden = false;
  }

  function choices(name, legend, options, required) {
    var set = el("fieldset", {className: "choices", "data-field": name}, [el("legend", {text: legend})]);
    options.forEach(function (o) {
      var input = el("input", {type: "radio", name: name, value: o[0]});
      if (required) input.required = true;
      set.appendChild(el("label", {className: "choice"}, [input, el("span", {text: o[1]})]));
    });
    return set;
  }
  function picked(form, name) { var i = form.querySelector('input[name="' + name + '"]:checked'); return i ? i.value : null; }
  function problem(form, text) {
    var p = form.querySelector(".form-problem") || form.insertBefore(el("p", {className: "form-problem state-bad", role: "alert"}), form.firstChild);
    p.textContent = text;
  }
  function entries(set) { return T.labels[set] || []; }

  function napCheckForm(c) {
    showForm(function (form) {
      var ok = [["1", T.normal], ["0", T.not_normal]];
      form.appendChild(choices("position", T.position, entries("position"), true));
      form.appendChild(choices("breathing", T.breathing, ok, true));
      form.appendChild(choices("colour", T.colour, ok, true));
      var action = el("textarea", {name: "action", rows: "2", maxlength: "500"});
      var help = el("small", {className: "action-help state-bad", text: T.action_required});
      help.hidden = true;
      form.appendChild(el("label", {className: "action-label"}, [el("span", {text: T.action}), action, help]));
      function needsAction() { return picked(form, "position") === "stomach" || picked(form, "breathing") === "0" || picked(form, "colour") === "0"; }
      form.addEventListener("change", function () { help.hidden = !needsAction(); action.required = needsAction(); });
      form.onsubmit = function (ev) {
        ev.preventDefault();
        if (!picked(form, "position") || !picked(form, "breathing") || !picked(form, "colour")) { problem(form, T.position + " · " + T.breathing + " · " + T.colour); return; }
        if (needsAction() && !action.value.trim()) { problem(form, T.action_required); action.focus(); return; }
        var body = Object.assign(base(), {position: picked(form, "position"), breathing_ok: picked(form, "breathing") === "1",
                                          colour_ok: picked(form, "colour") === "1", action: action.value.trim()});
        if (c.nap_id) done(queue("nap_check", c, body, T.nap_check, {url: url("nap_check", c.nap_id)}));
        else done(queue("nap_check", c, body, T.nap_check, {url: url("nap_check", "{id}"), after: c.nap_key}));
      };
    });
  }

  function allergenPicker(form, preset) {
    if (!config.allergens.length) return;
    var set = el("fieldset", {className: "choices allergens", "data-field": "allergens"}, [el("legend", {text: T.allergens})]);
    config.allergens.forEach(function (a) {
      var box = el("input", {type: "checkbox", name: "allergen", value: a.code});
      box.checked = preset.indexOf(a.code) >= 0;
      set.appendChild(el("label", {className: "choice"}, [box, el("span", {text: lang.indexOf("zh") === 0 ? a.label_zh : a.label_en})]));
    });
    form.appendChild(set);
  }
  function pickedAll(form, name) {
    return Array.prototype.map.call(form.querySelectorAll('input[name="' + name + '"]:checked'), function (i) { return i.value; });
  }

  function mealForm(c, kind) {
    showForm(function (form) {
      if (kind === "meal") form.appendChild(choices("share", T.share, entries("share"), true));
      else {
        form.appendChild(choices("ml", T.ml, [["90", "90"], ["120", "120"], ["150", "150"], ["180", "180"]], false));
        form.appendChild(el("label", {}, [el("span", {text: T.ml_other}), el("input", {type: "number", name: "ml_other", min: "1", max: "500", inputmode: "numeric"})]));
      }
      // A bottle is milk (formula or breast milk): the milk group is ticked, so a milk allergy always warns.
      allergenPicker(form, kind === "bottle" ? [MILK] : []);
      var warning = el("div", {className: "allergy-warning", role: "alert"});
      warning.hidden = true;
      form.appendChild(warning);
      var confirmed = false;
      form.addEventListener("change", function () { confirmed = false; warning.hidden = true; });
      form.onsubmit = function (ev) {
        ev.preventDefault();
        var body = Object.assign(base(), {kind: kind, allergen_codes: pickedAll(form, "allergen")});
        if (kind === "meal") {
          body.share_eaten = picked(form, "share");
          if (!body.share_eaten) { problem(form, T.share); return; }
        } else {
          var other = form.querySelector('input[name="ml_other"]').value;
          body.ml = parseInt(other || picked(form, "ml") || "0", 10);
          if (!(body.ml > 0)) { problem(form, T.ml); return; }
        }
        var hits = (c.allergies || []).filter(function (a) { return body.allergen_codes.indexOf(a.code) >= 0; });
        if (hits.length && !confirmed) {
          warning.textContent = "";
          warning.appendChild(el("strong", {text: T.allergy_warning}));
          warning.appendChild(el("p", {text: fill(T.allergic_to, {name: c.name, list: hits.map(function (a) {
            return lang.indexOf("zh") === 0 ? a.label_zh : a.label_en; }).join("、")})}));
          warning.hidden = false;
          form.querySelector('button[type="submit"]').textContent = T.confirm_allergy;
          confirmed = true;
          return;
        }
        if (hits.length) body.acknowledge_allergy = true;
        done(queue("entry", c, body, kind === "meal" ? T.meal : T.bottle, {url: url("entry", c.id)}));
      };
    });
  }

  function diaperForm(c, kind) {
    showForm(function (form) {
      form.appendChild(choices("diaper", T.kind, entries("diaper"), true));
      var abnormal = el("input", {type: "checkbox", name: "abnormal"});
      var note = el("textarea", {name: "note", rows: "2", maxlength: "500"});
      form.appendChild(el("label", {className: "choice wide"}, [abnormal, el("span", {text: T.abnormal})]));
      var noteLabel = el("label", {}, [el("span", {text: T.abnormal_note}), note]);
      noteLabel.hidden = true;
      form.appendChild(noteLabel);
      abnormal.addEventListener("change", function () { noteLabel.hidden = !abnormal.checked; });
      form.onsubmit = function (ev) {
        ev.preventDefault();
        var diaperKind = picked(form, "diaper");
        if (!diaperKind) { problem(form, T.kind); return; }
        if (abnormal.checked && !note.value.trim()) { problem(form, T.abnormal_note); note.focus(); return; }
        var body = Object.assign(base(), {kind: kind, diaper_kind: diaperKind, abnormal: abnormal.checked});
        if (abnormal.checked) body.abnormal_note = note.value.trim();
        done(queue("entry", c, body, kind === "diaper" ? T.diaper : T.toilet, {url: url("entry", c.id)}));
      };
    });
  }

  // A note about the day or a development observation: shared with the family unless marked internal.
  function noteForm(c) {
    showForm(function (form) {
      form.appendChild(choices("note_kind", T.note_kind, [["note", T.note_note], ["observation", T.note_observation]], true));
      form.querySelector('input[name="note_kind"][value="note"]').checked = true;
      var domains = choices("domain", T.note_domain, config.domains || [], false);
      domains.hidden = true;
      form.appendChild(domains);
      var body = el("textarea", {name: "body", rows: "3", maxlength: "1000", required: "required"});
      form.appendChild(el("label", {className: "note-body"}, [el("span", {text: T.note_body}), body]));
      var shared = el("input", {type: "checkbox", name: "shared"});
      shared.checked = true;
      form.appendChild(el("label", {className: "choice wide"}, [shared, el("span", {text: T.note_shared})]));
      form.addEventListener("change", function () { domains.hidden = picked(form, "note_kind") !== "observation"; });
      form.onsubmit = function (ev) {
        ev.preventDefault();
        var kind = picked(form, "note_kind") || "note", text = body.value.trim();
        if (kind === "observation" && !picked(form, "domain")) { problem(form, T.note_domain); return; }
        if (!text) { problem(form, T.note_body); body.focus(); return; }
        var entry = Object.assign(base(), {kind: kind, text: text, shared_with_family: shared.checked});
        if (kind === "observation") entry.domain = picked(form, "domain");
        done(queue("note", c, entry, kind === "observation" ? T.note_observation : T.note_button, {url: url("note", c.id)}));
        renderNotes();
      };
    });
  }

  // --- the room's outdoor time -------------------------------------------------------------------------------
  var outdoorButton = document.getElementById("outdoor-button");
  if (config.may_write && config.actions.outdoor) {
    outdoorButton.hidden = false;
    var running = localStorage.getItem("tuoyu-tablet-outdoor:" + config.room);
    var setOutdoor = function () { outdoorButton.textContent = running ? T.outdoor_end : T.outdoor_start; outdoorButton.dataset.running = running ? "1" : "0"; };
    setOutdoor();
    outdoorButton.addEventListener("click", function () {
      var body = base();
      if (!running) { running = body.at; localStorage.setItem("tuoyu-tablet-outdoor:" + config.room, running); }
      else {
        var minutes = Math.max(1, Math.round((Date.parse(body.at) - Date.parse(running)) / 60000));
        queue("outdoor", null, {minutes: minutes, started_at: running}, fill(T.outdoor_pending, {m: minutes}), {url: url("outdoor")});
        running = null; localStorage.removeItem("tuoyu-tablet-outdoor:" + config.room);
      }
      setOutdoor();
    });
  }

  document.getElementById("dialog-close").addEventListener("click", closeDialog);
  document.getElementById("refresh-button").addEventListener("click", function () { refresh(); outbox.flush(); });
  document.getElementById("pending-button").addEventListener("click", function () {
    var list = document.getElementById("pending-list");
    list.hidden = !list.hidden;
    this.setAttribute("aria-expanded", String(!list.hidden));
  });
  window.addEventListener("online", function () { outbox.flush(); refresh(); });
  window.addEventListener("offline", function () { document.getElementById("offline-note").hidden = false; });
  var timers = [setInterval(function () { outbox.flush(); }, 15000),
                setInterval(refresh, Math.max(5, config.poll_s) * 1000),
                setInterval(renderCards, 5000)];  // the nap countdowns
  renderPending();
  renderCards();
  renderOthers();
  document.getElementById("offline-note").hidden = navigator.onLine;  // e.g. this page came from the tablet's copy
  refresh();
  outbox.flush();

  // Another user's entries still waiting on this tablet: counted and named by user, never by child.
  function renderOthers() {
    var notes = [];
    for (var i = 0; i < localStorage.length; i++) {
      var key = localStorage.key(i);
      if (key.indexOf("tuoyu-tablet-outbox:") !== 0 || key === outbox.storeKey) continue;
      try {
        var kept = JSON.parse(localStorage.getItem(key));
        if (kept && kept.entries && kept.entries.length) notes.push(fill(T.others_pending, {name: kept.owner || "?", n: kept.entries.length}));
      } catch (e) { /* not ours to judge */ }
    }
    var holder = document.getElementById("others-pending");
    holder.textContent = notes.join(" · ");
    holder.hidden = notes.length === 0;
  }

  // Another tab of this tablet changed the outbox: show its state (both keep the same store).
  window.addEventListener("storage", function (e) {
    if (e.key && e.key.indexOf("tuoyu-tablet-outbox:") === 0) renderOthers();
    if (e.key !== outbox.storeKey) return;
    outbox.state = outbox.load();
    renderPending(); renderCards();
  });

  // Logging out: what waits is sent first; what still cannot go is said before leaving (it stays on the tablet,
  // under this user). No copy of the room screen nor of its board stays behind (the server's logout answer also
  // clears the browser's cache: Clear-Site-Data).
  var logout = document.querySelector('header form[action$="/logout"]');
  if (logout) {
    logout.addEventListener("submit", function (ev) {
      ev.preventDefault();
      outbox.flush().then(function () {
        var left = outbox.count();
        if (left && !window.confirm(fill(T.logout_confirm, {n: left}))) return;
        leaving = true;
        timers.forEach(clearInterval);
        clearTimeout(refreshSoon);
        for (var i = localStorage.length - 1; i >= 0; i--) {
          var key = localStorage.key(i);
          if (key && key.indexOf("tuoyu-tablet-board:") === 0) localStorage.removeItem(key);
        }
        return (window.caches ? caches.keys().then(function (names) {
          return Promise.all(names.filter(function (n) { return n.indexOf("tuoyu-tablet-") === 0; })
            .map(function (n) { return caches.delete(n); }));
        }) : Promise.resolve()).catch(function () { return null; }).then(function () { logout.submit(); });
      });
    });
  }

  // The page itself opens offline too (a reload with the Wi-Fi gone): a service worker keeps the shell.
  // Plain-HTTP LAN pages have no service workers; the outbox works there all the same.
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register(config.sw_url, {scope: "/"}).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      var channel = new MessageChannel();
      channel.port1.onmessage = function (e) { if (e.data && e.data.kept) document.documentElement.dataset.offlineReady = "1"; };
      registration.active.postMessage({type: "keep-page", url: location.href}, [channel.port2]);
    }).catch(function () { /* the screen still works online */ });
  }
})();
