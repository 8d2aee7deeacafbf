/** Loads the recorded real topologies in test/fixtures/topology/ (see its README for provenance). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Topology } from '../../src/core/model/types';

/** The repository root: the first folder above this compiled file that holds the fixtures. */
function findRepoRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(resolve(dir, 'test/fixtures/topology/README.md'))) return dir;
  }
  throw new Error(`no test/fixtures/topology above ${from}`);
}

export const repoRoot = findRepoRoot(__dirname);
export const topologyFixtureDir = resolve(repoRoot, 'test/fixtures/topology');

export type TopologyFixtureName = 'lab-20.10' | 'lab-20.10-plus-w3' | 'busy-20.10' | 'busy-20.10-plus-w3' | 'crowd-20.10' | 'crowd-20.10-plus-one';

export function loadTopologyFixture(name: TopologyFixtureName): Topology {
  return JSON.parse(readFileSync(resolve(topologyFixtureDir, `${name}.json`), 'utf8')) as Topology;
}
