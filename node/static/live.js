// Live tally: poll the proposal's small JSON endpoint and update the numbers in place.
// Without JavaScript the page shows the same numbers as of when it was loaded. The words
// ("met", "not met") come from the page's data- attributes, in the page's language.
(function () {
  "use strict";
  var box = document.querySelector("[data-live]");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-live");
  function say(name, fallback) { return box.getAttribute("data-" + name) || fallback; }
  function text(field, value) {
    var node = box.querySelector('[data-field="' + field + '"]');
    if (node) { node.textContent = value; }
  }
  function update(t) {
    Object.keys(t.counts).forEach(function (option) {
      var node = box.querySelector('[data-count="' + option + '"]');
      if (node) { node.textContent = t.counts[option]; }
    });
    text("participation", t.participation);
    text("electorate", t.electorate);
    text("turnout_percent", t.turnout_percent);
    text("quorum_met", t.quorum_met ? say("met", "met") : say("not-yet-met", "not yet met"));
    text("threshold_met", t.threshold_met ? say("met", "met") : say("not-met", "not met"));
    var bar = box.querySelector("progress");
    if (bar) { bar.value = t.turnout_percent; bar.textContent = t.turnout_percent + "%"; }
    if (t.state === "closed") { window.location.reload(); return; }
    window.setTimeout(poll, 3000);
  }
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(update, function () { window.setTimeout(poll, 10000); });
  }
  window.setTimeout(poll, 3000);
}());
