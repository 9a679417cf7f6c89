// mineralwatch workbench: renders Plotly figure specs embedded as data-spec attributes,
// adds exports (chart PNG/SVG/data CSV, table CSV, each with its source caption), sorts and
// filters the overview, and shows form errors. No inline scripts (the Content-Security-
// Policy forbids them); every asset is local and nothing is sent anywhere: Plotly's cloud
// and Chart Studio controls are removed.
(function () {
  "use strict";
  var CONFIG = { displaylogo: false, responsive: true, topojsonURL: "/static/topojson/",
                 showLink: false, showSendToCloud: false, showEditInChartStudio: false,
                 plotlyServerURL: "", linkText: "",
                 modeBarButtonsToRemove: ["sendDataToCloud", "sendChartToCloud",
                                          "editInChartStudio", "toImage"] };

  function slug(text) {
    return String(text || "mineralwatch").toLowerCase().replace(/[^a-z0-9_-]+/g, "-")
      .replace(/^-+|-+$/g, "").slice(0, 80) || "mineralwatch";
  }

  function csvCell(v) {
    var s = v === null || v === undefined ? "" : String(v);
    return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  function toCSV(caption, header, rows) {
    var lines = ["# " + caption.replace(/[\r\n]+/g, " ")];
    lines.push(header.map(csvCell).join(","));
    rows.forEach(function (r) { lines.push(r.map(csvCell).join(",")); });
    return lines.join("\r\n") + "\r\n";
  }

  function download(name, blob) {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  function button(label, title, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "export";
    b.textContent = label;
    b.title = title;
    b.addEventListener("click", onClick);
    return b;
  }

  // -- charts ---------------------------------------------------------------------------
  function traceRows(spec) {
    var header = ["series", "x", "y"], rows = [];
    (spec.data || []).forEach(function (t, i) {
      var name = t.name || ("series " + (i + 1));
      if (t.type === "choropleth") {
        header = ["series", "country", "value"];
        (t.locations || []).forEach(function (loc, j) { rows.push([name, loc, t.z[j]]); });
        return;
      }
      if (t.fill === "toself") { return; } // the band is in the P10/P90 table columns
      var xs = t.x || [], ys = t.y || [];
      for (var j = 0; j < Math.max(xs.length, ys.length); j++) { rows.push([name, xs[j], ys[j]]); }
    });
    return { header: header, rows: rows };
  }

  function imageOf(el, caption, format) {
    var layout = JSON.parse(JSON.stringify(el.layout || {}));
    var width = el.offsetWidth || 800, height = (layout.height || 340) + 60;
    layout.height = height;
    layout.margin = layout.margin || {};
    layout.margin.b = (layout.margin.b || 40) + 60;
    layout.annotations = (layout.annotations || []).concat([{
      text: caption.length > 160 ? caption.slice(0, 157) + "…" : caption,
      xref: "paper", yref: "paper", x: 0, y: 0, yshift: -(layout.margin.b - 18),
      xanchor: "left", yanchor: "top", showarrow: false, font: { size: 10, color: "#5d6b7a" }
    }]);
    return window.Plotly.toImage({ data: el.data, layout: layout },
                                 { format: format, width: width, height: height });
  }

  function chartTools(fig, el, spec) {
    if (fig.querySelector(".tools")) { return; }
    var cap = fig.querySelector("figcaption");
    var caption = cap ? cap.textContent.trim() : document.title;
    var name = slug(fig.dataset.name || document.title);
    var bar = document.createElement("div");
    bar.className = "tools";
    ["png", "svg"].forEach(function (fmt) {
      bar.appendChild(button(fmt.toUpperCase(), "Download the chart as " + fmt.toUpperCase() +
        " with its source caption", function () {
        imageOf(el, caption, fmt).then(function (url) {
          var a = document.createElement("a");
          a.href = url; a.download = name + "." + fmt;
          document.body.appendChild(a); a.click(); a.remove();
        });
      }));
    });
    bar.appendChild(button("Data CSV", "Download the chart's data as CSV", function () {
      var t = traceRows(spec);
      download(name + ".csv", new Blob([toCSV(caption, t.header, t.rows)],
                                       { type: "text/csv;charset=utf-8" }));
    }));
    fig.insertBefore(bar, fig.firstChild);
  }

  function render(root) {
    if (!window.Plotly) { return; }
    (root || document).querySelectorAll(".plot[data-spec]").forEach(function (el) {
      if (el.dataset.rendered) { return; }
      var spec;
      try { spec = JSON.parse(el.dataset.spec); } catch (e) { el.textContent = "chart unavailable"; return; }
      el.dataset.rendered = "1";
      window.Plotly.newPlot(el, spec.data, spec.layout || {}, CONFIG);
      var fig = el.closest("figure");
      if (fig) { chartTools(fig, el, spec); }
    });
  }

  // -- tables ---------------------------------------------------------------------------
  function cellText(td) { return td.textContent.replace(/\s+/g, " ").trim(); }

  function tableTools(table) {
    if (table.dataset.tools) { return; }
    table.dataset.tools = "1";
    var caption = table.dataset.caption || (document.title + ". Source: mineralwatch.");
    var bar = document.createElement("div");
    bar.className = "tools";
    bar.appendChild(button("CSV", "Download this table as CSV (the rows shown)", function () {
      var header = Array.prototype.map.call(table.querySelectorAll("thead th"), cellText);
      var rows = [];
      table.querySelectorAll("tbody tr").forEach(function (tr) {
        if (tr.hidden) { return; }
        rows.push(Array.prototype.map.call(tr.children, cellText));
      });
      download(slug(table.dataset.name || document.title) + ".csv",
               new Blob([toCSV(caption, header, rows)], { type: "text/csv;charset=utf-8" }));
    }));
    var holder = table.closest(".scroll") || table;
    holder.parentNode.insertBefore(bar, holder);
  }

  function sortable(table) {
    var ths = table.querySelectorAll("thead th[data-sort]");
    ths.forEach(function (th, col) {
      th.tabIndex = 0;
      th.classList.add("sort");
      function go() { sortBy(table, Array.prototype.indexOf.call(th.parentNode.children, th),
                             th.dataset.sort, th.dataset.dir === "asc" ? "desc" : "asc"); }
      th.addEventListener("click", go);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") { go(); } });
    });
  }

  function sortBy(table, col, kind, dir) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    function key(tr) {
      var td = tr.children[col];
      var v = td.dataset.value !== undefined ? td.dataset.value : cellText(td);
      if (kind === "num") { var n = parseFloat(String(v).replace(/[,%]/g, "")); return isNaN(n) ? null : n; }
      return v.toLowerCase();
    }
    rows.sort(function (a, b) {
      var x = key(a), y = key(b);
      if (x === null || x === "") { return 1; }
      if (y === null || y === "") { return -1; }
      var c = x < y ? -1 : x > y ? 1 : 0;
      return dir === "asc" ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    table.querySelectorAll("thead th").forEach(function (th) { delete th.dataset.dir; th.removeAttribute("aria-sort"); });
    var th = table.querySelector("thead tr").children[col];
    th.dataset.dir = dir;
    th.setAttribute("aria-sort", dir === "asc" ? "ascending" : "descending");
    setParam("sort", col + ":" + dir);
  }

  function setParam(name, value) {
    var u = new URL(window.location.href);
    if (value) { u.searchParams.set(name, value); } else { u.searchParams.delete(name); }
    window.history.replaceState(null, "", u.pathname + (u.search ? u.search : "") + u.hash);
  }

  function filters(form) {
    var table = document.getElementById(form.dataset.table);
    if (!table) { return; }
    var params = new URL(window.location.href).searchParams;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && params.get(el.name)) { el.value = params.get(el.name); }
    });
    function apply() {
      var q = (form.elements.q.value || "").toLowerCase().trim();
      var g = form.elements.group.value, s = form.elements.stage.value, c = form.elements.crit.value;
      var shown = 0;
      table.querySelectorAll("tbody tr").forEach(function (tr) {
        var ok = (!q || tr.textContent.toLowerCase().indexOf(q) >= 0) &&
          (!g || (" " + tr.dataset.groups + " ").indexOf(" " + g + " ") >= 0) &&
          (!s || (tr.dataset.stages || "").indexOf(s) >= 0) &&
          (!c || tr.dataset.crit === c);
        tr.hidden = !ok;
        if (ok) { shown++; }
      });
      var count = document.getElementById("overview-count");
      if (count) { count.textContent = shown + " of " + table.tBodies[0].rows.length + " minerals"; }
      ["q", "group", "stage", "crit"].forEach(function (n) { setParam(n, form.elements[n].value); });
    }
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
    apply();
    var sort = params.get("sort");
    if (sort && /^\d+:(asc|desc)$/.test(sort)) {
      var parts = sort.split(":"), th = table.querySelector("thead tr").children[+parts[0]];
      if (th && th.dataset.sort) { sortBy(table, +parts[0], th.dataset.sort, parts[1]); }
    }
  }

  // -- forms ----------------------------------------------------------------------------
  function formError(form, text) {
    var p = form.querySelector(".form-error");
    if (!p) { p = document.createElement("p"); p.className = "form-error error"; form.appendChild(p); }
    p.textContent = text;
    p.hidden = !text;
  }

  function guardForms(root) {
    (root || document).querySelectorAll("form[data-require-one], form[data-max-bytes]").forEach(function (form) {
      if (form.dataset.guarded) { return; }
      form.dataset.guarded = "1";
      form.addEventListener("htmx:confirm", function (e) {
        var msg = check(form);
        if (msg) { e.preventDefault(); formError(form, msg); } else { formError(form, ""); }
      });
      form.addEventListener("submit", function (e) {
        var msg = check(form);
        if (msg) { e.preventDefault(); formError(form, msg); }
      });
    });
    (root || document).querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
      if (sel.dataset.guarded) { return; }
      sel.dataset.guarded = "1";
      sel.addEventListener("change", function () { sel.form.submit(); });
    });
  }

  function check(form) {
    var one = form.dataset.requireOne;
    if (one && !form.querySelector("input[name='" + one + "']:checked")) {
      return "Choose at least one scenario.";
    }
    var max = parseInt(form.dataset.maxBytes || "0", 10);
    var file = form.querySelector("input[type=file]");
    if (max && file && file.files && file.files[0] && file.files[0].size > max) {
      return file.files[0].name + " is larger than " + Math.round(max / 1024) + " KB.";
    }
    return "";
  }

  function responseText(xhr) {
    var text = xhr.responseText || "";
    try {
      var body = JSON.parse(text);
      return [body.message, body.hint].filter(Boolean).join(" ");
    } catch (e) { /* an HTML error page */ }
    var doc = new DOMParser().parseFromString(text, "text/html");
    var main = doc.querySelector("main");
    var err = main && main.querySelector(".error");
    var hint = main && main.querySelector(".error + .muted");
    return (err ? err.textContent : "Request failed (" + xhr.status + ").") +
      (hint ? " " + hint.textContent : "");
  }

  document.addEventListener("htmx:responseError", function (ev) {
    var form = ev.detail.elt && ev.detail.elt.closest ? ev.detail.elt.closest("form") : null;
    var msg = responseText(ev.detail.xhr);
    if (form) { formError(form, msg); }
    var target = ev.detail.target;
    if (target && target.id === "result") {
      target.innerHTML = "";
      var p = document.createElement("p"); p.className = "error"; p.textContent = msg;
      target.appendChild(p);
    }
  });
  document.addEventListener("htmx:sendError", function (ev) {
    var form = ev.detail.elt && ev.detail.elt.closest ? ev.detail.elt.closest("form") : null;
    if (form) { formError(form, "The server did not answer; is it still running?"); }
  });

  function init(root) {
    render(root);
    (root || document).querySelectorAll("table.data").forEach(tableTools);
    (root || document).querySelectorAll("table.sortable").forEach(sortable);
    guardForms(root);
  }

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
    document.querySelectorAll("form[data-table]").forEach(filters);
  });
  document.addEventListener("htmx:afterSettle", function () { init(document); });
})();
