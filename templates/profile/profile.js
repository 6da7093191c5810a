  // Sorting (click or Enter on a header), filtering by name or flags, the histogram toggle.
  root.classList.add("op-js");
  function value(body, key) { var v = body.getAttribute("data-s-" + key); return v === null ? "" : v; }
  function sortBy(th) {
    var table = th.closest("table"), key = th.getAttribute("data-key"), text = th.hasAttribute("data-text");
    var current = th.getAttribute("aria-sort");
    var dir = current ? (current === "ascending" ? -1 : 1) : (text ? 1 : -1);
    table.querySelectorAll("th[aria-sort]").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
    var bodies = Array.prototype.slice.call(table.tBodies);
    bodies.sort(function (a, b) {
      var x = value(a, key), y = value(b, key);
      if (x === "" || y === "") return (x === "") - (y === "");  // no value: last either way
      if (text) return dir * x.localeCompare(y, undefined, {numeric: true, sensitivity: "base"});
      return dir * (parseFloat(x) - parseFloat(y));
    });
    var sorted = document.createDocumentFragment();
    bodies.forEach(function (b) { sorted.appendChild(b); });
    table.appendChild(sorted);
  }
  root.querySelectorAll("th[data-key]").forEach(function (th) {
    th.tabIndex = 0;
    th.addEventListener("click", function () { sortBy(th); });
    th.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(th); }
    });
  });
  var filter = root.querySelector(".op-filter"), flagged = root.querySelector(".op-flagged");
  var shown = root.querySelector(".op-shown");
  function apply() {
    var q = filter.value.trim().toLowerCase(), only = flagged.checked, all = 0, hits = 0;
    root.querySelectorAll("tbody.op-feature").forEach(function (b) {
      var hit = b.getAttribute("data-name").toLowerCase().indexOf(q) >= 0 &&
        (!only || b.classList.contains("op-flagged-row"));
      b.hidden = !hit; all += 1; hits += hit ? 1 : 0;
    });
    root.querySelectorAll("table.op-features").forEach(function (t) {
      var empty = !t.querySelector("tbody.op-feature:not([hidden])");
      t.hidden = empty; t.previousElementSibling.hidden = empty;
    });
    root.querySelectorAll("section.op-table").forEach(function (s) {
      s.hidden = !s.querySelector("table.op-features:not([hidden])");
    });
    shown.textContent = hits === all ? all + " features" : hits + " of " + all + " features";
  }
  filter.addEventListener("input", apply);
  filter.addEventListener("keydown", function (e) { e.stopPropagation(); });  // not a notebook shortcut
  flagged.addEventListener("change", apply);
  root.querySelectorAll(".op-toggle input").forEach(function (radio) {
    radio.addEventListener("change", function () { root.classList.toggle("op-quantile", radio.value === "quantile"); });
  });
  apply();
