// Every staff screen: poll the caller's open emergencies (panic button, smoke) and show them in red
// over the page until someone resolves them. Polling (every 3 s) works through any proxy and worker.
(function () {
  var banner = document.getElementById("emergency-banner");
  if (!banner) return;
  var token = document.querySelector('meta[name="csrf-token"]');
  function render(items) {
    banner.hidden = items.length === 0;
    document.body.classList.toggle("has-emergency", items.length > 0);
    banner.innerHTML = "";
    items.forEach(function (item) {
      var row = document.createElement("div");
      row.className = "emergency-item";
      row.dataset.alert = item.id;
      var text = document.createElement("strong");
      // The page's language picks the alert's words; the banner's own words come from the layout's catalogue.
      var message = document.documentElement.lang.indexOf("zh") === 0 ? item.message_zh : item.message_en;
      text.textContent = banner.dataset.title + " · " + item.centre + " · " + message;
      row.appendChild(text);
      // The live emergency page of the alert's centre: its roll call, timeline and close-out.
      var live = document.createElement("a");
      live.href = "/emergencies/by-alert/" + item.id;
      live.className = "emergency-live";
      live.textContent = banner.dataset.live;
      row.appendChild(live);
      if (!item.acknowledged_at) {
        var ack = document.createElement("button");
        ack.textContent = banner.dataset.acknowledge;
        ack.addEventListener("click", function () {
          fetch("/api/v1/alerts/" + item.id + "/acknowledge", {method: "POST", credentials: "same-origin",
            headers: {"X-CSRFToken": token ? token.content : ""}}).then(poll);
        });
        row.appendChild(ack);
      }
      banner.appendChild(row);
    });
  }
  function poll() {
    fetch(banner.dataset.url, {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : {items: []}; })
      .then(function (body) { render(body.items); })
      .catch(function () { /* offline for a moment: keep what is shown */ });
  }
  poll();
  setInterval(poll, 3000);
})();
