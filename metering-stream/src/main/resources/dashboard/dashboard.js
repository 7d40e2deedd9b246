// Tollgate metering dashboard: polls the query API every 2 s and draws inline SVG charts.
// Every number shown carries data-testid + data-value (the raw API value) so tests can read the DOM.
(function () {
  'use strict';
  var REFRESH_MS = 2000;
  var HISTORY = 90;
  var SVG_NS = 'http://www.w3.org/2000/svg';
  var COLORS = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#0891b2', '#db2777', '#65a30d', '#dc2626'];
  var params = new URLSearchParams(window.location.search);
  var fixedAt = params.get('at');           // ?at=<epoch ms> freezes "now" (tests, post-mortems)
  var history = [];
  var refreshes = 0;

  function el(tag, attrs, text) {
    var e = tag.indexOf('svg:') === 0 ? document.createElementNS(SVG_NS, tag.substring(4)) : document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) { if (attrs[k] !== undefined && attrs[k] !== null) { e.setAttribute(k, attrs[k]); } });
    }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }
  function num(testid, value, text, attrs) {
    var a = attrs || {};
    a['data-testid'] = testid;
    a['data-value'] = String(value);
    return a;
  }
  function fmtInt(n) { return Number(n).toLocaleString('en-US'); }
  function fmtUsd(micros) {
    var v = micros / 1e6;
    return (v < 0 ? '-$' : '$') + Math.abs(v).toFixed(Math.abs(v) < 1 ? 6 : 2);
  }
  function fmtTime(ms) { return new Date(ms).toISOString().replace('T', ' ').substring(0, 19) + 'Z'; }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } return node; }
  function empty(container, message) { container.appendChild(el('div', { 'class': 'empty' }, message)); }
  function query(path) {
    return fixedAt ? path + (path.indexOf('?') < 0 ? '?' : '&') + 'at=' + encodeURIComponent(fixedAt) : path;
  }
  function getJson(path) {
    return fetch(path, { cache: 'no-store' }).then(function (r) {
      return r.text().then(function (body) {
        if (!r.ok) { throw new Error(path + ' answered ' + r.status + ': ' + body); }
        return JSON.parse(body);
      });
    });
  }

  // Horizontal bars: rows = [{label, value, testid, color}]
  function barChart(container, rows, format, emptyText) {
    clear(container);
    if (rows.length === 0) { empty(container, emptyText); return; }
    var width = 560, labelW = 210, valueW = 90, rowH = 24, top = 4;
    var max = Math.max.apply(null, rows.map(function (r) { return r.value; }).concat([1]));
    var svg = el('svg:svg', { viewBox: '0 0 ' + width + ' ' + (top + rows.length * rowH + 4), 'data-testid': container.id + '-svg', role: 'img' });
    rows.forEach(function (r, i) {
      var y = top + i * rowH;
      var w = Math.max(0, (width - labelW - valueW) * r.value / max);
      svg.appendChild(el('svg:text', { x: 0, y: y + 16 }, r.label));
      svg.appendChild(el('svg:rect', { x: labelW, y: y + 4, width: w.toFixed(1), height: rowH - 8, fill: r.color, rx: 2, 'data-bar': r.testid }));
      svg.appendChild(el('svg:text', num(r.testid, r.value, null, { x: labelW + w + 6, y: y + 16 }), format(r.value)));
    });
    container.appendChild(svg);
  }

  function modelColor(model, models) { return COLORS[models.indexOf(model) % COLORS.length]; }

  function renderRates(data) {
    var models = [];
    data.rates.forEach(function (r) { if (models.indexOf(r.model) < 0) { models.push(r.model); } });
    models.sort();
    function rows(field, prefix) {
      return data.rates.map(function (r) {
        var id = r.apiKeyId + '|' + r.model;
        return { label: r.apiKeyId + ' · ' + r.model, value: r[field], testid: prefix + ':' + id, color: modelColor(r.model, models) };
      });
    }
    barChart(document.getElementById('rpm-chart'), rows('requestsPerMinute', 'rpm'), fmtInt, 'no requests in the trailing minute');
    barChart(document.getElementById('tpm-chart'), rows('tokensPerMinute', 'tpm'), fmtInt, 'no tokens in the trailing minute');
    var totals = data.rates.reduce(function (t, r) { t.rpm += r.requestsPerMinute; t.tpm += r.tokensPerMinute; return t; }, { rpm: 0, tpm: 0 });
    history.push({ at: data.at, rpm: totals.rpm, tpm: totals.tpm });
    if (history.length > HISTORY) { history.shift(); }
    renderHistory(totals);
  }

  function renderHistory(totals) {
    var container = clear(document.getElementById('history-chart'));
    var width = 1140, height = 150, left = 60, right = 60, top = 10, bottom = 22;
    var svg = el('svg:svg', { viewBox: '0 0 ' + width + ' ' + height, 'data-testid': 'history-chart-svg', 'data-points': history.length, role: 'img' });
    var maxR = Math.max.apply(null, history.map(function (h) { return h.rpm; }).concat([1]));
    var maxT = Math.max.apply(null, history.map(function (h) { return h.tpm; }).concat([1]));
    var plotW = width - left - right, plotH = height - top - bottom;
    svg.appendChild(el('svg:rect', { x: left, y: top, width: plotW, height: plotH, fill: '#f9fafb', stroke: '#e5e7eb' }));
    function line(field, max, color) {
      var pts = history.map(function (h, i) {
        var x = left + plotW * (HISTORY - history.length + i) / (HISTORY - 1); // newest at the right edge
        var y = top + plotH - plotH * h[field] / max;
        return x.toFixed(1) + ',' + y.toFixed(1);
      });
      svg.appendChild(el('svg:polyline', { points: pts.join(' '), fill: 'none', stroke: color, 'stroke-width': 2 }));
    }
    line('rpm', maxR, COLORS[0]);
    line('tpm', maxT, COLORS[2]);
    svg.appendChild(el('svg:text', num('history-max-rpm', maxR, null, { x: left - 6, y: top + 10, 'text-anchor': 'end', fill: COLORS[0] }), fmtInt(maxR)));
    svg.appendChild(el('svg:text', num('history-max-tpm', maxT, null, { x: width - right + 6, y: top + 10, fill: COLORS[2] }), fmtInt(maxT)));
    svg.appendChild(el('svg:text', { x: left, y: height - 6, 'class': 'muted' }, history.length + ' of ' + HISTORY + ' points (3 min), newest on the right; each line scaled to its own max'));
    svg.appendChild(el('svg:text', num('total-rpm', totals.rpm, null, { x: left + 560, y: height - 6, fill: COLORS[0] }), 'requests/min now: ' + fmtInt(totals.rpm)));
    svg.appendChild(el('svg:text', num('total-tpm', totals.tpm, null, { x: left + 780, y: height - 6, fill: COLORS[2] }), 'tokens/min now: ' + fmtInt(totals.tpm)));
    container.appendChild(svg);
  }

  function renderBudgets(data) {
    var container = clear(document.getElementById('budget-chart'));
    if (data.budgets.length === 0) { empty(container, data.following ? 'no budget policies on tollgate.policies.v1' : 'waiting for tollgate.policies.v1'); return; }
    var width = 1140, labelW = 260, valueW = 330, rowH = 44, top = 4;
    var plotW = width - labelW - valueW - 10;
    var svg = el('svg:svg', { viewBox: '0 0 ' + width + ' ' + (top + data.budgets.length * rowH + 4), 'data-testid': 'budget-chart-svg', role: 'img' });
    data.budgets.forEach(function (b, i) {
      var y = top + i * rowH;
      var spend = b.spend ? b.spend.costMicros : 0;
      var inFlight = b.spend ? b.spend.inFlightMicros : 0;
      var scale = Math.max(b.limitMicros, b.hardLimitMicros || 0, spend + inFlight, 1);
      var pct = b.limitMicros > 0 ? Math.round(spend * 1000 / b.limitMicros) / 10 : 0;
      var color = pct >= 100 ? '#dc2626' : pct >= 80 ? '#d97706' : '#16a34a';
      svg.appendChild(el('svg:text', { x: 0, y: y + 19 }, b.scopeType.toLowerCase() + ':' + b.scopeId + ' · ' + b.period.toLowerCase() + (b.spend ? ' ' + b.spend.periodKey : '')));
      svg.appendChild(el('svg:rect', { x: labelW, y: y + 6, width: plotW, height: 18, fill: '#eef0f3', rx: 2 }));
      svg.appendChild(el('svg:rect', { x: labelW, y: y + 6, width: (plotW * Math.max(0, spend) / scale).toFixed(1), height: 18, fill: color, rx: 2, 'data-bar': 'budget:' + b.policyKey }));
      if (inFlight > 0) {
        svg.appendChild(el('svg:rect', { x: (labelW + plotW * Math.max(0, spend) / scale).toFixed(1), y: y + 6, width: (plotW * inFlight / scale).toFixed(1), height: 18, fill: color, opacity: 0.35 }));
      }
      var lx = labelW + plotW * b.limitMicros / scale;
      svg.appendChild(el('svg:line', { x1: lx.toFixed(1), x2: lx.toFixed(1), y1: y + 2, y2: y + rowH - 2, stroke: '#1d2330', 'stroke-width': 2 }));
      if (b.hardLimitMicros !== null && b.hardLimitMicros !== undefined) {
        var hx = labelW + plotW * b.hardLimitMicros / scale;
        svg.appendChild(el('svg:line', { x1: hx.toFixed(1), x2: hx.toFixed(1), y1: y + 2, y2: y + rowH - 2, stroke: '#dc2626', 'stroke-width': 2, 'data-testid': 'budget-hard-limit:' + b.policyKey, 'data-value': b.hardLimitMicros }));
      }
      var tx = labelW + plotW + 10;
      var t = el('svg:text', { x: tx, y: y + 19 });
      t.appendChild(el('svg:tspan', num('budget-spend:' + b.policyKey, spend), fmtUsd(spend)));
      t.appendChild(el('svg:tspan', {}, ' of '));
      t.appendChild(el('svg:tspan', num('budget-limit:' + b.policyKey, b.limitMicros), fmtUsd(b.limitMicros)));
      t.appendChild(el('svg:tspan', {}, ' ('));
      t.appendChild(el('svg:tspan', num('budget-percent:' + b.policyKey, pct), pct.toFixed(1) + '%'));
      t.appendChild(el('svg:tspan', {}, ') in flight '));
      t.appendChild(el('svg:tspan', num('budget-inflight:' + b.policyKey, inFlight), fmtUsd(inFlight)));
      svg.appendChild(t);
      // calls that did not settle by a plain REQUEST and RESPONSE: settled ABANDONED (their reservation stays in
      // the spend), RESPONSEs without a REQUEST (counted at their actual cost)
      var abandoned = b.spend ? b.spend.abandonedCalls : 0;
      var abandonedMicros = b.spend ? b.spend.abandonedMicros : 0;
      var orphans = b.spend ? b.spend.orphanResponses : 0;
      var n = el('svg:text', { x: tx, y: y + 38, 'class': 'muted' });
      n.appendChild(el('svg:tspan', {}, 'abandoned '));
      n.appendChild(el('svg:tspan', num('budget-abandoned:' + b.policyKey, abandoned), fmtInt(abandoned)));
      n.appendChild(el('svg:tspan', {}, ' ('));
      n.appendChild(el('svg:tspan', num('budget-abandoned-micros:' + b.policyKey, abandonedMicros), fmtUsd(abandonedMicros)));
      n.appendChild(el('svg:tspan', {}, ') · without request '));
      n.appendChild(el('svg:tspan', num('budget-orphans:' + b.policyKey, orphans), fmtInt(orphans)));
      svg.appendChild(n);
    });
    container.appendChild(svg);
  }

  function renderHealth(list) {
    var container = clear(document.getElementById('health-chart'));
    var table = clear(document.getElementById('health-table'));
    if (list.length === 0) { empty(container, 'no model responses in the retained windows'); return; }
    var width = 1140, labelW = 200, rowH = 54, top = 22;
    var max = Math.max.apply(null, list.map(function (h) { return h.latencyP99Ms; }).concat([1]));
    var plotW = width - labelW - 90;
    var series = [['p50', 'latencyP50Ms', '#16a34a'], ['p95', 'latencyP95Ms', '#d97706'], ['p99', 'latencyP99Ms', '#dc2626']];
    var svg = el('svg:svg', { viewBox: '0 0 ' + width + ' ' + (top + list.length * rowH), 'data-testid': 'health-chart-svg', role: 'img' });
    series.forEach(function (s, i) {
      svg.appendChild(el('svg:rect', { x: labelW + i * 90, y: 4, width: 10, height: 10, fill: s[2] }));
      svg.appendChild(el('svg:text', { x: labelW + i * 90 + 14, y: 13 }, s[0] + ' latency'));
    });
    list.forEach(function (h, i) {
      var y = top + i * rowH;
      svg.appendChild(el('svg:text', { x: 0, y: y + 28 }, h.model));
      series.forEach(function (s, j) {
        var w = plotW * h[s[1]] / max;
        svg.appendChild(el('svg:rect', { x: labelW, y: y + 2 + j * 16, width: w.toFixed(1), height: 13, fill: s[2], rx: 2 }));
        svg.appendChild(el('svg:text', num('health-' + s[0] + ':' + h.model, h[s[1]], null, { x: labelW + w + 6, y: y + 13 + j * 16 }), fmtInt(h[s[1]]) + ' ms'));
      });
    });
    container.appendChild(svg);
    var cols = [['calls', 'calls'], ['successes', 'successes'], ['errors', null], ['rate-limited', 'errorsRateLimited'],
      ['timeout', 'errorsTimeout'], ['5xx', 'errorsUpstream5xx'], ['bad-request', 'errorsBadRequest'], ['other', 'errorsOther'],
      ['fallbacks', 'fallbacks'], ['tokens/s', 'tokensPerSecond']];
    var head = el('tr');
    head.appendChild(el('th', {}, 'model · window'));
    cols.forEach(function (c) { head.appendChild(el('th', {}, c[0])); });
    table.appendChild(head);
    list.forEach(function (h) {
      var tr = el('tr');
      tr.appendChild(el('td', {}, h.model + ' · ' + fmtTime(h.windowStartMillis).substring(5, 16) + '–' + fmtTime(h.windowEndMillis).substring(11, 16)));
      cols.forEach(function (c) {
        var v = c[1] ? h[c[1]] : h.errorsRateLimited + h.errorsTimeout + h.errorsUpstream5xx + h.errorsBadRequest + h.errorsOther;
        var id = c[0] === 'tokens/s' ? 'tps' : c[0];
        tr.appendChild(el('td', num('health-' + id + ':' + h.model, v), c[0] === 'tokens/s' ? Number(v).toFixed(1) : fmtInt(v)));
      });
      table.appendChild(tr);
    });
  }

  function renderAlerts(data) {
    var table = clear(document.getElementById('alerts-table'));
    var head = el('tr');
    ['time', 'kind', 'scope', 'period', 'threshold', 'spend', 'budget', 'message'].forEach(function (h) {
      head.appendChild(el('th', { 'class': h === 'message' || h === 'kind' || h === 'scope' || h === 'period' ? 'text' : null }, h));
    });
    table.appendChild(head);
    if (data.alerts.length === 0) {
      var tr0 = el('tr');
      tr0.appendChild(el('td', { colspan: 8, 'class': 'text' }, data.following ? 'no alerts yet' : 'waiting for tollgate.alerts.v1'));
      table.appendChild(tr0);
    }
    data.alerts.forEach(function (a) {
      var tr = el('tr', { 'data-alert': a.alertId });
      tr.appendChild(el('td', num('alert-time:' + a.alertId, a.timestamp), fmtTime(a.timestamp)));
      tr.appendChild(el('td', { 'class': 'text' }, a.kind));
      tr.appendChild(el('td', { 'class': 'text' }, a.scopeType.toLowerCase() + ':' + a.scopeId));
      tr.appendChild(el('td', { 'class': 'text' }, a.period.toLowerCase() + ' ' + a.periodKey));
      tr.appendChild(el('td', num('alert-threshold:' + a.alertId, a.thresholdPercent), a.thresholdPercent + '%'));
      if (a.quotaKind) {
        // a daily quota: requests or tokens, not dollars
        var unit = a.quotaKind === 'tpd' ? ' tokens' : ' requests';
        tr.appendChild(el('td', num('alert-used:' + a.alertId, a.quotaUsed), a.quotaUsed + unit));
        tr.appendChild(el('td', num('alert-limit:' + a.alertId, a.quotaLimit), a.quotaLimit + unit));
      } else {
        tr.appendChild(el('td', num('alert-spend:' + a.alertId, a.spendMicros), fmtUsd(a.spendMicros)));
        tr.appendChild(el('td', num('alert-budget:' + a.alertId, a.budgetMicros), fmtUsd(a.budgetMicros)));
      }
      tr.appendChild(el('td', { 'class': 'text' }, a.message));
      table.appendChild(tr);
    });
    var count = document.getElementById('alerts-count');
    if (!count) {
      count = el('span', { id: 'alerts-count' });
      document.querySelector('#alerts-table').parentNode.querySelector('h2 small').appendChild(count);
    }
    count.setAttribute('data-testid', 'alerts-count');
    count.setAttribute('data-value', String(data.alerts.length));
    count.textContent = ' · ' + data.alerts.length + ' shown';
  }

  function setStatus(ok, text) {
    var s = document.getElementById('status');
    s.className = ok ? 'ok' : 'error';
    s.setAttribute('data-value', ok ? 'ok' : 'error');
    s.setAttribute('data-refreshes', String(refreshes));
    s.textContent = text;
  }

  function refresh() {
    Promise.all([
      getJson(query('/dashboard/api/rates')),
      getJson(query('/dashboard/api/budgets')),
      getJson('/v1/model-health'),
      getJson('/dashboard/api/alerts')
    ]).then(function (r) {
      renderRates(r[0]);
      renderBudgets(r[1]);
      renderHealth(r[2]);
      renderAlerts(r[3]);
      refreshes++;
      setStatus(true, 'live · refresh ' + refreshes);
      document.getElementById('clock').textContent = (fixedAt ? 'frozen at ' : 'as of ') + fmtTime(r[0].at);
    }).catch(function (e) {
      setStatus(false, 'error: ' + e.message);
    }).then(function () {
      setTimeout(refresh, REFRESH_MS);
    });
  }

  refresh();
}());
