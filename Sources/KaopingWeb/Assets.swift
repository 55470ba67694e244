/// The console's stylesheet and script, built into the binary: nothing is fetched from elsewhere, and the
/// Content-Security-Policy allows scripts and styles from the console only (no inline script).
enum Assets {
    static let stylesheet = """
        :root { --ink: #1d2733; --muted: #5b6878; --line: #d8dee6; --accent: #b3261e; --good: #2e7d32;
          --fill: #3f9b5a; --gap: #d9534f; font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", "PingFang SC",
          "Microsoft YaHei", sans-serif; color: var(--ink); }
        body { margin: 0; background: #f6f7f9; }
        header { display: flex; flex-wrap: wrap; align-items: center; gap: 1rem; padding: .6rem 1rem;
          background: #8c1c13; color: #fff; }
        header a { color: #fff; text-decoration: none; padding: .2rem .5rem; border-radius: 4px; }
        header a[aria-current] { background: rgba(255,255,255,.2); }
        header nav { display: flex; flex-wrap: wrap; gap: .3rem; flex: 1; }
        .brand { font-weight: bold; }
        .signout { display: flex; gap: .5rem; align-items: center; }
        .status { padding: .5rem 1rem; background: #fff; border-bottom: 1px solid var(--line); }
        main { padding: 1rem; overflow-x: auto; }
        h1 { font-size: 1.4rem; margin: .2rem 0 .6rem; }
        h2 { font-size: 1.1rem; margin: 1.4rem 0 .5rem; }
        table { border-collapse: collapse; background: #fff; font-size: .9rem; }
        th, td { border: 1px solid var(--line); padding: .25rem .5rem; text-align: left; white-space: nowrap; }
        th { background: #eef1f5; }
        .num { text-align: right; font-variant-numeric: tabular-nums; }
        .total { font-weight: bold; }
        .grade.excellent { color: var(--accent); font-weight: bold; }
        .grade.good { color: #1565c0; }
        .badge { padding: .1rem .5rem; border-radius: 4px; color: #fff; }
        .badge.final { background: var(--good); }
        .badge.provisional { background: #b26a00; }
        .badge.silent { background: var(--accent); }
        .tag { font-size: .75rem; background: #fff3c4; padding: 0 .3rem; border-radius: 3px; }
        tr.changed td { background: #fffbe6; }
        tr.flash td { animation: flash 3s ease-out; }
        @keyframes flash { from { background: #ffe27a; } to { background: transparent; } }
        .hint { color: var(--muted); font-size: .85rem; max-width: 60rem; }
        .filter { margin: .5rem 0; display: flex; gap: .4rem; }
        .pager { display: flex; gap: 1rem; color: var(--muted); }
        .heatmap td.cell { width: 1.3rem; height: 1.1rem; padding: 0; }
        .heatmap td.filled { background: var(--fill); }
        .heatmap td.missing { background: var(--gap); }
        progress { width: 24rem; height: 1rem; }
        tr.missing td { color: var(--gap); }
        .error { color: var(--accent); }
        tr.overdue td, td.late { color: var(--accent); font-weight: bold; }
        section.finding { background: #fff; border: 1px solid var(--line); padding: 0 1rem; margin: 1rem 0; }
        section.finding.overdue { border-color: var(--accent); }
        pre.history { white-space: pre-wrap; font-family: inherit; }
        .key { font-family: monospace; font-size: .8rem; }
        .chart { width: 100%; max-width: 42rem; background: #fff; border: 1px solid var(--line); }
        .chart rect { fill: #8c1c13; }
        .chart .excellent rect { fill: var(--accent); }
        .chart .good rect { fill: #1565c0; }
        .chart .ordinary rect { fill: #90a4ae; }
        .chart text { font-size: 12px; fill: var(--ink); }
        .chart .axis { stroke: var(--muted); fill: var(--muted); }
        .chart .goal { stroke: var(--good); stroke-dasharray: 4 4; }
        .chart polyline { fill: none; stroke: #8c1c13; stroke-width: 2; }
        body.signin { display: flex; justify-content: center; padding-top: 10vh; }
        body.signin form { background: #fff; padding: 2rem; border: 1px solid var(--line); display: grid; gap: .8rem;
          min-width: 18rem; }
        """

    /// Follows the ranking's event stream and, on each change, fetches the page's live part again (the server draws
    /// it, escaped as every page) and swaps it in, marking the districts that changed. A page being typed in waits.
    static let script = """
        (function () {
          'use strict';
          var live = document.getElementById('live');
          if (!live || !window.EventSource) { return; }
          var busy = false, again = false, changed = new Set();
          function typing() {
            var active = document.activeElement;
            return active && live.contains(active) && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName);
          }
          function refresh() {
            if (busy || typing()) { again = true; return; }
            busy = true;
            fetch(location.href, { headers: { 'X-Kaoping-Partial': '1' }, credentials: 'same-origin' })
              .then(function (response) {
                if (response.status === 401) { location.reload(); return null; }
                return response.ok ? response.text() : null;
              })
              .then(function (html) {
                if (html === null) { return; }
                live.innerHTML = html;
                changed.forEach(function (id) {
                  document.querySelectorAll('[data-district="' + CSS.escape(id) + '"]').forEach(function (row) {
                    row.classList.add('flash');
                  });
                });
                changed.clear();
              })
              .catch(function () { again = true; })
              .finally(function () { busy = false; if (again) { again = false; setTimeout(refresh, 500); } });
          }
          var source = new EventSource('/events');
          source.addEventListener('ranking', function (event) {
            var data = JSON.parse(event.data);
            var status = document.getElementById('status');
            data.changed.forEach(function (id) { changed.add(id); });
            if (!status || status.dataset.sequence !== String(data.sequence)
                || status.dataset.connected !== (data.connected ? '1' : '0')) { refresh(); }
          });
          document.addEventListener('focusout', function () { if (again && !busy) { again = false; refresh(); } });
        })();
        """
}
