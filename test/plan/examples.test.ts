// Every file under examples/ is read as what it is, so an example cannot drift from the code
// (examples/remote.yaml once named a testbed file that did not exist): a plan loads and expands,
// a testbed (a file of `hosts:`) parses, a remote plan's testbed is there, and every
// `examples/…` path that the examples, README.md and docs/ mention exists. Nothing on the host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { parseTestbed } from '../../src/hosts/testbed-file.js';
import { expandPlan } from '../../src/plan/expand.js';
import { loadPlanFile } from '../../src/plan/load.js';
import { ROOT } from '../helpers/cli.js';

const EXAMPLES = join(ROOT, 'examples');
const files = readdirSync(EXAMPLES).sort();

test('every example plan loads and expands; a remote plan names a testbed file that is there and parses', async () => {
  const plans = files.filter(
    (f) => f.endsWith('.yaml') && !('hosts' in (parse(readFileSync(join(EXAMPLES, f), 'utf8')) ?? {})),
  );
  assert.ok(plans.includes('quickstart.yaml') && plans.includes('remote.yaml'), plans.join(' '));
  for (const f of plans) {
    const loaded = await loadPlanFile(join(EXAMPLES, f));
    assert.ok(expandPlan(loaded.plan).length > 0, `${f}: no cases`);
    if (loaded.plan.locality === 'remote') {
      assert.ok(loaded.plan.testbed, `${f}: a remote plan without a testbed`);
      const testbed = resolve(dirname(loaded.file), loaded.plan.testbed);
      assert.ok(existsSync(testbed), `${f}: its testbed ${testbed} does not exist`);
      // Its schema only: the key files it names exist once examples/testbed-namespaces.md has run.
      assert.equal(parseTestbed(readFileSync(testbed, 'utf8'), testbed).hosts.length, 2);
    }
  }
});

test('every example file is a plan, a testbed or a guide, and every examples/ path mentioned anywhere exists', () => {
  for (const f of files) assert.match(f, /\.(yaml|md)$/, `${f}: neither a YAML file nor a guide`);
  for (const f of files.filter((name) => name.endsWith('.yaml'))) {
    const text = readFileSync(join(EXAMPLES, f), 'utf8');
    if ('hosts' in (parse(text) ?? {})) assert.equal(parseTestbed(text, join(EXAMPLES, f)).hosts.length, 2, f);
  }
  const docs = [
    join(ROOT, 'README.md'),
    ...readdirSync(join(ROOT, 'docs')).map((f) => join(ROOT, 'docs', f)),
    ...files.map((f) => join(EXAMPLES, f)),
  ].filter((f) => f.endsWith('.md') || f.endsWith('.yaml'));
  for (const doc of docs) {
    for (const [, name] of readFileSync(doc, 'utf8').matchAll(/examples\/([A-Za-z0-9_.-]*[A-Za-z0-9_-])/g))
      assert.ok(existsSync(join(EXAMPLES, name!)), `${doc} mentions examples/${name}, which does not exist`);
  }
});
