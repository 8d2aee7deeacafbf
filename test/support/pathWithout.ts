/** A PATH of symlinks to the tools the host batch uses, minus the ones a test wants missing. */
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

const TOOLS = ['sh', 'ip', 'bridge', 'brctl', 'ps', 'cat', 'awk', 'grep', 'ls', 'lsns', 'hostname', 'iptables', 'iptables-save', 'ip6tables-save', 'nft', 'nsenter', 'route'];

export function pathWithout(missing: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'nl-path-'));
  for (const t of TOOLS.filter((x) => !missing.includes(x))) {
    const where = execFileSync('sh', ['-c', 'command -v "$1"', 'sh', t], { encoding: 'utf8' }).trim();
    symlinkSync(where, join(dir, t));
  }
  return dir;
}
