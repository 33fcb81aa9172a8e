/* sim report: every table.sortable sorts on a click on its header (again: the other way) and filters
   on the text typed in the box above it; every <details> opens for printing. No library, no network. */
(function () {
  "use strict";
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

  function cellKey(cell) {
    if (!cell) return "";
    var v = cell.getAttribute("data-v");
    return v === null ? cell.textContent.trim() : v;
  }

  function asNumber(s) {
    if (s === "") return NaN;
    return Number(s.replace(/\u2212/g, "-").replace(/,/g, ""));
  }

  function sortBy(table, col, th) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    var keys = rows.map(function (r) { return cellKey(r.cells[col]); });
    var numeric = keys.every(function (k) { return k === "" || !isNaN(asNumber(k)); });
    var order = rows.map(function (_, i) { return i; });
    order.sort(function (a, b) {
      var x = keys[a], y = keys[b];
      if (x === "" || y === "") return x === y ? a - b : (x === "" ? 1 : -1);  // nothing sorts last
      var c = numeric ? asNumber(x) - asNumber(y) : collator.compare(x, y);
      return c !== 0 ? c * dir : a - b;
    });
    var frag = document.createDocumentFragment();
    order.forEach(function (i) { frag.appendChild(rows[i]); });
    body.appendChild(frag);
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
  }

  function filter(table, input, count) {
    var terms = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var rows = table.tBodies[0].rows, shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      if (r._text === undefined) r._text = r.textContent.toLowerCase();
      var ok = terms.every(function (t) { return r._text.indexOf(t) >= 0; });
      r.hidden = !ok;
      if (ok) shown++;
    }
    count.textContent = terms.length ? shown + " of " + rows.length + " rows" : rows.length + " rows";
  }

  function setUp(table) {
    var head = table.tHead && table.tHead.rows[0];
    if (!head || !table.tBodies.length) return;
    Array.prototype.forEach.call(head.cells, function (th, col) {
      th.tabIndex = 0;
      th.title = "Sort by " + th.textContent.trim();
      th.addEventListener("click", function () { sortBy(table, col, th); });
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(table, col, th); }
      });
    });
    var bar = document.querySelector('.tablebar[data-for="' + table.id + '"]');
    if (!bar) return;
    var input = bar.querySelector("input"), count = bar.querySelector(".count");
    input.addEventListener("input", function () { filter(table, input, count); });
    filter(table, input, count);
  }

  function printable() {
    var closed = [];
    window.addEventListener("beforeprint", function () {
      closed = Array.prototype.filter.call(document.querySelectorAll("details"), function (d) { return !d.open; });
      closed.forEach(function (d) { d.open = true; });
    });
    window.addEventListener("afterprint", function () { closed.forEach(function (d) { d.open = false; }); });
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), setUp);
  printable();
})();
