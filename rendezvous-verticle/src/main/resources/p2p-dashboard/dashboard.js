// The rendezvous dashboard: one EventSource on /api/v1/stream, each message a full snapshot that
// replaces what the page shows. Text goes in with textContent only: peer-supplied strings never become markup.
(function () {
  'use strict';
  var COLORS = { stunRequests: '#4fb3ff', turnRequests: '#f5a623', signallingRelayed: '#7ed491' };

  var D = window.P2pDashboard;
  var $ = D.$, el = D.el, bytes = D.bytes, idCell = D.idCell, status = D.status;

  function ago(ms) {
    var s = Math.max(0, Math.round((Date.now() - ms) / 1000));
    if (s < 60) { return s + ' s ago'; }
    if (s < 3600) { return Math.floor(s / 60) + ' min ago'; }
    return Math.floor(s / 3600) + ' h ago';
  }

  function rate(v) { return v === undefined || v === null ? '–' : (v >= 100 ? Math.round(v) : Number(v).toFixed(1)); }

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
      var path = badge(x.path); path.className = 'path';
      if (x.via) { path.appendChild(el('span', ' via ' + x.via, 'via')); }
      tr.appendChild(path);
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
    D.chart({ canvas: 'chart', spanLabel: 'chart-span', history: (s.counters && s.counters.history) || [],
      colors: COLORS, keepMs: 5 * 60 * 1000 });
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
