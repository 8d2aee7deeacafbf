import { strict as assert } from 'node:assert';
import { parseBrctlShow } from '../../../src/core/host/commands/brctlShow';
import { parseBatch } from '../../../src/core/host/batch';
import { collectHostFacts } from '../../../src/core/host/collect';
import type { HostShell, ShellResult } from '../../../src/core/host/shell';
import { NetlensError } from '../../../src/core/errors';
import { hostFixture, hostLab } from '../../support/hostFixtures';

const RECORDED_DELIMITER = hostFixture('batch-delimiter.txt').trim();

/**
 * Answers collect's script with a recorded real run (batch-full.txt), re-framed with the
 * delimiter this run drew, optionally edited the way a host we have never seen might answer.
 */
function replayShell(file: string, edit: (output: string) => string = (o) => o): HostShell & { runs: number } {
  const s = {
    target: 'replay',
    transport: 'local' as const,
    runs: 0,
    async run(script: string): Promise<ShellResult> {
      s.runs++;
      const delimiter = /^NL_D='(NLB[0-9a-f]{32})'$/m.exec(script)?.[1];
      assert.ok(delimiter, 'the script carries a fresh delimiter');
      return { stdout: edit(hostFixture(file)).split(RECORDED_DELIMITER).join(delimiter), stderr: '', code: 0 };
    },
    dispose: async () => undefined,
  };
  return s;
}

describe('host: collectHostFacts on a recorded real run', () => {
  it('fills every fact from one round trip', async () => {
    const shell = replayShell('batch-full.txt');
    const facts = await collectHostFacts(shell);
    assert.equal(shell.runs, 1);
    assert.equal(facts.roundTrips, 1);
    for (const [key, v] of Object.entries(facts)) {
      if (v && typeof v === 'object' && 'known' in v) assert.ok(v.known, `${key}: ${'reason' in v ? v.reason : ''}`);
    }
    const lab = hostLab();
    assert.ok(facts.containerNetns.known && facts.containerNetns.value[lab.containers['nlh-web'].id]);
    assert.ok(facts.dockerProxies.known && facts.dockerProxies.value.some((p) => p.hostPort === lab.publishedPort));
    assert.ok(facts.namedNetns.known && facts.namedNetns.value.some((n) => n.name === 'nlh-RED' && n.id === lab.netnsIds['nlh-RED']));
    assert.ok(facts.sysctls.known && facts.sysctls.value['net.ipv4.ip_forward'] === '1');
  });

  it('output a parser has never seen leaves that one fact unknown, quoting the line, and the rest stands', async () => {
    const facts = await collectHostFacts(
      replayShell('batch-full.txt', (o) => o.replace(`${RECORDED_DELIMITER}:begin:ip-neigh\n`, `${RECORDED_DELIMITER}:begin:ip-neigh\nNeighbour table overflow!\n`)),
    );
    assert.ok(!facts.neighbours.known);
    assert.match(facts.neighbours.reason, /ip -json neigh: .*Neighbour table overflow!/);
    assert.ok(facts.interfaces.known && facts.routes.known && facts.bridgePorts.known && facts.containerNetns.known);
  });

  it('a section the host never finished (script cut short) is unknown with that reason', async () => {
    const facts = await collectHostFacts(replayShell('batch-full.txt', (o) => o.slice(0, o.indexOf(`${RECORDED_DELIMITER}:begin:netns`))));
    assert.ok(facts.interfaces.known);
    assert.ok(!facts.namedNetns.known && /ended before this command finished/.test(facts.namedNetns.reason));
    assert.ok(!facts.containerNetns.known && !facts.dockerProxies.known);
  });

  it('the /proc fallback run: container namespaces known without nsenter; bridge ports from ip -details, as brctl lists them', async () => {
    const facts = await collectHostFacts(replayShell('batch-no-nsenter.txt'));
    const lab = hostLab();
    assert.ok(facts.containerNetns.known);
    const web = facts.containerNetns.value[lab.containers['nlh-web'].id];
    assert.ok(web?.interfaces.known);
    assert.equal(web.interfaces.value.find((i) => i.name === 'eth0')?.linkIndex, lab.containers['nlh-web'].hostVethIfindex);
    assert.ok(facts.bridgePorts.known);
    const port = facts.bridgePorts.value.find((p) => p.ifindex === lab.containers['nlh-web'].hostVethIfindex);
    // the run had no bridge program (its bridge-link section fell back to brctl, which gives no
    // state); ip's bridge-slave data gives the port's state, and the very ports brctl listed
    assert.deepEqual(port && { master: port.master, state: port.state }, { master: 'docker0', state: 'forwarding' });
    const recorded = parseBatch(hostFixture('batch-no-nsenter.txt'), hostFixture('batch-delimiter.txt').trim(), ['bridge-link']).get('bridge-link')!;
    const brctl = parseBrctlShow(recorded.parts.find((p) => p.name === 'text')!.text).flatMap((b) => b.interfaces.map((i) => `${b.bridge}:${i}`));
    assert.deepEqual(facts.bridgePorts.value.map((p) => `${p.master}:${p.ifname}`).sort(), brctl.sort());
  });

  it('a failing shell makes every fact unknown for that one reason and keeps its error code', async () => {
    const failing: HostShell = {
      target: 'ssh me@192.0.2.9:22',
      transport: 'ssh',
      run: async () => {
        throw new NetlensError('SSH_HOST_KEY_UNKNOWN', 'the host key of 192.0.2.9 is not known', 'ssh me@192.0.2.9:22');
      },
      dispose: async () => undefined,
    };
    const facts = await collectHostFacts(failing);
    assert.equal(facts.shellError?.code, 'SSH_HOST_KEY_UNKNOWN');
    assert.ok(!facts.interfaces.known && facts.interfaces.reason.includes('SSH_HOST_KEY_UNKNOWN'));
    assert.ok(!facts.containerNetns.known);
  });
});
