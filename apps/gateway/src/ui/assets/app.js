/* global window, document, localStorage, fetch, TextDecoderStream, AbortController, requestAnimationFrame, uPlot, PaygateMath */
/**
 * The live dashboard (served at `/` by the gateway). Every second it samples /ui/summary (each
 * service's cumulative counters) and charts requests/s, error rate and p95 latency over a 5 s
 * window; it streams FX ticks from /rates/stream and lists recent payments from /payments with
 * the API key of the key field (stored in this browser's localStorage; prefilled with the demo
 * key outside production). The charts' data is exposed as `window.__paygate` (read by the e2e test).
 */
(function () {
  'use strict';

  var SERVICES = ['gateway', 'payments', 'fx', 'wallet', 'risk'];
  var COLORS = { gateway: '#58a6ff', payments: '#f0883e', fx: '#3fb950', wallet: '#f85149', risk: '#bc8cff' };
  var SAMPLE_MS = 1000;
  var PAYMENTS_MS = 2000;
  /** Rates are taken over this many samples (like rate(...[5s])). */
  var WINDOW = 5;
  /** Chart points kept (5 minutes at one a second). */
  var KEEP = 300;
  var KEY_STORAGE = 'paygate.apiKey';

  var demoKey = document.body.getAttribute('data-demo-key') || '';
  var state = {
    series: { t: [], requests: {}, errors: {}, p95: {}, fx: { t: [], usdIdr: [], eurUsd: [] } },
    samples: 0,
    ticks: 0,
    payments: 0,
    totals: {},
    health: {},
    problems: [],
  };
  SERVICES.forEach(function (s) {
    state.series.requests[s] = [];
    state.series.errors[s] = [];
    state.series.p95[s] = [];
  });
  window.__paygate = state;

  function problem(where, e) {
    var text = where + ': ' + (e && e.message ? e.message : String(e));
    state.problems.push(text);
    if (state.problems.length > 20) state.problems.shift();
  }

  // --- the API key -----------------------------------------------------------------------------
  var keyInput = document.getElementById('api-key');
  var keyStatus = document.getElementById('key-status');
  function apiKey() {
    return localStorage.getItem(KEY_STORAGE) || demoKey;
  }
  keyInput.value = apiKey();
  document.getElementById('key-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var key = keyInput.value.trim();
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
    keyInput.value = apiKey();
    restartStream();
    loadPayments();
  });
  function keyProblem(status) {
    keyStatus.textContent = status === 401 ? 'key rejected' : status === 403 ? 'key lacks the read scope' : 'HTTP ' + status;
  }

  // --- charts ----------------------------------------------------------------------------------
  function width(el) {
    return Math.max(320, el.clientWidth);
  }
  function serviceChart(id, digits) {
    var el = document.getElementById(id);
    var opts = {
      width: width(el),
      height: 200,
      legend: { live: false },
      scales: {
        x: { time: true },
        y: {
          range: function (_u, min, max) {
            return [0, Math.max(max, digits === 0 ? 1 : 0.1)];
          },
        },
      },
      axes: [
        { stroke: '#8a96a3', grid: { stroke: '#2a323c' } },
        { stroke: '#8a96a3', grid: { stroke: '#2a323c' }, size: 56 },
      ],
      series: [{}].concat(
        SERVICES.map(function (s) {
          return { label: s, stroke: COLORS[s], width: 2, spanGaps: false };
        }),
      ),
    };
    return {
      el: el,
      plot: new uPlot(
        opts,
        [[]].concat(
          SERVICES.map(function () {
            return [];
          }),
        ),
        el,
      ),
    };
  }
  var charts = {
    requests: serviceChart('chart-requests', 0),
    errors: serviceChart('chart-errors', 0),
    p95: serviceChart('chart-p95', 1),
  };
  var fxEl = document.getElementById('chart-fx');
  charts.fx = {
    el: fxEl,
    plot: new uPlot(
      {
        width: width(fxEl),
        height: 200,
        legend: { live: false },
        scales: { x: { time: true }, idr: { auto: true }, usd: { auto: true } },
        axes: [
          { stroke: '#8a96a3', grid: { stroke: '#2a323c' } },
          { scale: 'idr', stroke: '#f0883e', grid: { stroke: '#2a323c' }, size: 64 },
          { scale: 'usd', side: 1, stroke: '#58a6ff', grid: { show: false }, size: 64 },
        ],
        series: [
          {},
          { label: 'USD/IDR', scale: 'idr', stroke: '#f0883e', width: 2 },
          { label: 'EUR/USD', scale: 'usd', stroke: '#58a6ff', width: 2 },
        ],
      },
      [[], [], []],
      fxEl,
    ),
  };

  var drawPending = false;
  function redraw() {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(function () {
      drawPending = false;
      var s = state.series;
      ['requests', 'errors', 'p95'].forEach(function (k) {
        charts[k].plot.setData(
          [s.t].concat(
            SERVICES.map(function (svc) {
              return s[k][svc];
            }),
          ),
        );
      });
      charts.fx.plot.setData([s.fx.t, s.fx.usdIdr, s.fx.eurUsd]);
    });
  }
  window.addEventListener('resize', function () {
    Object.keys(charts).forEach(function (k) {
      charts[k].plot.setSize({ width: width(charts[k].el), height: 200 });
    });
  });

  function trim(arr) {
    if (arr.length > KEEP) arr.splice(0, arr.length - KEEP);
  }

  // --- service summary: rates, errors, p95, health ---------------------------------------------
  var history = [];
  var healthList = document.getElementById('health');
  function showHealth(summary) {
    healthList.textContent = '';
    summary.services.forEach(function (s) {
      state.health[s.service] = s.health;
      var li = document.createElement('li');
      li.className = s.health;
      li.title = s.service + ': ' + s.health;
      li.textContent = s.service;
      healthList.appendChild(li);
    });
  }
  function ingest(summary) {
    history.push(summary);
    if (history.length > WINDOW + 1) history.shift();
    showHealth(summary);
    summary.services.forEach(function (s) {
      if (s.traffic) state.totals[s.service] = s.traffic.requests;
    });
    if (history.length < 2) return;
    var points = PaygateMath.pointsBetween(history[0], summary);
    state.series.t.push(Date.parse(summary.at) / 1000);
    SERVICES.forEach(function (svc) {
      var p = points[svc] || { rps: null, errorPct: null, p95Ms: null };
      state.series.requests[svc].push(p.rps);
      state.series.errors[svc].push(p.errorPct);
      state.series.p95[svc].push(p.p95Ms);
      trim(state.series.requests[svc]);
      trim(state.series.errors[svc]);
      trim(state.series.p95[svc]);
    });
    trim(state.series.t);
    state.samples++;
    redraw();
  }
  function sample() {
    fetch('/ui/summary', { cache: 'no-store' })
      .then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.json();
      })
      .then(ingest)
      .catch(function (e) {
        problem('summary', e);
      })
      .then(function () {
        window.setTimeout(sample, SAMPLE_MS);
      });
  }

  // --- FX ticks (Server-Sent Events read with fetch, so the key travels in a header) ------------
  var fxLast = document.getElementById('fx-last');
  var stream = null;
  var lastTickId = null;
  function onTick(data) {
    var tick = JSON.parse(data);
    // Rates are units per one pivot unit (EUR); the pivot itself is 1.
    var rates = Object.assign({}, tick.rates);
    if (!rates[tick.pivot]) rates[tick.pivot] = '1';
    var usdIdr = PaygateMath.crossRate(rates, 'USD', 'IDR');
    var eurUsd = PaygateMath.crossRate(rates, 'EUR', 'USD');
    state.series.fx.t.push(Date.parse(tick.as_of) / 1000);
    state.series.fx.usdIdr.push(usdIdr);
    state.series.fx.eurUsd.push(eurUsd);
    trim(state.series.fx.t);
    trim(state.series.fx.usdIdr);
    trim(state.series.fx.eurUsd);
    state.ticks++;
    // Display only (the exact decimal strings stay in the tick).
    fxLast.textContent =
      '#' +
      tick.seq +
      ' ' +
      tick.source +
      (usdIdr ? ' · USD/IDR ' + usdIdr.toFixed(2) : '') +
      (eurUsd ? ' · EUR/USD ' + eurUsd.toFixed(5) : '');
    redraw();
  }
  function onFrame(frame) {
    var id = null;
    var event = 'message';
    var data = [];
    frame.split('\n').forEach(function (line) {
      if (line === '' || line.charAt(0) === ':') return;
      var colon = line.indexOf(':');
      var field = colon < 0 ? line : line.slice(0, colon);
      var value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    });
    if (id !== null) lastTickId = id;
    if (event === 'tick' && data.length > 0) onTick(data.join('\n'));
  }
  function restartStream() {
    if (stream) stream.abort();
    var ctrl = new AbortController();
    stream = ctrl;
    var key = apiKey();
    if (!key) {
      keyStatus.textContent = 'enter an API key for FX ticks and payments';
      return;
    }
    var headers = { Accept: 'text/event-stream', Authorization: 'Bearer ' + key };
    if (lastTickId !== null) headers['Last-Event-ID'] = lastTickId;
    fetch('/rates/stream', { headers: headers, signal: ctrl.signal, cache: 'no-store' })
      .then(function (res) {
        if (!res.ok) {
          keyProblem(res.status);
          throw new Error('HTTP ' + res.status);
        }
        var reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        var buffer = '';
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) return;
            buffer += chunk.value.replace(/\r\n?/g, '\n');
            var end;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              onFrame(buffer.slice(0, end));
              buffer = buffer.slice(end + 2);
            }
            return pump();
          });
        }
        return pump();
      })
      .catch(function (e) {
        if (ctrl.signal.aborted) return;
        problem('fx stream', e);
      })
      .then(function () {
        // The stream ended or failed: reconnect (resuming after the last tick) unless replaced.
        if (stream === ctrl && !ctrl.signal.aborted) window.setTimeout(restartStream, 2000);
      });
  }

  // --- recent payments -------------------------------------------------------------------------
  var seenPayments = {};
  var paymentsBody = document.querySelector('#payments tbody');
  var paymentsStatus = document.getElementById('payments-status');
  function cell(row, text, className) {
    var td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    row.appendChild(td);
  }
  function showPayments(list) {
    paymentsBody.textContent = '';
    list.data.forEach(function (p) {
      if (!seenPayments[p.id]) {
        seenPayments[p.id] = true;
        state.payments++;
      }
      var row = document.createElement('tr');
      cell(row, p.id);
      cell(row, p.status, 'status-' + p.status);
      cell(row, p.amount + ' ' + p.currency, 'num');
      cell(row, p.source_account + ' → ' + p.destination_account);
      cell(row, p.risk ? p.risk.decision + ' (' + p.risk.score + ')' : '');
      cell(row, new Date(p.created_at).toLocaleTimeString());
      paymentsBody.appendChild(row);
    });
    paymentsStatus.textContent = list.data.length === 0 ? '(none yet)' : '';
  }
  function loadPayments() {
    var key = apiKey();
    if (!key) return Promise.resolve();
    return fetch('/payments?limit=10', { headers: { Authorization: 'Bearer ' + key }, cache: 'no-store' })
      .then(function (r) {
        if (!r.ok) {
          keyProblem(r.status);
          throw new Error('HTTP ' + r.status);
        }
        keyStatus.textContent = '';
        return r.json();
      })
      .then(showPayments)
      .catch(function (e) {
        problem('payments', e);
      });
  }
  function pollPayments() {
    loadPayments().then(function () {
      window.setTimeout(pollPayments, PAYMENTS_MS);
    });
  }

  sample();
  restartStream();
  pollPayments();
})();
