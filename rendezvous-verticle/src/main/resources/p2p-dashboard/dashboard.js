// The rendezvous dashboard: one EventSource on /api/v1/stream, each message a full snapshot that
// replaces what the page shows. Text goes in with textContent only: peer-supplied strings never become markup.
(function () {
  'use strict';
  var COLORS = { stunRequests: '#4fb3ff', turnRequests: '#f5a623', signallingRelayed: '#7ed491' };

  function $(id) { return document.getElementById(id); }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }

  function shortId(id) { return id && id.length > 16 ? id.slice(0, 12) + '…' + id.slice(-4) : (id || ''); }

  function ago(ms) {
    var s = Math.max(0, Math.round((Date.now() - ms) / 1000));
    if (s < 60) { return s + ' s ago'; }
    if (s < 3600) { return Math.floor(s / 60) + ' min ago'; }
    return Math.floor(s / 3600) + ' h ago';
  }

  function bytes(n) {
    var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    var i = 0;
    n = Number(n) || 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
  }

  function rate(v) { return v === undefined || v === null ? '–' : (v >= 100 ? Math.round(v) : Number(v).toFixed(1)); }

  function idCell(id) {
    var td = el('td', shortId(id), 'id');
    td.title = id || '';
    return td;
  }

  function badge(text) {
    var td = el('td');
    if (text) { td.appendChild(el('span', text, 'badge ' + text)); } else { td.textContent = '–'; }
    return td;
  }

  function fill(tableId, rows, build) {
    var body = $(tableId).querySelector('tbody');
    var fresh = document.createElement('tbody');
    rows.forEach(function (r) { fresh.appendChild(build(r)); });
    body.parentNode.replaceChild(fresh, body);
    $(tableId + '-count').textContent = rows.length;
    $(tableId + '-empty').style.display = rows.length ? 'none' : '';
    $(tableId).style.display = rows.length ? '' : 'none';
  }

  function render(s) {
    $('node').textContent = 'node ' + s.node;
    var peers = s.peers || [], sessions = s.sessions || [], relays = s.relays || [];
    fill('peers', peers, function (p) {
      var tr = el('tr');
      tr.setAttribute('data-peer', p.peerId);
      tr.appendChild(idCell(p.peerId));
      tr.appendChild(el('td', p.transport));
      tr.appendChild(el('td', p.remote, 'id'));
      tr.appendChild(el('td', ago(p.registeredAt)));
      return tr;
    });
    fill('sessions', sessions, function (x) {
      var tr = el('tr');
      tr.setAttribute('data-session', x.sessionId);
      tr.appendChild(idCell(x.sessionId));
      tr.appendChild(idCell(x.offerer));
      tr.appendChild(idCell(x.answerer));
      tr.appendChild(el('td', x.method, 'method'));
      var state = badge(x.state); state.className = 'state'; tr.appendChild(state);
      var path = badge(x.path); path.className = 'path'; tr.appendChild(path);
      tr.appendChild(el('td', x.rttMs === null || x.rttMs === undefined ? '–' : Number(x.rttMs).toFixed(1) + ' ms', 'rtt'));
      tr.appendChild(el('td', ago(x.updatedAt)));
      return tr;
    });
    fill('relays', relays, function (r) {
      var tr = el('tr');
      tr.setAttribute('data-relay', r.node);
      var node = idCell(r.node);
      if (r.local) { node.appendChild(el('span', ' (this node)')); }
      tr.appendChild(node);
      tr.appendChild(el('td', r.address + ' ' + (r.transports || []).join('+'), 'id'));
      var load = el('td');
      var bar = el('span', null, 'bar');
      var inner = el('span');
      inner.style.width = Math.min(100, Math.round((r.load || 0) * 100)) + '%';
      bar.appendChild(inner);
      load.appendChild(bar);
      load.appendChild(document.createTextNode(r.allocations + (r.maxAllocations ? ' / ' + r.maxAllocations : '')));
      tr.appendChild(load);
      tr.appendChild(el('td', bytes(r.bytesRelayed)));
      return tr;
    });
    var per = (s.counters && s.counters.perSecond) || {};
    $('tile-peers').textContent = peers.length;
    $('tile-sessions').textContent = sessions.filter(function (x) { return x.state !== 'closed'; }).length;
    $('tile-stun').textContent = rate(per.stunRequests);
    $('tile-turn').textContent = rate(per.turnRequests);
    $('tile-sig').textContent = rate(per.signallingRelayed);
    var a = s.allocations || {};
    $('tile-alloc').textContent = a.enabled ? a.count : 'off';
    $('tile-alloc-bytes').textContent = a.enabled ? bytes(a.bytesRelayed) + ' relayed' : 'no relay on this node';
    chart((s.counters && s.counters.history) || []);
  }

  // A line per series over the sampled history; the canvas is sized to its box at the device's pixel ratio.
  function chart(history) {
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
    var left = 44, right = 8, top = 8, bottom = 20;
    var keys = Object.keys(COLORS);
    var max = 1;
    history.forEach(function (p) { keys.forEach(function (k) { max = Math.max(max, p[k] || 0); }); });
    max = niceCeil(max);
    g.strokeStyle = '#26313d';
    g.fillStyle = '#8493a3';
    g.font = '11px system-ui, sans-serif';
    g.lineWidth = 1;
    for (var i = 0; i <= 4; i++) {
      var y = top + (h - top - bottom) * i / 4;
      g.beginPath(); g.moveTo(left, y + 0.5); g.lineTo(w - right, y + 0.5); g.stroke();
      g.fillText(String(Math.round(max * (4 - i) / 4 * 10) / 10), 4, y + 4);
    }
    // The axis spans the history there is (at least a minute, at most the 5 minutes the server keeps).
    var now = Date.now();
    var span = history.length ? Math.min(5 * 60 * 1000, Math.max(60 * 1000, now - history[0].t)) : 60 * 1000;
    var spanText = span >= 120 * 1000 ? Math.round(span / 60000) + ' min' : Math.round(span / 1000) + ' s';
    $('chart-span').textContent = '· last ' + spanText;
    g.fillText('-' + spanText, left, h - 4);
    g.fillText('now', w - right - 22, h - 4);
    function x(t) { return left + (w - left - right) * (1 - Math.min(span, Math.max(0, now - t)) / span); }
    function yv(v) { return top + (h - top - bottom) * (1 - v / max); }
    keys.forEach(function (k) {
      if (!history.length) { return; }
      g.strokeStyle = COLORS[k];
      g.lineWidth = 2;
      g.beginPath();
      history.forEach(function (p, j) {
        if (j === 0) { g.moveTo(x(p.t), yv(p[k] || 0)); } else { g.lineTo(x(p.t), yv(p[k] || 0)); }
      });
      g.stroke();
    });
  }

  function niceCeil(v) {
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    var steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i++) { if (v <= steps[i] * p) { return steps[i] * p; } }
    return 10 * p;
  }

  function status(text, cls) {
    var s = $('status');
    s.textContent = text;
    s.className = 'status ' + cls;
  }

  function connect() {
    // Same origin: the token cookie set when the page was opened with ?token= goes along.
    var source = new EventSource('../api/v1/stream' + window.location.search);
    source.onopen = function () { status('live', 'live'); };
    source.onmessage = function (e) {
      status('live · ' + new Date().toLocaleTimeString(), 'live');
      render(JSON.parse(e.data));
    };
    source.onerror = function () { status('reconnecting…', 'lost'); };
  }

  connect();
}());
