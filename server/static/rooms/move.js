// 我在哪个班: a caregiver moves herself between rooms; a dry run first, a ratio warning to confirm.
(function () {
  var section = document.getElementById("room-move");
  var dialog = document.getElementById("breach-warning");
  var token = document.querySelector('meta[name="csrf-token"]').content;
  var pending = null;
  function post(body) {
    return fetch(section.dataset.url, {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": token}, body: JSON.stringify(body)})
      .then(function (r) { return r.json().then(function (data) { return {ok: r.ok, data: data}; }); });
  }
  function body(button, dryRun) {
    var room = button.dataset.room ? parseInt(button.dataset.room, 10) : null;
    var current = section.dataset.current ? parseInt(section.dataset.current, 10) : null;
    return {room_id: room, reason: button.dataset.reason, from_room_id: current, dry_run: dryRun};
  }
  function commit(button) {
    post(body(button, false)).then(function (res) {
      var out = document.getElementById("move-result");
      if (!res.ok) { out.textContent = res.data.error.message; out.className = "error"; return; }
      out.className = "state-ok";
      out.textContent = section.dataset.recorded;
      window.location.reload();
    });
  }
  section.querySelectorAll("button[data-reason]").forEach(function (button) {
    button.addEventListener("click", function () {
      post(body(button, true)).then(function (res) {
        if (!res.ok) { var out = document.getElementById("move-result"); out.textContent = res.data.error.message; out.className = "error"; return; }
        if (res.data.warnings.length) {
          var list = document.getElementById("breach-list");
          list.innerHTML = "";
          res.data.warnings.forEach(function (w) {
            var li = document.createElement("li");
            li.textContent = document.documentElement.lang.indexOf("zh") === 0 ? w.message_zh : w.message_en;
            list.appendChild(li);
          });
          pending = button;
          dialog.showModal();
        } else { commit(button); }
      });
    });
  });
  document.getElementById("breach-cancel").addEventListener("click", function () { pending = null; dialog.close(); });
  document.getElementById("breach-confirm").addEventListener("click", function () { dialog.close(); if (pending) commit(pending); });
})();
