(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.remove("nojs");
  var data = window.TM_REVIEW || { build: "none", lines: [], header: [] };
  var header = data.header && data.header.length ? data.header
    : ["release", "src", "tgt", "verdict", "src_text", "tgt_text"];
  var storeKey = "tm-review:" + data.corpus + ":" + data.build;
  var release = document.body.getAttribute("data-release");
  var local = {};
  try { local = JSON.parse(window.localStorage.getItem(storeKey) || "{}") || {}; } catch (e) { local = {}; }
  function save() {
    try { window.localStorage.setItem(storeKey, JSON.stringify(local)); } catch (e) { /* kept in memory */ }
    var n = Object.keys(local).length, status = document.getElementById("decisions-status");
    if (status) { status.textContent = n ? n + " decision(s) made in this browser, not yet downloaded" : ""; }
  }
  function key(r, s, t) { return r + "\t" + s + "\t" + t; }
  function mark(row, verdict) {
    row.classList.toggle("rejected", verdict === "reject");
    row.classList.toggle("accepted", verdict === "accept");
  }
  var rows = document.querySelectorAll("tr.bead[data-st]");
  Array.prototype.forEach.call(rows, function (row) {
    var k = key(release, row.getAttribute("data-src"), row.getAttribute("data-tgt"));
    // the decision controls: useful only with JavaScript, so made by it
    var n = row.id.slice(1), taken = row.getAttribute("data-verdict") || "";
    var box = document.createElement("fieldset");
    box.className = "decide";
    var legend = document.createElement("legend");
    legend.className = "vh";
    legend.textContent = "Decision on bead " + n;
    box.appendChild(legend);
    [["accept", "accept"], ["reject", "reject"], ["", "undecided"]].forEach(function (choice) {
      var label = document.createElement("label"), input = document.createElement("input");
      input.type = "radio";
      input.name = "d" + n;
      input.value = choice[0];
      input.checked = choice[0] === taken;
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + choice[1]));
      box.appendChild(label);
    });
    row.lastElementChild.appendChild(box);
    var radios = box.querySelectorAll("input[type=radio]");
    if (Object.prototype.hasOwnProperty.call(local, k)) {
      Array.prototype.forEach.call(radios, function (r) { r.checked = r.value === local[k].verdict; });
      mark(row, local[k].verdict);
    }
    Array.prototype.forEach.call(radios, function (r) {
      r.addEventListener("change", function () {
        local[k] = { verdict: r.value, line: [release, row.getAttribute("data-src"), row.getAttribute("data-tgt"),
          r.value, row.getAttribute("data-st"), row.getAttribute("data-tt")] };
        mark(row, r.value);
        save();
      });
    });
  });
  function merged() {
    var order = [], lines = {};
    data.lines.forEach(function (l) { var k = key(l[0], l[1], l[2]); order.push(k); lines[k] = l; });
    Object.keys(local).forEach(function (k) {
      if (!Object.prototype.hasOwnProperty.call(lines, k)) { order.push(k); }
      lines[k] = local[k].verdict ? local[k].line : null;
    });
    var out = [header.join("\t")];
    order.forEach(function (k) { if (lines[k]) { out.push(lines[k].join("\t")); } });
    return out.join("\n") + "\n";
  }
  var button = document.getElementById("download");
  if (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var blob = new Blob([merged()], { type: "text/tab-separated-values;charset=utf-8" });
      var a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = "corrections.tsv";
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
    });
  }
  save();
})();
