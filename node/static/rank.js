// Progressive enhancement for a ranked ballot: drag the options (or move them with the
// buttons) into order instead of picking a select per place. The list writes the order back
// into the same selects (rank-1 .. rank-N) the form posts without JavaScript. Its words come
// from the page (data-list-label, data-hint, data-up, data-down), in the page's language.
(function () {
  "use strict";
  var box = document.querySelector("[data-ranking]");
  if (!box) { return; }
  var selects = Array.prototype.slice.call(box.querySelectorAll("select"));
  if (!selects.length) { return; }
  function say(name, fallback) { return box.getAttribute("data-" + name) || fallback; }
  var labels = {};
  var order = [];
  Array.prototype.forEach.call(selects[0].options, function (option) {
    if (option.value) { labels[option.value] = option.textContent; }
  });
  selects.forEach(function (select) {
    if (select.value && order.indexOf(select.value) < 0) { order.push(select.value); }
  });
  Object.keys(labels).forEach(function (value) {
    if (order.indexOf(value) < 0) { order.push(value); }
  });

  var list = document.createElement("ol");
  list.className = "rank-list";
  list.setAttribute("aria-label", say("list-label", "Your ranking, first choice first"));
  var hint = document.createElement("p");
  hint.className = "hint";
  hint.textContent = say("hint", "Drag the options into your order, or use the arrows.");
  var dragged = null;

  function write() {
    selects.forEach(function (select, index) { select.value = order[index] || ""; });
  }
  function move(from, to) {
    if (to < 0 || to >= order.length) { return; }
    var item = order.splice(from, 1)[0];
    order.splice(to, 0, item);
    draw();
  }
  function button(text, label, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "rank-move";
    b.textContent = text;
    b.setAttribute("aria-label", label);
    b.addEventListener("click", onClick);
    return b;
  }
  function draw() {
    list.textContent = "";
    order.forEach(function (value, index) {
      var item = document.createElement("li");
      item.draggable = true;
      item.dataset.value = value;
      var name = document.createElement("span");
      name.textContent = labels[value];
      item.appendChild(name);
      var up = say("up", "Move {option} up").replace("{option}", labels[value]);
      var down = say("down", "Move {option} down").replace("{option}", labels[value]);
      item.appendChild(button("\u2191", up, function () { move(index, index - 1); }));
      item.appendChild(button("\u2193", down, function () { move(index, index + 1); }));
      item.addEventListener("dragstart", function (event) {
        dragged = index;
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", value);
      });
      item.addEventListener("dragover", function (event) { event.preventDefault(); });
      item.addEventListener("drop", function (event) {
        event.preventDefault();
        if (dragged !== null && dragged !== index) { move(dragged, index); }
        dragged = null;
      });
      list.appendChild(item);
    });
    write();
  }
  Array.prototype.forEach.call(box.querySelectorAll(".rank-row"), function (row) { row.hidden = true; });
  box.appendChild(hint);
  box.appendChild(list);
  draw();
}());
