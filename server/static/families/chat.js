// The chat: open at the newest message (at the bottom), and say which files are chosen before sending.
(function () {
  "use strict";
  function ready() {
    var latest = document.getElementById("latest");
    if (latest && latest.scrollIntoView) { latest.scrollIntoView({block: "end"}); }
    var input = document.getElementById("file");
    var chosen = document.getElementById("chosen");
    if (input && chosen) {
      input.addEventListener("change", function () {
        var names = [];
        for (var i = 0; i < input.files.length; i++) { names.push(input.files[i].name); }
        chosen.textContent = names.join(", ");
      });
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); } else { ready(); }
})();
