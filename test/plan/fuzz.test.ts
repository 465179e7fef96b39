// Fuzzing plan and testbed files (fast-check, seeded): generated files (valid values and values
// just past every bound, as YAML of every style) and mutated ones (YAML syntax, anchors,
// aliases, merge keys, tags, control characters and long runs spliced into valid files). Each
// input is either accepted or refused with a PlanError whose every diagnostic is located
// (`file:line:col`, one line, short); an accepted plan expands to cases with distinct ids. The
// thousands run in-process through the functions the CLI calls; a sample of tens goes through
// the real executable (`run --dry-run`: nothing on the host is touched).
// Rerun a failure with NFVPERF_FUZZ_SEED=<the seed printed>.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { isMap, parseDocument, stringify } from 'yaml';
import { formatDiagnostic, PlanError, type PlanDiagnostic } from '../../src/common/errors.js';
import { loadTestbedFile } from '../../src/hosts/testbed-file.js';
import { checkPlan, type Capabilities } from '../../src/plan/check.js';
import { caseCount, expandPlan } from '../../src/plan/expand.js';
import { parsePlan } from '../../src/plan/load.js';
import { BACKEND_NAMES, SWITCH_NAMES } from '../../src/plan/schema.js';
import { NFVPERF, ROOT, nfvperf, tempDir } from '../helpers/cli.js';
import { MALFORMED_SCHEMA } from '../fixtures/malformed-plans.js';

const SEED =
  process.env.NFVPERF_FUZZ_SEED !== undefined
    ? Number(process.env.NFVPERF_FUZZ_SEED)
    : Math.floor(Math.random() * 2 ** 31);
const IN_PROCESS = { generatedPlans: 1200, mutatedPlans: 1600, generatedTestbeds: 500, mutatedTestbeds: 500 };
const THROUGH_CLI = 20;
/** From the issue: any input is judged in under 2 s. In-process, the inputs here take milliseconds. */
const JUDGE_LIMIT_MS = 2000;
/** Through the executable, node's start-up on a loaded machine counts too: a guard against hangs, not a speed target. */
const CLI_GUARD_MS = 20_000;
/** Diagnostics quote at most 80 characters of a value; the longest fixed text (every switch name) is below this. */
const MAX_LINE = 600;

/** Everything available, so that a valid plan reaches expansion. */
const CAPS: Capabilities = {
  switches: new Map(SWITCH_NAMES.map((name) => [name, { available: true, backends: BACKEND_NAMES }])),
  appBackends: BACKEND_NAMES,
  dimensions: ['throughput', 'latency'],
  localities: ['local', 'remote'],
  remoteSwitches: SWITCH_NAMES,
};

// ---- generated plans: each field valid, just out of range, of another type, or absent; unknown keys too.
const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.constant('x'.repeat(300)),
);
const anyScalar = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const orOther = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 10, arbitrary: valid }, { weight: 1, arbitrary: anyScalar });
const axis = <T>(value: fc.Arbitrary<T>) => fc.oneof(value, fc.array(value, { minLength: 0, maxLength: 3 }));
const planFields = {
  name: orOther(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,8}$/)),
  dimension: orOther(fc.constantFrom('throughput', 'latency', 'speed')),
  locality: orOther(fc.constantFrom('local', 'remote', 'locl')),
  containers: orOther(fc.constantFrom('netns', 'lxc', 'docker')),
  pairs: axis(orOther(fc.integer({ min: 0, max: 65 }))),
  layout: axis(orOther(fc.constantFrom('pairs', 'tester', 'chain', 'ring'))),
  chainLength: axis(orOther(fc.integer({ min: 0, max: 9 }))),
  chains: axis(orOther(fc.integer({ min: 0, max: 65 }))),
  cpuShared: orOther(fc.boolean()),
  switches: axis(orOther(fc.constantFrom(...SWITCH_NAMES, 'linux-brige'))),
  backends: axis(orOther(fc.constantFrom(...BACKEND_NAMES, 'tcp'))),
  modes: axis(orOther(fc.constantFrom('polling', 'blocking', 'spin'))),
  clientThreads: axis(orOther(fc.integer({ min: 0, max: 3 }))),
  inflight: orOther(fc.integer({ min: 0, max: 2 ** 21 })),
  packetSizes: axis(orOther(fc.oneof(fc.integer({ min: 59, max: 9001 }), fc.double({ min: 60, max: 9000 })))),
  rates: axis(
    orOther(fc.oneof(fc.constant('max'), fc.double({ min: -1, max: 2e9 }), fc.integer({ min: 1, max: 1e6 }))),
  ),
  bursts: axis(orOther(fc.integer({ min: 0, max: 1025 }))),
  duration: orOther(fc.integer({ min: 0, max: 86_401 })),
  warmup: orOther(fc.integer({ min: -1, max: 3601 })),
  cooldown: orOther(fc.integer({ min: -1, max: 3601 })),
  repetitions: orOther(fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant(1000), fc.constant(1001))),
  touchData: orOther(fc.boolean()),
  testbed: orOther(fc.constantFrom('tb.yaml', 'nothere.yaml')),
  search: orOther(
    fc.record(
      {
        preset: orOther(fc.constantFrom('rfc2544', 'tst009', 'quick')),
        maxRatePps: orOther(fc.integer({ min: 0, max: 2e9 })),
        minRatePps: orOther(fc.integer({ min: 0, max: 2e6 })),
        goals: orOther(
          fc.array(
            fc.record(
              { name: orOther(fc.constantFrom('ndr', 'pdr')), lossRatio: orOther(fc.double({ min: 0, max: 1 })) },
              { requiredKeys: [] },
            ),
            { maxLength: 3 },
          ),
        ),
        verifications: orOther(fc.integer({ min: 0, max: 11 })),
      },
      { requiredKeys: [] },
    ),
  ),
};
const planObject = fc
  .tuple(
    fc.record(planFields, { requiredKeys: [] }),
    fc.dictionary(fc.string({ maxLength: 10 }), anyScalar, { maxKeys: 2 }),
  )
  .map(([fields, extra]) => ({ ...extra, ...fields }));
/** Data as YAML text in a random style: block or flow, plain or quoted strings, 2-4 spaces of indent. */
const asYaml = (data: fc.Arbitrary<unknown>) =>
  fc
    .tuple(
      data,
      fc.constantFrom('any', 'block', 'flow'),
      fc.constantFrom('PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE'),
      fc.integer({ min: 2, max: 4 }),
    )
    .map(([value, collectionStyle, defaultStringType, indent]) =>
      stringify(value, {
        collectionStyle: collectionStyle as 'any',
        defaultStringType: defaultStringType as 'PLAIN',
        indent,
        lineWidth: 0,
      }),
    );
/** Plans that should pass: every field within its bounds, each sweep value once. */
const validAxis = <T>(value: fc.Arbitrary<T>) => fc.oneof(value, fc.uniqueArray(value, { minLength: 1, maxLength: 3 }));
const validPlanObject = fc.record(
  {
    name: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,8}$/),
    dimension: fc.constantFrom('throughput', 'latency'),
    containers: fc.constantFrom('netns', 'lxc'),
    pairs: validAxis(fc.integer({ min: 1, max: 64 })),
    switches: validAxis(fc.constantFrom(...SWITCH_NAMES)),
    backends: validAxis(fc.constantFrom(...BACKEND_NAMES.filter((b) => b !== 'dpdk'))),
    modes: validAxis(fc.constantFrom('polling', 'blocking')),
    packetSizes: validAxis(fc.integer({ min: 60, max: 9000 })),
    rates: validAxis(fc.oneof(fc.constant('max'), fc.integer({ min: 1, max: 1e9 }))),
    bursts: validAxis(fc.integer({ min: 1, max: 1024 })),
    duration: fc.integer({ min: 1, max: 86_400 }),
    warmup: fc.integer({ min: 0, max: 3600 }),
    repetitions: fc.integer({ min: 1, max: 3 }),
    touchData: fc.boolean(),
  },
  { requiredKeys: ['name'] },
);
const generatedPlan = fc.oneof(asYaml(validPlanObject), asYaml(planObject));

// ---- mutations: spliced YAML syntax, repeated and moved lines, deleted spans.
const TOKENS = [
  '&a ',
  '*a',
  '*b',
  '&b ',
  '<<: *a\n',
  '<<: ',
  ': ',
  '- ',
  '[',
  ']',
  '{',
  '}',
  ', ',
  '\n',
  '  ',
  '\t',
  '# ',
  '"',
  "'",
  '!!str ',
  '!!binary ',
  '!!set ',
  '!!omap ',
  '!foo ',
  '%YAML 1.1\n---\n',
  '---\n',
  '...\n',
  '? ',
  '|\n',
  '>-\n',
  '~',
  'null',
  '1e999',
  '-0',
  '0x1F',
  '.inf',
  '.nan',
  '\u0000',
  '\uFEFF',
  '\u2028',
  'é',
  '__proto__',
  'constructor',
  'x'.repeat(200),
  '9'.repeat(40),
  '['.repeat(100),
  '{a: '.repeat(30),
];
type Mutation = (source: string) => string;
const position = fc.double({ min: 0, max: 1, noNaN: true });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(position, fc.oneof(fc.constantFrom(...TOKENS), fc.string({ unit: 'binary', maxLength: 4 }))).map(
    ([at, token]) =>
      (s: string) =>
        splice(s, at, 0, token),
  ),
  fc.tuple(position, fc.integer({ min: 1, max: 12 })).map(
    ([at, length]) =>
      (s: string) =>
        splice(s, at, length, ''),
  ),
  fc.tuple(position, position).map(([a, b]) => (s: string) => {
    const lines = s.split('\n');
    const i = Math.floor(a * lines.length);
    lines.splice(Math.floor(b * lines.length), 0, lines[i] ?? ''); // a line repeated elsewhere: often a key twice
    return lines.join('\n');
  }),
  fc.tuple(position, fc.integer({ min: -4, max: 4 })).map(([a, shift]) => (s: string) => {
    const lines = s.split('\n');
    const i = Math.floor(a * lines.length);
    lines[i] = shift >= 0 ? ' '.repeat(shift) + (lines[i] ?? '') : (lines[i] ?? '').slice(-shift);
    return lines.join('\n');
  }),
);
function splice(s: string, at: number, remove: number, insert: string): string {
  const i = Math.floor(at * s.length);
  return s.slice(0, i) + insert + s.slice(i + remove);
}
const mutated = (base: fc.Arbitrary<string>) =>
  fc
    .tuple(base, fc.array(mutation, { minLength: 1, maxLength: 5 }))
    .map(([source, mutations]) => mutations.reduce((s, m) => m(s), source));
const CORPUS = [
  ...readdirSync(join(ROOT, 'examples'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => readFileSync(join(ROOT, 'examples', f), 'utf8')),
  ...MALFORMED_SCHEMA.map(([, source]) => source).filter((source) => source.length < 10_000),
];
const mutatedPlan = mutated(fc.oneof(fc.constantFrom(...CORPUS), generatedPlan));

// ---- testbeds
const hostObject = fc.record(
  {
    name: orOther(fc.constantFrom('a', 'b', 'host-1', 'Bad_Name')),
    local: orOther(fc.constant(true)),
    ssh: orOther(
      fc
        .tuple(
          fc.constantFrom('root', 'nfv_user', 'Root', ''),
          fc.constantFrom('10.0.0.1', 'lab.example', '[fd00::1]', '10.0.0.256', '-x', '::1', ''),
          fc.option(fc.constantFrom(0, 1, 22, 2222, 65535, 65536, 70000, 'x')),
        )
        .map(([user, address, port]) => `${user}@${address}${port === null ? '' : `:${port}`}`),
    ),
    key: orOther(fc.constantFrom('id', 'id.pub', 'nokey', '.', 'kh')),
    knownHosts: orOther(fc.constantFrom('kh', 'nokh', '.')),
    agent: orOther(
      fc.array(fc.constantFrom(process.execPath, NFVPERF, 'agent', 'nfvperf', 'no-such-program', 'a;b', '$(x)'), {
        maxLength: 3,
      }),
    ),
    cpus: orOther(fc.array(fc.integer({ min: -1, max: 4 }), { maxLength: 3 })),
    uplink: orOther(fc.constantFrom('eth1', 'lo', 'a-name-longer-than-15', 'eth/0', 'enp1s0.100')),
  },
  { requiredKeys: [] },
);
const generatedTestbed = asYaml(
  fc.record({ hosts: orOther(fc.array(hostObject, { minLength: 0, maxLength: 3 })) }, { requiredKeys: [] }),
);
const VALID_TESTBED =
  `hosts:\n  - name: a\n    ssh: root@10.0.0.1:2222\n    key: id\n    knownHosts: kh\n    cpus: [1]\n    uplink: eth1\n` +
  `  - name: b\n    local: true\n    agent: [${process.execPath}, ${NFVPERF}, agent]\n    uplink: eth1\n`;
const mutatedTestbed = mutated(fc.oneof(fc.constant(VALID_TESTBED), generatedTestbed));

/** Every diagnostic names the file and a line and column inside it, in one short line. */
function assertLocated(diagnostics: readonly PlanDiagnostic[], source: string, file: string): void {
  assert.ok(diagnostics.length > 0, 'a refusal says why');
  const lines = source.split(/\r\n|\r|\n/).length;
  for (const d of diagnostics) {
    const line = formatDiagnostic(d);
    assert.equal(d.file, file, line);
    assert.ok(
      Number.isInteger(d.line) && d.line >= 1 && d.line <= lines + 1 && Number.isInteger(d.col) && d.col >= 1,
      `not a position in the file: ${line}`,
    );
    assert.ok(
      d.message.length > 0 && !/[\n\r]/.test(line) && line.length <= MAX_LINE,
      `not one short line: ${line.slice(0, 1000)}`,
    );
  }
}

/** Accepted (and then checked and expanded) or refused with located diagnostics, in bounded time. */
function judgePlan(source: string): 'accepted' | 'refused' {
  const started = performance.now();
  let verdict: 'accepted' | 'refused';
  try {
    const parsed = parsePlan(source, 'plan.yaml');
    const problems = checkPlan(parsed, CAPS);
    if (problems.length > 0) {
      assertLocated(problems, source, 'plan.yaml');
      verdict = 'refused';
    } else {
      const cases = expandPlan(parsed.plan);
      assert.equal(cases.length, caseCount(parsed.plan));
      assert.equal(new Set(cases.map((c) => c.id)).size, cases.length, 'every case has its own id');
      verdict = 'accepted';
    }
  } catch (e) {
    if (!(e instanceof PlanError))
      throw new Error(`not a PlanError for ${JSON.stringify(source.slice(0, 300))}: ${(e as Error).stack}`);
    assertLocated(e.diagnostics, source, 'plan.yaml');
    verdict = 'refused';
  }
  const elapsed = performance.now() - started;
  assert.ok(elapsed < JUDGE_LIMIT_MS, `judged in ${elapsed.toFixed(0)} ms`);
  return verdict;
}

async function judgeTestbed(dir: string, source: string): Promise<'accepted' | 'refused'> {
  const file = join(dir, 'tb.yaml');
  writeFileSync(file, source);
  const started = performance.now();
  let verdict: 'accepted' | 'refused' = 'accepted';
  try {
    await loadTestbedFile(file);
  } catch (e) {
    if (!(e instanceof PlanError))
      throw new Error(`not a PlanError for ${JSON.stringify(source.slice(0, 300))}: ${(e as Error).stack}`);
    assertLocated(e.diagnostics, source, file);
    verdict = 'refused';
  }
  const elapsed = performance.now() - started;
  assert.ok(elapsed < JUDGE_LIMIT_MS, `judged in ${elapsed.toFixed(0)} ms`);
  return verdict;
}

function labDir(): string {
  const dir = tempDir({ kh: '' });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'nfvperf-fuzz', '-f', join(dir, 'id')]);
  return dir;
}

test(`fuzzing: plans and testbeds, generated and mutated, in-process (seed ${SEED})`, async (t) => {
  t.diagnostic(`fast-check seed ${SEED} (rerun with NFVPERF_FUZZ_SEED=${SEED})`);
  const tally = { accepted: 0, refused: 0 };
  const count = (verdict: 'accepted' | 'refused') => {
    tally[verdict]++;
  };
  fc.assert(
    fc.property(generatedPlan, (s) => count(judgePlan(s))),
    { seed: SEED, numRuns: IN_PROCESS.generatedPlans },
  );
  fc.assert(
    fc.property(mutatedPlan, (s) => count(judgePlan(s))),
    { seed: SEED + 1, numRuns: IN_PROCESS.mutatedPlans },
  );
  const dir = labDir();
  await fc.assert(
    fc.asyncProperty(generatedTestbed, async (s) => count(await judgeTestbed(dir, s))),
    { seed: SEED + 2, numRuns: IN_PROCESS.generatedTestbeds },
  );
  await fc.assert(
    fc.asyncProperty(mutatedTestbed, async (s) => count(await judgeTestbed(dir, s))),
    { seed: SEED + 3, numRuns: IN_PROCESS.mutatedTestbeds },
  );
  const total = Object.values(IN_PROCESS).reduce((a, b) => a + b, 0);
  t.diagnostic(`${total} inputs: ${tally.accepted} accepted, ${tally.refused} refused with located diagnostics`);
  // fast-check may run a property more often while shrinking a failure; without one, exactly numRuns.
  assert.equal(tally.accepted + tally.refused, total);
  assert.ok(tally.accepted > 0 && tally.refused > 0, 'the generators reach both verdicts');
});

/** The plan made remote (and its switch one that spans hosts), so that a run reads its testbed; unchanged when it is no YAML mapping. */
function remoteVariant(plan: string): string {
  const doc = parseDocument(plan);
  if (doc.errors.length > 0 || !isMap(doc.contents)) return plan;
  for (const [key, value] of [
    ['locality', 'remote'],
    ['testbed', 'tb.yaml'],
    ['switches', 'linux-bridge'],
    ['containers', 'netns'],
  ])
    doc.set(key, value);
  return doc.toString();
}

test(`fuzzing: a sample through the executable, run --dry-run: exit 0, or 2 with located lines (seed ${SEED})`, async (t) => {
  t.diagnostic(`fast-check seed ${SEED} (rerun with NFVPERF_FUZZ_SEED=${SEED})`);
  const dirs = [labDir(), labDir()];
  const remote = fc.tuple(
    fc.oneof(generatedPlan, mutatedPlan),
    fc.oneof(generatedTestbed, mutatedTestbed, fc.constant(VALID_TESTBED)),
  );
  const samples = fc.sample(remote, { seed: SEED + 4, numRuns: THROUGH_CLI });
  const failures: string[] = [];
  const codes = new Map<number | null, number>();
  const judge = async (dir: string, i: number) => {
    const [plan, testbed] = samples[i]!;
    // Every other plan is made remote, so that its testbed file is read too.
    const source = i % 2 === 0 ? plan : remoteVariant(plan);
    writeFileSync(join(dir, 'plan.yaml'), source);
    writeFileSync(join(dir, 'tb.yaml'), testbed);
    const r = await nfvperf(['run', join(dir, 'plan.yaml'), '--dry-run'], { timeoutMs: CLI_GUARD_MS });
    codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
    const lines = r.stderr.trimEnd().split('\n');
    const located = lines.every(
      (l) => new RegExp(`^${dir}/(plan|tb)\\.yaml:\\d+:\\d+[ :]`).test(l) && l.length <= MAX_LINE + dir.length + 10,
    );
    if (r.code === 0 && r.stderr === '' && /^\d+ cases/.test(r.stdout)) return;
    if (r.code === 2 && located) return;
    failures.push(
      `exit ${r.code} for plan ${JSON.stringify(source.slice(0, 300))} and testbed ${JSON.stringify(testbed.slice(0, 300))}:\n${r.stderr.slice(0, 2000)}`,
    );
  };
  // Two at a time, one per core, each in its own directory.
  for (let i = 0; i < samples.length; i += 2)
    await Promise.all(dirs.map((dir, j) => (i + j < samples.length ? judge(dir, i + j) : undefined)));
  t.diagnostic(`${samples.length} runs: ${[...codes].map(([code, n]) => `${n} exit ${code}`).join(', ')}`);
  assert.deepEqual(failures, [], `seed ${SEED}`);
});
