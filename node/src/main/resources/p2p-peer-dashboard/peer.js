// A peer's dashboard: one EventSource on /status/stream (the control endpoint's /status, pushed every
// second). Byte rates are the difference between two snapshots. Text goes in with textContent only.
(function () {
  'use strict';
  var COLORS = { received: '#4fb3ff', sent: '#f5a623' };
  var KEEP_MS = 5 * 60 * 1000;
  var history = [];
  var last = null;

  function $(id) { return document.getElementById(id); }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }

  function shortId(id) { return id && id.length > 16 ? id.slice(0, 12) + '…' + id.slice(-4) : (id || ''); }

  function bytes(n) {
    var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    var i = 0;
    n = Number(n) || 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? Math.round(n) : n.toFixed(1)) + ' ' + units[i];
  }

  function age(s) {
    if (s < 60) { return s + ' s'; }
    if (s < 3600) { return Math.floor(s / 60) + ' min'; }
    return Math.floor(s / 3600) + ' h';
  }

  function idCell(id) {
    var td = el('td', shortId(id), 'id');
    td.title = id || '';
    return td;
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
    chart(now);
  }

  function chart(now) {
    var canvas = $('chart');
    var ratio = window.devicePixelRatio || 1;
    var w = canvas.clientWidth, h = canvas.clientHeight;
    if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
      canvas.width = Math.round(w * ratio);
      canvas.height = Math.round(h * ratio);
    }
    var g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, w, h);
    var left = 64, right = 8, top = 8, bottom = 20;
    var max = 1024;
    history.forEach(function (p) { max = Math.max(max, p.received, p.sent); });
    g.strokeStyle = '#26313d';
    g.fillStyle = '#8493a3';
    g.font = '11px system-ui, sans-serif';
    for (var i = 0; i <= 4; i++) {
      var y = top + (h - top - bottom) * i / 4;
      g.beginPath(); g.moveTo(left, y + 0.5); g.lineTo(w - right, y + 0.5); g.stroke();
      g.fillText(bytes(max * (4 - i) / 4), 4, y + 4);
    }
    var span = history.length ? Math.min(KEEP_MS, Math.max(60 * 1000, now - history[0].t)) : 60 * 1000;
    var spanText = span >= 120 * 1000 ? Math.round(span / 60000) + ' min' : Math.round(span / 1000) + ' s';
    $('chart-span').textContent = '· last ' + spanText;
    g.fillText('-' + spanText, left, h - 4);
    g.fillText('now', w - right - 22, h - 4);
    function x(t) { return left + (w - left - right) * (1 - Math.min(span, Math.max(0, now - t)) / span); }
    function yv(v) { return top + (h - top - bottom) * (1 - v / max); }
    Object.keys(COLORS).forEach(function (k) {
      if (!history.length) { return; }
      g.strokeStyle = COLORS[k];
      g.lineWidth = 2;
      g.beginPath();
      history.forEach(function (p, j) {
        if (j === 0) { g.moveTo(x(p.t), yv(p[k])); } else { g.lineTo(x(p.t), yv(p[k])); }
      });
      g.stroke();
    });
  }

  function status(text, cls) {
    var s = $('status');
    s.textContent = text;
    s.className = 'status ' + cls;
  }

  var source = new EventSource('../status/stream');
  source.onopen = function () { status('live', 'live'); };
  source.onmessage = function (e) {
    status('live · ' + new Date().toLocaleTimeString(), 'live');
    render(JSON.parse(e.data));
  };
  source.onerror = function () { status('reconnecting…', 'lost'); };
}());
