// Times in the reader's own time zone. The server writes UTC in <time datetime> and the relative
// words ("closes in 3 hours"); without JavaScript both stay as written and are still right.
// The words follow the page's language: the phrases come from the span's data- attributes
// (data-future="closes in {span}"), the units from the browser's Intl for <html lang>.
(function () {
  "use strict";
  var LANG = document.documentElement.lang || "en";
  var UNITS = [["day", 86400, 2], ["hour", 3600, 1], ["minute", 60, 1]];
  var ENGLISH = { day: ["day", "days"], hour: ["hour", "hours"], minute: ["minute", "minutes"] };
  function unit(n, name) {
    try {
      return new Intl.NumberFormat(LANG, { style: "unit", unit: name, unitDisplay: "long" }).format(n);
    } catch (e) {
      return n + " " + ENGLISH[name][n === 1 ? 0 : 1];
    }
  }
  function span(seconds, lessThanAMinute) {
    for (var i = 0; i < UNITS.length; i++) {
      var u = UNITS[i];
      if (seconds >= u[1] * u[2]) { return unit(Math.floor(seconds / u[1]), u[0]); }
    }
    return lessThanAMinute;
  }
  function stamp(when) {
    var options = { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
                    timeZoneName: "short" };
    try { return when.toLocaleString(LANG, options); } catch (e) { return when.toLocaleString(undefined, options); }
  }
  function localise() {
    var times = document.querySelectorAll("time[data-local]");
    for (var i = 0; i < times.length; i++) {
      var when = new Date(times[i].getAttribute("datetime"));
      if (isNaN(when.getTime())) { continue; }
      times[i].textContent = stamp(when);
      times[i].title = times[i].getAttribute("datetime").replace("T", " ").replace(":00Z", " UTC");
    }
    var spans = document.querySelectorAll("[data-relative]");
    for (var j = 0; j < spans.length; j++) {
      var s = spans[j];
      var at = new Date(s.getAttribute("data-relative")).getTime();
      var seconds = Math.floor((at - Date.now()) / 1000);
      var minute = s.getAttribute("data-minute") || "less than a minute";
      var phrase = seconds > 0 ? (s.getAttribute("data-future") || "closes in {span}")
        : (s.getAttribute("data-past") || "closed {span} ago");
      s.textContent = "(" + phrase.replace("{span}", span(Math.abs(seconds), minute)) + ")";
    }
  }
  localise();
  window.setInterval(localise, 60000);
}());
