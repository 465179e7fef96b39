// Reading a testbed file (YAML): the two hosts of a remote plan, validated with zod like plans,
// every problem reported as `file:line:col path: message` (PlanError, exit 2). What the run would
// find wrong before connecting, loading finds too (so `--dry-run` and `doctor --testbed` refuse
// it): the SSH target, key and known_hosts files, a local agent's program.
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import ssh2 from 'ssh2';
import { z } from 'zod';
import { PlanError, type PlanDiagnostic } from '../common/errors.js';
import type { LoadedPlan } from '../plan/load.js';
import { eachOnce } from '../plan/schema.js';
import {
  describeValue,
  issueDiagnostics,
  parseYaml,
  readBoundedText,
  schemaKeysAt,
  type YamlData,
} from '../plan/yaml-data.js';
import { IFNAME } from '../testbed/names.js';
import type { HostSpec, Testbed } from './types.js';

/**
 * Words allowed in an agent command. Over SSH the command is one string that the remote shell
 * splits, so only words with no shell meaning pass: letters, digits and `_ . / : = @ + , -`.
 */
export const SAFE_WORD = /^[A-Za-z0-9_./:=@+,-]+$/;
const HOST_NAME = /^[a-z0-9][a-z0-9-]{0,23}$/;
const SSH_TARGET = /^([^@]*)@(\[[^\]]*\]|[^:]*)(?::([^:]*))?$/;
const SSH_USER = /^[a-z_][a-z0-9_-]{0,31}$/;
const DNS_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

interface SshTarget {
  user: string;
  address: string;
  port: number;
}

/** `user@address[:port]` (an IPv6 address in brackets), or why it is not one. */
function parseSshTarget(text: string): SshTarget | string {
  const m = SSH_TARGET.exec(text);
  if (!m) return `expected user@address or user@address:port, got ${describeValue(text)}`;
  const [, user, host, port] = m as unknown as [string, string, string, string | undefined];
  if (!SSH_USER.test(user))
    return `expected a user name (1-32 lower-case letters, digits, _ or -) before @, got ${describeValue(user)}`;
  const address = host.startsWith('[') ? host.slice(1, -1) : host;
  if (host.startsWith('[') ? !isIPv6(address) : !validAddress(address)) {
    return `expected an IPv4 address, a host name, or an IPv6 address in brackets after @, got ${describeValue(host)}`;
  }
  const number = port === undefined ? 22 : /^\d{1,5}$/.test(port) ? Number(port) : NaN;
  if (!(number >= 1 && number <= 65535))
    return `expected a port from 1 to 65535 after the address, got ${describeValue(port)}`;
  return { user, address, port: number };
}

/** An IPv4 address, or a DNS name (labels of 1-63 letters, digits and dashes, 253 characters at most; not all digits). */
function validAddress(address: string): boolean {
  if (/^[\d.]+$/.test(address)) return isIPv4(address);
  return address.length <= 253 && address.split('.').every((label) => DNS_LABEL.test(label));
}

const hostSchema = z
  .strictObject({
    name: z.string().regex(HOST_NAME, 'expected 1-24 lower-case letters, digits or dashes'),
    local: z.literal(true).optional().describe("The orchestrator's own host: the agent is started as a child process."),
    ssh: z
      .string()
      .superRefine((text, ctx) => {
        const target = parseSshTarget(text);
        if (typeof target === 'string') ctx.addIssue({ code: 'custom', message: target });
      })
      .optional()
      .describe('SSH access: user@address[:port] (port 22 by default).'),
    key: z.string().min(1).optional().describe('Private key file for SSH (relative to the testbed file).'),
    knownHosts: z
      .string()
      .min(1)
      .optional()
      .describe('known_hosts file holding the host key (relative to the testbed file).'),
    agent: z
      .array(
        z
          .string()
          .max(4096, 'expected a word of at most 4096 characters')
          .regex(SAFE_WORD, 'expected a word without spaces or shell characters'),
      )
      .min(1, 'expected a non-empty list')
      .max(64, 'expected at most 64 words')
      .default(['nfvperf', 'agent'])
      .describe('The agent command on that host, as a list of words.'),
    cpus: z
      .array(
        z.number().int('expected a CPU number').min(0, 'expected a CPU number').max(65535, 'expected a CPU number'),
      )
      .min(1, 'expected a non-empty list')
      .optional()
      .superRefine(eachOnce('CPU'))
      .describe('CPUs the apps of this host are pinned to (default: one per physical core).'),
    uplink: z
      .string()
      .regex(IFNAME, 'expected an interface name (1-15 letters, digits, _ . or -)')
      .refine((name) => name !== 'lo', 'expected the physical link to the other host, not the loopback device')
      .describe("The host's physical link to the other host."),
  })
  .superRefine((h, ctx) => {
    if ((h.local === true) === (h.ssh !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['ssh'],
        message: 'expected either `local: true` or `ssh: user@address[:port]`, not both or neither',
      });
    }
    if (h.ssh !== undefined) {
      if (h.key === undefined)
        ctx.addIssue({ code: 'custom', path: ['key'], message: 'required with ssh: the private key file' });
      if (h.knownHosts === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['knownHosts'],
          message: 'required with ssh: the known_hosts file that holds the host key',
        });
    }
  });

export const testbedSchema = z
  .strictObject({
    hosts: z
      .array(hostSchema)
      .length(2, 'expected exactly two hosts: senders run on the first, receivers on the second'),
  })
  .superRefine((t, ctx) => {
    if (t.hosts.length === 2 && t.hosts[0]!.name === t.hosts[1]!.name) {
      ctx.addIssue({
        code: 'custom',
        path: ['hosts', 1, 'name'],
        message: `expected a name distinct from the first host's (${t.hosts[0]!.name})`,
      });
    }
  });

/** The testbed of a remote plan (its path is relative to the plan file); undefined for a local plan. */
export async function loadPlanTestbed(loaded: LoadedPlan): Promise<Testbed | undefined> {
  const { plan } = loaded;
  if (plan.locality !== 'remote' || plan.testbed === undefined) return undefined;
  return loadTestbedFile(resolve(dirname(loaded.file), plan.testbed), loaded.diagnostic(['testbed'], ''));
}

/**
 * Reads and validates a testbed file, and the files and programs it names; throws PlanError (a
 * testbed file that cannot be read is reported at `from`).
 */
export async function loadTestbedFile(file: string, from?: PlanDiagnostic): Promise<Testbed> {
  let source: string;
  try {
    source = await readBoundedText(file);
  } catch (cause) {
    const message = `cannot read testbed file ${file}: ${(cause as Error).message}`;
    throw new PlanError([from ? { ...from, message } : { file, line: 1, col: 1, path: '', message }]);
  }
  const { testbed, yaml } = readTestbed(source, file);
  const problems = testbed.hosts.flatMap((host, i) => checkHostFiles(host, i, yaml));
  if (problems.length > 0) throw new PlanError(problems);
  return testbed;
}

export function parseTestbed(source: string, file: string): Testbed {
  return readTestbed(source, file).testbed;
}

function readTestbed(source: string, file: string): { testbed: Testbed; yaml: YamlData } {
  const yaml = parseYaml(source, file);
  const result = testbedSchema.safeParse(yaml.data);
  if (!result.success)
    throw new PlanError(issueDiagnostics(yaml, result.error.issues, (path) => schemaKeysAt(testbedSchema, path)));
  const base = dirname(resolve(file));
  const hosts = result.data.hosts.map((h): HostSpec => {
    const spec = { name: h.name, agent: h.agent, cpus: h.cpus, uplink: h.uplink };
    if (h.local) return { ...spec, access: { kind: 'local' } };
    const target = parseSshTarget(h.ssh!) as SshTarget;
    return {
      ...spec,
      access: { kind: 'ssh', ...target, keyFile: resolve(base, h.key!), knownHostsFile: resolve(base, h.knownHosts!) },
    };
  }) as [HostSpec, HostSpec];
  return { testbed: { file, hosts }, yaml };
}

/**
 * What a run would stumble on before its first case: an SSH key that cannot be read or is not a
 * private key ssh2 takes without a passphrase, an unreadable known_hosts file, or (on a local
 * host) an agent program that cannot be started.
 */
function checkHostFiles(host: HostSpec, i: number, yaml: YamlData): PlanDiagnostic[] {
  const problems: PlanDiagnostic[] = [];
  const at = (field: (string | number)[], message: string) =>
    problems.push(yaml.diagnostic(['hosts', i, ...field], message));
  if (host.access.kind === 'ssh') {
    const keyProblem = unreadable(host.access.keyFile);
    if (keyProblem) at(['key'], `cannot read the SSH key ${host.access.keyFile}: ${keyProblem}`);
    else {
      const key = sshKeyProblem(readFileSync(host.access.keyFile));
      if (key) at(['key'], `${host.access.keyFile} is not a private key ssh2 can use: ${key}`);
    }
    const knownProblem = unreadable(host.access.knownHostsFile);
    if (knownProblem)
      at(['knownHosts'], `cannot read the known_hosts file ${host.access.knownHostsFile}: ${knownProblem}`);
  } else if (!findProgram(host.agent[0]!)) {
    at(
      ['agent', 0],
      `cannot start the agent: ${host.agent[0]} is not ${host.agent[0]!.includes('/') ? 'an executable file' : 'a program on PATH'}`,
    );
  }
  return problems;
}

/** Why a regular file cannot be read (no such file, …), or undefined. */
function unreadable(file: string): string | undefined {
  try {
    if (!statSync(file).isFile()) return 'not a regular file';
    accessSync(file, constants.R_OK);
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(code);
  }
}

/** Why ssh2 would refuse this private key at connect time (the message it gives), or undefined. */
function sshKeyProblem(data: Buffer): string | undefined {
  const key = ssh2.utils.parseKey(data);
  const parsed = Array.isArray(key) ? key[0] : key;
  if (parsed instanceof Error) return parsed.message;
  return parsed?.isPrivateKey() ? undefined : 'a public key (name the private key file, without .pub)';
}

/** The program `spawn` would run for `command` (a path with a slash, else looked up on PATH), if it is executable. */
function findProgram(command: string): string | undefined {
  const candidates = command.includes('/')
    ? [resolve(command)]
    : (process.env.PATH ?? '')
        .split(delimiter)
        .filter((dir) => isAbsolute(dir))
        .map((dir) => join(dir, command));
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return statSync(path).isFile();
    } catch {
      return false;
    }
  });
}
