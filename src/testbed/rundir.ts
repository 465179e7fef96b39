// A run's private directory, /run/nfvperf/<token>: sockets (vhost-user, memif), the OVS database
// and logs, a hugetlbfs mount point. Recorded before it is made; removed with its contents.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_DIR } from './names.js';
import type { Resources } from './resources.js';

const RUN_SUBDIR = /^\/run\/nfvperf\/[0-9a-f]{4}(\/[A-Za-z0-9_.-]+)*$/;

/** `/run/nfvperf/<token>/<parts…>`. */
export function runPath(token: string, ...parts: string[]): string {
  return join(RUN_DIR, token, ...parts);
}

/** Creates `path` (a run directory or one below it) unless it exists; it is removed on release. */
export async function ensureRunDir(resources: Resources, path: string): Promise<string> {
  if (!RUN_SUBDIR.test(path)) throw new TypeError(`not a run directory: ${path}`);
  if (existsSync(path)) return path;
  await resources.create(
    { kind: 'dir', name: path },
    async () => {
      mkdirSync(path, { recursive: true, mode: 0o755 });
    },
    async () => removeRunDir(path),
  );
  return path;
}

/** Removes a run directory and everything in it; refuses any path outside /run/nfvperf/<token>. */
export function removeRunDir(path: string): void {
  if (!RUN_SUBDIR.test(path)) throw new TypeError(`refusing to remove ${path}: not a run directory`);
  rmSync(path, { recursive: true, force: true });
}
