/**
 * The seed scenario the UI tests look at: two busybox httpd containers on docker0, each published on
 * a free loopback port. Named nlx-e2e-<pid>-*, so two runs at once on one engine keep apart; `up`
 * first removes what crashed runs left behind.
 */
import { IMAGE, docker, removeLab, requireRealEngine } from '../../support/lab';
import { ownedPrefix, removeAbandoned } from '../../support/ownedPrefix';

const BASE = 'nlx-e2e-';
export const SEED_PREFIX = ownedPrefix(BASE);

export interface SeedLab {
  readonly containers: readonly string[];
  readonly ports: readonly number[];
}

export function seedLabUp(ports: readonly [number, number]): SeedLab {
  requireRealEngine();
  removeAbandoned(BASE);
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
