/**
 * The seed scenario the UI tests look at: two busybox httpd containers on docker0, each published on
 * a free port of the host, named nlx-e2e-*. `up` first removes leftovers of a crashed run.
 */
import { IMAGE, docker, removeLab, requireRealEngine } from '../../support/lab';

export const SEED_PREFIX = 'nlx-e2e-';

export interface SeedLab {
  readonly containers: readonly string[];
  readonly ports: readonly number[];
}

export function seedLabUp(ports: readonly [number, number]): SeedLab {
  requireRealEngine();
  seedLabDown();
  const containers = [`${SEED_PREFIX}w1`, `${SEED_PREFIX}w2`];
  containers.forEach((name, i) => {
    docker('run', '-d', '--name', name, '-p', `127.0.0.1:${ports[i]}:80`, IMAGE, 'httpd', '-f', '-p', '80', '-h', '/www');
  });
  return { containers, ports };
}

export function seedLabDown(): void {
  removeLab(SEED_PREFIX);
}
