// The roster's forms and week links work in place (hx-boost on #roster-page). A refused assignment or
// cancellation (422, 409) comes back as the page with its reasons: swap it in like a success, so the reasons show
// in the form and the cell without a reload (htmx would otherwise drop a 4xx answer).
document.addEventListener("htmx:beforeSwap", function (event) {
  var status = event.detail.xhr.status;
  if (status === 422 || status === 409) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
