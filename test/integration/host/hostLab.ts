/**
 * The world the host integration tests build and remove (prefix `nlh-it`): two busybox containers
 * on docker0 (one published), and two named netns on a bridge, as in the third seed.
 */
import { IMAGE, docker, freePort, removeLab, requireRealEngine, run } from '../../support/lab';

export const PREFIX = 'nlh-it';

export interface HostTestLab {
  readonly port: number;
  readonly containers: readonly string[];
  readonly netns: Readonly<Record<string, string>>;
}

export async function buildHostTestLab(): Promise<HostTestLab> {
  requireRealEngine();
  removeLab(PREFIX);
  const port = await freePort();
  docker('run', '-d', '--name', `${PREFIX}-web`, '-p', `${port}:80`, IMAGE, 'httpd', '-f', '-p', '80', '-h', '/www');
  docker('run', '-d', '--name', `${PREFIX}-idle`, IMAGE, 'sleep', '100000');
  const netns = { [`${PREFIX}A`]: '10.157.21.2', [`${PREFIX}B`]: '10.157.21.3' };
  run('ip', ['link', 'add', `${PREFIX}br0`, 'type', 'bridge']);
  for (const [ns, address] of Object.entries(netns)) {
    const inner = `${ns}e0`;
    const outer = `${ns}e1`;
    run('ip', ['netns', 'add', ns]);
    run('ip', ['link', 'add', inner, 'netns', ns, 'type', 'veth', 'peer', 'name', outer]);
    run('ip', ['link', 'set', outer, 'master', `${PREFIX}br0`]);
    run('ip', ['-n', ns, 'addr', 'add', `${address}/24`, 'dev', inner]);
    run('ip', ['-n', ns, 'link', 'set', inner, 'up']);
    run('ip', ['link', 'set', outer, 'up']);
  }
  run('ip', ['link', 'set', `${PREFIX}br0`, 'up']);
  return { port, containers: [`${PREFIX}-web`, `${PREFIX}-idle`], netns };
}

export function removeHostTestLab(): void {
  removeLab(PREFIX);
}
