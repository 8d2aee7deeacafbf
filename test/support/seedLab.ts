/**
 * The seed articles' scenarios as one lab on the real engine and kernel, under a name prefix:
 * seed 1 (w1/w2 on docker0, published), seed 2 (a user bridge with an alias, host, none, a volume,
 * a read-only bind, a tmpfs, container:<id>), seed 3 (RED/BLUE namespaces on a hand-made bridge),
 * seed 5 (macvlan on a veth parent we own, --link with an alias on docker0 and on a user network).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IMAGE, docker, freePort, removeLab, run } from './lab';

export interface SeedLab {
  readonly prefix: string;
  /** host ports of w1 and w2 (the seed's 8080 and 8181, picked free here) */
  readonly ports: readonly [number, number];
  readonly bindDir: string;
  remove(): void;
}

export async function createSeedLab(P: string): Promise<SeedLab> {
  removeLab(P);
  const bindDir = mkdtempSync(join(tmpdir(), `${P}bind-`));
  writeFileSync(join(bindDir, 'index.html'), 'bound read-only\n');
  const ports: [number, number] = [await freePort(), await freePort()];
  const lab: SeedLab = {
    prefix: P,
    ports,
    bindDir,
    remove() {
      removeLab(P);
      rmSync(bindDir, { recursive: true, force: true });
    },
  };
  try {
    const web = ['httpd', '-f', '-p', '80', '-h', '/www'];
    docker('run', '-d', '--name', `${P}w1`, '-p', `${ports[0]}:80`, IMAGE, ...web);
    docker('run', '-d', '--name', `${P}w2`, '-p', `${ports[1]}:80`, IMAGE, ...web);
    docker('network', 'create', `${P}net`);
    docker('run', '-d', '--name', `${P}db`, '--network', `${P}net`, '--network-alias', 'database', IMAGE, 'sleep', '3600');
    docker('run', '-d', '--name', `${P}app`, '--network', `${P}net`, IMAGE, 'sleep', '3600');
    docker('run', '-d', '--name', `${P}hostnet`, '--network', 'host', IMAGE, 'sleep', '3600');
    docker('run', '-d', '--name', `${P}nonet`, '--network', 'none', IMAGE, 'sleep', '3600');
    docker('run', '-d', '--name', `${P}sidecar`, '--network', `container:${P}app`, IMAGE, 'sleep', '3600');
    docker('run', '-d', '--name', `${P}vols`, '-v', `${P}vol:/data`, '-v', `${bindDir}:/site:ro`, '--tmpfs', '/scratch', IMAGE, 'sleep', '3600');
    run('ip', ['link', 'add', `${P}mvp0`, 'type', 'veth', 'peer', 'name', `${P}mvp1`]);
    run('ip', ['link', 'set', `${P}mvp0`, 'up']);
    run('ip', ['link', 'set', `${P}mvp1`, 'up']);
    docker('network', 'create', '-d', 'macvlan', '--subnet', '10.147.57.0/24', '-o', `parent=${P}mvp0`, `${P}mac`);
    docker('run', '-d', '--name', `${P}mac1`, '--network', `${P}mac`, IMAGE, 'sleep', '3600');
    docker('run', '-d', '--name', `${P}linker`, '--link', `${P}w1:webalias`, IMAGE, 'sleep', '3600');
    docker('run', '-d', '--name', `${P}userlinker`, '--network', `${P}net`, '--link', `${P}db:dbalias`, IMAGE, 'sleep', '3600');
    run('ip', ['link', 'add', `${P}br0`, 'type', 'bridge']);
    for (const [ns, a, b, ip] of [[`${P}RED`, 'reth0', `${P}reth1`, '11.11.11.2/24'], [`${P}BLUE`, 'beth0', `${P}beth1`, '11.11.11.3/24']]) {
      run('ip', ['netns', 'add', ns]);
      run('ip', ['link', 'add', a, 'netns', ns, 'type', 'veth', 'peer', 'name', b]);
      run('ip', ['link', 'set', b, 'master', `${P}br0`]);
      run('ip', ['link', 'set', b, 'up']);
      run('ip', ['-n', ns, 'addr', 'add', ip, 'dev', a]);
      run('ip', ['-n', ns, 'link', 'set', a, 'up']);
    }
    run('ip', ['link', 'set', `${P}br0`, 'up']);
  } catch (e) {
    lab.remove();
    throw e;
  }
  return lab;
}
