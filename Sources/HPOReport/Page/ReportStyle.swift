import Foundation

/// The report's stylesheet: light and dark (`prefers-color-scheme`), one set of colour variables
/// for the page and its SVG plots. It must not contain `<` or `&` (the page is also XML).
package enum ReportStyle {
    package static let css = [lightColours, darkColours, pageRules, plotRules].joined(separator: "\n")

    /// What a plot needs on its own (`hpo lr-find`'s SVG file): the plot rules with the light
    /// colours written in, since SVG renderers outside browsers (librsvg, so most image viewers)
    /// know no CSS variables, and a font, since there is no page to inherit one from.
    static var standalonePlotCSS: String {
        var rules = plotRules
        for line in lightColours.split(separator: "\n") {
            for declaration in line.split(separator: ";") {
                let parts = declaration.split(separator: ":", maxSplits: 1).map {
                    $0.trimmingCharacters(in: .whitespaces)
                }
                guard parts.count == 2, parts[0].hasPrefix("--") else { continue }
                rules = rules.replacingOccurrences(of: "var(\(parts[0]))", with: parts[1])
            }
        }
        return "svg.plot { font-family: \(fontFamily); }\n" + rules
    }

    static let fontFamily = #"system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif"#

    static let lightColours = """
        :root {
          color-scheme: light dark;
          --bg: #ffffff; --fg: #1c2230; --muted: #5d6677; --panel: #f5f6f8; --border: #d8dce4;
          --plot-bg: #fbfbfc; --grid: #e4e7ed; --accent: #0072b2; --best: #d55e00;
          --ok: #009e73; --fail: #d55e00; --lost: #e69f00; --run: #56b4e9; --interrupted: #999999;
          --pruned: #cc79a7; --paused: #0072b2; --down: rgba(120, 120, 120, 0.16);
          --q0: #a0da39; --q1: #5ac664; --q2: #2dab7f; --q3: #238e8b;
          --q4: #2e708e; --q5: #3b5089; --q6: #462c79; --q7: #440154;
        }
        """

    static let darkColours = """
        @media (prefers-color-scheme: dark) {
          :root {
            --bg: #14171d; --fg: #e3e6ed; --muted: #9aa3b4; --panel: #1c2029; --border: #333a47;
            --plot-bg: #181b22; --grid: #2a303b; --accent: #56b4e9; --best: #ff8c42;
            --ok: #2cc59a; --fail: #ff6b5b; --lost: #f0b429; --run: #7cc8f2; --interrupted: #8a8f99;
            --pruned: #e59cc8; --paused: #5aa9e6; --down: rgba(160, 160, 160, 0.14);
            --q0: #3d4886; --q1: #32668d; --q2: #26828d; --q3: #209d88;
            --q4: #3cb775; --q5: #70cc56; --q6: #b3dd35; --q7: #fde725;
          }
        }
        """

    static let pageRules = """
        * { box-sizing: border-box; }
        body {
          margin: 0; padding: 24px 28px 48px; background: var(--bg); color: var(--fg);
          font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
        }
        main { max-width: 1120px; margin: 0 auto; }
        h1 { font-size: 24px; margin: 0 0 2px; }
        h2 { font-size: 18px; margin: 34px 0 6px; padding-bottom: 4px; border-bottom: 1px solid var(--border); }
        p.lead, p.how, p.empty, .meta { color: var(--muted); }
        p.how { margin: 2px 0 10px; max-width: 880px; }
        .meta { font-size: 13px; margin-bottom: 14px; }
        .badge { display: inline-block; padding: 1px 9px; border-radius: 10px; font-size: 12px; font-weight: 600;
          vertical-align: middle; margin-left: 8px; color: #ffffff; }
        .badge.running { background: var(--accent); }
        .badge.finished { background: var(--ok); }
        .badge.stopped { background: var(--lost); color: #1c2230; }
        .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 10px; }
        .card { background: var(--panel); border: 1px solid var(--border); border-radius: 8px; padding: 9px 12px; }
        .card .k { font-size: 12px; color: var(--muted); }
        .card .v { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
        .card .s { font-size: 12px; color: var(--muted); }
        .progress { height: 6px; background: var(--border); border-radius: 3px; margin-top: 5px; overflow: hidden; }
        .progress span { display: block; height: 100%; background: var(--ok); }
        .plots { display: grid; gap: 12px; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); }
        .plots.pair { grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); }
        .plots svg.plot { width: 100%; height: auto; }
        figure { margin: 0; min-width: 0; }
        .legend { display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 12px; color: var(--muted);
          margin: 4px 0 0 8px; }
        .legend .sw { display: inline-block; width: 12px; height: 12px; border-radius: 2px; vertical-align: -2px;
          margin-right: 5px; }
        .legend .sw.line { height: 3px; vertical-align: 3px; width: 16px; }
        .legend .sw.ramp { width: 64px; height: 8px; vertical-align: 0;
          background: linear-gradient(to right, var(--q0), var(--q2), var(--q4), var(--q6), var(--q7)); }
        .sw.ok { background: var(--ok); } .sw.fail { background: var(--fail); } .sw.lost { background: var(--lost); }
        .sw.run { background: var(--run); } .sw.interrupted { background: var(--interrupted); }
        .sw.pruned { background: var(--pruned); } .sw.paused { background: var(--paused); }
        .sw.dot { border-radius: 50%; background: var(--accent); width: 9px; height: 9px; }
        .sw.best { background: var(--best); } .sw.q7 { background: var(--q7); }
        .sw.down { background: var(--down); border: 1px solid var(--border); }
        table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; margin-top: 6px; }
        th, td { padding: 4px 10px; border-bottom: 1px solid var(--border); text-align: left; vertical-align: top; }
        th { color: var(--muted); font-weight: 600; background: var(--panel); }
        td.num, th.num { text-align: right; white-space: nowrap; }
        td.nowrap { white-space: nowrap; }
        tr.best td { font-weight: 600; }
        .scroll { overflow-x: auto; }
        details summary { cursor: pointer; color: var(--accent); }
        pre { background: var(--panel); border: 1px solid var(--border); border-radius: 6px; padding: 10px 12px;
          overflow-x: auto; font-size: 12px; line-height: 1.4; margin: 6px 0; }
        code { font-size: 12.5px; }
        footer { margin-top: 36px; font-size: 12px; color: var(--muted); }
        """

    static let plotRules = """
        svg.plot { display: block; max-width: 100%; height: auto; background: var(--bg); }
        .plot text { fill: var(--fg); font-size: 11px; font-family: inherit; }
        .plot .plot-title { font-size: 13px; font-weight: 600; }
        .plot .axis-label { font-size: 12px; fill: var(--muted); }
        .plot .pc-tick { font-size: 10px; fill: var(--fg); paint-order: stroke; stroke: var(--bg); stroke-width: 3px;
          stroke-linejoin: round; }
        .plot-bg { fill: var(--plot-bg); }
        .grid line.major { stroke: var(--grid); stroke-width: 1; }
        .grid line.minor { stroke: var(--grid); stroke-width: 0.6; stroke-dasharray: 2 3; }
        .grid line.tick, line.tick { stroke: var(--muted); }
        .axis { stroke: var(--muted); fill: none; stroke-width: 1; }
        .pt { fill: var(--accent); fill-opacity: 0.72; }
        .pt.is-best { fill: var(--best); fill-opacity: 1; }
        .pt.clipped { fill: none; stroke: var(--accent); stroke-width: 1.5; }
        .pt.infeasible { fill: none; stroke: var(--fail); stroke-width: 1.2; }
        .plot .clip-note { font-size: 10.5px; fill: var(--muted); font-style: italic; }
        .best-ring { fill: none; stroke: var(--best); stroke-width: 2; }
        .best-line { fill: none; stroke: var(--best); stroke-width: 2; }
        .plot .best-label { fill: var(--q7); font-weight: 600; }
        .fail-mark { stroke: var(--fail); stroke-width: 2; }
        .pc-line { fill: none; stroke-width: 1.6; stroke-opacity: 0.85; }
        .pc-line.is-best { stroke-width: 4; stroke-opacity: 1; }
        .curve { fill: none; stroke-width: 1.4; stroke-opacity: 0.9; stroke-linejoin: round; }
        .curve.is-best { stroke-width: 3.2; stroke-opacity: 1; }
        .curve.unranked { stroke: var(--muted); stroke-dasharray: 4 3; stroke-opacity: 0.7; }
        .curve.pruned { stroke: var(--pruned); stroke-dasharray: none; stroke-opacity: 0.75; }
        .prune-mark { stroke: var(--pruned); stroke-width: 2; fill: none; }
        .pause-mark { stroke: var(--paused); stroke-width: 2; fill: none; }
        .q0 { stroke: var(--q0); } .q1 { stroke: var(--q1); } .q2 { stroke: var(--q2); } .q3 { stroke: var(--q3); }
        .q4 { stroke: var(--q4); } .q5 { stroke: var(--q5); } .q6 { stroke: var(--q6); } .q7 { stroke: var(--q7); }
        .bar { stroke: var(--bg); stroke-width: 0.5; }
        .outcome-completed { fill: var(--ok); }
        .outcome-failed { fill: var(--fail); }
        .outcome-lost { fill: var(--lost); }
        .outcome-running { fill: var(--run); }
        .outcome-interrupted { fill: var(--interrupted); }
        .outcome-pruned { fill: var(--pruned); }
        .outcome-paused { fill: var(--paused); }
        .conn { stroke: var(--muted); stroke-width: 1; stroke-dasharray: 1 3; }
        .downtime { fill: var(--down); }
        .lr-raw { fill: var(--muted); fill-opacity: 0.55; }
        .lr-smoothed { fill: none; stroke: var(--accent); stroke-width: 2.2; }
        .lr-suggestion { stroke: var(--best); stroke-width: 2; }
        .lr-marker { stroke: var(--muted); stroke-width: 1; stroke-dasharray: 4 3; }
        .plot .lr-label { font-size: 11px; fill: var(--muted); paint-order: stroke; stroke: var(--bg);
          stroke-width: 3px; stroke-linejoin: round; }
        .plot .lr-label.main { fill: var(--best); font-weight: 600; }
        .lr-band { fill: var(--lost); fill-opacity: 0.14; }
        .series { fill: none; stroke-width: 2.4; stroke-linejoin: round; }
        .series-0 { stroke: var(--accent); } .series-1 { stroke: var(--best); } .series-2 { stroke: var(--ok); }
        .series-3 { stroke: var(--pruned); } .series-4 { stroke: var(--lost); } .series-5 { stroke: var(--q7); }
        .series-6 { stroke: var(--interrupted); } .series-7 { stroke: var(--q3); }
        .sw.series-0 { background: var(--accent); } .sw.series-1 { background: var(--best); }
        .sw.series-2 { background: var(--ok); } .sw.series-3 { background: var(--pruned); }
        .sw.series-4 { background: var(--lost); } .sw.series-5 { background: var(--q7); }
        .sw.series-6 { background: var(--interrupted); } .sw.series-7 { background: var(--q3); }
        """
}
