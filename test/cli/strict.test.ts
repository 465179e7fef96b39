// `nfvperf run` and the host's pre-flight check: a short plan stores its findings and its
// fingerprint with the run; `--strict` on a host that fails a rule refuses before anything is
// created (no results file, no ledger), listing the rules. Needs root; run under the host lock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { nfvperf, runPlan, tempDir } from '../helpers/cli.js';
import { readLedgers } from '../../src/testbed/ledger.js';
import { PREFLIGHT_RULES } from '../../src/testbed/preflight.js';

const PLAN = `name: strict
pairs: [1]
switches: [veth]
backends: [udp]
rates: [10000]
duration: 1
warmup: 0
cooldown: 0
`;

test('a run stores the pre-flight findings and the fingerprint; --strict refuses a failing host before touching it', async (t) => {
  const { summary } = await runPlan(PLAN, { args: ['--jitter-ms', '100'] });
  assert.deepEqual(
    summary.run.preflight!.map((f) => f.rule),
    [...PREFLIGHT_RULES],
  );
  assert.match(summary.run.environment.fingerprint!, /^[0-9a-f]{16}$/);
  assert.ok(summary.run.environment['version:veth'], 'each switch version is in the manifest');
  const failed = summary.run.preflight!.filter((f) => f.status === 'fail').map((f) => f.rule);
  if (failed.length === 0) {
    t.diagnostic('this host fails no pre-flight rule: --strict has nothing to refuse');
    return;
  }

  const dir = tempDir({ 'plan.yaml': PLAN });
  const out = join(dir, 'out');
  const ledgersBefore = readLedgers().length;
  const r = await nfvperf(['run', join(dir, 'plan.yaml'), '--out', out, '--strict', '--jitter-ms', '100']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`--strict: this host fails ${failed.length} pre-flight rules?:`));
  for (const rule of failed) assert.match(r.stderr, new RegExp(`\\n  ${rule}: .*\\(fix: `));
  assert.equal(existsSync(join(out, 'results.sqlite')), false, 'no results file');
  assert.equal(readLedgers().length, ledgersBefore, 'no ledger');
});
