/**
 * For suites whose Docker host lives in a network namespace of their own (a second dockerd, a host
 * a moby document describes): read that host as netlens reads any, through its host batch run
 * inside the namespace, and wait on the processes they start.
 */
import { readFileSync } from 'node:fs';
import { collectHostFacts } from '../../src/core/host/collect';
import { createLocalShell } from '../../src/core/host/shell';
import type { HostFacts } from '../../src/core/host/types';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A process that exists and is not a zombie (an orphaned daemon may wait unreaped). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The host facts of netns `ns`: the host batch through a local shell entered with `nsenter --net=`. */
export async function hostFactsIn(ns: string): Promise<HostFacts> {
  const shell = createLocalShell({ prefix: ['nsenter', `--net=/run/netns/${ns}`] });
  try {
    return await collectHostFacts(shell);
  } finally {
    await shell.dispose();
  }
}
