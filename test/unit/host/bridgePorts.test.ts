import { strict as assert } from 'node:assert';
import { bridgePortsOfInterfaces, parseBridgeLinkOutput } from '../../../src/core/host/commands/bridgeLink';
import { parseBrctlShow } from '../../../src/core/host/commands/brctlShow';
import { parseIpAddrOutput } from '../../../src/core/host/commands/ipAddr';
import { NetlensError } from '../../../src/core/errors';
import { hostFixture, hostLab } from '../../support/hostFixtures';

describe('host: bridge ports', () => {
  const ports = parseBridgeLinkOutput(hostFixture('bridge-link.json'));
  const brctl = parseBrctlShow(hostFixture('brctl-show.txt'));
  const ifs = parseIpAddrOutput(hostFixture('ip-addr.json'));

  it("bridge -json -details link: the lab's netns veths on nlh-br0 (STP listening), container veths on docker0 forwarding", () => {
    const br0 = ports.filter((p) => p.master === 'nlh-br0').map((p) => `${p.ifname} ${p.state}`).sort();
    assert.deepEqual(br0, ['nlh-beth1 listening', 'nlh-reth1 listening']);
    const web = ports.find((p) => p.ifindex === hostLab().containers['nlh-web'].hostVethIfindex);
    assert.deepEqual({ master: web?.master, state: web?.state, hairpin: web?.hairpin }, { master: 'docker0', state: 'forwarding', hairpin: false });
  });

  it('agrees with brctl show and with the master field of ip -d addr', () => {
    const fromBrctl = brctl.flatMap((b) => b.interfaces.map((i) => `${b.bridge}:${i}`)).sort();
    assert.deepEqual(ports.map((p) => `${p.master}:${p.ifname}`).sort(), fromBrctl);
    const fromIp = ifs.filter((i) => i.details.slaveKind === 'bridge').map((i) => `${i.master}:${i.name}`).sort();
    assert.deepEqual(fromBrctl, fromIp);
    assert.equal(brctl.find((b) => b.bridge === 'nlh-br0')?.stp, true);
    assert.equal(brctl.find((b) => b.bridge === 'docker0')?.stp, false);
  });

  it('ip -json -details addr gives the very ports bridge -json -details link does, state and hairpin included (the same run)', () => {
    const fromAddr = bridgePortsOfInterfaces(ifs);
    assert.ok(fromAddr.length >= 4, `${fromAddr.length} ports`);
    assert.deepEqual(fromAddr, ports);
  });

  it('rejects unseen brctl output with PARSE quoting it', () => {
    assert.throws(
      () => parseBrctlShow('bridge name\tbridge id\tSTP enabled\tinterfaces\nbr0 8000.x maybe eth1\n'),
      (e: unknown) => e instanceof NetlensError && e.code === 'PARSE' && e.message.includes('br0 8000.x maybe eth1'),
    );
    assert.throws(() => parseBrctlShow("can't get info Operation not supported\n"), (e: unknown) => e instanceof NetlensError && e.message.includes("can't get info"));
  });
});
