// The dashboard's live parts: alert buttons (htmx), presence and ratios pushed by the server (EventSource).
// Data comes from the page: stream URLs in data-* attributes, the ratio words in a JSON block.
(function () {
  // Alert buttons: after a successful htmx post, acknowledge disables itself, resolve removes its alert.
  document.body.addEventListener("htmx:afterRequest", function (e) {
    var button = e.detail.elt;
    if (!e.detail.successful || !button.dataset) return;
    if (button.dataset.afterRequest === "disable") button.disabled = true;
    if (button.dataset.afterRequest === "remove-article") button.closest("article").remove();
  });

  var section = document.getElementById("presence");
  if (!section || !window.EventSource) return;

  // Live ratios: the server pushes a "ratios" event on every change of a room's counts or state.
  if (section.dataset.ratiosStream) {
    // The same words the server renders, in the page's language (rooms.views.ratio_labels).
    var labels = JSON.parse(document.getElementById("ratio-labels").textContent);
    var ratios = new EventSource(section.dataset.ratiosStream);
    ratios.addEventListener("ratios", function (e) {
      var data = JSON.parse(e.data);
      data.rooms.forEach(function (room) {
        var card = document.querySelector('[data-room-card="' + room.room_id + '"]');
        if (!card) return;
        card.dataset.state = room.state;
        var label = card.querySelector("[data-room-label]");
        if (label) label.textContent = room.state === "breach" && room.under_staffed
          ? labels.breach_needed.replace("{n}", room.caregivers_needed) : labels[room.state];
        var c = card.querySelector("[data-room-present]"), s = card.querySelector("[data-room-staff]");
        if (c) c.textContent = room.children;
        if (s) s.textContent = room.caregivers;
      });
    });
  }

  // Live presence: the server pushes a "presence" event on every check-in or check-out.
  var presence = new EventSource(section.dataset.stream);
  presence.addEventListener("presence", function (e) {
    var data = JSON.parse(e.data);
    document.getElementById("present-total").textContent = data.children_present;
    document.getElementById("staff-total").textContent = data.staff_present;
    if (document.querySelector("[data-room-card]")) return;  // room cards follow the ratios stream
    document.querySelectorAll("[data-room-present]").forEach(function (el) { el.textContent = 0; });
    document.querySelectorAll("[data-room-staff]").forEach(function (el) { el.textContent = 0; });
    data.rooms.forEach(function (room) {
      var c = document.querySelector('[data-room-present="' + room.room_id + '"]');
      var s = document.querySelector('[data-room-staff="' + room.room_id + '"]');
      if (c) c.textContent = room.children;
      if (s) s.textContent = room.staff;
    });
  });
})();
