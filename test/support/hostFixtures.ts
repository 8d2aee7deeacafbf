// Reads the recorded host fixtures (test/fixtures/host, see its README) from compiled tests in out/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

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
