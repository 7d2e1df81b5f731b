// A peer's dashboard: one EventSource on /status/stream (the control endpoint's /status, pushed every
// second). Byte rates are the difference between two snapshots. Text goes in with textContent only.
(function () {
  'use strict';
  var COLORS = { received: '#4fb3ff', sent: '#f5a623' };
  var KEEP_MS = 5 * 60 * 1000;
  var history = [];
  var last = null;

  var D = window.P2pDashboard;
  var $ = D.$, el = D.el, shortId = D.shortId, bytes = D.bytes, idCell = D.idCell, status = D.status;

  function age(s) {
    if (s < 60) { return s + ' s'; }
    if (s < 3600) { return Math.floor(s / 60) + ' min'; }
    return Math.floor(s / 3600) + ' h';
  }

  function render(s) {
    var now = Date.now();
    var sessions = s.sessions || [];
    $('node').textContent = shortId(s.peerId);
    $('node').title = s.peerId || '';
    var sig = s.signalling || {};
    $('tile-signalling').textContent = (sig.state || 'unknown').toLowerCase();
    $('tile-sessions').textContent = sessions.length;
    var direct = sessions.filter(function (x) { return x.path === 'direct'; }).length;
    $('tile-paths').textContent = direct + ' / ' + sessions.filter(function (x) { return x.path === 'relayed'; }).length;
    var nat = s.nat || {};
    $('tile-nat').textContent = (nat.natType || 'unknown').toLowerCase().replace(/_/g, ' ');
    $('tile-nat-detail').textContent = nat.mapping ? 'mapping ' + nat.mapping.toLowerCase().replace(/_/g, '-') : (nat.reason || '');

    var sent = 0, received = 0;
    sessions.forEach(function (x) { sent += x.bytesSent || 0; received += x.bytesReceived || 0; });
    if (last && now > last.t) {
      var sec = (now - last.t) / 1000;
      // A closed session takes its bytes with it: a drop is not a negative rate.
      var point = { t: now, received: Math.max(0, received - last.received) / sec, sent: Math.max(0, sent - last.sent) / sec };
      history.push(point);
      while (history.length && now - history[0].t > KEEP_MS) { history.shift(); }
      $('tile-in').textContent = bytes(point.received);
      $('tile-out').textContent = bytes(point.sent);
    }
    last = { t: now, sent: sent, received: received };

    var body = $('sessions').querySelector('tbody');
    var fresh = document.createElement('tbody');
    sessions.forEach(function (x) {
      var tr = el('tr');
      tr.setAttribute('data-session', x.sessionId);
      tr.appendChild(idCell(x.sessionId));
      tr.appendChild(idCell(x.peer));
      tr.appendChild(el('td', x.method || '–', 'method'));
      var path = el('td', null, 'path');
      if (x.path) { path.appendChild(el('span', x.path, 'badge ' + x.path)); } else { path.textContent = '–'; }
      if (x.via) { path.appendChild(el('span', ' via ' + x.via, 'via')); }
      tr.appendChild(path);
      tr.appendChild(el('td', x.remote || '–', 'id'));
      tr.appendChild(el('td', x.rttMs === undefined || x.rttMs === null ? '–' : Number(x.rttMs).toFixed(1) + ' ms', 'rtt'));
      tr.appendChild(el('td', bytes(x.bytesSent)));
      tr.appendChild(el('td', bytes(x.bytesReceived)));
      tr.appendChild(el('td', age(x.ageSeconds || 0)));
      fresh.appendChild(tr);
    });
    body.parentNode.replaceChild(fresh, body);
    $('sessions-count').textContent = sessions.length;
    $('sessions-empty').style.display = sessions.length ? 'none' : '';
    $('sessions').style.display = sessions.length ? '' : 'none';
    D.chart({ canvas: 'chart', spanLabel: 'chart-span', history: history, colors: COLORS, keepMs: KEEP_MS,
      left: 64, minMax: 1024, format: bytes });
  }

  var source = new EventSource('../status/stream');
  source.onopen = function () { status('live', 'live'); };
  source.onmessage = function (e) {
    status('live · ' + new Date().toLocaleTimeString(), 'live');
    render(JSON.parse(e.data));
  };
  source.onerror = function () { status('reconnecting…', 'lost'); };
}());
