// A host reached without SSH (`local: true`): its agent is a child process of the orchestrator,
// spoken to over the same stdio protocol as a remote one — one code path for every host.
import { spawn } from 'node:child_process';
import type { AgentTransport, HostSpec } from './types.js';

export function startLocalAgent(host: HostSpec): AgentTransport {
  const [file, ...args] = host.agent;
  const child = spawn(file!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const closed = new Promise<string>((resolve) => {
    child.on('error', (e) => resolve(`cannot start the agent (${host.agent.join(' ')}): ${e.message}`));
    child.on('close', (code, signal) =>
      resolve(signal ? `the agent was killed by ${signal}` : `the agent exited with code ${code}`),
    );
  });
  child.stdin.on('error', () => {
    /* the agent is gone: `closed` says why */
  });
  return {
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    closed,
    async close(graceMs = 5000) {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await closed;
      clearTimeout(timer);
    },
  };
}
