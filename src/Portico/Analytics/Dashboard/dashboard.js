// Portico's dashboard: reads the admin API of the gateway that serves it (docs/analytics.md). The admin credential is
// typed into the page, kept in this tab's sessionStorage only, and sent as an Authorization header with each call: a
// browser cannot attach a header to a page navigation, and a credential must never travel in a URL.
"use strict";

(function () {
  const prefix = location.pathname.replace(/\/admin\/dashboard\/?$/i, "");
  const storageKey = "portico.admin.credential";
  const refreshMs = 10000;
  const charts = {};
  let timer = null;

  // The drawn data, readable from the browser's console (and by the dashboard's end-to-end test).
  window.porticoDashboard = { charts: charts };

  const $ = (id) => document.getElementById(id);

  function credential() { return sessionStorage.getItem(storageKey); }

  function showLogin(message) {
    $("board").hidden = true;
    $("forget").hidden = true;
    $("login").hidden = false;
    $("login-error").textContent = message || "";
    stopTimer();
  }

  function showBoard() {
    $("login").hidden = true;
    $("board").hidden = false;
    $("forget").hidden = false;
  }

  class AuthError extends Error {}

  async function api(path) {
    const response = await fetch(prefix + path, {
      headers: { "Authorization": "Bearer " + credential(), "Accept": "application/json" },
      cache: "no-store",
      credentials: "omit",
    });
    const body = await response.json().catch(() => null);
    if (response.status === 401 || response.status === 403) {
      throw new AuthError((body && (body.detail || body.title)) || "The credential was refused (" + response.status + ").");
    }
    if (!response.ok) {
      throw new Error((body && (body.detail || body.title)) || ("HTTP " + response.status));
    }
    return body;
  }

  function text(id, value) { $(id).textContent = value; }

  function num(value) { return value === null || value === undefined ? "–" : String(value); }

  function percent(rate) { return (rate * 100).toFixed(2) + " %"; }

  function fillTable(id, rows) {
    const body = $(id).tBodies[0];
    body.replaceChildren();
    for (const cells of rows) {
      const tr = document.createElement("tr");
      for (const cell of cells) {
        const td = document.createElement("td");
        if (cell && cell.bar !== undefined) {
          td.className = "bar";
          const span = document.createElement("span");
          span.style.width = Math.max(1, Math.round(cell.bar * 100)) + "%";
          td.appendChild(span);
        } else if (cell && cell.cls) {
          td.className = cell.cls;
          td.textContent = cell.text;
        } else {
          td.textContent = cell;
        }
        tr.appendChild(td);
      }
      body.appendChild(tr);
    }
  }

  function chart(id, series, data) {
    const element = $(id);
    const width = Math.max(280, element.clientWidth);
    if (charts[id]) {
      charts[id].setData(data);
      charts[id].setSize({ width: width, height: 220 });
      return;
    }
    charts[id] = new uPlot({
      width: width,
      height: 220,
      scales: { x: { time: true } },
      series: [{}].concat(series),
      axes: [{}, { size: 60 }],
    }, data, element);
  }

  function renderSeries(report) {
    const points = report.series;
    const x = points.map((p) => Date.parse(p.at) / 1000);
    chart("chart-rps", [{ label: "req/s", stroke: "#2458c6", width: 2 }], [x, points.map((p) => p.perSecond)]);
    chart("chart-latency", [
      // Minutes without requests have no latency: points keep a lone busy minute visible.
      { label: "p50", stroke: "#2e8540", width: 2, points: { show: true, size: 5 } },
      { label: "p95", stroke: "#d98200", width: 2, points: { show: true, size: 5 } },
      { label: "p99", stroke: "#b42318", width: 2, points: { show: true, size: 5 } },
    ], [x, points.map((p) => p.p50), points.map((p) => p.p95), points.map((p) => p.p99)]);
    chart("chart-errors", [{ label: "5xx share", stroke: "#b42318", width: 2 }], [x, points.map((p) => p.errorRate)]);
    chart("chart-refusals", [
      { label: "429", stroke: "#8a5a00", width: 2 },
      { label: "auth failures", stroke: "#6b2fb3", width: 2 },
    ], [x, points.map((p) => p.rateLimited), points.map((p) => p.authFailures)]);
  }

  function render(byRoute, byConsumer, state, instances) {
    const totals = byRoute.totals;
    const storage = byRoute.storage;
    const banner = $("storage-banner");
    if (!storage.healthy || byRoute.partial) {
      banner.hidden = false;
      banner.textContent = "Analytics storage is unreachable (" + (storage.lastError || "unknown error") + "): showing only what instance "
        + byRoute.answeredBy + " has not written yet. Requests keep flowing; " + storage.droppedRequests + " request(s) lost from analytics so far.";
    } else {
      banner.hidden = true;
      banner.textContent = "";
    }

    text("status-line", "From " + byRoute.from + " to " + byRoute.to + " · " + storage.mode + " storage · "
      + byRoute.instances.length + " instance(s) reporting · updated " + new Date().toLocaleTimeString());
    text("total-requests", num(totals.requests));
    text("total-rps", num(totals.perSecond));
    text("total-error-rate", percent(totals.errorRate));
    text("total-latency", num(totals.latencyMs.p50) + " / " + num(totals.latencyMs.p95) + " / " + num(totals.latencyMs.p99));
    text("total-429", num(totals.rateLimited));
    const authTotal = Object.values(totals.authFailures).reduce((a, b) => a + b, 0);
    text("total-auth", num(authTotal));

    renderSeries(byRoute);

    const routeMax = Math.max(1, ...byRoute.groups.map((g) => g.requests));
    fillTable("top-routes", byRoute.groups.map((g) => [g.key || "(no route)", String(g.requests), { bar: g.requests / routeMax }, String(g.status["5xx"]), num(g.latencyMs.p95)]));
    const consumerMax = Math.max(1, ...byConsumer.groups.map((g) => g.requests));
    fillTable("top-consumers", byConsumer.groups.map((g) => [g.key || "(anonymous)", String(g.requests), { bar: g.requests / consumerMax },
      String(g.rateLimited), String(Object.values(g.authFailures).reduce((a, b) => a + b, 0))]));
    fillTable("auth-reasons", Object.entries(totals.authFailures).filter((e) => e[1] > 0).map((e) => [e[0], String(e[1])]));
    fillTable("breakers", state.circuitBreakers.map((b) => [b.backend, { cls: "state-" + b.state, text: b.state + (b.openUntil ? " until " + b.openUntil : "") }]));
    fillTable("instances", instances.instances.map((i) => [i.id + (i.self ? " (this one)" : ""), i.lastSeen || "not yet"]));
    document.body.dataset.loaded = String(Date.now());
  }

  async function load() {
    if (!credential()) {
      showLogin();
      return;
    }
    const range = encodeURIComponent($("range").value);
    try {
      const [byRoute, byConsumer, state, instances] = await Promise.all([
        api("/admin/analytics?last=" + range + "&groupBy=route&top=10"),
        api("/admin/analytics?last=" + range + "&groupBy=consumer&top=10"),
        api("/admin/state"),
        api("/admin/instances"),
      ]);
      showBoard();
      render(byRoute, byConsumer, state, instances);
      schedule();
    } catch (error) {
      if (error instanceof AuthError) {
        sessionStorage.removeItem(storageKey);
        showLogin(error.message);
      } else {
        showBoard();
        const banner = $("storage-banner");
        banner.hidden = false;
        banner.textContent = "The gateway did not answer: " + error.message;
        schedule();
      }
    }
  }

  function stopTimer() {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
  }

  function schedule() {
    stopTimer();
    if ($("live").checked) {
      timer = setTimeout(load, refreshMs);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("login-form").addEventListener("submit", (event) => {
      event.preventDefault();
      sessionStorage.setItem(storageKey, $("credential").value.trim());
      $("credential").value = "";
      load();
    });
    $("forget").addEventListener("click", () => {
      sessionStorage.removeItem(storageKey);
      showLogin();
    });
    $("range").addEventListener("change", load);
    $("refresh").addEventListener("click", load);
    $("live").addEventListener("change", schedule);
    load();
  });
})();
