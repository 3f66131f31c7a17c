// Progressive enhancement for the create-a-pool form: suggest the web address name from the
// pool's name until the person types one of their own. The form works the same without it.
(function () {
  "use strict";
  var name = document.getElementById("name");
  var handle = document.getElementById("handle");
  if (!name || !handle) { return; }
  var edited = handle.value !== "";
  handle.addEventListener("input", function () { edited = handle.value !== ""; });
  name.addEventListener("input", function () {
    if (edited) { return; }
    handle.placeholder = name.value.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 30);
  });
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
}());
