import { describe, findLeftovers, removeLeftovers } from '../../testbed/cleanup.js';
import { UsageError } from '../../common/errors.js';

export async function cleanupCommand(opts: { dryRun?: boolean }): Promise<number> {
  if (process.getuid?.() !== 0) throw new UsageError('nfvperf cleanup needs root (run it with sudo)');
  const found = await findLeftovers();
  if (found.leftovers.length === 0) {
    process.stdout.write('nothing to clean up\n');
    for (const path of found.ledgers) if (!opts.dryRun) (await import('node:fs')).rmSync(path, { force: true });
    return 0;
  }
  if (opts.dryRun) {
    for (const r of found.leftovers) process.stdout.write(`would remove ${describe(r)}\n`);
    return 0;
  }
  const errors = await removeLeftovers(found, (line) => process.stdout.write(`${line}\n`));
  for (const e of errors) process.stderr.write(`nfvperf: ${e.message}\n`);
  return errors.length > 0 ? 1 : 0;
}
