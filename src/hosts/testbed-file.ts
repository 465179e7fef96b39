// Reading a testbed file (YAML): the two hosts of a remote plan, validated with zod like plans,
// every problem reported as `file:line:col path: message` (PlanError, exit 2).
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { z } from 'zod';
import { PlanError, type PlanDiagnostic } from '../common/errors.js';
import { formatPath, type LoadedPlan } from '../plan/load.js';
import { IFNAME } from '../testbed/names.js';
import type { HostSpec, Testbed } from './types.js';

/**
 * Words allowed in an agent command. Over SSH the command is one string that the remote shell
 * splits, so only words with no shell meaning pass: letters, digits and `_ . / : = @ + , -`.
 */
export const SAFE_WORD = /^[A-Za-z0-9_./:=@+,-]+$/;
const HOST_NAME = /^[a-z0-9][a-z0-9-]{0,23}$/;
const SSH_TARGET = /^([a-z_][a-z0-9_-]{0,31})@([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\])(?::(\d{1,5}))?$/;

const hostSchema = z.strictObject({
  name: z.string().regex(HOST_NAME, 'expected 1-24 lower-case letters, digits or dashes'),
  local: z.literal(true).optional().describe('The orchestrator\'s own host: the agent is started as a child process.'),
  ssh: z.string().regex(SSH_TARGET, 'expected user@address or user@address:port').optional()
    .describe('SSH access: user@address[:port] (port 22 by default).'),
  key: z.string().min(1).optional().describe('Private key file for SSH (relative to the testbed file).'),
  knownHosts: z.string().min(1).optional().describe('known_hosts file holding the host key (relative to the testbed file).'),
  agent: z.array(z.string().regex(SAFE_WORD, 'expected a word without spaces or shell characters')).min(1, 'expected a non-empty list')
    .default(['nfvperf', 'agent']).describe('The agent command on that host, as a list of words.'),
  cpus: z.array(z.number().int('expected a CPU number').min(0, 'expected a CPU number')).min(1, 'expected a non-empty list').optional()
    .describe('CPUs the apps of this host are pinned to (default: one per physical core).'),
  uplink: z.string().regex(IFNAME, 'expected an interface name (1-15 characters)').describe('The host\'s physical link to the other host.'),
}).superRefine((h, ctx) => {
  if ((h.local === true) === (h.ssh !== undefined)) {
    ctx.addIssue({ code: 'custom', path: ['ssh'], message: 'expected either `local: true` or `ssh: user@address[:port]`, not both or neither' });
  }
  if (h.ssh !== undefined) {
    if (h.key === undefined) ctx.addIssue({ code: 'custom', path: ['key'], message: 'required with ssh: the private key file' });
    if (h.knownHosts === undefined) ctx.addIssue({ code: 'custom', path: ['knownHosts'], message: 'required with ssh: the known_hosts file that holds the host key' });
  }
});

export const testbedSchema = z.strictObject({
  hosts: z.array(hostSchema).length(2, 'expected exactly two hosts: senders run on the first, receivers on the second'),
}).superRefine((t, ctx) => {
  if (t.hosts.length === 2 && t.hosts[0]!.name === t.hosts[1]!.name) {
    ctx.addIssue({ code: 'custom', path: ['hosts', 1, 'name'], message: `expected a name distinct from the first host's (${t.hosts[0]!.name})` });
  }
});

/** The testbed of a remote plan (its path is relative to the plan file); undefined for a local plan. */
export async function loadPlanTestbed(loaded: LoadedPlan): Promise<Testbed | undefined> {
  const { plan } = loaded;
  if (plan.locality !== 'remote' || plan.testbed === undefined) return undefined;
  return loadTestbedFile(resolve(dirname(loaded.file), plan.testbed), loaded.diagnostic(['testbed'], ''));
}

/** Reads and validates a testbed file; throws PlanError (a missing file is reported at `from`). */
export async function loadTestbedFile(file: string, from?: PlanDiagnostic): Promise<Testbed> {
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? String(cause);
    const message = `cannot read testbed file ${file}: ${code === 'ENOENT' ? 'no such file' : code}`;
    throw new PlanError([from ? { ...from, message } : { file, line: 1, col: 1, path: '', message }]);
  }
  return parseTestbed(source, file);
}

export function parseTestbed(source: string, file: string): Testbed {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number, path: string, message: string): PlanDiagnostic => ({ file, ...lineCounter.linePos(offset), path, message });
  if (doc.errors.length > 0) throw new PlanError(doc.errors.map((e) => at(e.pos[0], '', `invalid YAML: ${e.message.split('\n')[0]}`)));
  const result = testbedSchema.safeParse(doc.toJS());
  if (!result.success) {
    throw new PlanError(result.error.issues.flatMap((issue) => {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      const paths = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...path, k]) : [path];
      return paths.map((p) => {
        const node = nearest(doc, p);
        const message = issue.code === 'unrecognized_keys' ? 'unknown field'
          : node.missing && issue.code === 'invalid_type' ? 'required field is missing' : issue.message;
        return at(node.node?.range?.[0] ?? 0, formatPath(p), message);
      });
    }));
  }
  const base = dirname(resolve(file));
  const hosts = result.data.hosts.map((h): HostSpec => {
    const spec = { name: h.name, agent: h.agent, cpus: h.cpus, uplink: h.uplink };
    if (h.local) return { ...spec, access: { kind: 'local' } };
    const m = SSH_TARGET.exec(h.ssh!)!;
    return {
      ...spec,
      access: {
        kind: 'ssh', user: m[1]!, address: m[2]!.replace(/^\[|\]$/g, ''), port: m[3] ? Number(m[3]) : 22,
        keyFile: resolve(base, h.key!), knownHostsFile: resolve(base, h.knownHosts!),
      },
    };
  }) as [HostSpec, HostSpec];
  return { file, hosts };
}

function nearest(doc: Document, path: (string | number)[]): { node: Node | undefined; missing: boolean } {
  for (let n = path.length; n >= 0; n--) {
    const node = (n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true)) as Node | undefined;
    // A missing field is reported at its closest existing parent.
    if (node) return { node, missing: n < path.length };
  }
  return { node: undefined, missing: true };
}
