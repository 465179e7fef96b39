// report.html: one self-contained file that opens offline — vega, vega-lite and vega-embed are
// inlined from node_modules, the figures' specs and data are embedded as JSON. Pure except for
// reading those three scripts.
import { PERCENTILES } from '../analysis/histogram.js';
import { baselineCaseId } from '../plan/expand.js';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunAnalysis } from '../analysis/index.js';
import { LOSS_THRESHOLD } from '../analysis/max-throughput.js';
import { UNSTEADY_CV } from '../analysis/variation.js';
import { generatorLimitedWords, TX_BELOW_TARGET } from '../analysis/warnings.js';
import { EXPORT_COLUMNS } from './columns.js';
import type { Figure, FigureSet } from './figures.js';
import { table2Rows } from './figures.js';
import { buildHeadline, headlineSentence, type Headline } from './headline.js';
import { compareWithPaper, type CompareContext, type PaperComparison } from './paper-compare.js';
import { failedTrialsCell, searchFigureId } from './search-figure.js';
import { takeaway } from './takeaways.js';
import { COLUMN_GROUPS, type Cell, type ColumnGroup } from './table.js';

export interface HtmlInput {
  analysis: RunAnalysis;
  figures: FigureSet;
  /** Where each figure's files are, relative to report.html (figures/<id>.svg, .png). */
  figureFiles: Map<string, { svg: string; png: string | null }>;
  /** What the paper comparison should know beyond the run (a reproduction: switches not here, experiments not run). */
  paperContext?: CompareContext;
}

export function buildHtml({ analysis, figures, figureFiles, paperContext }: HtmlInput): string {
  const run = analysis.data.summary.run;
  const paper = compareWithPaper(analysis, figures, paperContext);
  const title = `nfvperf report — ${run.name} (run ${run.id})`;
  const all: [id: string, name: string, html: string][] = [
    ['headline', 'Headline', headlineSection(buildHeadline(analysis))],
    ['summary', 'Summary', summarySection(analysis)],
    ['maxima', 'Maximum throughput', maximaSection(analysis)],
    ['search', 'Search results', searchSection(analysis, figures)],
    ['latency', 'Latency histograms', latencySection(analysis)],
    ['figures', 'Figures', figuresSection(analysis, figures, figureFiles, paper)],
    ['paper', 'The paper beside this run', paperSection(paper)],
    ['warnings', 'Warnings', warningsSection(analysis)],
    ['environment', 'Environment', environmentSection(analysis)],
  ];
  // What this run has, in reading order; then the sections it has nothing for (each one line
  // saying what would fill it), then the figures left out: the first screens show results.
  const isEmpty = (html: string) => /^<section id="[^"]+" class="empty">/.test(html);
  const sections = [
    ...all.filter(([, , html]) => !isEmpty(html)),
    ...all.filter(([, , html]) => isEmpty(html)),
    ...(figures.skipped.length > 0
      ? [['skipped', 'Figures left out', skippedSection(figures)] as [string, string, string]]
      : []),
  ];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${esc(title)}</h1>
<p>${esc(run.planFile)} · nfvperf ${esc(run.nfvperfVersion)} · started ${esc(run.startedAt)} · finished ${esc(run.finishedAt ?? '—')} · outcome <b>${esc(run.outcome)}</b> · ${analysis.cases.length} cases</p>
<nav>${sections.map(([id, name]) => `<a href="#${id}">${name}</a>`).join(' · ')}</nav>
</header>
<main>
${sections.map(([, , html]) => html).join('\n')}
</main>
${figures.figures.map((f) => `<script type="application/json" id="spec-${esc(f.id)}">${jsonForScript(f.spec)}</script>`).join('\n')}
<script>${inlineScript('vega', 'build/vega.min.js')}</script>
<script>${inlineScript('vega-lite', 'build/vega-lite.min.js')}</script>
<script>${inlineScript('vega-embed', 'build/vega-embed.min.js')}</script>
<script>${CLIENT_SCRIPT}</script>
</body>
</html>
`;
}

function headlineSection(h: Headline): string {
  const items = h.items.map((i) => {
    const [best, next] = i.ranked;
    const attrs =
      `data-dimension="${i.dimension}" data-locality="${esc(i.locality)}" data-packet-size="${i.packetSize}" data-pairs="${i.pairs}"` +
      ` data-best="${esc(best?.path ?? '')}" data-best-value="${best?.value ?? ''}" data-next="${esc(next?.path ?? '')}" data-factor="${i.factor ?? ''}"`;
    const caveats = i.warnings.map(
      (w) =>
        `<li class="w-${esc(w.kind)}"><b>${esc(w.kind)}</b> <code>${esc(w.caseId)}</code>: ${inlineCode(w.message)}</li>`,
    );
    return `<li ${attrs}>${esc(headlineSentence(i))}${caveats.length > 0 ? `<br><span class="caveat">May change this conclusion:</span><ul>${caveats.join('')}</ul>` : ''}</li>`;
  });
  const others = Object.entries(h.otherWarnings)
    .map(([kind, count]) => `${count} × ${esc(kind)}`)
    .join(', ');
  return `<section id="headline">
<h2>Headline</h2>
${items.length > 0 ? `<ul class="headline">${items.join('\n')}</ul>` : '<p>No case produced throughput or latency figures.</p>'}
${others ? `<p class="note">Other warnings (on cases the headline does not rest on): ${others} — see <a href="#warnings">Warnings</a>.</p>` : ''}
</section>`;
}

function skippedSection(figures: FigureSet): string {
  if (figures.skipped.length === 0) return '';
  return `<section id="skipped"><h2>Figures left out (${figures.skipped.length})</h2><ul>${figures.skipped.map((s) => `<li><b>${esc(s.figure)}</b>: ${inlineCode(s.reason)}</li>`).join('\n')}</ul></section>`;
}

function warningsSection(a: RunAnalysis): string {
  const items = a.warnings.map(
    (w) =>
      `<li class="w-${esc(w.kind)}"><b>${esc(w.kind)}</b> <code>${esc(w.caseId)}</code>: ${inlineCode(w.message)}</li>`,
  );
  return `<section id="warnings">
<h2>Warnings (${a.warnings.length})</h2>
${items.length > 0 ? `<ul>${items.join('\n')}</ul>` : '<p>None: every case completed on its own CPUs, steadily, at the rate asked for.</p>'}
<p class="note">Unsteady: per-second rx rate with a coefficient of variation above ${UNSTEADY_CV * 100} %. TxBelowTarget: senders more than ${TX_BELOW_TARGET * 100} % below rate × pairs. GeneratorLimited: a search goal's upper bound was set by the sender falling short of the rate, not by the path.</p>
</section>`;
}

/** Columns shown by default, each one line wide at 1280 px; the rest are behind "all columns". */
const MAIN_COLUMNS = new Set([
  'pairs',
  'switch',
  'backend',
  'packetSizeBytes',
  'ratePps',
  'burstPackets',
  'repetition',
  'txMpps',
  'rxMpps',
  'lossPercent',
  'rttP50Us',
  'rttP99Us',
  'totalCores',
  'status',
]);

/** The group headers' words: what the columns under each are about. */
const GROUP_TITLES: Record<ColumnGroup, string> = {
  case: 'case',
  throughput: 'throughput',
  loss: 'loss',
  latency: 'latency (round trip)',
  CPU: 'CPU',
  outcome: 'outcome',
};

/** The summary table's filters: a row attribute each, and the value a case gives it. */
const FILTERS: { key: string; value: (r: RunAnalysis['cases'][number]) => string }[] = [
  { key: 'switch', value: (r) => r.case.switch },
  { key: 'backend', value: (r) => r.case.backend },
  { key: 'layout', value: (r) => r.case.layout ?? 'pairs' },
];

function summarySection(a: RunAnalysis): string {
  // The export columns, grouped (stable within a group): one header spans each group's columns.
  const columns = COLUMN_GROUPS.flatMap((g) => EXPORT_COLUMNS.filter((c) => c.group === g));
  // A main column with no value in any row (RTT in a throughput run, Mpps in a latency run) waits
  // behind the toggle with the others: the first screen shows what this run measured.
  const filled = new Set(columns.filter((c) => a.cases.some((r) => c.value(r) !== '-')).map((c) => c.key));
  const isMain = (c: { key: string }) => MAIN_COLUMNS.has(c.key) && filled.has(c.key);
  const cls = (c: { key: string; align: string }) => `${c.align}${isMain(c) ? '' : ' extra'}`;
  // A hidden cell takes no place in the table's grid, so a group header spans only its shown
  // columns: the column toggle sets colspan from data-main to data-all and back.
  const groups = COLUMN_GROUPS.map((g) => {
    const all = columns.filter((c) => c.group === g).length;
    const main = columns.filter((c) => c.group === g && isMain(c)).length;
    return `<th class="group${main === 0 ? ' extra' : ''}" data-group="${g}" data-main="${main}" data-all="${all}" colspan="${main || all}">${esc(GROUP_TITLES[g])}</th>`;
  }).join('');
  const head = columns
    .map(
      (c) =>
        `<th class="${cls(c)}" data-key="${esc(c.key)}" data-group="${c.group}" title="click to sort by ${esc(c.key)}">${esc(c.header)}</th>`,
    )
    .join('');
  const rows = a.cases.map(
    (r) =>
      `<tr ${FILTERS.map((f) => `data-${f.key}="${esc(f.value(r))}"`).join(' ')}${r.warnings.length > 0 ? ' class="warned"' : ''}>${columns
        .map((c) => {
          const raw = c.raw(r);
          // The status cell holds only the status; its error, which can be long, is in the tooltip and the error column.
          const text = c.key === 'status' ? `${r.case.status}${r.case.cpuShared ? ' (cpu shared)' : ''}` : c.value(r);
          const title = c.key === 'status' && r.case.error ? ` title="${esc(r.case.error)}"` : '';
          return `<td class="${cls(c)}" data-sort="${esc(sortKey(raw))}"${title}>${esc(text)}</td>`;
        })
        .join('')}</tr>`,
  );
  const filters = FILTERS.map((f) => {
    const values = [...new Set(a.cases.map(f.value))].sort();
    return `<label>${f.key} <select data-filter="${f.key}"><option value="">all</option>${values.map((v) => `<option>${esc(v)}</option>`).join('')}</select></label>`;
  }).join(' ');
  return `<section id="summary">
<h2>Summary</h2>
<p class="note">One row per case; click a header to sort. Rates are steady-state, summed over pairs. Highlighted rows carry a warning.</p>
<p class="controls">${filters} <label><input type="checkbox" id="show-extra"> all columns</label></p>
<div class="table-wrap"><table id="summary-table" class="sortable"><thead><tr class="groups">${groups}</tr><tr>${head}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table></div>
</section>`;
}

function maximaSection(a: RunAnalysis): string {
  if (a.maxima.length === 0)
    return `<section id="maxima" class="empty"><h2>Maximum throughput</h2><p>No case produced throughput figures.</p></section>`;
  const rows = a.maxima.map((m) => {
    const ci = m.rxPps.ciHalfWidth === null ? '' : ` ± ${(m.rxPps.ciHalfWidth / 1e6).toFixed(4)}`;
    const lossy = m.firstLossyRate === null ? 'none' : m.firstLossyRate === 'max' ? 'max' : String(m.firstLossyRate);
    return (
      `<tr><td>${esc(m.switch)}</td><td>${esc(m.backend)}</td><td class="right">${m.pairs}</td><td class="right">${m.sizeMix ? esc(m.sizeMix) : m.packetSize}${m.flows > 1 ? ` · ${m.flows} flows` : ''}</td>` +
      `<td class="right">${(m.rxPps.mean / 1e6).toFixed(4)}${ci}</td><td class="right">${m.rxGbps.mean.toFixed(3)}</td>` +
      `<td class="right">${m.best.sample.rate}</td><td class="right">${m.best.sample.burst}</td><td class="right">${m.rxPps.n}</td><td class="right">${esc(lossy)}</td></tr>`
    );
  });
  const t2 = table2Rows(a);
  const table2 =
    'skip' in t2
      ? ''
      : `<h3 id="table2-table">Table 2 — socket techniques, linux-bridge, 1vs1, ${t2.packetSize} B</h3>
<table><thead><tr><th>technique</th><th class="right">max throughput (kpps)</th><th class="right">at R pps</th><th class="right">at B</th></tr></thead><tbody>
${t2.rows.map((r) => `<tr><td>${esc(String(r.technique))}</td><td class="right">${(r.maxRxKpps as number).toFixed(1)}${r.maxRxKppsCiLow === null ? '' : ` (95 % CI ${(r.maxRxKppsCiLow as number).toFixed(1)}–${(r.maxRxKppsCiHigh as number).toFixed(1)})`}</td><td class="right">${esc(String(r.atRatePps))}</td><td class="right">${esc(String(r.atBurstPackets))}</td></tr>`).join('\n')}
</tbody></table>`;
  return `<section id="maxima">
<h2>Maximum throughput</h2>
<p class="note">Per switch, backend, pairs and packet size: the highest mean rx rate over the swept rates and bursts (± half-width of its 95 % Student-t CI over repetitions, where there are several), and the lowest rate whose loss exceeded ${LOSS_THRESHOLD * 100} % at every burst.</p>
<table><thead><tr><th>V</th><th>backend</th><th class="right">S</th><th class="right">P bytes</th><th class="right">max rx Mpps</th><th class="right">rx Gbps</th><th class="right">at R pps</th><th class="right">at B</th><th class="right">reps</th><th class="right">first lossy R pps</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>
${table2}
</section>`;
}

const STATUS_NOTES: Record<string, string> = {
  converged: 'both bounds found, within the goal width',
  'max-is-lower-bound': 'the max rate passed: no upper bound exists (raise search.maxRatePps)',
  'min-is-upper-bound': 'even the min rate failed: no lower bound exists',
  'trial-limit': 'search.maxTrials reached before the goal converged',
};

/**
 * Every latency histogram of every case (its steady window merged over pairs): percentiles to
 * p99.999, each with the samples it rests on; one that needs more samples than were recorded is
 * shown as such (n < 1/(1 − q)), not as a value.
 */
function latencySection(a: RunAnalysis): string {
  const rows: string[] = [];
  const byId = new Map(a.data.summary.cases.map((c) => [c.id, c]));
  for (const c of a.data.summary.cases) {
    const baseline = c.baseline ? undefined : byId.get(baselineCaseId(c.id));
    for (const h of c.latencyHistograms ?? []) {
      // The path's own at the same load: the baseline's histogram of this run, kind and rate.
      const own = baseline?.baseline
        ? baseline.latencyHistograms?.find((b) => b.run === h.run && b.kind === h.kind && b.ratePps === h.ratePps)
        : undefined;
      const minus = (key: string) => {
        const mine = h.percentiles[key]?.ns;
        const theirs = own?.percentiles[key]?.ns;
        return mine === null || mine === undefined || theirs === null || theirs === undefined
          ? '—'
          : ((mine - theirs) / 1000).toFixed(2);
      };
      const cells = PERCENTILES.map(([key]) => {
        const p = h.percentiles[key]!;
        return p.ns === null
          ? `<td class="right" title="needs at least ${p.samplesNeeded.toLocaleString('en-US')} samples">n &lt; ${p.samplesNeeded.toLocaleString('en-US')}</td>`
          : `<td class="right">${(p.ns / 1000).toFixed(2)}</td>`;
      });
      const load = h.run === '' ? 'traffic' : h.run === 'probe' ? 'probe alone (0 %)' : `${h.goal} × ${h.fraction}`;
      rows.push(
        `<tr${h.status === 'failed' ? ' class="warned"' : ''}><td class="case"><code>${esc(c.id)}</code></td><td>${esc(load)}</td><td>${esc(h.kind)}</td>` +
          `<td class="right">${h.ratePps === undefined ? '—' : Math.round(h.ratePps).toLocaleString('en-US')}</td>` +
          `<td class="right">${h.samples.toLocaleString('en-US')}</td><td class="right">${h.late ?? '—'}</td>${cells.join('')}` +
          `<td class="right">${c.baseline ? 'baseline' : `${minus('p50')} / ${minus('p99')}`}</td>` +
          `<td>${h.error ? esc(h.error) : ''}</td></tr>`,
      );
    }
  }
  if (rows.length === 0)
    return `<section id="latency" class="empty"><h2>Latency histograms</h2><p>No latency histogram in this run (dimension <code>latency</code>, plan <code>oneWayLatency</code>, or <code>search.latency</code>).</p></section>`;
  return `<section id="latency">
<h2>Latency histograms</h2>
<p class="note">Each case's latency histograms, steady window merged over pairs: round trips of latency cases (the client's clock), one-way latency of throughput receivers (the sender's timestamp to the receiver's clock, one host's CLOCK_MONOTONIC), and a search's latency runs: its probe (single frames at the probe rate, each alone in its send call) alone, then beside the load at fractions of each goal's conditional throughput (rate per sender; only the probe timed). Percentiles in µs, the bucket midpoints (≤ 0.4 % off); a percentile needs 1/(1 − q) samples (p99.999: 10^5) and is marked where it has fewer. With <code>latencyBaseline</code>, each case's percentiles minus those of its baseline (the same apps, backend and load over a bare veth pair) at the same rate: the switch's own share of the latency (— where the loads differ, as a search's fractions of each path's own found rate do). <code>nfvperf export DIR --format hdr</code> writes every histogram as an HdrHistogram log.</p>
<div class="scroll"><table id="latency-table"><thead><tr><th>case</th><th>load</th><th>kind</th><th class="right">rate pps / sender</th><th class="right">samples</th><th class="right">late (&gt; 1 s)</th>${PERCENTILES.map(([key]) => `<th class="right">${key} µs</th>`).join('')}<th class="right">minus baseline p50 / p99 µs</th><th>error</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table></div>
</section>`;
}

function searchSection(a: RunAnalysis, figures: FigureSet): string {
  const searchCases = a.data.summary.cases.filter((c) => c.rate === 'search');
  if (searchCases.length === 0) {
    return `<section id="search" class="empty"><h2>Search results</h2><p>No search case in this run (plan <code>search</code> finds NDR/PDR).</p></section>`;
  }
  const drawn = new Set(figures.figures.map((f) => f.id));
  const pps = (v: number | null) => (v === null ? '—' : Math.round(v).toLocaleString('en-US'));
  const rows: string[] = [];
  const limited: string[] = [];
  searchCases.forEach((c, k) => {
    const search = a.data.searches.get(c.id);
    const figureId = searchFigureId(k);
    const caseCell = `<td class="case"><code>${esc(c.id)}</code>${drawn.has(figureId) ? ` <a href="#${esc(figureId)}">trace</a>` : ''}</td>`;
    const goals = search?.goals ?? [];
    if (goals.length === 0) {
      rows.push(
        `<tr class="warned">${caseCell}<td colspan="13">no result: ${esc(c.status)}${c.error ? `: ${esc(c.error)}` : ''}</td></tr>`,
      );
      return;
    }
    const total = search!.trials.length;
    for (const g of goals) {
      const ct = g.conditionalThroughputPps;
      rows.push(
        `<tr${g.generatorLimited || g.status !== 'converged' ? ' class="warned"' : ''} data-case="${esc(c.id)}" data-goal="${esc(g.goal)}">${caseCell}` +
          `<td>${esc(g.goal)}</td><td class="right">${g.goalLossRatio === null ? '—' : `${+(g.goalLossRatio * 100).toFixed(4)} %`}</td>` +
          `<td class="right">${pps(g.lowerBoundPps)}</td><td class="right">${pps(g.upperBoundPps)}</td>` +
          `<td class="right">${g.relativeWidth === null ? '—' : `${(g.relativeWidth * 100).toFixed(2)} %`}</td>` +
          `<td class="right">${pps(ct)}</td><td class="right">${ct === null ? '—' : (ct / 1e6).toFixed(4)}</td>` +
          `<td class="right">${ct === null ? '—' : ((ct * c.pairs) / 1e6).toFixed(4)}</td>` +
          `<td class="right">${g.trials} of ${total}</td>` +
          `<td title="${esc(STATUS_NOTES[g.status] ?? '')}">${esc(g.status)}</td><td>${g.generatorLimited ? '<b>yes</b>' : 'no'}</td>` +
          `<td class="right">${failedTrialsCell(search!.trials, g.goal)}</td>` +
          `<td class="right">${pps(g.generatorAccuratePps)}${g.lowerBoundToGeneratorRatio === null ? '' : ` (${g.lowerBoundToGeneratorRatio.toFixed(2)})`}</td></tr>`,
      );
      if (g.generatorLimited) {
        limited.push(
          `<li><code>${esc(c.id)}</code>, goal <b>${esc(g.goal)}</b> (upper bound ${pps(g.upperBoundPps)} packets/s): ${esc(generatorLimitedWords(c))}.</li>`,
        );
      }
    }
  });
  return `<section id="search">
<h2>Search results</h2>
<p class="note">Per search case and goal (MLRsearch): the relevant lower bound (the highest rate per sender found to meet the goal: NDR for loss 0, PDR for a small loss ratio) and upper bound, their relative width (upper − lower) ÷ upper, and the conditional throughput — the lower bound times its quantile trial's forwarding ratio. Rates are packets/s per sender; the total column multiplies by the pairs. Trials: those the search chose for this goal, of the case's total. Shortfall and loss are kept apart: a trial that failed the goal failed on the path's loss, or only on what the generator did not send; the generator was accurate up to the highest load at which every trial sent what was asked (within the search's generator tolerance), and a lower bound near that load (ratio near 1) may be the generator's limit rather than the path's.</p>
<div class="scroll"><table id="search-table"><thead><tr><th>case</th><th>goal</th><th class="right">goal loss ratio</th><th class="right">lower bound pps</th><th class="right">upper bound pps</th><th class="right">relative width</th><th class="right">cond. throughput pps</th><th class="right">cond. throughput Mpps</th><th class="right">total Mpps (× pairs)</th><th class="right">trials</th><th>status</th><th>generator-limited</th><th class="right">failed trials: path loss / generator shortfall</th><th class="right">generator accurate up to pps (lower bound ÷ it)</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table></div>
${limited.length > 0 ? `<ul class="search-warnings">${limited.join('\n')}</ul>` : ''}
</section>`;
}

function paperLine(p: PaperComparison): string {
  return `<p class="paper" data-verdict="${esc(p.verdict)}">Paper (${esc(p.fact.section)}): ${esc(p.fact.claim)}. <b class="v-${p.verdict.replace(' ', '-')}">This run ${p.verdict === 'cannot tell' ? 'cannot tell' : p.verdict}</b>: ${esc(p.found)}.</p>`;
}

function paperSection(paper: PaperComparison[]): string {
  const rows = paper.map(
    (p) =>
      `<tr data-figure="${esc(p.figure)}" data-verdict="${esc(p.verdict)}"><td>${esc(p.figure)}</td><td>${esc(p.fact.section)}</td><td>${esc(p.fact.claim)}</td><td><b class="v-${p.verdict.replace(' ', '-')}">${esc(p.verdict)}</b></td><td>${esc(p.found)}</td></tr>`,
  );
  const count = (v: string) => paper.filter((p) => p.verdict === v).length;
  return `<section id="paper">
<h2>The paper beside this run</h2>
<p class="note">Each finding of the paper (§4) against this run's figures: ${count('agrees')} agree, ${count('differs')} differ, ${count('cannot tell')} cannot tell. Orderings are compared, not absolute numbers (the hardware differs); the paper's numbers are shown beside this run's. A difference on cases whose CPUs were shared counts as cannot tell.</p>
<table id="paper-table"><thead><tr><th>figure</th><th>section</th><th>the paper</th><th>verdict</th><th>this run</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>
</section>`;
}

function figuresSection(
  a: RunAnalysis,
  figures: FigureSet,
  files: HtmlInput['figureFiles'],
  paper: PaperComparison[],
): string {
  const blocks = figures.figures.map((f) => {
    const file = files.get(f.id);
    const links = file
      ? ` <span class="files">(<a href="${esc(file.svg)}">SVG</a>${file.png ? ` · <a href="${esc(file.png)}">PNG</a>` : ''})</span>`
      : '';
    return `<figure id="${esc(f.id)}">
<h3>${esc(f.title)}${links}</h3>
${takeawayLine(f)}${paper
  .filter((p) => p.figure === f.id)
  .map(paperLine)
  .join('\n')}<div class="vega" data-spec="spec-${esc(f.id)}"></div>
<figcaption>${esc(f.caption)}</figcaption>
</figure>`;
  });
  const tsc =
    a.tscHz === null
      ? '<p class="note">Cycles per packet are not computed: the environment manifest holds no TSC frequency (key <code>tscHz</code>).</p>'
      : '';
  return `<section id="figures"${blocks.length > 0 ? '' : ' class="empty"'}>
<h2>Figures</h2>
${blocks.length > 0 ? blocks.join('\n') : '<p>No figure could be drawn from this run (the reasons under Figures left out).</p>'}
${tsc}
</section>`;
}

function takeawayLine(f: Figure): string {
  const line = takeaway(f);
  return line === null ? '' : `<p class="takeaway">${esc(line)}</p>\n`;
}

function environmentSection(a: RunAnalysis): string {
  const { environment, hosts = [] } = a.data.summary.run;
  const table = (id: string, env: Record<string, string>) => `<table id="${id}"><tbody>
${Object.entries(env)
  .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`)
  .join('\n')}
</tbody></table>`;
  // A remote run measured two machines besides the orchestrator's: each gets its own table.
  const perHost = hosts
    .map(
      (h) => `<h3>Host ${esc(h.name)} (${esc(h.role)})</h3>
${table(`environment-host-${esc(h.name)}`, h.environment)}`,
    )
    .join('\n');
  return `<section id="environment">
<h2>Environment</h2>
${preflightTable(a)}
${hosts.length > 0 ? '<h3>Orchestrator</h3>\n' : ''}${table('environment-table', environment)}
${perHost}
</section>`;
}

/** The host's pre-flight check at the start of the run (testbed/preflight.ts), when the run stored one. */
function preflightTable(a: RunAnalysis): string {
  const findings = a.data.summary.run.preflight;
  if (!findings) return '';
  return `<h3>Pre-flight check of the host</h3>
<table id="preflight-table"><thead><tr><th>rule</th><th>status</th><th>found</th><th>what it means for the figures</th><th>fix</th></tr></thead><tbody>
${findings.map((f) => `<tr><th>${esc(f.rule)}</th><td>${esc(f.status)}</td><td>${esc(f.found)}</td><td>${esc(f.meaning)}</td><td>${esc(f.fix ?? '')}</td></tr>`).join('\n')}
</tbody></table>`;
}

// ---------------------------------------------------------------------------------------------

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

/** Escapes, then shows `field` spans of a warning as code. */
function inlineCode(s: string): string {
  return esc(s).replace(/`([^`]+)`/g, '<code>$1</code>');
}

/** Numbers sort as numbers, text as text, missing values last (the client script reads this). */
function sortKey(v: Cell): string {
  if (v === null) return '';
  return typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
}

/** JSON that cannot close its <script> element early. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function inlineScript(pkg: string, file: string): string {
  const text = readFileSync(packageFile(pkg, file), 'utf8');
  // A literal "</script" inside would end the element; none of the pinned builds has one.
  return text.replace(/<\/script/gi, '<\\/script');
}

/**
 * A file inside an installed package. The packages' "exports" maps do not list their browser
 * builds, so the package folder is found from its entry point instead.
 */
function packageFile(pkg: string, file: string): string {
  let dir = dirname(fileURLToPath(import.meta.resolve(pkg)));
  while (
    !existsSync(join(dir, 'package.json')) ||
    (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name !== pkg
  ) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the folder of package ${pkg}`);
    dir = up;
  }
  return join(dir, file);
}

const STYLE = `
body { font-family: system-ui, "DejaVu Sans", sans-serif; margin: 0; padding: 0 1.5rem 3rem; color: #222; }
header p, .note { color: #555; font-size: 0.9rem; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; margin-top: 2.5rem; }
/* A section this run has nothing for: one line, its title and what would fill it. */
section.empty { display: flex; gap: 1rem; align-items: baseline; color: #555; }
section:not(.empty) + section.empty { margin-top: 2.5rem; }
section.empty h2 { font-size: 1rem; border: 0; margin: 0.3rem 0; white-space: nowrap; }
section.empty p { margin: 0.3rem 0; }
table { border-collapse: collapse; font-size: 0.85rem; }
th, td { padding: 0.25rem 0.5rem; border-bottom: 1px solid #eee; text-align: left; vertical-align: top; }
.right { text-align: right; font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; }
#summary-table th, #summary-table td { white-space: nowrap; }
#summary-table .extra { display: none; }
#summary-table.show-extra .extra { display: table-cell; }
/* The wrapper scrolls both ways, so the header sticks to its top while the rows scroll. */
.table-wrap { max-height: 80vh; overflow: auto; border: 1px solid #eee; }
.controls { font-size: 0.9rem; }
.controls label { margin-right: 1rem; }
ul.headline { font-size: 1.1rem; }
ul.headline > li { margin: 0.4rem 0; }
.caveat { color: #a60; font-size: 0.9rem; }
.paper { font-size: 0.9rem; max-width: 50rem; margin: 0.2rem 0; }
.v-agrees { color: #060; } .v-differs { color: #b00; } .v-cannot-tell { color: #777; }
.takeaway { font-weight: 600; margin: 0.2rem 0 0.5rem; max-width: 50rem; }
#figures { display: flex; flex-wrap: wrap; gap: 0 2rem; }
#figures > h2, #figures > p { flex-basis: 100%; }
/* The whole head (group row and column row) sticks to the top of the scrolling wrapper. */
table.sortable thead { position: sticky; top: 0; z-index: 1; }
table.sortable th { background: #f6f6f6; }
table.sortable th[data-key] { cursor: pointer; user-select: none; }
#summary-table th.group { text-align: center; border-left: 2px solid #fff; border-bottom: 2px solid #ccc; font-weight: 600; color: #444; }
table.sortable th[aria-sort="ascending"]::after { content: " ▲"; }
table.sortable th[aria-sort="descending"]::after { content: " ▼"; }
tr.warned td { background: #fff8e6; }
figure { margin: 2rem 0; }
figcaption { color: #555; font-size: 0.9rem; max-width: 50rem; }
.files { font-size: 0.8rem; font-weight: normal; }
.vega-error { color: #b00; }
code { background: #f3f3f3; padding: 0 0.2rem; }
`;

/** Sorting of the summary table and drawing of each figure (vega-embed, SVG renderer). */
const CLIENT_SCRIPT = `
(function () {
  'use strict';
  function compare(a, b) {
    if (a === '' || b === '') return a === b ? 0 : a === '' ? 1 : -1;
    var x = Number(a), y = Number(b);
    if (!isNaN(x) && !isNaN(y)) return x - y;
    return a.localeCompare(b);
  }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    // The column row's headers (the group row above them does not sort); a cell's index among
    // its row's cells is its header's among these, hidden columns included.
    var headers = table.querySelectorAll('thead th[data-key]');
    headers.forEach(function (th, index) {
      th.addEventListener('click', function () {
        var descending = th.getAttribute('aria-sort') === 'ascending';
        headers.forEach(function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r1, r2) {
          var a = r1.cells[index].getAttribute('data-sort'), b = r2.cells[index].getAttribute('data-sort');
          // Missing values stay last in both directions.
          if (a === '' || b === '') return compare(a, b);
          return descending ? compare(b, a) : compare(a, b);
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  // Filters by switch, backend and layout; the column toggle.
  var summary = document.getElementById('summary-table');
  var filters = document.querySelectorAll('select[data-filter]');
  filters.forEach(function (select) {
    select.addEventListener('change', function () {
      Array.prototype.forEach.call(summary.tBodies[0].rows, function (row) {
        var shown = Array.prototype.every.call(filters, function (f) {
          return f.value === '' || row.getAttribute('data-' + f.getAttribute('data-filter')) === f.value;
        });
        row.style.display = shown ? '' : 'none';
      });
    });
  });
  var toggle = document.getElementById('show-extra');
  if (toggle) toggle.addEventListener('change', function () {
    summary.classList.toggle('show-extra', toggle.checked);
    summary.querySelectorAll('th.group').forEach(function (th) {
      th.colSpan = Number(th.getAttribute(toggle.checked ? 'data-all' : 'data-main')) || Number(th.getAttribute('data-all'));
    });
  });
  document.querySelectorAll('div.vega[data-spec]').forEach(function (el) {
    var spec = JSON.parse(document.getElementById(el.getAttribute('data-spec')).textContent);
    vegaEmbed(el, spec, { renderer: 'svg', actions: false }).then(function () {
      el.setAttribute('data-rendered', 'true');
    }).catch(function (error) {
      el.className += ' vega-error';
      el.textContent = 'This figure could not be drawn: ' + error;
      console.error(error);
    });
  });
})();
`;
