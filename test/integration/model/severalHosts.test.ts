/**
 * Several Docker hosts in one model: this machine's engine and a second one in a namespace of the
 * suite's own (test/support/secondEngine.ts), joined to this machine by a veth /30 — the underlay.
 * Each host is read by its own shell; what joins them is each kernel's route to the other's
 * underlay address, and never their docker0s, which both have at 172.17.0.1.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createSession } from '../../../src/core/session';
import { hostLinks } from '../../../src/core/model/hostLinks';
import type { Topology } from '../../../src/core/model/types';
import { IMAGE, requireRealEngine } from '../../support/lab';
import { startSecondEngine, type SecondEngine } from '../../support/secondEngine';

const NAME = 'nlmh2';
const HOST_ADDR = '10.213.86.1';
const PEER_ADDR = '10.213.86.2';
const cli = join(__dirname, '../../../../dist/cli.js');

describe('several hosts in one model: this machine and a second engine in a namespace (real engines)', function () {
  this.timeout(240_000);
  let node2: SecondEngine | undefined;
  let here: Topology;
  let there: Topology;

  before(async () => {
    requireRealEngine();
    node2 = await startSecondEngine(NAME, HOST_ADDR, PEER_ADDR);
    node2.docker('run', '-d', '--name', `${NAME}-web`, IMAGE, 'sleep', '3600');
    const a = createSession({});
    // the second host's own shell: this machine's shell entered into its network namespace
    const b = createSession({ dockerHost: node2.socket, localShell: { prefix: ['nsenter', `--net=/run/netns/${NAME}`] } });
    try {
      [here, there] = await Promise.all([a.snapshot(), b.snapshot()]);
    } finally {
      await Promise.all([a.dispose(), b.dispose()]);
    }
  });
  after(() => node2?.stop());

  it('reads each host with its own shell: both joined, each with its own docker0', () => {
    assert.ok(!here.gaps.some((g) => /HOST_MISMATCH|not joined/.test(g.reason)), 'this machine joined');
    assert.ok(!there.gaps.some((g) => /HOST_MISMATCH|not joined/.test(g.reason)), `node2 joined: ${there.gaps.map((g) => g.reason).join('; ')}`);
    assert.ok(there.containers.some((c) => c.name === `${NAME}-web`));
    assert.ok(here.host?.interfaces.some((i) => i.name === 'docker0') && there.host?.interfaces.some((i) => i.name === 'docker0'));
  });

  it('joins the hosts by their underlay: each kernel routes to the other over the veth /30, not by docker0', () => {
    const { links, unknown } = hostLinks([here, there]);
    assert.deepEqual(unknown, []);
    const toNode2 = links.filter((l) => l.from === 0 && l.to === 1);
    assert.deepEqual(toNode2.map((l) => [l.address, l.dev, l.direct, l.toInterface]), [[PEER_ADDR, `${NAME}-h`, true, 'eth0']]);
    const back = links.filter((l) => l.from === 1 && l.to === 0);
    assert.ok(back.some((l) => l.address === HOST_ADDR && l.dev === 'eth0' && l.direct), JSON.stringify(back));
    assert.ok(!links.some((l) => l.address.startsWith('172.17.')), 'no link through a docker0');
  });

  it('the CLI takes --docker-host twice and prints both engines and the links between them', () => {
    // node2's host shell there: the helper container on node2's own engine reads its host
    const out = execFileSync('node', [cli, 'topology', '--json', '--docker-host', 'unix:///var/run/docker.sock', '--docker-host', node2!.socket, '--host-shell', 'container'], { encoding: 'utf8', timeout: 180_000, maxBuffer: 64 << 20 });
    const parsed = JSON.parse(out) as { engines: Topology[]; links: { from: number; to: number; address: string }[] };
    assert.equal(parsed.engines.length, 2);
    assert.ok(parsed.engines[1]!.containers.some((c) => c.name === `${NAME}-web`));
    assert.ok(parsed.links.some((l) => l.from === 0 && l.to === 1 && l.address === PEER_ADDR), JSON.stringify(parsed.links));
    assert.ok(parsed.links.some((l) => l.from === 1 && l.to === 0 && l.address === HOST_ADDR), JSON.stringify(parsed.links));
    const text = execFileSync('node', [cli, 'topology', '--docker-host', 'unix:///var/run/docker.sock', '--docker-host', node2!.socket, '--host-shell', 'container'], { encoding: 'utf8', timeout: 180_000 });
    const between = text.slice(text.indexOf('Between the hosts:'));
    assert.ok(between.includes(`(unix:///var/run/docker.sock) → `) && between.includes(`(${node2!.socket}) ${PEER_ADDR} (eth0): on the same link, dev ${NAME}-h`), between);
  });
});
