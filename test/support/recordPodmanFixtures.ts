/**
 * Records test/fixtures/podman from a Podman lab of its own (podmanLab.ts): the Docker-compatible
 * answers, Podman's own lists, inspects, `podman inspect` facts, the process table, iptables-save
 * and a whole session snapshot (topology.json: engine and host facts joined, as the CLI, the trees
 * and the webview get it), all taken while the lab runs. Run after `npm run compile-tests`, as root:
 *   node out/test/support/recordPodmanFixtures.js
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { createSession } from '../../src/core/session';
import { IMAGE, freePort } from './lab';
import { startPodmanLab } from './podmanLab';

const OUT = join(__dirname, '../../../test/fixtures/podman');

function get(socketPath: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET', timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${path}: ${res.statusCode} ${body}`))));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer`)));
    req.on('error', reject);
    req.end();
  });
}

async function main(): Promise<void> {
  const lab = await startPodmanLab('/tmp/nlpod-rec');
  try {
    const [p1, p2] = [await freePort(), await freePort()];
    lab.podman('network', 'create', 'nlpod-net');
    lab.podman('run', '-d', '--name', 'nlpod-a', '--network', 'nlpod-net', IMAGE, 'sleep', '100000');
    lab.podman('run', '-d', '--name', 'nlpod-b', '--network', 'nlpod-net', '-p', `127.0.0.1:${p1}:80`, IMAGE, 'httpd', '-f', '-p', '80');
    lab.podman('run', '-d', '--name', 'nlpod-h', '--network', 'host', IMAGE, 'sleep', '100000');
    lab.podman('run', '-d', '--name', 'nlpod-n', '--network', 'none', IMAGE, 'sleep', '100000');
    lab.podman('pod', 'create', '--name', 'nlpod-p', '--network', 'nlpod-net', '-p', `127.0.0.1:${p2}:80`);
    lab.podman('run', '-d', '--pod', 'nlpod-p', '--name', 'nlpod-p1', IMAGE, 'httpd', '-f', '-p', '80');
    lab.podman('run', '-d', '--pod', 'nlpod-p', '--name', 'nlpod-p2', IMAGE, 'sleep', '100000');
    const sock = lab.socketUrl.slice('unix://'.length);
    const version = JSON.parse(await get(sock, '/v1.41/version')) as { Version: string };
    mkdirSync(OUT, { recursive: true });
    const save = (name: string, text: string) => writeFileSync(join(OUT, name), text.endsWith('\n') ? text : `${text}\n`);
    save('version.json', await get(sock, '/v1.41/version'));
    save('info.json', await get(sock, '/v1.41/info'));
    save('networks.json', await get(sock, '/v1.41/networks'));
    const containers = await get(sock, '/v1.41/containers/json?all=1');
    save('containers.json', containers);
    save('libpod-networks.json', await get(sock, `/v${version.Version}/libpod/networks/json`));
    save('libpod-containers.json', await get(sock, `/v${version.Version}/libpod/containers/json?all=true`));
    const ids = (JSON.parse(containers) as { Id: string; Names: string[] }[]).map((c) => ({ id: c.Id, name: c.Names[0]!.replace(/^\//, '') }));
    for (const c of ids) save(`inspect-${c.name.startsWith('nlpod-') ? c.name : 'infra'}.json`, await get(sock, `/v1.41/containers/${c.id}/json`));
    save('lab.txt', lab.podman('inspect', '--format', '{{.Name}} {{.Id}} {{.State.Pid}} {{.HostConfig.NetworkMode}} {{.Pod}}', ...ids.map((c) => c.id)));
    save('ps.txt', execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' }));
    save('iptables-save.txt', execFileSync('iptables-save', { encoding: 'utf8' }));
    const session = createSession({ dockerHost: lab.socketUrl, hostShell: 'local', env: {} });
    try {
      save('topology.json', JSON.stringify(await session.snapshot(), null, 1));
    } finally {
      await session.dispose();
    }
    save('ports.txt', `${p1} ${p2}`);
    console.log(`wrote ${OUT} from Podman ${version.Version}: ${ids.length} containers, publishes on ${p1} and ${p2}`);
  } finally {
    lab.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
