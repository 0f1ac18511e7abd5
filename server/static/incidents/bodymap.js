// The body map on the report form: tapping a region ticks (or unticks) its checkbox, and the shape shows it.
// The checkboxes are the form's values; the shapes only mirror them. No inline script (the CSP forbids it).
(function () {
  "use strict";
  function sync(key) {
    var box = document.getElementById("region-" + key);
    var shape = document.getElementById("region-shape-" + key);
    if (!box || !shape) { return; }
    shape.classList.toggle("hurt", box.checked);
  }
  function toggle(shape) {
    var key = shape.getAttribute("data-region");
    var box = document.getElementById("region-" + key);
    if (!box) { return; }
    box.checked = !box.checked;
    sync(key);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var map = document.querySelector(".body-map-input");
    if (!map) { return; }
    map.querySelectorAll(".region").forEach(function (shape) {
      shape.addEventListener("click", function () { toggle(shape); });
      shape.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); toggle(shape); }
      });
    });
    document.querySelectorAll("#region-chips input[name=body_regions]").forEach(function (box) {
      box.addEventListener("change", function () { sync(box.value); });
    });
  });
}());
