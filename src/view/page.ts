/**
 * The view page's HTML: layout and style only; everything in it is filled in by the script
 * (client/main.ts, served as /app.js). No external resource: fonts are the system's.
 */

/** The page, titled `title` until the script has loaded the session. */
export function viewPage(title: string): string {
  const t = title.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${t} — gail-bridge view</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<style>
body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#fafbfc}
header{padding:.6em 1.2em;border-bottom:1px solid #ddd;background:#fff;display:flex;gap:1em;align-items:baseline}
header h1{font-size:1.1em;margin:0}
main{display:flex;flex-wrap:wrap;gap:1.2em;padding:1em 1.2em}
#viewer{flex:1 1 640px;max-width:900px}
#viewer.empty canvas,#viewer.empty #controls{display:none}
#scene{width:100%;height:460px;display:block;border:1px solid #ccd;border-radius:4px;background:#eef2f6}
#controls{display:flex;flex-wrap:wrap;gap:.6em;align-items:center;margin:.5em 0;font-size:14px}
#scrub{flex:1 1 200px}
#status{font-variant-numeric:tabular-nums;font-size:13px;color:#444}
#pose-note,#model-note{font-size:12.5px;color:#555;margin:.3em 0}
#curves{flex:1 1 560px;min-width:0}
#curve-controls{display:flex;flex-wrap:wrap;gap:1em;align-items:center;font-size:14px;margin-bottom:.5em}
#metrics{display:flex;flex-wrap:wrap;gap:.2em .9em;font-size:12.5px;max-height:7.5em;overflow:auto;border:1px solid #e3e3e3;padding:.4em;background:#fff}
table{border-collapse:collapse;font-size:12.5px}
td,th{padding:2px 8px;text-align:left;border-bottom:1px solid #eee}
td.num{text-align:right}
#episodes{margin-top:.5em}
#episodes-wrap{max-height:220px;overflow:auto}
#episodes tbody tr{cursor:pointer}
#episodes tr.selected{background:#dbe9ff}
figure{display:inline-block;vertical-align:top;margin:0 1em 1em 0;background:#fff}
figcaption{font-size:13px;font-weight:600}
.swatch{display:inline-block;width:12px;height:12px;border-radius:2px}
#error{color:#a00;white-space:pre-wrap}
code{font-size:11.5px}
#runs-wrap{overflow-x:auto;max-width:100%}
#runs td code{white-space:nowrap}
</style></head><body>
<header><h1 id="title">${t}</h1><span id="model-name"></span></header>
<p id="error" hidden></p>
<main>
<section id="viewer">
  <canvas id="scene" width="800" height="460"></canvas>
  <p id="model-note"></p>
  <div id="controls">
    <select id="mode" aria-label="what to play"></select>
    <button id="play">Pause</button>
    <label>speed <select id="speed"><option>0.25</option><option>0.5</option><option selected>1</option><option>2</option><option>4</option></select></label>
    <span id="status"></span>
  </div>
  <div id="demo-panel" hidden>
    <input id="scrub" type="range" min="0" max="0" value="0" aria-label="frame" style="width:100%">
    <div id="episodes-wrap"><table id="episodes"><thead><tr><th>episode</th><th>steps</th><th>end</th><th>return</th></tr></thead><tbody></tbody></table></div>
  </div>
  <div id="policy-panel" hidden>
    <select id="policy-source" aria-label="policy"></select>
    <label><input id="sampled" type="checkbox"> sampled (a ~ N(μ, σ²))</label>
    <button id="restart">New episode</button>
  </div>
  <p id="pose-note"></p>
</section>
<section id="curves">
  <div id="curve-controls">
    <label>x <select id="x-axis"><option value="envSteps">env steps</option><option value="wallSeconds">wall-clock (s)</option><option value="round">rounds</option></select></label>
    <label>smoothing <input id="smoothing" type="range" min="0" max="0.99" step="0.01" value="0.6"> <span id="smoothing-value">0.60</span></label>
    <label><input id="show-seeds" type="checkbox" checked> each seed</label>
  </div>
  <div id="metrics"></div>
  <div id="runs-wrap"><table id="runs"></table></div>
  <div id="charts"></div>
</section>
</main>
<script type="module" src="/app.js"></script>
</body></html>
`;
}
