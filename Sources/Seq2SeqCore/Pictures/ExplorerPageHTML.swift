// ExplorerPageHTML.swift — the explorer page around its data: one self-contained HTML file (the style and the
// script inline, no network, no fonts or libraries from elsewhere, so it opens from file:// and can be mailed), its
// data in one <script type="application/json"> block. Stage [10].

extension ExplorerPage {
    /// The page: a skeleton of sections that the script fills from the data block.
    public func html() -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>seq2seq explorer</title>
        <style>
        \(ExplorerPage.style)</style>
        </head>
        <body>
        <header>
        <h1>seq2seq explorer</h1>
        <p id="summary" class="muted"></p>
        <nav aria-label="Sentences"><label for="sentence-select">Sentence</label>
        <button type="button" id="sentence-previous" aria-label="Previous sentence">◀</button>
        <select id="sentence-select"></select>
        <button type="button" id="sentence-next" aria-label="Next sentence">▶</button></nav>
        </header>
        <pre id="errors" role="alert" hidden></pre>
        <main>
        <section id="translation" aria-labelledby="translation-heading"><h2 id="translation-heading">Translation</h2>
        <div class="body"></div></section>
        <section id="attention" aria-labelledby="attention-heading"><h2 id="attention-heading">Attention</h2>
        <p class="caption">Rows: the target tokens of the chosen hypothesis · columns: the source tokens · colour: the weight α \
        (viridis, 0 to 1; each row sums to 1). Point at, tap or focus a target token to see the source tokens it attends \
        to, a source token to see which target tokens looked at it; arrow keys move through the grid.</p>
        <div class="body"></div></section>
        <section id="beam" class="wide" aria-labelledby="beam-heading"><h2 id="beam-heading">Beam search</h2>
        <p class="caption">Columns: decoder steps · in each, the candidates weighed, best first, with their token and total \
        log-probability: kept (blue), finished with &lt;/s&gt; (green, thick border), pruned (grey, dashed). \
        The chosen hypothesis's path is drawn thick and orange.</p>
        <label class="toggle"><input type="checkbox" id="beam-pruned"> show every pruned candidate (otherwise the best K of each step)</label>
        <div class="body scroll"></div></section>
        <section id="units" aria-labelledby="units-heading"><h2 id="units-heading">Units</h2>
        <p class="caption">One unit's value behind each token its layer read, in sentence order (the greedy translation's \
        steps, as <code>inspect</code> records them). With the strip or the map focused, the arrow keys step through the units.</p>
        <div class="controls">
        <label>Layer <select id="unit-layer"></select></label>
        <label>Quantity <select id="unit-quantity"></select></label>
        <label>Unit <input type="number" id="unit-number" min="0" value="0"></label>
        <button type="button" id="unit-previous" aria-label="Previous unit">◀</button>
        <button type="button" id="unit-next" aria-label="Next unit">▶</button>
        </div>
        <div class="body"></div></section>
        <section id="ranking" aria-labelledby="ranking-heading"><h2 id="ranking-heading">Finding units</h2>
        <p class="caption">The units whose quantity follows a feature best, by Pearson's r over every step of every sentence of \
        the page (as <code>inspect</code> ranks them). Choose a row to see that unit.</p>
        <div class="controls">
        <label>Feature <select id="ranking-feature"></select></label>
        <label>Quantity <select id="ranking-quantity"></select></label>
        </div>
        <div class="body"></div></section>
        <section id="model" class="wide" aria-labelledby="model-heading"><h2 id="model-heading">The model</h2>
        <div class="body"></div></section>
        </main>
        <footer class="muted">Written by <code>seq2seq explore</code>. Every number is rounded to \
        \(Self.significantDigits) significant digits.</footer>
        <script type="application/json" id="explorer-data">\(Self.scriptSafe(json()))</script>
        <script>
        \(ExplorerPage.scriptCore)\(ExplorerPage.scriptSections)\(ExplorerPage.scriptModel)</script>
        </body>
        </html>

        """
    }

    /// JSON that cannot end its script element or read as anything but data: every "<" and "/" escaped (both occur
    /// only inside JSON strings, where "\u003c" and "\/" mean the same characters).
    static func scriptSafe(_ json: String) -> String {
        json.replacingOccurrences(of: "<", with: "\\u003c").replacingOccurrences(of: "/", with: "\\/")
    }

    static let style = """
        * { box-sizing: border-box; }
        body { margin: 0; padding: 16px 20px 32px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif;
               color: #1b1b1f; background: #f3f3f6; }
        h1 { font-size: 22px; margin: 0 0 4px; }
        h2 { font-size: 17px; margin: 0 0 6px; }
        h3 { font-size: 14px; margin: 14px 0 6px; }
        code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
        .muted, .caption { color: #5a5a66; }
        .caption { margin: 0 0 8px; font-size: 13px; }
        header { max-width: 1400px; margin: 0 auto 12px; }
        nav { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
        nav select { min-width: 32ch; max-width: 70ch; }
        main { max-width: 1400px; margin: 0 auto; display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr));
               gap: 14px; align-items: start; }
        section { background: #ffffff; border: 1px solid #d5d5dc; border-radius: 8px; padding: 12px 14px; min-width: 0; }
        section.wide { grid-column: 1 / -1; }
        footer { max-width: 1400px; margin: 14px auto 0; font-size: 12px; }
        button, select, input { font: inherit; }
        button { border: 1px solid #d5d5dc; background: #fff; border-radius: 4px; padding: 2px 8px; cursor: pointer; }
        :focus-visible { outline: 3px solid #cc79a7; outline-offset: 1px; }
        .controls { display: flex; gap: 10px; flex-wrap: wrap; align-items: center; margin-bottom: 8px; }
        .controls input[type=number] { width: 5em; }
        .toggle { font-size: 13px; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; }
        table.list td, table.list th { padding: 3px 8px; border-bottom: 1px solid #d5d5dc; text-align: left; }
        table.list td.num, table.list th.num { text-align: right; font-variant-numeric: tabular-nums; }
        table.list tr.choice { cursor: pointer; }
        table.list tr.choice:hover { background: #eef3fa; }
        table.list tr.selected { background: #fde9dc; }
        .pair { margin: 0 0 10px; }
        .pair .label { color: #5a5a66; display: inline-block; min-width: 7em; }
        .pair .text { font-size: 16px; }
        table.grid { font-size: 12px; }
        table.grid th { font-weight: normal; padding: 2px 4px; white-space: nowrap; }
        table.grid th.source { vertical-align: bottom; }
        table.grid th.source span { writing-mode: vertical-rl; transform: rotate(180deg); display: inline-block; max-height: 9em;
                                    overflow: hidden; text-overflow: ellipsis; }
        table.grid th.target { text-align: right; }
        table.grid td { width: 34px; min-width: 34px; height: 26px; text-align: center; font-size: 10px; border: 1px solid #fff; }
        table.grid td.dim { opacity: 0.35; }
        table.grid .marked { outline: 2px solid #d55e00; outline-offset: -2px; }
        table.grid .axis { color: #5a5a66; font-size: 11px; }
        .readout { min-height: 2.6em; margin: 6px 0; font-size: 13px; }
        .legend { display: flex; align-items: center; gap: 8px; font-size: 12px; color: #5a5a66; margin: 6px 0; }
        .legend .bar { width: 220px; height: 12px; border: 1px solid #d5d5dc; }
        .legend .ticks { display: flex; justify-content: space-between; width: 220px; }
        .strip { padding: 4px 6px; border: 1px solid #d5d5dc; border-radius: 6px; max-height: 330px; overflow-y: auto; }
        .strip .token { display: flex; flex-direction: column; align-items: center; padding: 4px 6px; border-radius: 4px; min-width: 2.5em; }
        .strip .token b { font-weight: 600; font-size: 15px; }
        .strip .token small { font-size: 11px; font-variant-numeric: tabular-nums; }
        .strip-row { display: flex; flex-wrap: wrap; gap: 3px; align-items: center; margin: 3px 0; }
        .strip-row > .label { color: #5a5a66; min-width: 2.6em; font-size: 12px; text-align: right; padding-right: 4px; }
        .strip-row.current > .label { color: #1b1b1f; font-weight: 700; }
        svg text { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
        svg .node rect { fill: #fff; stroke-width: 1.5; }
        svg .node.kept rect { stroke: #0072b2; }
        svg .node.finished rect { stroke: #009e73; stroke-width: 3; }
        svg .node.pruned rect { stroke: #9a9aa5; stroke-dasharray: 3 2; fill: #f6f6f8; }
        svg .node.pruned text { fill: #6a6a75; }
        svg .node.chosen rect { stroke: #d55e00; stroke-width: 3.5; fill: #fff3ea; }
        svg .edge { fill: none; stroke: #9fb8cf; stroke-width: 1.2; }
        svg .edge.pruned { stroke: #c4c4cc; stroke-dasharray: 3 2; }
        svg .edge.chosen { stroke: #d55e00; stroke-width: 3.5; }
        .columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 8px 28px; align-items: start; }
        .columns caption { text-align: left; }
        .map rect.row:hover { stroke: #1b1b1f; }
        pre#errors { max-width: 1400px; margin: 0 auto 12px; padding: 8px; background: #fde8e8; color: #8a1010; white-space: pre-wrap; }

        """
}
