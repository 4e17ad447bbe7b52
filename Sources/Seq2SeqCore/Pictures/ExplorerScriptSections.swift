// ExplorerScriptSections.swift — the explorer page's script, part 2: the beam search tree (as Seq2Seq-Vis draws it:
// a column per step, the candidates best first, the chosen hypothesis's path highlighted), one unit behind the
// tokens with a units × steps map of its layer, and the unit ranking whose rows choose a unit. Stage [10].

extension ExplorerPage {
    static let scriptSections = #"""
        /* The beam search tree: node (t, n) is candidate n of step t; its parent is a kept node of step t - 1. */
        function drawBeam() {
          var s = sentence(), steps = s.beam.steps, body = section("beam");
          var path = s.beam.paths[H] || [], onPath = {};
          path.forEach(function (n, t) { onPath[t + ":" + n] = true; });
          var showAll = $("beam-pruned").checked, K = D.decoding.beam;
          /* The pruned candidates shown: all, or the best K of each step. */
          function shown(list) {
            var pruned = 0;
            return list.filter(function (node) { if (node[3] !== "pruned") { return true; } pruned += 1; return showAll || pruned <= K; });
          }
          var colWidth = 128, boxWidth = 108, rowHeight = 32, boxHeight = 26, left = 10, top = 34;
          var rows = 1;
          steps.forEach(function (nodes) { rows = Math.max(rows, shown(nodes).length); });
          var width = left + (steps.length + 1) * colWidth, height = top + rows * rowHeight + 10;
          function x(t) { return left + (t + 1) * colWidth; }
          function y(n) { return top + n * rowHeight; }
          var edges = "", nodes = "";
          nodes += '<g class="node kept' + (path.length ? " chosen" : "") + '"><rect x="' + left + '" y="' + y(0) + '" width="' + boxWidth +
            '" height="' + boxHeight + '" rx="5"></rect><text x="' + (left + 8) + '" y="' + (y(0) + 18) + '" font-size="13">&lt;s&gt;</text></g>';
          var labels = '<text x="' + (left + 4) + '" y="18" font-size="12" fill="#5a5a66">start</text>';
          steps.forEach(function (list, t) {
            labels += '<text x="' + (x(t) + 4) + '" y="18" font-size="12" fill="#5a5a66">step ' + (t + 1) + "</text>";
            var visible = shown(list);
            list.forEach(function (node, n) {
              if (visible.indexOf(node) < 0) { return; }
              var token = node[0], parent = node[1], logp = node[2], fate = node[3];
              var chosen = onPath[t + ":" + n] ? " chosen" : "";
              var px = t === 0 ? left + boxWidth : x(t - 1) + boxWidth, py = (t === 0 ? y(0) : y(parent)) + boxHeight / 2;
              var nx = x(t), ny = y(n) + boxHeight / 2, mid = (px + nx) / 2;
              edges += '<path class="edge ' + fate + chosen + '" d="M' + px + " " + py + " C" + mid + " " + py + " " + mid + " " + ny + " " + nx + " " + ny + '"></path>';
              nodes += '<g class="node ' + fate + chosen + '" data-step="' + t + '" data-node="' + n + '"><title>step ' + (t + 1) + ": " + esc(label(token)) +
                " · total log p " + fmt(logp) + " · " + fate + (chosen ? " · on the chosen path" : "") + "</title>" +
                '<rect x="' + nx + '" y="' + y(n) + '" width="' + boxWidth + '" height="' + boxHeight + '" rx="5"></rect>' +
                '<text x="' + (nx + 6) + '" y="' + (y(n) + 17) + '" font-size="13" font-weight="' + (chosen ? 700 : 400) + '">' + esc(short(token, 9)) + "</text>" +
                '<text x="' + (nx + boxWidth - 5) + '" y="' + (y(n) + 17) + '" font-size="10" text-anchor="end">' + logp.toFixed(2) + "</text></g>";
            });
          });
          var kept = 0, finished = 0, pruned = 0;
          steps.forEach(function (list) { list.forEach(function (node) {
            if (node[3] === "kept") { kept += 1; } else if (node[3] === "finished") { finished += 1; } else { pruned += 1; }
          }); });
          body.innerHTML = '<svg id="beam-tree" role="img" width="' + width + '" height="' + height + '" viewBox="0 0 ' + width + " " + height +
            '" aria-label="Beam search tree: ' + steps.length + " steps, " + kept + " kept, " + finished + " finished, " + pruned + ' pruned candidates">' +
            labels + edges + nodes + "</svg>" +
            '<p class="caption">' + steps.length + " steps · " + kept + " candidates kept · " + finished + " finished · " + pruned +
            " pruned" + (showAll ? "" : " (the best " + K + " of each step shown)") +
            " · the number in each box is the hypothesis's total log-probability; hover a box for details.</p>";
          drawn("beam", kept + finished + pruned);
        }

        /* One unit behind the tokens. */
        var U = { layer: 0, quantity: "c", unit: 0 };
        function layerName(l) {
          return l.module + " layer " + l.layer + (l.module === "encoder" ? " " + l.direction : "");
        }
        function layers() { return sentence().inspection.layers; }
        function unitsOf(l) { return l.steps.length ? l.steps[0].h.length : 0; }
        function setupUnits() {
          var quantity = $("unit-quantity");
          D.quantities.forEach(function (q) { option(quantity, q.name, q.name + " · " + q.meaning, q.name === U.quantity); });
          quantity.addEventListener("change", function () { U.quantity = quantity.value; drawUnits(); });
          $("unit-layer").addEventListener("change", function () { U.layer = +$("unit-layer").value; drawUnits(); });
          $("unit-number").addEventListener("input", function () {
            var v = parseInt($("unit-number").value, 10);
            if (!isNaN(v)) { chooseUnit(v, false); }
          });
          $("unit-previous").addEventListener("click", function () { chooseUnit(U.unit - 1, false); });
          $("unit-next").addEventListener("click", function () { chooseUnit(U.unit + 1, false); });
          section("units").addEventListener("keydown", function (e) {
            var step = { ArrowLeft: -1, ArrowUp: -1, ArrowRight: 1, ArrowDown: 1 }[e.key];
            if (!step || !e.target.classList.contains("unit-keys")) { return; }
            e.preventDefault();
            chooseUnit(U.unit + step, true);
          });
        }
        function chooseUnit(unit, keepFocus) {
          var l = layers()[U.layer];
          if (!l) { return; }
          U.unit = Math.max(0, Math.min(unitsOf(l) - 1, unit));
          var focused = keepFocus && document.activeElement ? document.activeElement.id : null;
          drawUnits();
          if (focused && $(focused)) { $(focused).focus(); }
        }
        function drawUnits() {
          var all = layers(), body = section("units"), select = $("unit-layer");
          select.innerHTML = "";
          all.forEach(function (l, k) { option(select, k, layerName(l) + " (" + unitsOf(l) + " units)", k === U.layer); });
          var l = all[U.layer];
          if (!l) { body.innerHTML = "<p>No sentence.</p>"; drawn("units", 0); return; }
          var units = unitsOf(l);
          U.unit = Math.max(0, Math.min(units - 1, U.unit));
          $("unit-number").max = String(units - 1);
          $("unit-number").value = String(U.unit);
          /* The unit in every sentence, in sentence order (a backward layer's steps turned round), on one scale. */
          function read(layer) { return layer.direction === "backward" ? layer.steps.slice().reverse() : layer.steps; }
          var name = layerName(l), lines = D.sentences.map(function (s) {
            var same = s.inspection.layers.filter(function (x) { return layerName(x) === name; })[0];
            return same ? read(same) : [];
          });
          var values = [];
          lines.forEach(function (line) { line.forEach(function (step) { values.push(step[U.quantity][U.unit]); }); });
          var everything = [];
          l.steps.forEach(function (step) { everything = everything.concat(step[U.quantity]); });
          var scale = quantityScale(U.quantity, values), meaning = D.quantities.filter(function (q) { return q.name === U.quantity; })[0].meaning;
          var reads = l.module === "decoder" ? "reads <s> and each token it emitted" : l.direction === "forward" ? "reads the source left to right" : "reads the source right to left (shown in sentence order)";
          var html = "<h3>" + esc(name) + " · unit " + U.unit + " · " + esc(U.quantity) + " (" + esc(meaning) + ")</h3>" +
            '<p class="caption">The layer ' + esc(reads) + "; each token on the colour of the unit's value after reading it, a line per sentence (the chosen one marked ▶).</p>" +
            '<div class="strip unit-keys" id="unit-strip" tabindex="0" role="group" aria-label="' + esc(name) + " unit " + U.unit + " " + U.quantity +
            ': use the arrow keys for the previous or next unit">';
          lines.forEach(function (line, k) {
            html += '<div class="strip-row' + (k === S ? " current" : "") + '"><span class="label">' + (k === S ? "▶ " : "") + (k + 1) + "</span>";
            line.forEach(function (step) {
              var v = step[U.quantity][U.unit];
              html += '<span class="token" style="background:' + scale.colour(v) + ";color:" + scale.ink(v) + '" title="' + esc(label(step.token)) + ": " +
                esc(U.quantity) + " = " + fmt(v) + '"><b>' + esc(short(step.token, 14)) + "</b><small>" + (v === null ? "n/a" : v.toFixed(2)) + "</small></span>";
            });
            html += "</div>";
          });
          html += "</div>" + legend(scale, U.quantity + " (" + meaning + ")");
          html += "<h3>Every unit of the layer</h3>" + unitMap(l, U.quantity, quantityScale(U.quantity, everything));
          body.innerHTML = html;
          body.querySelectorAll(".map rect.row").forEach(function (r) {
            r.addEventListener("click", function () { chooseUnit(+r.getAttribute("data-unit"), false); });
          });
          drawn("units", values.length);
        }
        /* Units × steps of one quantity (in the order the layer read them), the chosen unit outlined. */
        function unitMap(l, quantity, scale) {
          var units = unitsOf(l), cell = 26, height = Math.max(3, Math.min(14, Math.floor(420 / units)));
          var labelWidth = 44, top = 70, width = labelWidth + l.steps.length * cell + 10, total = top + units * height + 6;
          var out = '<div class="scroll"><svg class="map unit-keys" id="unit-map" tabindex="0" role="img" width="' + width + '" height="' + total +
            '" aria-label="' + esc(quantity) + " of every unit (rows) at every step (columns); the arrow keys choose the unit" + '">';
          l.steps.forEach(function (step, t) {
            var cx = labelWidth + t * cell + cell / 2;
            out += '<text transform="translate(' + (cx + 4) + " " + (top - 6) + ') rotate(-60)" font-size="11">' + esc(short(step.token, 10)) + "</text>";
            l.steps[t][quantity].forEach(function (v, u) {
              out += '<rect x="' + (labelWidth + t * cell) + '" y="' + (top + u * height) + '" width="' + cell + '" height="' + height +
                '" fill="' + scale.colour(v) + '"><title>unit ' + u + ", " + esc(label(step.token)) + ": " + fmt(v) + "</title></rect>";
            });
          });
          for (var u = 0; u < units; u += 1) {
            out += '<rect class="row" data-unit="' + u + '" x="0" y="' + (top + u * height) + '" width="' + (labelWidth - 4) + '" height="' + height +
              '" fill="transparent"><title>unit ' + u + "</title></rect>";
            if (height >= 9 || u % Math.ceil(9 / height) === 0) {
              out += '<text x="' + (labelWidth - 6) + '" y="' + (top + u * height + Math.min(height, 11) - 1) + '" font-size="' + Math.min(11, Math.max(8, height)) +
                '" text-anchor="end" pointer-events="none">' + u + "</text>";
            }
          }
          out += '<rect x="' + (labelWidth - 2) + '" y="' + (top + U.unit * height - 1) + '" width="' + (l.steps.length * cell + 4) + '" height="' + (height + 2) +
            '" fill="none" stroke="#d55e00" stroke-width="2.5"></rect>';
          out += '<text x="0" y="' + (top - 6) + '" font-size="11" fill="#5a5a66">unit</text></svg></div>';
          return out + legend(scale, quantity + " (all units)");
        }

        /* The units ranked as `inspect` ranks them: choosing a row shows its unit. */
        function setupRanking() {
          var features = [], feature = $("ranking-feature"), quantity = $("ranking-quantity");
          D.rankings.forEach(function (r) { if (features.indexOf(r.feature) < 0) { features.push(r.feature); } });
          /* A count feature first, when there is one: counting units are what the page's first view shows. */
          var first = features.filter(function (f) { return f.indexOf("count:") === 0; })[0] || features[0];
          features.forEach(function (f) { option(feature, f, label(f), f === first); });
          D.quantities.forEach(function (q) { option(quantity, q.name, q.name + " · " + q.meaning, q.name === "c"); });
          feature.addEventListener("change", drawRanking);
          quantity.addEventListener("change", drawRanking);
        }
        function currentRanking() {
          var feature = $("ranking-feature").value, quantity = $("ranking-quantity").value;
          return D.rankings.filter(function (r) { return r.feature === feature && r.quantity === quantity; })[0];
        }
        /* Row k of the ranking shown in the units section; with `scroll`, the page moves there and the strip takes the focus. */
        function showRanked(k, scroll) {
          var ranking = currentRanking(), u = ranking && ranking.units[k];
          if (!u || D.sentences.length === 0) { return; }
          var layer = layers().map(layerName).indexOf(layerName(u));
          if (layer < 0) { return; }
          U.layer = layer; U.quantity = ranking.quantity; U.unit = u.unit;
          $("unit-quantity").value = ranking.quantity;
          drawUnits();
          var body = section("ranking");
          body.querySelectorAll("tr.selected").forEach(function (r) { r.classList.remove("selected"); r.setAttribute("aria-pressed", "false"); });
          var row = body.querySelector('tr[data-k="' + k + '"]');
          if (row) { row.classList.add("selected"); row.setAttribute("aria-pressed", "true"); }
          if (scroll) { $("units").scrollIntoView({ block: "start" }); $("unit-strip").focus({ preventScroll: true }); }
        }
        function drawRanking() {
          var feature = $("ranking-feature").value, quantity = $("ranking-quantity").value, body = section("ranking");
          var ranking = currentRanking();
          if (!ranking || ranking.units.length === 0) {
            body.innerHTML = "<p>No unit to rank: " + (D.sentences.length ? "the feature never changes over the steps read." : "no sentence.") + "</p>";
            drawn("ranking", 0);
            return;
          }
          var html = '<table class="list" id="ranking-table"><caption class="caption">Units whose ' + esc(quantity) + " follows " + esc(label(feature)) +
            " best, over " + D.sentences.length + " sentence" + (D.sentences.length === 1 ? "" : "s") +
            '</caption><thead><tr><th class="num">rank</th><th>layer</th><th class="num">unit</th><th class="num">r</th><th class="num">steps</th></tr></thead><tbody>';
          ranking.units.forEach(function (u, k) {
            var name = layerName(u);
            html += '<tr class="choice" tabindex="0" role="button" aria-pressed="false" data-k="' + k + '"><td class="num">' + (k + 1) + "</td><td>" + esc(name) +
              '</td><td class="num">' + u.unit + '</td><td class="num">' + (u.r > 0 ? "+" : "") + fmt(u.r) + '</td><td class="num">' + u.steps + "</td></tr>";
          });
          body.innerHTML = html + "</tbody></table>";
          body.querySelectorAll("tr.choice").forEach(function (row) {
            function choose() { showRanked(+row.getAttribute("data-k"), true); }
            row.addEventListener("click", choose);
            row.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); choose(); } });
          });
          drawn("ranking", ranking.units.length);
        }

        """#
}
