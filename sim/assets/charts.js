/* sim report: the interactive charts, drawn as SVG from the JSON data block with id "sim-data" (no library,
   no network). A timeline (zoom and pan on its time axis, a tooltip per bar) draws the aircraft Gantt and
   the movement lines against their deadlines; the map plays the airlift at the slider's time. Times are
   epoch milliseconds, shown in the scenario's UTC offset like the rest of the report. */
(function () {
  "use strict";
  var block = document.getElementById("sim-data");
  if (!block) return;
  var D = JSON.parse(block.textContent);
  var M = D.meta, OFF = M.offset_min * 60000, MIN = 60000, HOUR = 60 * MIN, DAY = 24 * HOUR;
  var NS = "http://www.w3.org/2000/svg";
  var MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(" ");
  var STATUS_FILL = { MET: "#009E73", LATE: "#D55E00", OPEN: "#E69F00" };
  var DOWNTIME = { crew: ["#444444", "crew rest"], ute: ["#aaaaaa", "waiting for daily flying hours (UTE)"],
    availability: ["#dddddd", "not mission capable"], maintenance: ["#000000", "scheduled maintenance"],
    repair: ["#CC79A7", "repair after a breakdown"] };

  // ------------------------------------------------------------------ helpers

  function records(t) {
    return t.rows.map(function (r) {
      var o = {};
      t.columns.forEach(function (c, i) { o[c] = r[i]; });
      return o;
    });
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function local(ms) { return new Date(ms + OFF); }
  function day(ms) { var d = local(ms); return pad(d.getUTCDate()) + " " + MONTHS[d.getUTCMonth()]; }
  function hm(ms) { var d = local(ms); return pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()); }
  function when(ms) { return ms === null || ms === undefined ? "" : day(ms) + " " + hm(ms); }
  function minutes(m) {
    m = Math.round(m);
    return m < 60 ? m + " min" : Math.floor(m / 60) + " h " + pad(m % 60) + " min";
  }
  function num(x, digits) { return x === null || x === undefined ? "" : (+x).toFixed(digits).replace(/\.0+$/, ""); }
  function el(tag, attrs, parent, text) {
    var svg = tag === "svg" || (parent && parent.namespaceURI === NS);  // SVG inside SVG, HTML elsewhere
    var e = svg ? document.createElementNS(NS, tag) : document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function clamp(x, lo, hi) { return Math.max(lo, Math.min(hi, x)); }
  function bisect(times, t) {  // index of the last time <= t (-1 if none)
    var lo = 0, hi = times.length - 1, k = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (times[mid] <= t) { k = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return k;
  }

  var sorties = records(D.sorties), lines = records(D.lines), trips = records(D.trips);
  var colours = D.colours;
  function sortieFill(s) { return s.phase === "reposition" ? colours.empty[""] : colours.contingent[s.contingent]; }

  // ------------------------------------------------------------------ tooltip

  var tip = el("div", { "class": "tip", role: "tooltip", id: "sim-tip" }, document.body);
  function showTip(e, title, pairs) {
    tip.textContent = "";
    el("b", {}, tip, title);
    var t = el("table", {}, tip);
    pairs.forEach(function (p) {
      if (p[1] === "" || p[1] === null || p[1] === undefined) return;
      var tr = el("tr", {}, t);
      el("td", {}, tr, p[0]);
      el("td", {}, tr, String(p[1]));
    });
    tip.style.display = "block";
    moveTip(e);
  }
  function moveTip(e) {
    var w = tip.offsetWidth, h = tip.offsetHeight;
    var x = e.clientX + 14, y = e.clientY + 14;
    if (x + w > window.innerWidth - 6) x = Math.max(6, e.clientX - w - 14);
    if (y + h > window.innerHeight - 6) y = Math.max(6, e.clientY - h - 14);
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  }
  function hideTip() { tip.style.display = "none"; }

  // ------------------------------------------------------------------ time axis

  var STEPS = [15 * MIN, 30 * MIN, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY];
  function ticks(a, b, px) {
    var step = STEPS[STEPS.length - 1];
    for (var i = 0; i < STEPS.length; i++) {
      if (STEPS[i] / (b - a) * px >= 70) { step = STEPS[i]; break; }
    }
    var out = [];
    for (var t = Math.ceil((a + OFF) / step) * step - OFF; t <= b; t += step) out.push(t);
    return { step: step, ticks: out };
  }
  function tickLabel(t, step, first) {
    var midnight = (t + OFF) % DAY === 0;
    if (step >= DAY || midnight) return day(t);
    return first ? day(t) + " " + hm(t) : hm(t);
  }

  // ------------------------------------------------------------------ timeline (Gantt and lines)

  function Timeline(root, cfg) {
    this.root = root;
    this.cfg = cfg;
    this.view = { a: cfg.t0, b: cfg.t1 };
    this.toolbar();
    this.box = el("div", {}, root);
    this.layout();
    var self = this, timer = null;
    window.addEventListener("resize", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { self.layout(); }, 120);
    });
    if (cfg.printed && window.matchMedia) {  // drawn again at the page's width when printed, and back
      window.matchMedia("print").addEventListener("change", function () { self.layout(); });
      window.addEventListener("beforeprint", function () { self.layout(); });
      window.addEventListener("afterprint", function () { self.layout(); });
    }
  }
  Timeline.prototype.toolbar = function () {
    var self = this, bar = el("div", { "class": "toolbar noprint" }, this.root);
    function button(text, title, fn) {
      var b = el("button", { type: "button", title: title }, bar, text);
      b.addEventListener("click", fn);
      return b;
    }
    button("+", "Zoom in", function () { self.zoom(0.5); });
    button("\u2212", "Zoom out", function () { self.zoom(2); });
    button("All", "Show the whole run", function () { self.show(self.cfg.t0, self.cfg.t1); });
    (this.cfg.presets || []).forEach(function (p) {
      button(p.label, "Show " + p.label, function () { self.show(p.a, p.b); });
    });
    el("span", { "class": "hint" }, bar, "drag to pan \u00b7 Ctrl + wheel to zoom \u00b7 double-click: all");
  };
  Timeline.prototype.x = function (t) {
    return this.left + (t - this.view.a) / (this.view.b - this.view.a) * (this.right - this.left);
  };
  Timeline.prototype.layout = function () {
    var cfg = this.cfg, rows = cfg.rows, self = this;
    this.box.textContent = "";
    var width = Math.max(480, this.box.clientWidth || 900);
    this.left = cfg.labelW;
    this.right = width - 14;
    this.top = cfg.vlines && cfg.vlines.length ? 38 : 24;
    var height = this.top + rows.length * cfg.rowH + 24;
    this.height = height;
    var s = el("svg", { "class": "tl", width: width, height: height, viewBox: "0 0 " + width + " " + height,
      role: "img", "aria-label": cfg.title }, this.box);
    this.svg = s;
    var clipId = cfg.id + "-clip";
    el("rect", { x: this.left, y: 0, width: this.right - this.left, height: height },
      el("clipPath", { id: clipId }, el("defs", {}, s)));
    rows.forEach(function (r, i) {
      if (i % 2) el("rect", { "class": "stripe", x: 0, y: self.rowY(i), width: width, height: cfg.rowH }, s);
      var label = r.length > cfg.labelChars ? r.slice(0, cfg.labelChars - 1) + "\u2026" : r;
      el("title", {}, el("text", { x: self.left - 6, y: self.rowY(i) + cfg.rowH / 2 + 4, "text-anchor": "end" },
        s, label), r);
    });
    this.grid = el("g", { "class": "grid", "clip-path": "url(#" + clipId + ")" }, s);
    this.axis = el("g", { "class": "axis" }, s);
    this.plot = el("g", { "class": "plot", "clip-path": "url(#" + clipId + ")" }, s);
    this.back = el("rect", { x: this.left, y: 0, width: this.right - this.left, height: height, fill: "transparent" },
      this.plot);
    this.shapes = cfg.items.map(function (it, k) { return self.shape(it, k); });
    this.vlines = (cfg.vlines || []).map(function (v) {
      var g = el("g", {}, self.plot);
      el("line", { y1: self.top, y2: height - 24, stroke: v.colour, "stroke-dasharray": "5 3", "stroke-width": 1.3 }, g);
      el("text", { "class": "vlabel", x: -4, y: self.top - 6, "text-anchor": "end", fill: v.colour }, g, v.label);
      return g;
    });
    this.events();
    this.place();
  };
  Timeline.prototype.rowY = function (i) { return this.top + i * this.cfg.rowH; };
  Timeline.prototype.shape = function (it, k) {
    var attrs = { "class": it.cls || "bar", y: this.rowY(it.row) + it.y, height: it.h, "data-k": k };
    if (it.fill) attrs.fill = it.fill;
    if (it.stroke) { attrs.stroke = it.stroke; attrs["stroke-dasharray"] = "3 2"; }
    if (it.full) { attrs.x = this.left; attrs.width = this.right - this.left; }
    return el("rect", attrs, this.plot);
  };
  Timeline.prototype.place = function () {
    var self = this, lo = this.left - 50, hi = this.right + 50;
    this.cfg.items.forEach(function (it, k) {
      if (it.full) return;
      var x0 = clamp(self.x(it.a), lo, hi), x1 = clamp(self.x(it.b), lo, hi);
      var w = Math.max(it.minW || 1, x1 - x0);
      self.shapes[k].setAttribute("x", it.minW ? x0 - w / 2 : x0);
      self.shapes[k].setAttribute("width", w);
    });
    (this.cfg.vlines || []).forEach(function (v, i) {
      self.vlines[i].setAttribute("transform", "translate(" + clamp(self.x(v.t), lo, hi) + ",0)");
    });
    this.drawAxis();
  };
  Timeline.prototype.drawAxis = function () {
    var self = this, tk = ticks(this.view.a, this.view.b, this.right - this.left);
    this.grid.textContent = "";
    this.axis.textContent = "";
    tk.ticks.forEach(function (t, i) {
      var x = self.x(t), midnight = (t + OFF) % DAY === 0;
      el("line", { "class": midnight ? "day" : "", x1: x, x2: x, y1: self.top, y2: self.height - 24 }, self.grid);
      if (x < self.left + 2 || x > self.right - 2) return;
      var label = tickLabel(t, tk.step, i === 0);
      el("text", { x: x, y: 15, "text-anchor": "middle" }, self.axis, label);
      el("text", { x: x, y: self.height - 8, "text-anchor": "middle" }, self.axis, label);
    });
  };
  Timeline.prototype.show = function (a, b) {
    var full = this.cfg.t1 - this.cfg.t0, span = clamp(b - a, 30 * MIN, full * 1.5);
    var mid = (a + b) / 2;
    this.view = { a: mid - span / 2, b: mid + span / 2 };
    this.place();
  };
  Timeline.prototype.zoom = function (f, at) {
    var v = this.view, c = at === undefined ? (v.a + v.b) / 2 : at;
    var span = clamp((v.b - v.a) * f, 30 * MIN, (this.cfg.t1 - this.cfg.t0) * 1.5);
    var share = (c - v.a) / (v.b - v.a);
    this.view = { a: c - share * span, b: c - share * span + span };
    this.place();
  };
  Timeline.prototype.timeAt = function (clientX) {
    var r = this.svg.getBoundingClientRect(), px = (clientX - r.left) * (this.svg.width.baseVal.value / r.width);
    return this.view.a + (px - this.left) / (this.right - this.left) * (this.view.b - this.view.a);
  };
  Timeline.prototype.events = function () {
    var self = this, s = this.svg, drag = null;
    s.addEventListener("wheel", function (e) {
      if (!(e.ctrlKey || e.metaKey)) return;
      e.preventDefault();
      self.zoom(e.deltaY > 0 ? 1.25 : 0.8, self.timeAt(e.clientX));
    }, { passive: false });
    s.addEventListener("dblclick", function () { self.show(self.cfg.t0, self.cfg.t1); });
    s.addEventListener("pointerdown", function (e) {
      if (e.button !== 0) return;
      drag = { x: e.clientX, view: self.view, moved: false };
      s.setPointerCapture(e.pointerId);
    });
    s.addEventListener("pointermove", function (e) {
      if (!drag) return;
      var r = s.getBoundingClientRect(), dx = (e.clientX - drag.x) * (s.width.baseVal.value / r.width);
      if (Math.abs(dx) < 3 && !drag.moved) return;
      drag.moved = true;
      self.plot.classList.add("dragging");
      hideTip();
      var dt = dx / (self.right - self.left) * (drag.view.b - drag.view.a);
      self.view = { a: drag.view.a - dt, b: drag.view.b - dt };
      self.place();
    });
    function end() { drag = null; self.plot.classList.remove("dragging"); }
    s.addEventListener("pointerup", end);
    s.addEventListener("pointercancel", end);
    s.addEventListener("mouseover", function (e) {
      var k = e.target.getAttribute && e.target.getAttribute("data-k");
      if (k === null || drag) return;
      var content = self.cfg.tip(self.cfg.items[+k]);
      if (content) showTip(e, content[0], content[1]);
    });
    s.addEventListener("mousemove", function (e) { if (tip.style.display === "block") moveTip(e); });
    s.addEventListener("mouseout", function (e) { if (e.target.getAttribute("data-k") !== null) hideTip(); });
  };

  function labelWidth(labels, lo, hi) {
    var n = labels.reduce(function (m, s) { return Math.max(m, s.length); }, 0);
    return { px: clamp(Math.round(n * 6.3) + 16, lo, hi), chars: Math.floor((hi - 16) / 6.3) };
  }
  function legend(root, entries) {
    var box = el("div", { "class": "legend" }, root);
    entries.forEach(function (e) {
      var span = el("span", {}, box);
      el("i", { style: "background:" + e[0] + (e[2] ? ";height:4px" : "") }, span);
      span.appendChild(document.createTextNode(e[1]));
    });
  }
  function span(items, a, b) {
    var lo = Infinity, hi = -Infinity;
    items.forEach(function (x) {
      if (x[a] !== null) lo = Math.min(lo, x[a]);
      if (x[b] !== null) hi = Math.max(hi, x[b]);
    });
    return lo === Infinity ? [M.start, M.end] : [lo, hi];
  }
  function phasePresets(rows, a, b) {
    return ["deploy", "withdraw"].map(function (p) {
      var mine = rows.filter(function (r) { return r.phase === p; });
      if (!mine.length) return null;
      var s = span(mine, a, b), pad6 = 6 * HOUR;
      return { label: p, a: s[0] - pad6, b: s[1] + pad6 };
    }).filter(Boolean);
  }

  // ------------------------------------------------------------------ aircraft Gantt

  function loadText(s) {
    var parts = [s.troops + " troops"];
    parts.push(s.vehicle_count ? s.vehicle_count + " vehicles (" + s.vehicles.replace(/ /g, ", ") + ")" : "no vehicles");
    parts.push(num(s.cargo_t, 1) + " t cargo");
    return parts.join(", ");
  }
  function waitsText(s) {
    var w = [["aircraft", s.wait_aircraft_min], ["MOG" + (s.mog_wait_at ? " at " + s.mog_wait_at : ""), s.wait_mog_min],
      ["operating hours", s.wait_hours_min], ["crew rest", s.wait_crew_min], ["UTE", s.wait_ute_min],
      ["not mission capable", s.wait_avail_min], ["weather", s.wait_weather_min], ["delay", s.wait_delay_min],
      ["departure cap", s.wait_cap_min]];
    var out = w.filter(function (x) { return x[1] && x[1] >= 0.5; })
      .map(function (x) { return x[0] + " " + minutes(x[1]); });
    return out.length ? out.join("; ") : "none";
  }
  function sortieTip(s) {
    var loaded = s.phase !== "reposition";
    var route = [s.origin].concat(s.stops ? s.stops.split(" ") : [], [s.destination]).join(" \u2192 ");
    return [s.tail + " \u2014 " + (loaded ? s.line : "empty leg"), [
      ["Tail", s.tail + " (" + s.type + ")"],
      ["Line", loaded ? s.line + " (" + s.phase + ")" : (s.line ? "repositions for " + s.line : "returns to base")],
      ["Contingent", loaded ? s.contingent + " (" + s.nation + ")" : ""],
      ["Route", route + " (" + num(s.distance_km, 0) + " km)"],
      ["Load", loaded ? loadText(s) : "empty"],
      ["Off blocks", when(s.off_blocks)], ["Take-off", when(s.takeoff)], ["Landing", when(s.landing)],
      ["On blocks", when(s.on_blocks)], ["Waits", waitsText(s)]]];
  }
  function downTip(d) {
    return [DOWNTIME[d.kind] ? DOWNTIME[d.kind][1] : d.kind, [["Tail", d.tail], ["From", when(d.a)], ["To", when(d.b)],
      ["Length", minutes((d.b - d.a) / MIN)]]];
  }
  function gantt(root) {
    var tails = D.tails.map(function (t) { return t.tail; });
    if (!tails.length) { el("p", { "class": "note" }, root, "No aircraft flew in this run."); return; }
    var row = {};
    tails.forEach(function (t, i) { row[t] = i; });
    var items = sorties.map(function (s, i) {
      return { row: row[s.tail], a: s.off_blocks, b: s.on_blocks, y: 1, h: 9, fill: sortieFill(s), kind: "s", i: i,
        tail: s.tail };
    });
    D.downtime.forEach(function (d) {
      if (row[d[0]] === undefined) return;
      items.push({ row: row[d[0]], a: d[2], b: d[3], y: 11, h: 3, fill: (DOWNTIME[d[1]] || ["#888"])[0], kind: "d",
        tail: d[0], d: { tail: d[0], kind: d[1], a: d[2], b: d[3] } });
    });
    var lw = labelWidth(tails, 80, 220), t = span(sorties, "off_blocks", "on_blocks");
    Object.keys(M.deadlines).forEach(function (p) { t[1] = Math.max(t[1], M.deadlines[p] + 3 * HOUR); });
    var legendEntries = D.contingents.map(function (c) { return [colours.contingent[c.id], c.id + " (" + c.nation + ")"]; });
    legendEntries.push([colours.empty[""], "empty"]);
    var kinds = {};
    D.downtime.forEach(function (d) { kinds[d[1]] = true; });
    Object.keys(DOWNTIME).forEach(function (k) { if (kinds[k]) legendEntries.push([DOWNTIME[k][0], DOWNTIME[k][1], true]); });
    legend(root, legendEntries);
    var vlines = Object.keys(M.deadlines).map(function (p) {
      return { t: M.deadlines[p], label: p + " deadline", colour: p === "withdraw" ? "#b00020" : "#444444" };
    });
    return new Timeline(root, { id: "gantt", title: "Aircraft schedule", rows: tails, items: items, vlines: vlines,
      t0: t[0] - 3 * HOUR, t1: t[1] + 3 * HOUR, labelW: lw.px, labelChars: lw.chars, rowH: 15,
      presets: phasePresets(sorties, "off_blocks", "on_blocks"),
      tip: function (it) { return it.kind === "s" ? sortieTip(sorties[it.i]) : downTip(it.d); } });
  }

  // ------------------------------------------------------------------ lines against their deadlines

  function lineTip(r) {
    var slack = r.slack_h === null ? "" : (r.slack_h >= 0 ? "+" : "\u2212") + num(Math.abs(r.slack_h), 1) + " h";
    return [r.id + " \u2014 " + r.status, [
      ["Status", r.status + (slack ? " (slack " + slack + ")" : "")],
      ["Route", r.from + " \u2192 " + r.to + (r.mode !== "air" ? " (" + r.mode + ")" : "")],
      ["Contingent", r.contingent + " (" + r.nation + "), " + r.phase],
      ["Load", r.troops + " troops, " + r.vehicles + " vehicles, " + num(r.cargo_t, 1) + " t cargo"],
      ["Ready", when(r.ready)], ["Released", r.released !== r.ready ? when(r.released) : ""],
      ["Closed", r.closed === null ? "not closed" : when(r.closed)], ["Deadline", when(r.deadline)],
      ["Bound by", r.bound_by || (r.status === "MET" ? "nothing (met its deadline)" : "")],
      ["Sorties", r.sorties]]];
  }
  function lineChart(root) {
    if (!lines.length) return;
    var ids = lines.map(function (r) { return r.id; }), items = [];
    lines.forEach(function (r, i) {
      var go = r.released !== null && r.released > r.ready ? r.released : r.ready;
      var end = r.closed === null ? M.end : r.closed;
      items.push({ row: i, full: true, cls: "hit", y: 0, h: 20, kind: "l", i: i });
      if (go > r.ready) items.push({ row: i, a: r.ready, b: go, y: 6, h: 8, fill: "#d5dbe0", kind: "l", i: i });
      items.push({ row: i, a: go, b: end, y: 4, h: 12, fill: STATUS_FILL[r.status],
        stroke: r.status === "OPEN" ? "#8a5a00" : null, kind: "l", i: i });
      items.push({ row: i, a: r.deadline, b: r.deadline, minW: 3, y: 1, h: 18, fill: "#1d2327", kind: "l", i: i });
    });
    var lw = labelWidth(ids, 80, 260), t = span(lines, "ready", "deadline");
    legend(root, [[STATUS_FILL.MET, "met"], [STATUS_FILL.LATE, "late"], [STATUS_FILL.OPEN, "open (to the end of the run)"],
      ["#d5dbe0", "waiting for the lines it follows"], ["#1d2327", "deadline"]]);
    return new Timeline(root, { id: "lines", title: "Movement lines against their deadlines", rows: ids, items: items,
      t0: Math.min(t[0], span(lines, "closed", "closed")[0]) - 6 * HOUR,
      t1: Math.max(t[1], span(lines, "closed", "closed")[1]) + 6 * HOUR, labelW: lw.px, labelChars: lw.chars,
      rowH: 20, presets: phasePresets(lines, "ready", "deadline"), printed: true,
      tip: function (it) { return lineTip(lines[it.i]); } });
  }

  // ------------------------------------------------------------------ map

  function vec(lat, lon) {
    var p = lat * Math.PI / 180, l = lon * Math.PI / 180;
    return [Math.cos(p) * Math.cos(l), Math.cos(p) * Math.sin(l), Math.sin(p)];
  }
  function dot(a, b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
  function slerp(p, q, f) {
    var w = Math.acos(clamp(dot(p, q), -1, 1));
    if (w < 1e-9) return p;
    var s = Math.sin(w), a = Math.sin((1 - f) * w) / s, b = Math.sin(f * w) / s;
    return [a * p[0] + b * q[0], a * p[1] + b * q[1], a * p[2] + b * q[2]];
  }
  function Path(points) {  // a route of unit vectors: positions by share of its great-circle length
    this.points = points;
    this.cum = [0];
    for (var i = 1; i < points.length; i++) {
      this.cum.push(this.cum[i - 1] + Math.acos(clamp(dot(points[i - 1], points[i]), -1, 1)));
    }
  }
  Path.prototype.at = function (f) {
    var total = this.cum[this.cum.length - 1], d = clamp(f, 0, 1) * total, i = 1;
    if (total === 0) return this.points[0];
    while (i < this.cum.length - 1 && this.cum[i] < d) i++;
    var seg = this.cum[i] - this.cum[i - 1];
    return slerp(this.points[i - 1], this.points[i], seg ? (d - this.cum[i - 1]) / seg : 0);
  };

  function Projection(map, vectors) {  // azimuthal equidistant, as the static network chart (sim.basemap)
    var c;
    if (map) {
      c = vec(map.lat0, map.lon0);
    } else {  // no base map: centred on the places, framed around them here
      c = vectors.reduce(function (s, v) { return [s[0] + v[0], s[1] + v[1], s[2] + v[2]]; }, [0, 0, 0]);
      var n = Math.sqrt(dot(c, c)) || 1;
      c = [c[0] / n, c[1] / n, c[2] / n];
    }
    var lat0 = Math.asin(c[2]), lon0 = Math.atan2(c[1], c[0]);
    this.c = c;
    this.e = [-Math.sin(lon0), Math.cos(lon0), 0];
    this.n = [-Math.sin(lat0) * Math.cos(lon0), -Math.sin(lat0) * Math.sin(lon0), Math.cos(lat0)];
    this.R = map ? map.radius_km : 6371;
    var f = map ? map.frame : this.frameAround(vectors);
    this.x0 = f[0]; this.x1 = f[1]; this.y0 = f[2]; this.y1 = f[3];
    this.width = 900;
    this.k = this.width / (this.x1 - this.x0);
    this.height = Math.round((this.y1 - this.y0) * this.k);
  }
  Projection.prototype.km = function (v) {
    var a = Math.acos(clamp(dot(v, this.c), -1, 1)), k = a < 1e-9 ? 1 : a / Math.sin(a);
    return [this.R * k * dot(v, this.e), this.R * k * dot(v, this.n)];
  };
  Projection.prototype.frameAround = function (vectors) {
    var self = this, xs = [], ys = [];
    vectors.forEach(function (v) { var p = self.km(v); xs.push(p[0]); ys.push(p[1]); });
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs), y0 = Math.min.apply(null, ys);
    var y1 = Math.max.apply(null, ys), hw = Math.max(x1 - x0, 900) / 2, hh = Math.max(y1 - y0, 450) / 2;
    var cx = (x0 + x1) / 2, cy = (y0 + y1) / 2, pad = Math.max(Math.max(hw, hh) / 6, 150);
    hw += pad; hh += pad;
    if (900 * hh / hw > 600) hw = hh * 900 / 600;
    if (900 * hh / hw < 380) hh = hw * 380 / 900;
    return [cx - hw, cx + hw, cy - hh, cy + hh];
  };
  Projection.prototype.xy = function (v) {
    var p = this.km(v);
    return [(p[0] - this.x0) * this.k, (this.y1 - p[1]) * this.k];
  };
  Projection.prototype.d = function (vs, close) {
    var self = this;
    return vs.map(function (v, i) {
      var p = self.xy(v);
      return (i ? "L" : "M") + p[0].toFixed(1) + " " + p[1].toFixed(1);
    }).join("") + (close ? "Z" : "");
  };
  function arc(p, q, n) {
    var out = [];
    for (var i = 0; i <= n; i++) out.push(slerp(p, q, i / n));
    return out;
  }

  function MapView(root, side) {
    var self = this;
    this.places = {};
    D.places.forEach(function (p) { self.places[p.id] = p; p.v = vec(p.lat, p.lon); });
    this.proj = new Projection(D.map, D.places.map(function (p) { return p.v; }));
    var P = this.proj;
    this.svg = el("svg", { "class": "map", viewBox: "0 0 " + P.width + " " + P.height, id: "map-svg", role: "img",
      "aria-label": "Map of the airlift" }, root);
    this.drawBase();
    this.side = side;
    this.prepare();
  }
  MapView.prototype.drawBase = function () {
    var P = this.proj, s = this.svg;
    el("rect", { "class": "sea", x: 0, y: 0, width: P.width, height: P.height }, s);
    var g = el("g", {}, s);
    ((D.map && D.map.countries) || []).forEach(function (c) {
      var d = c.rings.map(function (flat) {
        var vs = [];
        for (var i = 0; i < flat.length; i += 2) vs.push(vec(flat[i + 1], flat[i]));
        return P.d(vs, true);
      }).join("");
      el("title", {}, el("path", { "class": "land", d: d, "fill-rule": "evenodd" }, g), c.name);
    });
    this.graticule();
    this.routes();
    this.nodes();
  };
  MapView.prototype.nodes = function () {
    var P = this.proj, s = this.svg, labels = (D.map && D.map.labels) || {};
    this.groundLayer = el("g", {}, s);  // tails on the ground: a disc under each airfield's dot
    var g = el("g", {}, s);
    this.dyn = el("g", {}, s);  // aircraft, convoys and trains: over the places, under their names
    var lg = el("g", {}, s);
    D.places.forEach(function (p) {
      var xy = P.xy(p.v), at = labels[p.id];
      if (p.kind === "airfield") el("circle", { "class": "af", cx: xy[0], cy: xy[1], r: 4.5 }, g);
      else el("rect", { "class": "pl", x: xy[0] - 3.5, y: xy[1] - 3.5, width: 7, height: 7 }, g);
      var x = at ? at[0] : xy[0] + 7, y = at ? at[1] : xy[1] + 13;
      if (at && at[2]) el("line", { "class": "leader", x1: xy[0], y1: xy[1], x2: at[3], y2: at[4] }, lg);
      el("title", {}, el("text", { "class": "label", x: x, y: y }, lg, p.id), p.name);
    });
  };
  MapView.prototype.graticule = function () {
    var g = el("g", {}, this.svg), P = this.proj, b = D.map && D.map.box, lat, lon, vs;
    if (!b) {
      var lats = D.places.map(function (p) { return p.lat; }), lons = D.places.map(function (p) { return p.lon; });
      b = [Math.min.apply(null, lons) - 10, Math.min.apply(null, lats) - 10, Math.max.apply(null, lons) + 10,
        Math.max.apply(null, lats) + 10];
    }
    var west = b[0], east = b[2] < b[0] ? b[2] + 360 : b[2];
    var step = [1, 2, 5, 10, 15, 20, 30].filter(function (x) { return (east - west) / x <= 6.5; })[0] || 45;
    var s0 = Math.max(-85, Math.floor(b[1] / step) * step - step), s1 = Math.min(85, b[3] + step);
    var w0 = Math.floor(west / step) * step - step, w1 = east + step;
    for (lat = s0; lat <= s1; lat += step) {
      vs = [];
      for (lon = w0; lon <= w1; lon += 1) vs.push(vec(lat, lon));
      el("path", { "class": "grat", d: P.d(vs) }, g);
    }
    for (lon = w0; lon <= w1; lon += step) {
      vs = [];
      for (lat = s0; lat <= s1; lat += 1) vs.push(vec(lat, lon));
      el("path", { "class": "grat", d: P.d(vs) }, g);
    }
  };
  MapView.prototype.routes = function () {
    var self = this, count = {}, g = el("g", {}, this.svg);
    sorties.forEach(function (s) {
      var key = [s.origin].concat(s.stops ? s.stops.split(" ") : [], [s.destination]).join(">");
      count[key] = (count[key] || 0) + (s.phase === "reposition" ? 0.25 : 1);
    });
    Object.keys(count).forEach(function (key) {
      var ids = key.split(">"), vs = [];
      for (var i = 1; i < ids.length; i++) vs = vs.concat(arc(self.places[ids[i - 1]].v, self.places[ids[i]].v, 32));
      el("path", { "class": "route", d: self.proj.d(vs), "stroke-width": clamp(1 + Math.log(1 + count[key]), 1, 7) }, g);
    });
    trips.forEach(function (t) {
      el("path", { "class": "route " + t.mode, d: self.proj.d(arc(self.places[t.from].v, self.places[t.to].v, 16)),
        "stroke-width": 2 }, g);
    });
  };
  MapView.prototype.prepare = function () {
    var self = this;
    this.paths = sorties.map(function (s) {
      var ids = [s.origin].concat(s.stops ? s.stops.split(" ") : [], [s.destination]);
      return new Path(ids.map(function (id) { return self.places[id].v; }));
    });
    this.byTail = {};
    sorties.forEach(function (s, i) { (self.byTail[s.tail] = self.byTail[s.tail] || []).push(i); });
    this.theatre = records(D.theatre);
    this.theatreTimes = this.theatre.map(function (r) { return r.time; });
  };
  MapView.prototype.airborne = function (t) {
    return sorties.map(function (s, i) { return i; }).filter(function (i) {
      return sorties[i].takeoff <= t && t < sorties[i].landing;
    });
  };
  MapView.prototype.onGround = function (t, flying) {  // airfield -> tails standing there (that have flown)
    var self = this, out = {};
    D.tails.forEach(function (info) {
      var mine = self.byTail[info.tail] || [], where = info.base, k;
      for (k = mine.length - 1; k >= 0; k--) {
        var s = sorties[mine[k]];
        if (s.off_blocks > t) continue;
        if (flying[mine[k]]) return;
        where = t < s.takeoff ? s.origin : s.destination;
        break;
      }
      out[where] = (out[where] || 0) + 1;
    });
    return out;
  };
  MapView.prototype.update = function (t) {
    var self = this, P = this.proj, g = this.dyn, flying = {};
    g.textContent = "";
    var air = this.airborne(t);
    air.forEach(function (i) { flying[i] = true; });
    var ground = this.onGround(t, flying);
    this.groundLayer.textContent = "";
    Object.keys(ground).forEach(function (id) {
      var p = self.places[id];
      if (!p) return;
      var xy = P.xy(p.v);
      el("title", {}, el("circle", { "class": "ground", cx: xy[0], cy: xy[1], r: 4.5 + 2.2 * Math.sqrt(ground[id]),
        "data-place": id, "data-tails": ground[id] }, self.groundLayer), id + ": " + ground[id] + " on the ground");
    });
    trips.forEach(function (tr) {
      if (!(tr.depart <= t && t < tr.arrive)) return;
      var v = slerp(self.places[tr.from].v, self.places[tr.to].v, (t - tr.depart) / (tr.arrive - tr.depart));
      var xy = P.xy(v);
      el("title", {}, el("rect", { "class": "truck", x: xy[0] - 5, y: xy[1] - 5, width: 10, height: 10,
        fill: colours.contingent[tr.contingent] || "#555", "data-unit": tr.unit }, g), tr.unit + " (" + tr.mode + ")");
    });
    air.forEach(function (i) { self.plane(g, i, t); });
    this.svg.setAttribute("data-airborne", air.length);
    this.svg.setAttribute("data-time", t);
    this.panel(t, air.length, ground, trips.filter(function (tr) { return tr.depart <= t && t < tr.arrive; }).length);
  };
  MapView.prototype.plane = function (g, i, t) {
    var s = sorties[i], f = (t - s.takeoff) / (s.landing - s.takeoff), P = this.proj;
    var a = P.xy(this.paths[i].at(f)), b = P.xy(this.paths[i].at(Math.min(1, f + 0.01)));
    if (f >= 0.99) { b = a; a = P.xy(this.paths[i].at(f - 0.01)); }
    var angle = Math.atan2(b[1] - a[1], b[0] - a[0]) * 180 / Math.PI;
    var pos = P.xy(this.paths[i].at(f));
    var m = el("g", { "class": "ac", "data-tail": s.tail, "data-k": i,
      transform: "translate(" + pos[0].toFixed(1) + "," + pos[1].toFixed(1) + ") rotate(" + angle.toFixed(0) + ")" }, g);
    el("path", { d: "M8,0 L-6,-5.5 L-3,0 L-6,5.5 Z", fill: s.phase === "reposition" ? "#7a7a7a" : sortieFill(s) }, m);
  };
  MapView.prototype.panel = function (t, nAir, ground, nSurface) {
    var side = this.side, k = bisect(this.theatreTimes, t), row = k >= 0 ? this.theatre[k] : null;
    var nations = D.theatre.columns.slice(2), max = 1, landed = 0, loaded = 0;
    this.theatre.forEach(function (r) { nations.forEach(function (n) { max = Math.max(max, r[n]); }); });
    sorties.forEach(function (s) { if (s.phase !== "reposition") { loaded++; if (s.landing <= t) landed++; } });
    var onGround = Object.keys(ground).reduce(function (a, id) { return a + ground[id]; }, 0);
    side.clock.textContent = when(t);
    side.counts.textContent = nAir + " airborne, " + onGround + " on the ground" +
      (nSurface ? ", " + nSurface + " convoys or trains moving" : "") + "; " + landed + " of " + loaded +
      " loaded sorties landed";
    side.ground.textContent = Object.keys(ground).sort(function (a, b) { return ground[b] - ground[a] || (a < b ? -1 : 1); })
      .map(function (id) { return id + " " + ground[id]; }).join(" \u00b7 ") || "none";
    side.body.textContent = "";
    nations.forEach(function (n) {
      var v = row ? row[n] : 0, tr = el("tr", {}, side.body);
      el("td", {}, tr, n);
      el("td", { "class": "num", "data-nation": n }, tr, v.toLocaleString("en"));
      el("span", { style: "width:" + (100 * v / max).toFixed(1) + "%;background:" + colours.nation[n] },
        el("td", { "class": "barcell" }, tr));
    });
    var tot = el("tr", {}, side.body);
    el("b", {}, el("td", {}, tot), "total");
    el("b", { id: "theatre-total" }, el("td", { "class": "num" }, tot), (row ? row.total : 0).toLocaleString("en"));
    el("td", {}, tot);
  };
  MapView.prototype.busiest = function (a, b) {  // the time with the most aircraft airborne (a good first view)
    var best = a, n = -1;
    for (var t = a; t <= b; t += 20 * MIN) {
      var k = this.airborne(t).length;
      if (k > n) { n = k; best = t; }
    }
    return best;
  };

  function mapSection(root) {
    var wrap = el("div", { "class": "mapwrap" }, root), left = el("div", {}, wrap), right = el("div", { "class": "side" }, wrap);
    var view = new MapView(left, {});
    el("h3", {}, right, "At the slider's time");
    var side = { clock: el("div", { "class": "clock", id: "map-clock" }, right),
      counts: el("div", { "class": "small", id: "map-counts" }, right) };
    el("h3", { style: "margin-top:12px" }, right, "Tails on the ground");
    side.ground = el("div", { "class": "small", id: "map-ground" }, right);
    el("h3", { style: "margin-top:12px" }, right, "People in theatre");
    side.body = el("tbody", {}, el("table", { id: "theatre-now" }, right));
    view.side = side;
    var legendEntries = D.contingents.map(function (c) { return [colours.contingent[c.id], c.id]; });
    legendEntries.push([colours.empty[""], "empty"]);
    legend(right, legendEntries);
    el("p", { "class": "note" }, right, "\u25b6 aircraft in the air, on the great circle of their route at that " +
      "time; grey discs: tails on the ground (larger: more); squares: road serials and trains (drawn straight)." +
      (D.map ? " Borders: Natural Earth (public domain)." : ""));
    var lo = Math.min(M.start, span(sorties, "off_blocks", "on_blocks")[0]), hi = M.end;
    var bar = el("div", { "class": "slider" }, root);
    var play = el("button", { type: "button", id: "map-play" }, bar, "\u25b6 play");
    var slider = el("input", { type: "range", id: "map-slider", min: 0, max: Math.ceil((hi - lo) / MIN / 5),
      step: 1, "aria-label": "Time" }, bar);
    var speed = el("select", { "aria-label": "Speed" }, bar);
    [["1", "1 h per second"], ["3", "3 h per second"], ["12", "12 h per second"]].forEach(function (o) {
      el("option", { value: o[0] }, speed, o[1]);
    });
    speed.value = "3";
    function at() { return lo + slider.value * 5 * MIN; }
    slider.value = Math.round((view.busiest(lo, hi) - lo) / MIN / 5);
    slider.addEventListener("input", function () { view.update(at()); });
    var playing = false, last = 0;
    function frame(now) {
      if (!playing) return;
      var dt = Math.min(0.1, (now - last) / 1000);
      last = now;
      slider.value = Math.min(+slider.max, +slider.value + dt * speed.value * 12);
      view.update(at());
      if (+slider.value >= +slider.max) { toggle(); return; }
      requestAnimationFrame(frame);
    }
    function toggle() {
      playing = !playing;
      play.textContent = playing ? "\u275a\u275a pause" : "\u25b6 play";
      if (playing) {
        if (+slider.value >= +slider.max) slider.value = 0;
        last = performance.now();
        requestAnimationFrame(frame);
      }
    }
    play.addEventListener("click", toggle);
    view.svg.addEventListener("mouseover", function (e) {
      var g = e.target.parentNode, k = g && g.getAttribute && g.getAttribute("data-k");
      if (k !== null && k !== undefined) { var c = sortieTip(sorties[+k]); showTip(e, c[0], c[1]); }
    });
    view.svg.addEventListener("mouseout", hideTip);
    view.update(at());
  }

  // ------------------------------------------------------------------ start

  function mount(id, fn) {
    var root = document.getElementById(id);
    if (!root) return;
    try { fn(root); } catch (err) {
      el("p", { "class": "warn" }, root, "This chart could not be drawn: " + err.message);
      throw err;
    }
  }
  mount("chart-lines", lineChart);
  mount("chart-gantt", gantt);
  mount("chart-map", mapSection);
  window.simReport = window.simReport || {};
  window.simReport.chartsMs = performance.now();
  requestAnimationFrame(function () {
    setTimeout(function () { window.simReport.readyMs = performance.now(); }, 0);
  });
})();
