/** The sidebar's recorded fixtures (test/fixtures/extension/README.md), loaded once. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ContainerChange, ContainerStorage } from '../../../src/core/docker/types';
import type { Topology } from '../../../src/core/model/types';

/** The repo root: the nearest folder above the compiled test that holds test/fixtures (any outDir). */
function repoRoot(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) if (existsSync(join(dir, 'test', 'fixtures', 'extension'))) return dir;
  return process.cwd();
}
const FIXTURES = join(repoRoot(), 'test', 'fixtures', 'extension');

export const fixturePath = (name: string): string => join(FIXTURES, name);
const json = <T>(name: string): T => JSON.parse(readFileSync(fixturePath(name), 'utf8')) as T;

export const labTopology = (): Topology => json<Topology>('sidebar-lab-topology.json');
export const labLayers = (): ContainerStorage => json<ContainerStorage>('sidebar-lab-layers-nle-web.json');
export const labDiff = (): ContainerChange[] => json<ContainerChange[]>('sidebar-lab-diff-nle-web.json');

/** The label the lab puts on nle-web and nle-net: markup, quotes, backticks, a command link. */
export const MARKUP_LABEL =
  '<img src=x onerror=alert(1)> **bold** [run](command:workbench.action.quit) &amp; "dq" \'sq\' `tick` $(echo) <script>alert(2)</script>';
