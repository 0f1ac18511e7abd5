// The roll call every tablet shares. Ticks are stored on the server (POST to the tick URL) and every tablet polls
// the open emergency every 2 s, so a second tablet sees the first one's ticks within seconds. Without an open
// emergency only "missing" is offered for a child: it opens one. The page prints as it stands.
(function () {
  var list = document.getElementById("rollcall");
  var printButton = document.getElementById("rollcall-print");
  if (printButton) printButton.addEventListener("click", function () { window.print(); });
  if (!list) return;
  var token = document.querySelector('meta[name="csrf-token"]');
  var timeline = document.getElementById("timeline");
  var wasOpen = null;
  var lastTimeline = -1;

  function text(id, value) {
    var el = document.getElementById(id);
    if (el) el.textContent = value;
  }

  function render(state) {
    if (wasOpen === true && !state.open && timeline) { window.location.reload(); return; }
    wasOpen = state.open;
    document.getElementById("no-emergency").hidden = state.open;
    list.classList.toggle("rollcall-closed", !state.open);
    var ticks = {};
    (state.ticks || []).forEach(function (t) { ticks[t.person] = t.status; });
    list.querySelectorAll(".rollcall-person").forEach(function (row) {
      var status = ticks[row.dataset.person];
      if (status === "cleared") status = undefined;
      row.dataset.status = status || "";
      row.querySelector(".tick-state").textContent =
        status === "present" ? list.dataset.present : status === "missing" ? list.dataset.missing : "";
      if (!row.querySelector(".tick-buttons")) return;  // a reader (an inspector): the ticks, no buttons
      row.querySelector(".tick-present").disabled = !state.open;
      row.querySelector(".tick-missing").disabled = !state.open && row.dataset.kind !== "child";
      row.querySelector(".tick-clear").hidden = !status;
    });
    if (state.open) {  // without an emergency the page keeps who is checked in, as it was served
      text("expected", state.expected);
      text("unticked", state.unticked);
      text("missing", state.missing);
    }
    if (timeline && state.timeline && state.timeline.length !== lastTimeline) {
      lastTimeline = state.timeline.length;
      timeline.innerHTML = "";
      state.timeline.forEach(function (line) {
        var li = document.createElement("li");
        li.dataset.kind = line.kind;
        var at = document.createElement("time");
        at.textContent = new Date(line.at).toLocaleTimeString(document.documentElement.lang, {hour12: false});
        var what = document.createElement("strong");
        what.textContent = " " + line.label + " ";
        li.appendChild(at);
        li.appendChild(what);
        li.appendChild(document.createTextNode(line.words + (line.by ? " · " + line.by : "")));
        timeline.appendChild(li);
      });
    }
  }

  function poll() {
    fetch(list.dataset.stateUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) { if (state) render(state); })
      .catch(function () { /* offline for a moment: keep what is shown */ });
  }

  list.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-status]");
    if (!button) return;
    var row = button.closest(".rollcall-person");
    button.disabled = true;
    fetch(list.dataset.tickUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json",
                "X-CSRFToken": token ? token.content : ""},
      body: JSON.stringify({person_kind: row.dataset.kind, person_id: Number(row.dataset.id),
                            status: button.dataset.status})
    }).then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      return r.json();
    }).then(render).catch(function () {
      row.querySelector(".tick-state").textContent = list.dataset.failed;
      button.disabled = false;
    });
  });

  poll();
  setInterval(poll, 2000);
})();
