// ExplorerScript.swift — the explorer page's script, part 1: reading the data block, colour scales (the anchors of
// Colour.swift, interpolated as ColourScale.colour does), the sentence picker, the translation with its n-best list,
// and the attention grid. Plain ES5-style JavaScript with no comment that starts with two slashes, so that the page
// holds no "//" at all (a test checks that it names nothing outside itself). Stage [10].

extension ExplorerPage {
    static let scriptCore = #"""
        (function () {
        "use strict";
        var D = null, S = 0, H = 0;
        var errors = [];
        function report(message) {
          errors.push(String(message));
          var box = document.getElementById("errors");
          box.hidden = false;
          box.textContent = "The page's script failed: " + errors.join("\n");
          document.body.setAttribute("data-errors", String(errors.length));
        }
        window.addEventListener("error", function (event) { report(event.message + " (line " + event.lineno + ")"); });
        function $(id) { return document.getElementById(id); }
        function esc(text) {
          return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
        }
        function fmt(x, digits) {
          if (x === null || x === undefined) { return "not finite"; }
          if (digits !== undefined) { return x.toFixed(digits); }
          return String(x);
        }
        /* A token as the page labels it: the BPE joiner drawn as the SVG pictures draw it (few fonts have it). */
        function label(token) { return String(token).split(D.joiner.token).join(D.joiner.label); }
        function short(token, limit) { token = label(token); return token.length > limit ? token.slice(0, limit - 1) + "…" : token; }
        function section(id) { return $(id).querySelector(".body"); }
        function drawn(id, count) { $(id).setAttribute("data-drawn", String(count)); }
        function option(select, value, label, selected) {
          var o = document.createElement("option");
          o.value = String(value); o.textContent = label; o.selected = !!selected;
          select.appendChild(o);
        }

        /* Colour scales: anchors evenly spaced from lower to upper, linear in between (Colour.swift). */
        function rgbOf(hex) { return [1, 3, 5].map(function (k) { return parseInt(hex.substr(k, 2), 16); }); }
        function Scale(anchors, lower, upper) { this.anchors = anchors; this.rgbs = anchors.map(rgbOf); this.lower = lower; this.upper = upper; }
        Scale.prototype.fraction = function (v) {
          if (v === null || isNaN(v)) { return 0.5; }
          return Math.min(1, Math.max(0, (v - this.lower) / (this.upper - this.lower)));
        };
        Scale.prototype.rgb = function (v) {
          var n = this.rgbs.length, position = this.fraction(v) * (n - 1);
          var k = Math.min(n - 2, Math.floor(position)), t = position - k, a = this.rgbs[k], b = this.rgbs[k + 1];
          return [0, 1, 2].map(function (c) { return Math.round(a[c] + (b[c] - a[c]) * t); });
        };
        Scale.prototype.colour = function (v) { return "rgb(" + this.rgb(v).join(",") + ")"; };
        Scale.prototype.ink = function (v) {
          var c = this.rgb(v).map(function (x) { x = x / 255; return x <= 0.04045 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
          return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2] > 0.179 ? "#000" : "#fff";
        };
        Scale.prototype.paint = function (element, v) { element.style.background = this.colour(v); element.style.color = this.ink(v); };
        Scale.prototype.ticks = function () {
          var self = this;
          return [0, 1, 2, 3, 4].map(function (k) { return +(self.lower + (self.upper - self.lower) * k / 4).toPrecision(3); });
        };
        function viridis() { return new Scale(D.scales.viridis, 0, 1); }
        function diverging(limit) { return new Scale(D.scales.diverging, -limit, limit); }
        /* ±1 up to a largest magnitude of 1, else ± the next of 1, 2, 5, 10, 20, 50, … (ColourScale.divergingCovering). */
        function covering(largest) {
          var factors = [2, 2.5, 2], limit = 1, k = 0;
          while (limit < largest) { limit *= factors[k % 3]; k += 1; }
          return limit;
        }
        function quantityScale(name, values) {
          var kind = D.quantities.filter(function (q) { return q.name === name; })[0].scale;
          if (kind === "viridis") { return viridis(); }
          if (kind === "diverging") { return diverging(1); }
          var largest = 0;
          values.forEach(function (v) { if (v !== null) { largest = Math.max(largest, Math.abs(v)); } });
          return diverging(covering(largest));
        }
        function legend(scale, title) {
          var stops = scale.anchors.map(function (hex, k) { return hex + " " + (100 * k / (scale.anchors.length - 1)).toFixed(1) + "%"; });
          return '<div class="legend"><span>' + esc(title) + '</span><div><div class="bar" style="background: linear-gradient(to right, ' +
            stops.join(", ") + ')"></div><div class="ticks">' +
            scale.ticks().map(function (t) { return "<span>" + t + "</span>"; }).join("") + "</div></div></div>";
        }

        function sentence() { return D.sentences[S]; }
        function hypothesis() { return sentence().hypotheses[H]; }

        /* The header and the sentence picker. */
        function drawHeader() {
          var d = D.decoding;
          var decoding = d.beam > 1 ? "beam search of width " + d.beam + ", " + d.n_best + " best, length penalty α = " + d.length_penalty
                                    : "greedy decoding";
          $("summary").textContent = D.checkpoint + " · " + D.sentences.length + " sentence" + (D.sentences.length === 1 ? "" : "s") +
            " · " + decoding + " · numbers at " + D.significant_digits + " significant digits";
          document.title = "seq2seq explorer: " + D.checkpoint;
          var select = $("sentence-select");
          D.sentences.forEach(function (s, k) { option(select, k, (k + 1) + ". " + short(s.source, 80), k === S); });
          select.addEventListener("change", function () { chooseSentence(+select.value); });
          $("sentence-previous").addEventListener("click", function () { chooseSentence(S - 1); });
          $("sentence-next").addEventListener("click", function () { chooseSentence(S + 1); });
          var none = D.sentences.length === 0;
          ["sentence-select", "sentence-previous", "sentence-next"].forEach(function (id) { $(id).disabled = none; });
        }
        function chooseSentence(k) {
          if (k < 0 || k >= D.sentences.length) { return; }
          S = k; H = 0;
          $("sentence-select").value = String(k);
          drawSentence();
        }
        function chooseHypothesis(k) { H = k; drawTranslation(); drawAttention(); drawBeam(); }

        /* The translation and its alternatives. */
        function drawTranslation() {
          var s = sentence(), body = section("translation");
          var html = '<p class="pair"><span class="label">source</span> <span class="text">' + esc(s.source) + "</span></p>" +
            '<p class="pair"><span class="label">translation</span> <span class="text" id="translation-text">' +
            esc(s.hypotheses[0].text) + "</span></p>";
          html += '<table class="list" id="n-best"><caption class="caption">' +
            (D.decoding.beam > 1 ? "The " + s.hypotheses.length + " best hypotheses, best first (score = log p / ((5 + length) / 6)^α). Choose one to see its attention and its path."
                                 : "Greedy decoding: one hypothesis (a beam search of width K finds the N best).") +
            '</caption><thead><tr><th>#</th><th class="num">score</th><th class="num">log p</th><th>translation</th></tr></thead><tbody>';
          s.hypotheses.forEach(function (h, k) {
            html += '<tr class="choice' + (k === H ? " selected" : "") + '" tabindex="0" role="button" aria-pressed="' + (k === H) +
              '" data-k="' + k + '"><td>' + (k + 1) + '</td><td class="num">' + fmt(h.score) + '</td><td class="num">' +
              fmt(h.log_probability) + "</td><td>" + esc(h.text) + "</td></tr>";
          });
          body.innerHTML = html + "</tbody></table>";
          body.querySelectorAll("tr.choice").forEach(function (row) {
            function choose() { chooseHypothesis(+row.getAttribute("data-k")); body.querySelector('tr[data-k="' + H + '"]').focus(); }
            row.addEventListener("click", choose);
            row.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); choose(); } });
          });
          drawn("translation", s.hypotheses.length);
        }

        /* The attention grid: rows the chosen hypothesis's target tokens, columns the source tokens. */
        function drawAttention() {
          var h = hypothesis(), body = section("attention"), scale = viridis();
          var html = '<div class="scroll"><table class="grid" id="attention-grid"><thead><tr><th class="axis">target ↓ · source →</th>';
          h.source_tokens.forEach(function (token, j) {
            html += '<th class="source" tabindex="-1" data-j="' + j + '" title="' + esc(label(token)) + '"><span>' + esc(short(token, 14)) + "</span></th>";
          });
          html += "</tr></thead><tbody>";
          h.attention.forEach(function (row, i) {
            html += '<tr><th class="target" tabindex="-1" data-i="' + i + '">' + esc(short(h.target_tokens[i], 16)) + "</th>";
            row.forEach(function (w, j) {
              html += '<td tabindex="-1" data-i="' + i + '" data-j="' + j + '" style="background:' + scale.colour(w) + ";color:" + scale.ink(w) +
                '" title="α = ' + fmt(w) + " (target " + esc(label(h.target_tokens[i])) + " ← source " + esc(label(h.source_tokens[j])) + ')">' +
                (w >= 0.1 ? fmt(w, 2).replace(/^0/, "") : "") + "</td>";
            });
            html += "</tr>";
          });
          html += '</tbody></table></div><div class="readout" id="attention-readout" aria-live="polite">Point at a token or a cell.</div>' +
            legend(scale, "weight α");
          body.innerHTML = html;
          var grid = $("attention-grid"), readout = $("attention-readout");
          var cells = grid.querySelectorAll("[data-i], [data-j]");
          if (cells.length > 0) { cells[0].tabIndex = 0; }
          function clear() {
            grid.querySelectorAll(".marked").forEach(function (e) { e.classList.remove("marked"); });
            grid.querySelectorAll("th.source, th.target").forEach(function (e) { e.style.background = ""; e.style.color = ""; });
            grid.querySelectorAll("td.dim").forEach(function (e) { e.classList.remove("dim"); });
          }
          function listing(pairs) {
            return pairs.sort(function (a, b) { return b[1] - a[1]; }).slice(0, 6)
              .map(function (p) { return "<b>" + esc(label(p[0])) + "</b> " + fmt(p[1]); }).join(" · ");
          }
          function showRow(i) {
            grid.querySelectorAll("th.source").forEach(function (e, j) { scale.paint(e, h.attention[i][j]); });
            grid.querySelectorAll("td").forEach(function (e) { if (+e.getAttribute("data-i") !== i) { e.classList.add("dim"); } });
            readout.innerHTML = "target <b>" + esc(label(h.target_tokens[i])) + "</b> (step " + (i + 1) + ") attends to: " +
              listing(h.source_tokens.map(function (t, j) { return [t, h.attention[i][j]]; }));
          }
          function showColumn(j) {
            grid.querySelectorAll("th.target").forEach(function (e, i) { scale.paint(e, h.attention[i][j]); });
            grid.querySelectorAll("td").forEach(function (e) { if (+e.getAttribute("data-j") !== j) { e.classList.add("dim"); } });
            readout.innerHTML = "source <b>" + esc(label(h.source_tokens[j])) + "</b> is looked at by: " +
              listing(h.target_tokens.map(function (t, i) { return [t, h.attention[i][j]]; }));
          }
          function show(element) {
            clear();
            var i = element.getAttribute("data-i"), j = element.getAttribute("data-j");
            element.classList.add("marked");
            if (i !== null && j !== null) {
              i = +i; j = +j;
              grid.querySelector('th.target[data-i="' + i + '"]').classList.add("marked");
              grid.querySelector('th.source[data-j="' + j + '"]').classList.add("marked");
              readout.innerHTML = "α = <b>" + fmt(h.attention[i][j]) + "</b>: target <b>" + esc(label(h.target_tokens[i])) +
                "</b> (step " + (i + 1) + ") on source <b>" + esc(label(h.source_tokens[j])) + "</b>";
            } else if (i !== null) { showRow(+i); } else { showColumn(+j); }
          }
          grid.querySelectorAll("[data-i], [data-j]").forEach(function (element) {
            element.addEventListener("mouseenter", function () { show(element); });
            element.addEventListener("focus", function () { show(element); });
            element.addEventListener("click", function () { element.focus(); });
          });
          grid.addEventListener("mouseleave", function () { if (!grid.contains(document.activeElement)) { clear(); } });
          grid.addEventListener("keydown", function (e) {
            var at = document.activeElement, moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
            if (!moves[e.key] || !grid.contains(at)) { return; }
            e.preventDefault();
            var i = at.hasAttribute("data-i") ? +at.getAttribute("data-i") : -1, j = at.hasAttribute("data-j") ? +at.getAttribute("data-j") : -1;
            i = Math.max(-1, Math.min(h.target_tokens.length - 1, i + moves[e.key][0]));
            j = Math.max(-1, Math.min(h.source_tokens.length - 1, j + moves[e.key][1]));
            var next = i >= 0 && j >= 0 ? grid.querySelector('td[data-i="' + i + '"][data-j="' + j + '"]')
              : i >= 0 ? grid.querySelector('th.target[data-i="' + i + '"]') : j >= 0 ? grid.querySelector('th.source[data-j="' + j + '"]') : null;
            if (next) { at.tabIndex = -1; next.tabIndex = 0; next.focus(); }
          });
          drawn("attention", h.attention.length * h.source_tokens.length);
        }

        """#
}
