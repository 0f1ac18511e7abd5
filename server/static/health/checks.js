// The 晨检 form's temperature: − / + by 0.1 and preset buttons, so the 保健员 rarely types; red from the fever figure.
(function () {
  "use strict";
  const input = document.getElementById("temperature");
  if (!input) { return; }
  const fever = parseFloat(input.dataset.fever || "");
  function mark() {
    const value = parseFloat((input.value || "").replace(",", "."));
    input.classList.toggle("fever", !isNaN(fever) && !isNaN(value) && value >= fever);
  }
  function set(value) {
    input.value = value.toFixed(1);
    mark();
  }
  document.querySelectorAll("[data-step]").forEach(function (button) {
    button.addEventListener("click", function () {
      const current = parseFloat((input.value || "").replace(",", "."));
      set((isNaN(current) ? 36.5 : current) + parseFloat(button.dataset.step));
    });
  });
  document.querySelectorAll("[data-preset]").forEach(function (button) {
    button.addEventListener("click", function () { set(parseFloat(button.dataset.preset)); });
  });
  input.addEventListener("input", mark);
  mark();
}());
