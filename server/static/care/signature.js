// The guardian's signature pad: a finger (or pen, or mouse) draws on a canvas; on submit the drawing goes into
// the form's hidden field as a PNG data URL. A drawing sent back by the server (a form with a problem) is shown
// again, so nothing signed is lost. No inline script or style: the strict CSP allows this file only.
(function () {
  "use strict";

  function setUp(canvas) {
    var input = document.getElementById(canvas.dataset.input);
    var form = canvas.closest("form");
    var clear = document.getElementById("signature-clear");
    var state = document.getElementById("signature-state");
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var inked = false;
    var last = null;

    ctx.lineWidth = 4;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#111";

    function show(signed) {
      inked = signed;
      canvas.dataset.signed = signed ? "yes" : "no";
      if (state) state.textContent = signed ? state.dataset.signed : state.dataset.empty;
    }

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return {x: (event.clientX - box.left) * canvas.width / box.width,
              y: (event.clientY - box.top) * canvas.height / box.height};
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      drawing = true;
      last = point(event);
      ctx.beginPath();
      ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, Math.PI * 2);
      ctx.fillStyle = ctx.strokeStyle;
      ctx.fill();
      show(true);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      event.preventDefault();
      var next = point(event);
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(next.x, next.y);
      ctx.stroke();
      last = next;
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
      canvas.addEventListener(name, function () { drawing = false; });
    });

    if (clear) {
      clear.addEventListener("click", function () {
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        input.value = "";
        show(false);
      });
    }

    // A drawing the server sent back with the form (a problem elsewhere): draw it again.
    if (input.value && input.value.indexOf("data:image/png;base64,") === 0) {
      var image = new Image();
      image.addEventListener("load", function () {
        ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
        show(true);
      });
      image.src = input.value;
    }

    form.addEventListener("submit", function () {
      input.value = inked ? canvas.toDataURL("image/png") : "";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas.signature-pad").forEach(setUp);
  });
})();
