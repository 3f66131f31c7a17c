// Times in the reader's own time zone. The server writes UTC in <time datetime> and the relative
// words ("closes in 3 hours"); without JavaScript both stay as written and are still right.
(function () {
  "use strict";
  var UNITS = [["day", 86400, 2], ["hour", 3600, 1], ["minute", 60, 1]];
  function span(seconds) {
    for (var i = 0; i < UNITS.length; i++) {
      var unit = UNITS[i];
      if (seconds >= unit[1] * unit[2]) {
        var n = Math.floor(seconds / unit[1]);
        return n + " " + unit[0] + (n === 1 ? "" : "s");
      }
    }
    return "less than a minute";
  }
  function localise() {
    var times = document.querySelectorAll("time[data-local]");
    for (var i = 0; i < times.length; i++) {
      var when = new Date(times[i].getAttribute("datetime"));
      if (isNaN(when.getTime())) { continue; }
      times[i].textContent = when.toLocaleString(undefined, {
        year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
        timeZoneName: "short"
      });
      times[i].title = times[i].getAttribute("datetime").replace("T", " ").replace(":00Z", " UTC");
    }
    var spans = document.querySelectorAll("[data-relative]");
    for (var j = 0; j < spans.length; j++) {
      var at = new Date(spans[j].getAttribute("data-relative")).getTime();
      var seconds = Math.floor((at - Date.now()) / 1000);
      spans[j].textContent = "(" + (seconds > 0 ? "closes in " + span(seconds)
        : "closed " + span(-seconds) + " ago") + ")";
    }
  }
  localise();
  window.setInterval(localise, 60000);
}());
