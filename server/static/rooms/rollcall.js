// Emergency roll call: tick each child and adult; ticks stay on this tablet (localStorage) so a reload
// in the yard loses nothing. The storage key (centre and day) comes from the page.
(function () {
  var list = document.querySelector(".rollcall");
  var key = list.dataset.key;
  var ticked = JSON.parse(localStorage.getItem(key) || "{}");
  var boxes = list.querySelectorAll("input[type=checkbox]");
  function render() {
    var left = 0;
    boxes.forEach(function (box) {
      box.checked = !!ticked[box.dataset.person];
      box.parentElement.classList.toggle("ticked", box.checked);
      if (!box.checked) left++;
    });
    document.getElementById("unticked").textContent = left;
  }
  boxes.forEach(function (box) {
    box.addEventListener("change", function () {
      if (box.checked) ticked[box.dataset.person] = Date.now(); else delete ticked[box.dataset.person];
      localStorage.setItem(key, JSON.stringify(ticked));
      render();
    });
  });
  document.getElementById("rollcall-reset").addEventListener("click", function () {
    ticked = {}; localStorage.removeItem(key); render();
  });
  document.getElementById("rollcall-print").addEventListener("click", function () { window.print(); });
  render();
})();
