/* TrackR session recorder: rrweb's recorder, started only when the site
 * records (GET /api/recording/config says so: recordings on, in the plan),
 * never under Do-Not-Track / Global Privacy Control when the site honours
 * them, and, where the site requires consent, only after
 * trackr('consent', true) (or trackrRecorder('consent', true)).
 * Inputs are always masked; all text too when the site asks; elements with
 * the class trackr-block are never recorded. No cookies, no storage: one
 * page load (and its in-page navigation) is one recording.
 *
 *   <script defer data-domain="example.com" src="https://trackr.example/js/recorder.js"></script>
 */
import { record } from '@rrweb/record';

(function (w, d) {
  try {
    if (w.trackrRecorder) return;
    var s = d.currentScript || d.querySelector('script[src*="recorder.js"]');
    var a = function (k) { return s && s.getAttribute(k); };
    var origin = new URL(s.src).origin;
    var api = a('data-api') || origin + '/api/recording';
    var domain = a('data-domain') || location.hostname;
    var FLUSH_MS = +(a('data-flush-ms') || 5000);
    var MAX_CHUNK_EVENTS = 500;
    var consent = false, config = null, stopFn = null, started = 0, seq = 0, buffer = [], timer = 0, stopped = false, revoked = false;
    var sessionId = (w.crypto && w.crypto.randomUUID ? w.crypto.randomUUID() : String(Math.random()).slice(2) + Date.now()).replace(/[^A-Za-z0-9_-]/g, '');

    var dnt = function () {
      var n = navigator;
      return n.doNotTrack == '1' || w.doNotTrack == '1' || n.globalPrivacyControl === true;
    };

    var post = function (body, last) {
      var json = JSON.stringify(body);
      // The page is going away: a small plain request that survives it.
      if (last || typeof CompressionStream == 'undefined') {
        return fetch(api, { method: 'POST', body: json, keepalive: json.length < 60000, headers: { 'Content-Type': 'text/plain' } }).catch(function () {});
      }
      var gz = new Blob([json]).stream().pipeThrough(new CompressionStream('gzip'));
      return new Response(gz).arrayBuffer().then(function (buf) {
        return fetch(api, { method: 'POST', body: buf, headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' } });
      }).catch(function () {});
    };

    var flush = function (last) {
      if (!buffer.length) return;
      var events = buffer;
      buffer = [];
      var body = { domain: domain, sessionId: sessionId, seq: seq++, events: events };
      if (consent) body.consent = true;
      w.trackrRecorder.pending = post(body, last);
    };

    var stop = function () {
      if (stopped) return;
      stopped = true;
      if (stopFn) stopFn();
      clearInterval(timer);
      flush(true);
    };

    var start = function () {
      if (stopFn || stopped || !config || !config.record) return;
      if (config.honorDnt && dnt()) return;
      if (config.requireConsent && !consent) return;
      if (Math.random() >= config.sampleRate) { stopped = true; return; }
      started = Date.now();
      stopFn = record({
        emit: function (event) {
          buffer.push(event);
          if (Date.now() - started > config.maxSeconds * 1000) stop();
          else if (buffer.length >= MAX_CHUNK_EVENTS) flush();
        },
        maskAllInputs: true,
        maskInputOptions: { password: true },
        // Fixed width: not even a password's length is kept.
        maskInputFn: function () { return '****'; },
        // Text typed into rich-text editors is input too.
        maskTextSelector: config.maskAllText ? '*' : '[contenteditable],[contenteditable] *',
        blockClass: config.blockClass || 'trackr-block',
        blockSelector: '.trackr-block',
        inlineStylesheet: true,
        collectFonts: false,
        recordCanvas: false,
        sampling: { mousemove: 50, scroll: 150, input: 'last' },
      });
      timer = setInterval(function () { flush(); }, FLUSH_MS);
      d.addEventListener('visibilitychange', function () { if (d.visibilityState == 'hidden') flush(true); });
      w.addEventListener('pagehide', function () { flush(true); });
    };

    var recorder = function (name, value) {
      if (name == 'consent') {
        consent = value === true;
        if (!consent) { stop(); revoked = true; }
        // Consent given again after it was withdrawn: record anew.
        else { if (revoked) { revoked = false; stopped = false; stopFn = null; } start(); }
      }
      else if (name == 'stop') stop();
      else if (name == 'flush') flush();
    };
    recorder.sessionId = sessionId;
    w.trackrRecorder = recorder;

    // Consent given through the tracking script reaches the recorder too.
    var wrap = function () {
      var t = w.trackr;
      if (typeof t != 'function' || t.recorderWrapped) return;
      var wrapped = function (name, o) {
        if (name == 'consent') recorder('consent', o);
        return t.apply(this, arguments);
      };
      for (var k in t) wrapped[k] = t[k];
      wrapped.recorderWrapped = 1;
      w.trackr = w.plausible = wrapped;
    };
    wrap();
    if (!w.trackr) d.addEventListener('DOMContentLoaded', wrap);
    if (w.trackr && w.trackr.q) for (var i = 0; i < w.trackr.q.length; i++) if (w.trackr.q[i][0] == 'consent') consent = w.trackr.q[i][1] === true;

    fetch(origin + '/api/recording/config?domain=' + encodeURIComponent(domain))
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (c) { config = c; start(); })
      .catch(function () {});
  } catch (e) {}
})(window, document);
