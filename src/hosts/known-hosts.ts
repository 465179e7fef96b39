// Checking an SSH host key against a known_hosts file (OpenSSH's format, sshd(8) "SSH_KNOWN_HOSTS
// FILE FORMAT"): plain host patterns (`addr`, `[addr]:port`, comma-separated) and hashed ones
// (`|1|salt|hmac-sha1`). Wildcards and @cert-authority lines are not supported: they never match,
// and @revoked lines refuse the key. A key that matches no line is refused: there is no
// "accept new keys" mode.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The host as known_hosts names it: `addr` on port 22, `[addr]:port` otherwise. */
export function knownHostsName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  return pattern.split(',').includes(name);
}

export type HostKeyVerdict = { ok: true } | { ok: false; reason: string };

/** Whether `key` (the SSH wire-format public key blob) is the key known_hosts holds for the host. */
export function checkHostKey(knownHostsFile: string, address: string, port: number, key: Buffer): HostKeyVerdict {
  let text: string;
  try {
    text = readFileSync(knownHostsFile, 'utf8');
  } catch (e: unknown) {
    return {
      ok: false,
      reason: `cannot read known_hosts file ${knownHostsFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    };
  }
  const name = knownHostsName(address, port);
  let listed = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    const marker = fields[0]!.startsWith('@') ? fields.shift() : undefined;
    const [patterns, , blob] = fields;
    if (!patterns || !blob || !patternMatches(patterns, name)) continue;
    const same = Buffer.from(blob, 'base64').equals(key);
    if (marker === '@revoked' && same)
      return { ok: false, reason: `the host key of ${name} is revoked in ${knownHostsFile}` };
    if (marker !== undefined) continue;
    listed = true;
    if (same) return { ok: true };
  }
  return {
    ok: false,
    reason: listed
      ? `the host key of ${name} does not match ${knownHostsFile} (the host was reinstalled, or someone is in the middle)`
      : `${name} is not in ${knownHostsFile}: add its key (ssh-keyscan -p ${port} ${address} >> ${knownHostsFile}, then verify it)`,
  };
}
