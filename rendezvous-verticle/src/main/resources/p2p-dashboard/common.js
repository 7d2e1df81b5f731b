// What the rendezvous dashboard and a peer's dashboard share: DOM helpers that only ever insert text,
// number formats, the live/lost badge and the rates chart drawn on a <canvas>.
(function () {
  'use strict';

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

  function idCell(id) {
    var td = el('td', shortId(id), 'id');
    td.title = id || '';
    return td;
  }

  function status(text, cls) {
    var s = $('status');
    s.textContent = text;
    s.className = 'status ' + cls;
  }

  function niceCeil(v) {
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    var steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i++) { if (v <= steps[i] * p) { return steps[i] * p; } }
    return 10 * p;
  }

  // One line per series ({key: colour}) over history ([{t, key: value...}]); the axis spans the history
  // there is, at least a minute and at most keepMs. The canvas is sized to its box at the pixel ratio.
  function chart(o) {
    var canvas = $(o.canvas);
    var ratio = window.devicePixelRatio || 1;
    var w = canvas.clientWidth, h = canvas.clientHeight;
    if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
      canvas.width = Math.round(w * ratio);
      canvas.height = Math.round(h * ratio);
    }
    var g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, w, h);
    var left = o.left || 44, right = 8, top = 8, bottom = 20;
    var keys = Object.keys(o.colors);
    var max = o.minMax || 1;
    o.history.forEach(function (p) { keys.forEach(function (k) { max = Math.max(max, p[k] || 0); }); });
    max = o.format ? max : niceCeil(max);
    var label = o.format || function (v) { return String(Math.round(v * 10) / 10); };
    g.strokeStyle = '#26313d';
    g.fillStyle = '#8493a3';
    g.font = '11px system-ui, sans-serif';
    g.lineWidth = 1;
    for (var i = 0; i <= 4; i++) {
      var y = top + (h - top - bottom) * i / 4;
      g.beginPath(); g.moveTo(left, y + 0.5); g.lineTo(w - right, y + 0.5); g.stroke();
      g.fillText(label(max * (4 - i) / 4), 4, y + 4);
    }
    var now = Date.now();
    var history = o.history;
    var span = history.length ? Math.min(o.keepMs, Math.max(60 * 1000, now - history[0].t)) : 60 * 1000;
    var spanText = span >= 120 * 1000 ? Math.round(span / 60000) + ' min' : Math.round(span / 1000) + ' s';
    $(o.spanLabel).textContent = '· last ' + spanText;
    g.fillText('-' + spanText, left, h - 4);
    g.fillText('now', w - right - 22, h - 4);
    function x(t) { return left + (w - left - right) * (1 - Math.min(span, Math.max(0, now - t)) / span); }
    function yv(v) { return top + (h - top - bottom) * (1 - v / max); }
    keys.forEach(function (k) {
      if (!history.length) { return; }
      g.strokeStyle = o.colors[k];
      g.lineWidth = 2;
      g.beginPath();
      history.forEach(function (p, j) {
        if (j === 0) { g.moveTo(x(p.t), yv(p[k] || 0)); } else { g.lineTo(x(p.t), yv(p[k] || 0)); }
      });
      g.stroke();
    });
  }

  window.P2pDashboard = { $: $, el: el, shortId: shortId, bytes: bytes, idCell: idCell, status: status, chart: chart };
}());
