// Budget round: while a member types their allocation, say how much of the allowance is left.
// Without JavaScript the page says it as of the last save; the server checks every amount.
(function () {
  "use strict";
  var form = document.querySelector("form[data-allocation]");
  var left = document.querySelector("[data-left]");
  if (!form || !left) { return; }
  var allowance = parseInt(form.getAttribute("data-allowance"), 10);
  var exponent = parseInt(form.getAttribute("data-exponent"), 10);
  // Nothing, written the page's way ("EUR 0.00", "0,00 EUR"): amounts take its place and its
  // decimal mark; the whole part is grouped the way the page's language groups it.
  var zero = form.getAttribute("data-zero") || "0";
  var place = /0(?:([.,])0+)?/.exec(zero) || {index: 0, 0: zero, 1: "."};
  var mark = place[1] || ".";
  var grouping = window.Intl ? new Intl.NumberFormat(document.documentElement.lang || undefined,
    {maximumFractionDigits: 0}) : null;
  var scale = Math.pow(10, exponent);
  function minor(text) {
    // Digits with at most one separator and the currency's decimals, as the server reads them.
    var match = /^\s*([0-9]+)(?:[.,]([0-9]*))?\s*$/.exec(text);
    if (!match) { return text.trim() === "" ? 0 : NaN; }
    var part = (match[2] || "").slice(0, exponent);
    while (part.length < exponent) { part += "0"; }
    return parseInt(match[1], 10) * scale + (part ? parseInt(part, 10) : 0);
  }
  function money(amount) {
    var sign = amount < 0 ? "-" : "";
    var whole = Math.floor(Math.abs(amount) / scale);
    var rest = String(Math.abs(amount) % scale);
    while (rest.length < exponent) { rest = "0" + rest; }
    var digits = sign + (grouping ? grouping.format(whole) : String(whole)) + (exponent ? mark + rest : "");
    return zero.slice(0, place.index) + digits + zero.slice(place.index + place[0].length);
  }
  function update() {
    var total = 0;
    form.querySelectorAll("input[type=number]").forEach(function (input) {
      var value = minor(input.value);
      if (!isNaN(value)) { total += value; }
    });
    left.textContent = money(allowance - total);
    left.className = allowance - total < 0 ? "bad" : "";
  }
  form.addEventListener("input", update);
  // A number field the browser cannot read is sent empty, which would mean 0: say so instead.
  form.addEventListener("submit", function (event) {
    var bad = Array.prototype.filter.call(form.querySelectorAll("input[type=number]"),
      function (input) { return input.validity && input.validity.badInput; });
    var note = document.getElementById("allocation-unreadable");
    bad.forEach(function (input) { input.setAttribute("aria-invalid", "true"); });
    if (note) { note.hidden = !bad.length; }
    if (bad.length) {
      event.preventDefault();
      bad[0].focus();
    }
  });
  update();
}());
