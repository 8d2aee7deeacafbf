/**
 * Records test/fixtures/podman-nft/netavark-<major.minor> from a Podman lab of its own whose
 * netavark is Podman 5's (Debian sid's 1.17) or Podman 6's (Debian experimental's 2.0), fetched by
 * scripts/lab/netavark-unstable.sh, with its nftables driver (podmanLab.ts):
 * the engine facts and the host facts exactly as a snapshot collects them (facts.json: the unit
 * tests build the model and trace from these, so a later parser reads the same recording), plus the
 * raw firewall as the kernel listed it (`nft -j list ruleset`, `nft -a list table inet netavark`,
 * iptables-save) and the versions that wrote it. Run after `npm run compile-tests`, as root:
 *   node out/test/support/recordPodmanNftFixtures.js sid|experimental
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveEngineEndpoint } from '../../src/core/docker/connection';
import { createDockerClient } from '../../src/core/docker/client';
import { collectEngineFacts } from '../../src/core/docker/engine';
import { ContainerDetailsCache } from '../../src/core/docker/containerDetails';
import { createLocalShell } from '../../src/core/host/shell';
import { collectHostFacts } from '../../src/core/host/collect';
import { known } from '../../src/core/known';
import { IMAGE, freePort } from './lab';
import { labNetavarkVersion, startPodmanLab, type NewerNetavark } from './podmanLab';

const ROOT = join(__dirname, '../../../test/fixtures/podman-nft');
const HTTPD = ['httpd', '-f', '-p', '80', '-h', '/www'];

async function main(): Promise<void> {
  const suite = process.argv[2];
  if (suite !== 'sid' && suite !== 'experimental') throw new Error('usage: recordPodmanNftFixtures.js sid|experimental');
  const lab = await startPodmanLab('/tmp/nlpod-nftrec', { netavark: suite as NewerNetavark });
  const shell = createLocalShell();
  try {
    const [p1, p2, p3] = [await freePort(), await freePort(), await freePort()];
    lab.podman('network', 'create', '--disable-dns', 'nlnft-net');
    lab.podman('network', 'create', '--disable-dns', '--opt', 'isolate=true', 'nlnft-iso');
    lab.podman('run', '-d', '--name', 'nlnft-a', '--network', 'nlnft-net', IMAGE, ...HTTPD);
    lab.podman('run', '-d', '--name', 'nlnft-b', '--network', 'nlnft-net', '-p', `127.0.0.1:${p1}:80`, IMAGE, ...HTTPD);
    lab.podman('run', '-d', '--name', 'nlnft-c', '--network', 'nlnft-net', '-p', `${p2}:80`, '-p', `${p3}:80/udp`, IMAGE, ...HTTPD);
    lab.podman('run', '-d', '--name', 'nlnft-d', '--network', 'nlnft-iso', IMAGE, ...HTTPD);
    const endpoint = resolveEngineEndpoint({ dockerHost: lab.socketUrl, env: {} });
    const docker = createDockerClient(endpoint);
    const listed = await collectEngineFacts(docker, endpoint);
    const enriched = await new ContainerDetailsCache(docker).enrich(listed.containers);
    const engine = { ...listed, containers: enriched.containers };
    const host = await collectHostFacts(shell);
    const ids = new Set(engine.containers.map((c) => c.id));
    // other engines' containers on this machine are not the lab's: their namespaces stay out
    const netns = host.containerNetns.known ? known(Object.fromEntries(Object.entries(host.containerNetns.value).filter(([id]) => ids.has(id)))) : host.containerNetns;
    const podmanVersion = lab.podman('version', '--format', '{{.Server.Version}}');
    const netavark = labNetavarkVersion(lab.dir);
    const minor = /^netavark (\d+\.\d+)\./.exec(netavark)?.[1];
    if (!minor) throw new Error(`netavark --version said "${netavark}"`);
    const OUT = join(ROOT, `netavark-${minor}`);
    mkdirSync(OUT, { recursive: true });
    const save = (name: string, text: string) => writeFileSync(join(OUT, name), text.endsWith('\n') ? text : `${text}\n`);
    save('facts.json', JSON.stringify({ recorded: new Date().toISOString(), podman: podmanVersion, netavark, debianSuite: suite, firewallDriver: 'nftables', ports: { loopback: p1, all: p2, udp: p3 }, engine, host: { ...host, containerNetns: netns } }, null, 1));
    save('nft-ruleset.json', execFileSync('nft', ['-j', 'list', 'ruleset'], { encoding: 'utf8' }));
    save('nft-netavark.txt', execFileSync('nft', ['-a', 'list', 'table', 'inet', 'netavark'], { encoding: 'utf8' }));
    save('iptables-save.txt', execFileSync('iptables-save', { encoding: 'utf8' }));
    save('versions.txt', [`podman ${podmanVersion}`, `${netavark} (Debian ${suite})`, `nft ${execFileSync('nft', ['--version'], { encoding: 'utf8' }).trim()}`, `kernel ${execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim()}`].join('\n'));
    console.log(`wrote ${OUT} from Podman ${podmanVersion} with ${netavark} (nftables): ${engine.containers.length} containers, publishes on ${p1}, ${p2}, ${p3}/udp`);
  } finally {
    await shell.dispose();
    lab.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
