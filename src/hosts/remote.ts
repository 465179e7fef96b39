// A host reached over SSH (the ssh2 library): public-key authentication, the host key checked
// against the testbed's known_hosts file, and the agent command run as the session's command.
// Its words were validated by the testbed schema (SAFE_WORD), so the remote shell that splits the
// command finds nothing to expand or interpret.
import { readFileSync } from 'node:fs';
import { Client, type ClientChannel } from 'ssh2';
import { TestbedError } from '../common/errors.js';
import { SAFE_WORD } from './testbed-file.js';
import { checkHostKey } from './known-hosts.js';
import type { AgentTransport, HostSpec } from './types.js';

const READY_TIMEOUT_MS = 10_000;

export async function startRemoteAgent(host: HostSpec, signal?: AbortSignal): Promise<AgentTransport> {
  if (host.access.kind !== 'ssh') throw new TypeError(`${host.name} is not an SSH host`);
  const access = host.access;
  if (!host.agent.every((w) => SAFE_WORD.test(w)))
    throw new TestbedError(`host ${host.name}: unsafe word in the agent command`);
  let privateKey: Buffer;
  try {
    privateKey = readFileSync(access.keyFile);
  } catch (e: unknown) {
    throw new TestbedError(
      `host ${host.name}: cannot read the SSH key ${access.keyFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
  const conn = new Client();
  let keyProblem: string | undefined;
  let lastError: string | undefined;
  const closed = new Promise<string>((resolve) => {
    conn.on('error', (e) => {
      lastError = e.message;
    });
    conn.on('close', () =>
      resolve(`the SSH connection to ${access.address}:${access.port} closed${lastError ? ` (${lastError})` : ''}`),
    );
  });
  const ready = new Promise<void>((resolve, reject) => {
    conn.once('ready', () => resolve());
    conn.once('error', (e) =>
      reject(
        new TestbedError(
          `host ${host.name}: cannot connect over SSH to ${access.user}@${access.address}:${access.port}: ${keyProblem ?? e.message}`,
        ),
      ),
    );
  });
  const onAbort = () => conn.end();
  signal?.addEventListener('abort', onAbort, { once: true });
  conn.connect({
    host: access.address,
    port: access.port,
    username: access.user,
    privateKey,
    readyTimeout: READY_TIMEOUT_MS,
    keepaliveInterval: 2000,
    keepaliveCountMax: 3,
    hostVerifier: (key: Buffer) => {
      const verdict = checkHostKey(access.knownHostsFile, access.address, access.port, key);
      if (!verdict.ok) keyProblem = `host key refused: ${verdict.reason}`;
      return verdict.ok;
    },
  });
  try {
    await ready;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  const channel = await new Promise<ClientChannel>((resolve, reject) => {
    conn.exec(host.agent.join(' '), (err, stream) => {
      if (err) reject(new TestbedError(`host ${host.name}: cannot start the agent over SSH: ${err.message}`));
      else resolve(stream);
    });
  }).catch((e: unknown) => {
    conn.end();
    throw e;
  });
  let exit = '';
  channel.on('exit', (code: number | null, signalName?: string) => {
    exit = signalName
      ? `the agent was killed by ${signalName.startsWith('SIG') ? signalName : `SIG${signalName}`}`
      : `the agent exited with code ${code}`;
  });
  const channelClosed = new Promise<string>((resolve) =>
    channel.on('close', () => resolve(exit || 'the SSH channel closed')),
  );
  const gone = Promise.race([channelClosed, closed]);
  channel.on('error', () => {
    /* `gone` says why */
  });
  void gone.then(() => conn.end());
  return {
    stdin: channel,
    stdout: channel,
    stderr: channel.stderr,
    closed: gone,
    async close(graceMs = 5000) {
      channel.end();
      const timer = setTimeout(() => conn.destroy(), graceMs);
      await gone;
      clearTimeout(timer);
      conn.end();
    },
  };
}
