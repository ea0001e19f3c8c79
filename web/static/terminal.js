// Cordillera's web terminal: a shell on a team's host over a websocket.
//
// Protocol (see docs/api.md): binary messages are keystrokes one way and
// terminal output the other; text messages are JSON control messages:
// {"type":"resize","cols":C,"rows":R} from the browser, {"type":"exit",
// "code":N} and {"type":"error","message":M} from the server.
//
// It uses xterm.js when the page loaded it (xterm 3.x, or later versions),
// and otherwise a plain text terminal of its own, good enough for a shell.
(function () {
  'use strict';

  var el = document.getElementById('terminal');
  if (!el) { return; }
  var stateEl = document.getElementById('term-state');
  var again = document.getElementById('term-reconnect');
  var text = el.dataset;
  var encoder = new TextEncoder();

  // xtermTerminal adapts xterm.js to what this file needs.
  function xtermTerminal(box) {
    var T = window.Terminal;
    if (window.fit && typeof T.applyAddon === 'function') { T.applyAddon(window.fit); }
    var t = new T({ cursorBlink: true, scrollback: 5000 });
    var fitAddon = null;
    if (window.FitAddon && typeof t.loadAddon === 'function') {
      fitAddon = new window.FitAddon.FitAddon();
      t.loadAddon(fitAddon);
    }
    box.textContent = '';
    t.open(box);
    var decoder = new TextDecoder();
    function fit() {
      try {
        if (fitAddon) { fitAddon.fit(); } else if (typeof t.fit === 'function') { t.fit(); }
      } catch (e) { /* not laid out yet */ }
    }
    fit();
    return {
      write: function (bytes) { t.write(decoder.decode(bytes, { stream: true })); },
      writeText: function (s) { t.write(s); },
      onData: function (cb) {
        if (typeof t.onData === 'function') { t.onData(cb); } else { t.on('data', cb); }
      },
      onResize: function (cb) {
        var f = function (s) { cb(s.cols, s.rows); };
        if (typeof t.onResize === 'function') { t.onResize(f); } else { t.on('resize', f); }
      },
      size: function () { return { cols: t.cols, rows: t.rows }; },
      fit: fit,
      focus: function () { t.focus(); }
    };
  }

  // plainTerminal is a line-oriented terminal: it keeps text, carriage
  // returns, backspaces and the line-editing escapes a shell uses, and
  // drops other escape sequences (colours, cursor addressing).
  function plainTerminal(box) {
    var pre = document.createElement('pre');
    pre.className = 'term-plain';
    pre.tabIndex = 0;
    pre.setAttribute('role', 'textbox');
    pre.setAttribute('aria-multiline', 'true');
    pre.setAttribute('aria-label', box.getAttribute('aria-label') || '');
    box.textContent = '';
    box.appendChild(pre);
    var head = document.createTextNode('');
    var cursor = document.createElement('span');
    cursor.className = 'term-cursor';
    var tail = document.createTextNode('');
    pre.appendChild(head);
    pre.appendChild(cursor);
    pre.appendChild(tail);

    var maxLines = 5000;
    var lines = [''];
    var col = 0;
    var state = 'text';
    var params = '';
    var decoder = new TextDecoder();
    var dataCb = function () {};
    var resizeCb = function () {};
    var cols = 80, rows = 24;
    var pending = false;

    function put(ch) {
      var i = lines.length - 1;
      var line = lines[i];
      while (line.length < col) { line += ' '; }
      lines[i] = line.slice(0, col) + ch + line.slice(col + 1);
      col++;
    }
    function newline() {
      lines.push('');
      col = 0;
      if (lines.length > maxLines) { lines.splice(0, lines.length - maxLines); }
    }
    function csi(final) {
      var n = parseInt(params, 10) || 0;
      var i = lines.length - 1;
      switch (final) {
        case 'K': // erase in line
          if (n === 0) { lines[i] = lines[i].slice(0, col); } else if (n === 2) { lines[i] = ''; }
          break;
        case 'C': col += Math.max(n, 1); break;
        case 'D': col = Math.max(0, col - Math.max(n, 1)); break;
        case 'G': col = Math.max(0, Math.max(n, 1) - 1); break;
        case 'P': lines[i] = lines[i].slice(0, col) + lines[i].slice(col + Math.max(n, 1)); break;
        case 'J': if (n === 2 || n === 3) { lines = ['']; col = 0; } break;
        case '@': lines[i] = lines[i].slice(0, col) + ' '.repeat(Math.max(n, 1)) + lines[i].slice(col); break;
      }
    }
    function feed(s) {
      for (var k = 0; k < s.length; k++) {
        var ch = s[k];
        var c = s.charCodeAt(k);
        switch (state) {
          case 'esc':
            if (ch === '[') { state = 'csi'; params = ''; } else if (ch === ']') { state = 'osc'; } else if (ch === '(' || ch === ')') { state = 'charset'; } else { state = 'text'; }
            continue;
          case 'charset':
            state = 'text';
            continue;
          case 'csi':
            if (c >= 0x40 && c <= 0x7e) { csi(ch); state = 'text'; } else { params += ch; }
            continue;
          case 'osc':
            if (c === 7) { state = 'text'; } else if (c === 27) { state = 'oscEsc'; }
            continue;
          case 'oscEsc':
            state = 'text';
            continue;
        }
        if (c === 27) { state = 'esc'; } else if (ch === '\n') { newline(); } else if (ch === '\r') { col = 0; } else if (c === 8) { col = Math.max(0, col - 1); } else if (ch === '\t') { col = (Math.floor(col / 8) + 1) * 8; } else if (c >= 32 && c !== 127) { put(ch); }
      }
      render();
    }
    function render() {
      if (pending) { return; }
      pending = true;
      requestAnimationFrame(function () {
        pending = false;
        var last = lines[lines.length - 1];
        while (last.length < col) { last += ' '; }
        var before = lines.slice(0, -1).join('\n');
        head.data = (lines.length > 1 ? before + '\n' : '') + last.slice(0, col);
        cursor.textContent = last.charAt(col) || ' ';
        tail.data = last.slice(col + 1);
        pre.scrollTop = pre.scrollHeight;
      });
    }

    var keys = {
      Enter: '\r', Backspace: '\x7f', Tab: '\t', Escape: '\x1b',
      ArrowUp: '\x1b[A', ArrowDown: '\x1b[B', ArrowRight: '\x1b[C', ArrowLeft: '\x1b[D',
      Home: '\x1b[H', End: '\x1b[F', Delete: '\x1b[3~', Insert: '\x1b[2~', PageUp: '\x1b[5~', PageDown: '\x1b[6~'
    };
    pre.addEventListener('keydown', function (e) {
      if (e.isComposing || e.metaKey) { return; }
      if (e.ctrlKey && (e.shiftKey || e.key === 'v' || e.key === 'V')) { return; } // copy and paste
      var out = null;
      if (keys[e.key]) {
        out = keys[e.key];
      } else if (e.ctrlKey && e.key.length === 1) {
        var up = e.key.toUpperCase().charCodeAt(0);
        if (up >= 64 && up <= 95) { out = String.fromCharCode(up - 64); }
      } else if (e.key.length === 1 || (e.key.length === 2 && e.key.codePointAt(0) > 0xffff)) {
        out = (e.altKey ? '\x1b' : '') + e.key;
      }
      if (out !== null) {
        e.preventDefault();
        dataCb(out);
      }
    });
    pre.addEventListener('paste', function (e) {
      var s = e.clipboardData && e.clipboardData.getData('text');
      if (s) {
        e.preventDefault();
        dataCb(s.replace(/\r?\n/g, '\r'));
      }
    });

    function measure() {
      var probe = document.createElement('span');
      probe.textContent = 'MMMMMMMMMM';
      probe.style.visibility = 'hidden';
      probe.style.position = 'absolute';
      pre.appendChild(probe);
      var w = probe.getBoundingClientRect().width / 10;
      var h = probe.getBoundingClientRect().height;
      pre.removeChild(probe);
      var style = getComputedStyle(pre);
      var width = pre.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      var height = pre.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
      if (w > 0 && h > 0) {
        cols = Math.max(20, Math.floor(width / w));
        rows = Math.max(5, Math.floor(height / h));
      }
    }
    measure();
    render();
    return {
      write: function (bytes) { feed(decoder.decode(bytes, { stream: true })); },
      writeText: function (s) { feed(s); },
      onData: function (cb) { dataCb = cb; },
      onResize: function (cb) { resizeCb = cb; },
      size: function () { return { cols: cols, rows: rows }; },
      fit: function () {
        var before = cols + 'x' + rows;
        measure();
        if (cols + 'x' + rows !== before) { resizeCb(cols, rows); }
      },
      focus: function () { pre.focus(); }
    };
  }

  var term;
  try {
    term = el.dataset.xterm === 'ready' && typeof window.Terminal === 'function' ? xtermTerminal(el) : plainTerminal(el);
  } catch (e) {
    term = plainTerminal(el);
  }

  function setState(state, message) {
    stateEl.dataset.state = state;
    stateEl.textContent = message;
    again.hidden = state === 'connected' || state === 'connecting';
  }

  var ws = null;

  function connect() {
    if (ws) { return; }
    var size = term.size();
    var scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    var url = scheme + '//' + location.host + text.socket + '?cols=' + size.cols + '&rows=' + size.rows;
    var exitCode = null;
    var failure = null;
    setState('connecting', text.msgConnecting);
    var sock = new WebSocket(url);
    sock.binaryType = 'arraybuffer';
    ws = sock;
    sock.onopen = function () {
      setState('connected', text.msgConnected);
      term.focus();
    };
    sock.onmessage = function (e) {
      if (typeof e.data !== 'string') {
        term.write(new Uint8Array(e.data));
        return;
      }
      var m;
      try { m = JSON.parse(e.data); } catch (err) { return; }
      if (m.type === 'exit') {
        exitCode = m.code;
      } else if (m.type === 'error') {
        failure = m.message;
        term.writeText('\r\n' + m.message + '\r\n');
      }
    };
    sock.onclose = function (e) {
      if (ws === sock) { ws = null; }
      if (exitCode !== null) {
        setState('exited', text.msgExited.replace('%d', exitCode));
      } else if (e.code === 1008 && e.reason === 'idle') {
        setState('idle', text.msgIdle);
      } else if (e.code === 1001) {
        setState('disconnected', text.msgServerClosed);
      } else {
        setState('disconnected', text.msgDisconnected + (failure ? ': ' + failure : ''));
      }
      if (exitCode !== null || failure !== null) { again.focus(); }
    };
  }

  function send(data) {
    if (ws && ws.readyState === WebSocket.OPEN) { ws.send(data); }
  }

  term.onData(function (s) { send(encoder.encode(s)); });
  term.onResize(function (cols, rows) { send(JSON.stringify({ type: 'resize', cols: cols, rows: rows })); });

  var resizeTimer = 0;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(term.fit, 100);
  });
  again.addEventListener('click', function () {
    term.writeText('\r\n');
    connect();
  });
  connect();
})();
