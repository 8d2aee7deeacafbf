// Reads the recorded host fixtures (test/fixtures/host, see its README) from compiled tests in out/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBatch, type BatchSection } from '../../src/core/host/batch';
import type { ListenerTarget } from '../../src/core/host/commands/containerListeners';
import { parseIpAddrOutput } from '../../src/core/host/commands/ipAddr';
import { parseIpNeighOutput } from '../../src/core/host/commands/ipNeigh';
import { parseIpRouteOutput } from '../../src/core/host/commands/ipRoute';
import { listenersFromTables } from '../../src/core/host/commands/procNetSockets';
import { known } from '../../src/core/known';

export const HOST_FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'host');

export function hostFixture(name: string): string {
  return readFileSync(join(HOST_FIXTURES, name), 'utf8');
}

export interface HostLabFacts {
  readonly containers: Readonly<Record<'nlh-web' | 'nlh-idle' | 'nlh-user' | 'nlh-mac', { id: string; pid: number; ip: string; hostVethIfindex: number }>>;
  readonly publishedPort: number;
  readonly netnsIds: Readonly<Record<'nlh-RED' | 'nlh-BLUE', number>>;
}

/** What docker inspect and /proc said about the lab when the fixtures were recorded. */
export function hostLab(): HostLabFacts {
  return JSON.parse(hostFixture('lab.json')) as HostLabFacts;
}

/** test/fixtures/host/fast: the lab in lab.sh, recorded by capture.sh (see ../README.md). */
export interface FastLab {
  readonly delimiter: string;
  readonly containers: Readonly<Record<string, { readonly id: string; readonly pid: number }>>;
  readonly listenerTargets: readonly ListenerTarget[];
}

/** The fast lab's recording: its facts, its batch's sections, and the host namespace's facts parsed from them. */
export function fastLab() {
  const lab = JSON.parse(hostFixture('fast/lab.json')) as FastLab;
  const sections = parseBatch(hostFixture('fast/batch.txt'), lab.delimiter, ['ip-addr', 'ip-route', 'ip-neigh', 'listeners', 'container-netns']);
  const section = (n: string): BatchSection => {
    const s = sections.get(n);
    if (!s || s.code !== 0) throw new Error(`fast lab section ${n}: ${s?.stderr ?? 'missing'}`);
    return s;
  };
  const host = {
    interfaces: known(parseIpAddrOutput(section('ip-addr').stdout)),
    routes: known(parseIpRouteOutput(section('ip-route').stdout)),
    neighbours: known(parseIpNeighOutput(section('ip-neigh').stdout)),
    listeners: known(listenersFromTables(section('listeners').stdout, 'host')),
  };
  return { lab, section, host };
}
