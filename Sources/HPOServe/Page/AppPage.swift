import HPOReport

/// The page: one HTML shell, its stylesheet (the report's, with the app's layout) and its script,
/// all served by the binary (no CDN, no external font). The script lists the studies from the
/// event stream and shows the one chosen (its panel, rendered by the server) or a comparison;
/// it asks for a panel again only when that study's version moves.
enum AppPage {
    static let html = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light dark">
        <title>hpo serve</title>
        <link rel="stylesheet" href="/app.css">
        <script src="/app.js" defer></script>
        </head>
        <body>
        <header class="top">
          <span class="brand">hpo serve</span>
          <span id="connection" role="status" aria-live="polite" data-state="connecting">connecting…</span>
          <span id="mode" class="mode" data-control="off">read-only</span>
        </header>
        <div class="layout">
          <nav id="studies" aria-label="Studies">
            <h2 class="nav-title">Studies</h2>
            <ul id="study-list"></ul>
            <p id="no-studies" class="empty" hidden>No results log yet in the paths given.</p>
            <button id="compare" type="button" disabled
              aria-label="Compare the convergence of the selected studies">Compare selected</button>
            <p class="hint">Tick two or more studies to compare their convergence on one plot.</p>
          </nav>
          <main id="view" tabindex="-1">
            <section id="controls" aria-label="Actions on this study" hidden></section>
            <div id="panel"><p class="empty">Loading…</p></div>
          </main>
        </div>
        </body>
        </html>

        """

    static let css = ReportStyle.css + "\n" + layout

    static let layout = """
        body { padding: 0; }
        header.top { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px; padding: 10px 20px;
          border-bottom: 1px solid var(--border); background: var(--panel); position: sticky; top: 0; z-index: 2; }
        .brand { font-weight: 700; font-size: 16px; }
        #connection { font-size: 12px; color: var(--muted); }
        #connection::before { content: ""; display: inline-block; width: 8px; height: 8px; border-radius: 50%;
          margin-right: 6px; background: var(--interrupted); vertical-align: 0; }
        #connection[data-state="live"]::before { background: var(--ok); }
        #connection[data-state="lost"]::before { background: var(--fail); }
        .mode { margin-left: auto; font-size: 12px; color: var(--muted); border: 1px solid var(--border);
          border-radius: 10px; padding: 1px 9px; }
        .layout { display: grid; grid-template-columns: minmax(240px, 300px) minmax(0, 1fr);
          min-height: calc(100vh - 45px); }
        nav#studies { border-right: 1px solid var(--border); padding: 12px 14px; }
        .nav-title { margin: 4px 0 10px; font-size: 14px; border: none; text-transform: uppercase;
          letter-spacing: 0.04em;
          color: var(--muted); }
        #study-list { list-style: none; margin: 0; padding: 0; display: grid; gap: 8px; }
        #study-list li { display: grid; grid-template-columns: auto minmax(0, 1fr); gap: 2px 8px; padding: 8px 10px;
          border: 1px solid var(--border); border-radius: 8px; background: var(--bg); }
        #study-list li.current { border-color: var(--accent); box-shadow: 0 0 0 1px var(--accent); }
        #study-list input { margin: 3px 0 0; width: 16px; height: 16px; }
        #study-list a { color: var(--fg); font-weight: 600; text-decoration: none; overflow-wrap: anywhere; }
        #study-list a:hover, #study-list a:focus-visible { text-decoration: underline; }
        #study-list .line { grid-column: 2; font-size: 12px; color: var(--muted); font-variant-numeric: tabular-nums; }
        #study-list .badge { margin-left: 6px; }
        .badge.waiting { background: var(--interrupted); }
        .badge.problem { background: var(--fail); }
        #compare { margin-top: 12px; width: 100%; }
        .hint { font-size: 12px; color: var(--muted); margin: 6px 0 0; }
        button { font: inherit; padding: 6px 12px; border-radius: 6px; border: 1px solid var(--border);
          background: var(--panel); color: var(--fg); cursor: pointer; min-height: 32px; }
        button:hover:not(:disabled) { border-color: var(--accent); }
        button:focus-visible, a:focus-visible, input:focus-visible {
          outline: 2px solid var(--accent); outline-offset: 2px; }
        button:disabled { opacity: 0.55; cursor: default; }
        /* margin 0: the report's centred main, as a grid item with auto margins, would take its content's width */
        main#view { padding: 18px 24px 48px; max-width: 1180px; min-width: 0; margin: 0; }
        main#view:focus { outline: none; }
        .panel > h1 { margin-top: 0; }
        .panel .meta, #controls .how { overflow-wrap: anywhere; }
        .panel .scroll, .panel pre { max-width: 100%; }
        .status-text { margin: 10px 0 4px; }
        .comparison svg.plot { width: 100%; height: auto; }
        #controls { border: 1px solid var(--border); border-radius: 8px; padding: 10px 14px; margin: 0 0 16px;
          background: var(--panel); }
        #controls h2 { margin: 0 0 4px; border: none; font-size: 15px; }
        #controls .row { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin: 8px 0; }
        #controls input { font: inherit; padding: 5px 8px; border-radius: 6px; border: 1px solid var(--border);
          background: var(--bg); color: var(--fg); min-height: 32px; }
        #controls input[type="number"] { width: 7em; }
        #controls input.params { flex: 1 1 16em; min-width: 0; }
        #controls button.danger { border-color: var(--fail); color: var(--fail); }
        #controls button.armed { background: var(--fail); color: #ffffff; }
        #action-result { font-size: 13px; margin: 4px 0 0; min-height: 1.4em; }
        #action-result.refused { color: var(--fail); }
        .notice { padding: 8px 12px; border-radius: 6px; background: var(--panel); border: 1px solid var(--border);
          margin: 0 0 12px; font-size: 13px; }
        @media (max-width: 760px) {
          .layout { grid-template-columns: minmax(0, 1fr); }
          nav#studies { border-right: none; border-bottom: 1px solid var(--border); }
          main#view { padding: 14px 12px 40px; }
          header.top { padding: 8px 12px; position: static; }
          .plots, .plots.pair { grid-template-columns: minmax(0, 1fr); }
          .cards { grid-template-columns: repeat(auto-fill, minmax(140px, 1fr)); }
          h1 { font-size: 20px; }
        }
        """
}
