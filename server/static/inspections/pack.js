// The compliance pack: show that it is being prepared (large periods take a while).
document.getElementById("pack-form").addEventListener("submit", function () {
  var button = document.getElementById("pack-button");
  button.setAttribute("aria-busy", "true");
  document.getElementById("pack-status").hidden = false;
  setTimeout(function () { button.removeAttribute("aria-busy"); }, 15000);
});
