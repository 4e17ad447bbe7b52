// ExplorerScriptModel.swift — the explorer page's script, part 3: the model section (what `info` shows: the
// configuration, every tensor, each module's count beside its formula; the learning curves of the log found beside
// the checkpoint, as `plot` draws them), and the start: read the data, draw every section, mark the page drawn. [10]

extension ExplorerPage {
    static let scriptModel = #"""
        /* The model: configuration, tensors, modules with their formulas, the training summary and the curves. */
        function drawModel() {
          var m = D.model, body = section("model"), z = m.sizes;
          var names = { E: "embedding size", H: "encoder hidden size per direction", L: "encoder layers", D: "decoder hidden size",
                        M: "decoder layers", A: "attention size", Vs: "source vocabulary", Vt: "target vocabulary" };
          var html = '<div class="columns"><div><table class="list" id="model-sizes"><caption class="caption">Configuration</caption><tbody>';
          Object.keys(names).forEach(function (k) {
            html += '<tr><th><code>' + k + "</code></th><td>" + names[k] + '</td><td class="num">' + z[k] + "</td></tr>";
          });
          html += "<tr><th>dropout</th><td>in training only</td><td class=\"num\">" + m.dropout + "</td></tr>" +
            "<tr><th>tokenizer</th><td colspan=\"2\">" + esc(m.tokenizer) + "</td></tr>" +
            "<tr><th>vocabularies</th><td colspan=\"2\">source " + m.vocabularies.source + ", target " + m.vocabularies.target +
            " tokens (each with &lt;pad&gt; &lt;unk&gt; &lt;s&gt; &lt;/s&gt;)</td></tr>";
          if (m.tie_embeddings) { html += "<tr><th>tied</th><td colspan=\"2\">target embedding and generator weights</td></tr>"; }
          if (m.training) {
            var t = m.training;
            html += "<tr><th>training</th><td colspan=\"2\">the best validation: step " + t.step + " (" + t.epoch + " epochs complete); dev BLEU " +
              fmt(t.dev_bleu) + ", exact match " + fmt(t.dev_exact_match) + "%, loss " + fmt(t.dev_loss) + "</td></tr>";
          }
          html += "</tbody></table>";
          html += "<h3>Modules</h3><p class=\"caption\">An LSTM layer in one direction has 4·hidden·(input+hidden) + 8·hidden parameters: " +
            "W_ih [4·hidden, input], W_hh [4·hidden, hidden], b_ih and b_hh [4·hidden], the gates i, f, g, o in that order.</p>" +
            '<table class="list" id="model-modules"><thead><tr><th>module</th><th class="num">parameters</th><th>formula</th></tr></thead><tbody>';
          m.modules.forEach(function (module) {
            html += "<tr><td>" + esc(module.name) + '</td><td class="num">' + module.parameters.toLocaleString("en") + "</td><td><code>" +
              esc(module.formula) + " = " + esc(module.formula_with_numbers) + "</code>" +
              (module.predicted === module.parameters ? "" : " (the formula gives " + module.predicted + ")") + "</td></tr>";
          });
          html += '<tr><th>total</th><td class="num"><b>' + m.total.toLocaleString("en") + "</b></td><td></td></tr></tbody></table>";
          html += "<h3>Learning curves</h3>" + (m.curves ? curves(m.curves) : "<p>No training log (FILE.log.jsonl) beside the checkpoint.</p>") + "</div><div>";
          html += '<h3>Tensors</h3><table class="list" id="model-tensors"><thead><tr><th>name</th><th>shape</th><th class="num">parameters</th></tr></thead><tbody>';
          m.tensors.forEach(function (t) {
            html += "<tr><td><code>" + esc(t[0]) + "</code></td><td><code>[" + t[1].join(", ") + ']</code></td><td class="num">' + t[2].toLocaleString("en") + "</td></tr>";
          });
          body.innerHTML = html + "</tbody></table></div></div>";
          drawn("model", m.tensors.length + m.modules.length + (m.curves ? m.curves.length : 0));
        }
        function niceTicks(low, high) {
          if (!(high > low)) { high = low + 1; }
          var raw = (high - low) / 5, power = Math.pow(10, Math.floor(Math.log(raw) / Math.LN10)), step = power;
          [1, 2, 5, 10].forEach(function (f) { if (raw > power * f * 0.99) { step = power * f; } });
          step = Math.max(step, power);
          var ticks = [], first = Math.floor(low / step) * step;
          for (var v = first; v <= high + step * 0.5; v += step) { ticks.push(+v.toPrecision(6)); }
          return ticks;
        }
        function chart(records, series, title, yLabel, range) {
          var w = 620, h = 230, left = 56, right = 170, top = 26, bottom = 40, pw = w - left - right, ph = h - top - bottom;
          var xs = records.map(function (r) { return r.step; }), x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
          if (x1 === x0) { x1 = x0 + 1; }
          var ys = [];
          series.forEach(function (s) { records.forEach(function (r) { if (r[s.key] !== null) { ys.push(r[s.key]); } }); });
          var yt = range ? [0, 20, 40, 60, 80, 100] : niceTicks(Math.min(0, Math.min.apply(null, ys)), Math.max.apply(null, ys));
          var y0 = yt[0], y1 = yt[yt.length - 1], xt = niceTicks(x0, x1).filter(function (v) { return v >= x0 && v <= x1; });
          function X(v) { return left + (v - x0) / (x1 - x0) * pw; }
          function Y(v) { return top + ph - (v - y0) / (y1 - y0) * ph; }
          var out = '<svg role="img" width="' + w + '" height="' + h + '" aria-label="' + esc(title) + '"><text x="' + left + '" y="16" font-size="13" font-weight="600">' + esc(title) + "</text>";
          yt.forEach(function (v) {
            out += '<line x1="' + left + '" x2="' + (left + pw) + '" y1="' + Y(v) + '" y2="' + Y(v) + '" stroke="#e3e3e8"></line>' +
              '<text x="' + (left - 6) + '" y="' + (Y(v) + 4) + '" font-size="11" text-anchor="end">' + v + "</text>";
          });
          xt.forEach(function (v) {
            out += '<text x="' + X(v) + '" y="' + (top + ph + 16) + '" font-size="11" text-anchor="middle">' + v + "</text>";
          });
          out += '<text x="' + (left + pw / 2) + '" y="' + (h - 6) + '" font-size="12" text-anchor="middle">step</text>' +
            '<text transform="translate(14 ' + (top + ph / 2) + ') rotate(-90)" font-size="12" text-anchor="middle">' + esc(yLabel) + "</text>" +
            '<rect x="' + left + '" y="' + top + '" width="' + pw + '" height="' + ph + '" fill="none" stroke="#9a9aa5"></rect>';
          var best = records.filter(function (r) { return r.best; }).pop();
          if (best) {
            out += '<line x1="' + X(best.step) + '" x2="' + X(best.step) + '" y1="' + top + '" y2="' + (top + ph) + '" stroke="#1b1b1f" stroke-dasharray="4 3"></line>';
          }
          series.forEach(function (s, k) {
            var points = records.filter(function (r) { return r[s.key] !== null; }).map(function (r) { return X(r.step).toFixed(1) + "," + Y(r[s.key]).toFixed(1); });
            out += '<polyline fill="none" stroke="' + s.colour + '" stroke-width="2"' + (s.dashed ? ' stroke-dasharray="5 3"' : "") + ' points="' + points.join(" ") + '"></polyline>';
            records.forEach(function (r) {
              if (r[s.key] === null) { return; }
              out += '<circle cx="' + X(r.step) + '" cy="' + Y(r[s.key]) + '" r="2.5" fill="' + s.colour + '"><title>' + esc(s.name) + " at step " + r.step + ": " + fmt(r[s.key]) + "</title></circle>";
            });
            var ly = top + 10 + k * 18;
            out += '<line x1="' + (left + pw + 12) + '" x2="' + (left + pw + 36) + '" y1="' + ly + '" y2="' + ly + '" stroke="' + s.colour + '" stroke-width="2"' +
              (s.dashed ? ' stroke-dasharray="5 3"' : "") + '></line><text x="' + (left + pw + 42) + '" y="' + (ly + 4) + '" font-size="12">' + esc(s.name) + "</text>";
          });
          if (best) {
            var by = top + 10 + series.length * 18;
            out += '<line x1="' + (left + pw + 12) + '" x2="' + (left + pw + 36) + '" y1="' + by + '" y2="' + by + '" stroke="#1b1b1f" stroke-dasharray="4 3"></line>' +
              '<text x="' + (left + pw + 42) + '" y="' + (by + 4) + '" font-size="12">best, step ' + best.step + "</text>";
          }
          return out + "</svg>";
        }
        function curves(records) {
          var p = D.scales.palette;
          return '<div class="scroll" id="model-curves">' +
            chart(records, [{ key: "train_loss", name: "training loss", colour: p[0] }, { key: "dev_loss", name: "dev loss", colour: p[1] }],
                  "Loss (nats per target token)", "loss", false) + "<br>" +
            chart(records, [{ key: "dev_bleu", name: "dev BLEU", colour: p[2] }, { key: "exact_match", name: "exact match %", colour: p[3] },
                            { key: "token_accuracy", name: "token accuracy %", colour: p[4], dashed: true }],
                  "Dev BLEU, exact match and token accuracy", "percent", true) + "</div>";
        }

        /* The start: every section drawn, then the page marked so (data-ready), errors shown at the top. */
        function drawSentence() {
          if (D.sentences.length === 0) {
            ["translation", "attention", "beam", "units"].forEach(function (id) {
              section(id).innerHTML = "<p>No sentence: the input was empty.</p>";
              drawn(id, 0);
            });
            return;
          }
          drawTranslation(); drawAttention(); drawBeam(); drawUnits();
        }
        try {
          D = JSON.parse($("explorer-data").textContent);
          drawHeader();
          setupUnits();
          setupRanking();
          $("beam-pruned").addEventListener("change", function () { if (D.sentences.length) { drawBeam(); } });
          drawRanking();
          drawSentence();
          showRanked(0, false);
          drawModel();
          document.body.setAttribute("data-ready", "yes");
        } catch (error) {
          report(error && error.stack ? error.stack : error);
        }
        })();

        """#
}
