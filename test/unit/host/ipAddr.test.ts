import { strict as assert } from 'node:assert';
import { parseIpAddrOutput } from '../../../src/core/host/commands/ipAddr';
import { parseIpAddrText } from '../../../src/core/host/commands/ipAddrText';
import { parseNetnsBatch } from '../../../src/core/host/commands/netnsBatch';
import { NetlensError } from '../../../src/core/errors';
import type { NetInterface } from '../../../src/core/host/types';
import { hostFixture, hostLab } from '../../support/hostFixtures';

function byName(list: readonly NetInterface[], name: string): NetInterface {
  const found = list.find((i) => i.name === name);
  assert.ok(found, `${name} missing from ${list.map((i) => i.name).join(' ')}`);
  return found;
}

describe('host: ip -json -details addr', () => {
  const lab = hostLab();
  const ifs = parseIpAddrOutput(hostFixture('ip-addr.json'));

  it('classifies kinds from linkinfo and link_type', () => {
    assert.equal(byName(ifs, 'lo').kind, 'loopback');
    assert.equal(byName(ifs, 'eth0').kind, 'physical');
    assert.equal(byName(ifs, 'eth0').rawKind, null);
    assert.equal(byName(ifs, 'docker0').kind, 'bridge');
    assert.equal(byName(ifs, 'nlh-br0').kind, 'bridge');
    assert.equal(byName(ifs, 'nlh-mvp0').kind, 'veth');
    assert.equal(byName(ifs, 'nlh-vx0').kind, 'vxlan');
    assert.equal(byName(ifs, 'ifb0').kind, 'ifb');
  });

  it('resolves a same-namespace peer, which iproute2 names instead of indexing', () => {
    // nlh-mvp0/nlh-mvp1 is a veth pair with both ends on the host: `"link": "nlh-mvp1"`, no link_index
    assert.equal(byName(ifs, 'nlh-mvp0').linkIndex, byName(ifs, 'nlh-mvp1').index);
    assert.equal(byName(ifs, 'nlh-mvp1').linkIndex, byName(ifs, 'nlh-mvp0').index);
    assert.equal(byName(ifs, 'nlh-mvp0').linkNetnsId, null);
  });

  it('keeps the details ip -d reports: bridge stp, vxlan id/local/port, bridge port state', () => {
    assert.equal(byName(ifs, 'nlh-br0').details.stp, true);
    assert.equal(byName(ifs, 'docker0').details.stp, false);
    assert.deepEqual(
      { id: byName(ifs, 'nlh-vx0').details.vxlanId, local: byName(ifs, 'nlh-vx0').details.local, port: byName(ifs, 'nlh-vx0').details.port },
      { id: 4242, local: '127.0.0.1', port: 4789 },
    );
    assert.equal(byName(ifs, 'nlh-reth1').master, 'nlh-br0');
    assert.equal(byName(ifs, 'nlh-reth1').details.slaveKind, 'bridge');
  });

  it("finds each lab container's host veth at the ifindex its eth0 iflink named, enslaved and pointing back into a netns", () => {
    for (const name of ['nlh-web', 'nlh-idle', 'nlh-user'] as const) {
      const veth = ifs.find((i) => i.index === lab.containers[name].hostVethIfindex);
      assert.ok(veth, `no host interface with ifindex ${lab.containers[name].hostVethIfindex} for ${name}`);
      assert.equal(veth.kind, 'veth');
      assert.equal(typeof veth.linkIndex, 'number');
      assert.equal(typeof veth.linkNetnsId, 'number');
      assert.match(veth.master ?? '', name === 'nlh-user' ? /^br-[0-9a-f]{12}$/ : /^docker0$/);
    }
  });

  it('reads addresses with prefix, scope and broadcast', () => {
    const a = byName(ifs, 'docker0').addresses.find((x) => x.family === 'inet');
    assert.deepEqual(a, { family: 'inet', address: '172.17.0.1', prefixLen: 16, scope: 'global', broadcast: '172.17.255.255' });
    assert.ok(byName(ifs, 'lo').addresses.some((x) => x.family === 'inet6' && x.address === '::1' && x.prefixLen === 128));
  });

  it("sees a macvlan container's eth0 as macvlan in bridge mode whose parent is the host's nlh-mvp0", () => {
    const facts = parseNetnsBatch(hostFixture('nsenter-nlh-mac-batch.txt'), 'nsenter');
    assert.ok(facts.interfaces.known);
    const eth0 = byName(facts.interfaces.value, 'eth0');
    assert.equal(eth0.kind, 'macvlan');
    assert.equal(eth0.details.mode, 'bridge');
    assert.equal(eth0.linkIndex, byName(ifs, 'nlh-mvp0').index);
    assert.equal(eth0.addresses[0]?.address, lab.containers['nlh-mac'].ip);
  });

  it('fails with PARSE quoting the record when a field has an unseen shape', () => {
    const bad = JSON.stringify([{ ifindex: 'one', ifname: 'x', mtu: 1500 }]);
    assert.throws(() => parseIpAddrOutput(bad), (e: unknown) => e instanceof NetlensError && e.code === 'PARSE' && /"ifindex"/.test(e.message) && e.message.includes('"one"'));
    assert.throws(() => parseIpAddrOutput('Option "-json" is unknown'), (e: unknown) => e instanceof NetlensError && e.code === 'PARSE' && e.message.includes('Option "-json" is unknown'));
  });
});

describe('host: ip addr text (iproute2 and busybox)', () => {
  const json = parseIpAddrOutput(hostFixture('ip-addr.json'));
  const netnsIds = new Map((JSON.parse(hostFixture('netns-list.json')) as { name: string; id: number }[]).map((n) => [n.name, n.id]));

  for (const file of ['ip-addr.txt', 'busybox-ip-addr.txt']) {
    it(`${file} gives the same interfaces, indexes, MACs, MTUs, peers and addresses as the JSON`, () => {
      const text = parseIpAddrText(hostFixture(file));
      assert.deepEqual(text.map((i) => i.name), json.map((i) => i.name));
      for (const t of text) {
        const j = byName(json, t.name);
        assert.equal(t.index, j.index, t.name);
        assert.equal(t.mtu, j.mtu, t.name);
        assert.equal(t.mac, j.mac, t.name);
        // busybox adds flags of its own (M-DOWN); every flag iproute2 reports must be there
        if (file.startsWith('busybox')) for (const f of j.flags) assert.ok(t.flags.includes(f), `${t.name} lacks ${f}`);
        else assert.deepEqual(t.flags, j.flags, t.name);
        assert.equal(t.master, j.master, t.name);
        // iproute2 text names a named netns (`link-netns nlw-RED`) instead of giving its id
        const namedNs = t.details.linkNetns;
        if (typeof namedNs === 'string') assert.equal(j.linkNetnsId, netnsIds.get(namedNs), t.name);
        // busybox prints no link-netnsid at all
        else if (!file.startsWith('busybox')) assert.equal(t.linkNetnsId, j.linkNetnsId, t.name);
        else assert.equal(t.linkNetnsId, null, t.name);
        // `name@ifN` carries the iflink only when it is an index; `nlh-mvp0@nlh-mvp1` names it
        if (t.linkIndex !== null) assert.equal(t.linkIndex, j.linkIndex, t.name);
        assert.deepEqual(
          t.addresses.map((a) => `${a.address}/${a.prefixLen} ${a.scope} ${a.broadcast}`),
          j.addresses.map((a) => `${a.address}/${a.prefixLen} ${a.scope} ${a.broadcast}`),
          t.name,
        );
      }
    });
  }

  it('rejects an unseen line with PARSE quoting it', () => {
    const text = hostFixture('ip-addr.txt').replace('    link/loopback', '    frobnicate 7\n    link/loopback');
    assert.throws(() => parseIpAddrText(text), (e: unknown) => e instanceof NetlensError && e.code === 'PARSE' && e.message.includes('frobnicate 7'));
  });
});
