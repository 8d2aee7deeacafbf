/**
 * Name prefixes owned by one process (`<base><pid>-`), for suites that several people may run at the
 * same time on one engine (the end-to-end suites): a run removes only what it made, and the objects
 * of a run whose process is gone — a crashed or interrupted one — are removed as leftovers.
 */
import { spawnSync } from 'node:child_process';
import { removeLab } from './lab';

export function ownedPrefix(base: string, owner: number = process.pid): string {
  return `${base}${owner}-`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the containers, networks and volumes of every `<base><pid>-` prefix whose process is gone. */
export function removeAbandoned(base: string): void {
  const names = (args: string[]): string[] =>
    (spawnSync('docker', args, { encoding: 'utf8' }).stdout ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
  const all = [
    ...names(['ps', '-a', '--format', '{{.Names}}', '--filter', `name=^/?${base}`]),
    ...names(['network', 'ls', '--format', '{{.Name}}', '--filter', `name=^${base}`]),
    ...names(['volume', 'ls', '--format', '{{.Name}}', '--filter', `name=^${base}`]),
  ];
  const owners = new Set<number>();
  for (const n of all) {
    const m = n.slice(base.length).match(/^(\d+)-/);
    if (m && n.startsWith(base)) owners.add(Number(m[1]));
  }
  for (const pid of owners) if (!alive(pid)) removeLab(ownedPrefix(base, pid));
}
