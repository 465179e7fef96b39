// `nfvperf agent`: started by `nfvperf run` on each host of a remote plan (over SSH, or as a child
// process for a local host); speaks docs/agent-protocol.md on stdin/stdout.
import { runAgent } from '../../agent/agent.js';

export async function agentCommand(): Promise<number> {
  return runAgent();
}
