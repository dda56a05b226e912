/* TrackR tracking script: no cookies, no storage. The source of
   api/assets/script.js (GET /js/script.js), which tracker/build.mjs
   minifies. */
(function (w, d) {
  try {
    if (w.trackr && w.trackr.t) return;
    var l = location, n = navigator, h = history, last, consent = 0,
      s = d.currentScript || d.querySelector('script[data-domain]'),
      a = function (k) { return s.getAttribute(k) },
      has = function (k) { return s.hasAttribute(k) },
      api = a('data-api') || new URL(s.src).origin + '/api/event',
      hash = has('data-hash'), req = has('data-require-consent'),
      // DNT / GPC unless data-honor-dnt="false"; localhost unless data-allow-localhost
      off = (a('data-honor-dnt') != 'false' && (n.doNotTrack == '1' || w.doNotTrack == '1' || n.globalPrivacyControl === true)) ||
        (!has('data-allow-localhost') && (/^(localhost|127\.0\.0\.1|\[::1\])$|\.localhost$/.test(l.hostname) || l.protocol == 'file:')),
      url = function () { return hash ? l.href : l.href.replace(/#.*/, '') },
      no = function () { return off || (req && !consent) },

      // o: {props, revenue, callback}; e: extra fields
      send = function (name, o, e) {
        o = o || {};
        var cb = function () { o.callback && o.callback() }, k, x,
          p = { n: name, u: url(), d: a('data-domain'), r: d.referrer || null, w: Math.round(w.innerWidth) };
        if (no()) return cb();
        if (o.props) p.p = o.props;
        if (o.revenue) p.$ = { amount: o.revenue.amount, currency: o.revenue.currency };
        if (consent) p.c = 1;
        for (k in e) p[k] = e[k];
        p = JSON.stringify(p);
        if (w.fetch) fetch(api, { method: 'POST', body: p, keepalive: true, headers: { 'Content-Type': 'text/plain' } }).then(cb, cb);
        else {
          x = new XMLHttpRequest();
          x.open('POST', api);
          x.setRequestHeader('Content-Type', 'text/plain');
          x.onloadend = cb;
          x.send(p);
        }
      },

      // engagement of the page view going on: deepest scroll (%), time
      // visible (ms), sent when the page is hidden or left
      sd = 0, et = 0, t0 = 0,
      depth = function () {
        var e = d.documentElement, hh = Math.max(e.scrollHeight, d.body ? d.body.scrollHeight : 0), v = w.innerHeight,
          p = hh <= v ? 100 : Math.min(100, Math.round((w.scrollY + v) / hh * 100));
        if (p > sd) sd = p;
      },
      run = function () { if (!t0 && d.visibilityState == 'visible') t0 = Date.now() },
      eng = function () {
        try {
          if (t0) { et += Date.now() - t0; t0 = 0 }
          if (last && !no() && (et || sd)) {
            var p = JSON.stringify({ n: 'engagement', u: last, d: a('data-domain'), sd: sd, e: et });
            if (!(n.sendBeacon && n.sendBeacon(api, p))) fetch(api, { method: 'POST', body: p, keepalive: true });
          }
          et = 0;
        } catch (e) {}
      },

      // never two page views in a row for the same URL
      pv = function () {
        try { if (url() != last && !no()) { eng(); last = url(); sd = 0; send('pageview'); depth(); run() } } catch (e) {}
      },

      // files whose download is an event (data-file-downloads): Plausible's
      // list, or data-file-types="pdf,zip"
      types = (a('data-file-types') || 'pdf,xlsx,docx,txt,rtf,csv,exe,key,pps,ppt,pptx,7z,pkg,rar,gz,zip,avi,mov,mp4,mpeg,wmv,midi,mp3,wav,wma,dmg').split(','),

      // an element's tagged event (data-tagged-events): the classes
      // trackr-event-name=Signup and trackr-event-<prop>=<value> (or
      // plausible-event-…), '+' standing for a space
      tagged = function (el) {
        for (var o = { props: {} }, c = (el.className && el.className.baseVal !== undefined ? el.className.baseVal : el.className || '').split(/\s+/), i = 0, m; i < c.length; i++)
          if ((m = c[i].match(/^(?:trackr|plausible)-event-(.+?)=(.+)$/))) {
            m[2] = m[2].replace(/\+/g, ' ');
            if (m[1] == 'name') o.name = m[2];
            else o.props[m[1]] = m[2];
          }
        return o.name && o;
      },
      // the nearest tagged element from t up (a form counts for its submission only)
      find = function (t, form) {
        for (var x; t && t.getAttribute; t = t.parentNode) if ((form || t.tagName != 'FORM') && (x = tagged(t))) return x;
      },

      // opt-in: outbound links and file downloads (click, middle click; the
      // URL without its query or hash), tagged elements, heatmap clicks
      click = function (e) {
        try {
          var t = e.target, g, f, u;
          if (has('data-tagged-events') && e.type == 'click' && (g = find(t))) send(g.name, { props: g.props });
          for (; t && !(t.tagName == 'A' && t.href); ) t = t.parentNode;
          if (t && (e.type == 'click' || e.button == 1)) {
            u = { props: { url: t.origin + t.pathname } };
            f = (t.pathname.split('.').pop() || '').toLowerCase();
            if (has('data-file-downloads') && t.pathname.indexOf('.') > 0 && types.indexOf(f) >= 0) send('File Download', u);
            else if (t.host && t.host != l.host && has('data-outbound-links')) send('Outbound Link: Click', u);
          }
          if (e.type == 'click' && has('data-heatmaps'))
            send('click', 0, { x: +Math.min(1, e.pageX / d.documentElement.scrollWidth).toFixed(4), y: Math.round(e.pageY) });
        } catch (x) {}
      },

      // a tagged form's submission (data-tagged-events)
      submit = function (e) {
        try { var g = has('data-tagged-events') && find(e.target, 1); if (g) send(g.name, { props: g.props }) } catch (x) {}
      },

      trackr = function (name, o) {
        try {
          if (name == 'consent') { consent = o === true; pv() }
          else {
            // trackr('404') on a not-found page: the event "404", its path a property
            if (name == '404') { o = o || {}; o.props = o.props || {}; o.props.path = o.props.path || l.pathname }
            send('' + name, o);
          }
        } catch (e) {}
      },

      // calls queued before load: trackr.q, then plausible.q
      q = [].concat((w.trackr && w.trackr.q) || [], (w.plausible && w.plausible.q) || []),
      push = h.pushState, i;

    trackr.t = 1;
    w.trackr = w.plausible = trackr;
    for (i = 0; i < q.length; i++) trackr.apply(w, q[i]);
    pv();

    // SPA navigation
    if (push) h.pushState = function () { var r = push.apply(this, arguments); pv(); return r };
    w.addEventListener('popstate', pv);
    if (hash) w.addEventListener('hashchange', pv);
    d.addEventListener('click', click, true);
    d.addEventListener('auxclick', click, true);
    d.addEventListener('submit', submit, true);
    w.addEventListener('scroll', depth, { passive: true });
    d.addEventListener('visibilitychange', function () { d.visibilityState == 'hidden' ? eng() : run() });
    w.addEventListener('pagehide', eng);
  } catch (e) {}
})(window, document);
