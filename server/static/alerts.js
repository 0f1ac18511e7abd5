// Live alerts on every page: the server pushes an "alerts" event (count and ids of the open alerts) whenever
// one opens, is acknowledged or resolves. This keeps the top bar's badge (#alert-badge, placed by the shell)
// right, and asks an alert list on the page (#alerts-panel, htmx) to re-render itself. Without either, it does
// nothing. A refused alert action (e.g. 409 still_in_breach) shows the server's message beside its buttons.
(function () {
  if (window.tuoyuAlerts) return;  // loaded once per page, even if two templates include it
  window.tuoyuAlerts = true;

  document.body.addEventListener("htmx:afterRequest", function (e) {
    var button = e.detail.elt;
    if (e.detail.successful || !button.dataset || !button.dataset.afterRequest) return;
    var article = button.closest("article");
    var box = article && article.querySelector("[data-alert-error]");
    if (!box) return;
    var message = "";
    try { message = JSON.parse(e.detail.xhr.responseText).error.message; } catch (err) { message = e.detail.xhr.statusText; }
    box.textContent = message;
    box.hidden = false;
  });

  var badge = document.getElementById("alert-badge");
  var panel = document.getElementById("alerts-panel");
  if ((!badge && !panel) || !window.EventSource) return;
  var url = (badge && badge.dataset.stream) || (panel && panel.dataset.stream) || "/alerts/stream";
  var lastIds = null;
  var source = new EventSource(url);
  source.addEventListener("alerts", function (e) {
    var data = JSON.parse(e.data);
    if (badge) {
      badge.textContent = data.count;
      badge.dataset.count = data.count;
      badge.dataset.state = data.urgent ? "bad" : (data.count ? "warn" : "ok");
      badge.hidden = data.count === 0;
    }
    var ids = data.ids.join(",") + "/" + data.acknowledged.join(",");
    if (lastIds !== null && ids !== lastIds) document.body.dispatchEvent(new CustomEvent("alerts-changed"));
    lastIds = ids;
  });
})();
