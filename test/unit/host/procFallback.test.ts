import { strict as assert } from 'node:assert';
import {
  interfacesFromProc,
  parseFibTrie,
  parseIfInet6,
  parseProcNetArp,
  parseProcNetDev,
  parseProcNetIpv6Route,
  parseProcNetRoute,
  parseSysClassNet,
} from '../../../src/core/host/commands/procNet';
import { parseNetnsBatch } from '../../../src/core/host/commands/netnsBatch';
import { parseIpAddrOutput } from '../../../src/core/host/commands/ipAddr';
import { parseIpRouteOutput } from '../../../src/core/host/commands/ipRoute';
import { NetlensError } from '../../../src/core/errors';
import { hostFixture, hostLab } from '../../support/hostFixtures';

const isParse = (needle: string) => (e: unknown) => e instanceof NetlensError && e.code === 'PARSE' && e.message.includes(needle);

describe('host: /proc and /sys fallback for a container namespace', () => {
  const lab = hostLab().containers['nlh-web'];
  const routes = parseProcNetRoute(hostFixture('proc-web-route.txt'));
  const ifs = interfacesFromProc(
    parseSysClassNet(hostFixture('sys-web-class-net.txt')),
    routes,
    parseFibTrie(hostFixture('proc-web-fib_trie.txt')),
    parseIfInet6(hostFixture('proc-web-if_inet6.txt')),
  );
  const viaNsenter = parseNetnsBatch(hostFixture('nsenter-nlh-web-batch.txt'), 'nsenter');

  it("gives eth0 the iflink docker inspect + /proc named, and the container's address", () => {
    const eth0 = ifs.find((i) => i.name === 'eth0');
    assert.equal(eth0?.linkIndex, lab.hostVethIfindex);
    assert.deepEqual(eth0?.addresses.map((a) => `${a.address}/${a.prefixLen} brd ${a.broadcast}`), [`${lab.ip}/16 brd 172.17.255.255`]);
  });

  it('agrees with what nsenter + ip -json saw: names, indexes, MACs, MTUs, state, IPv4 addresses', () => {
    assert.ok(viaNsenter.interfaces.known);
    const key = (i: (typeof ifs)[number]) =>
      `${i.index} ${i.name} ${i.mac} ${i.mtu} ${i.state} ${i.kind === 'loopback'} ${i.linkIndex} ${i.addresses.filter((a) => a.family === 'inet').map((a) => `${a.address}/${a.prefixLen}/${a.broadcast}`)}`;
    assert.deepEqual(ifs.map(key), viaNsenter.interfaces.value.map(key));
  });

  it("agrees with nsenter on the main table's IPv4 routes", () => {
    assert.ok(viaNsenter.routes.known);
    const main = viaNsenter.routes.value.filter((r) => r.table === 'main' && r.family === 'inet');
    const key = (r: (typeof routes)[number]) => `${r.dst} ${r.gateway} ${r.dev}`;
    assert.deepEqual(routes.map(key), main.map(key));
  });

  it('lists the interface names /proc/net/dev holds', () => {
    assert.deepEqual(parseProcNetDev(hostFixture('proc-web-dev.txt')).sort(), ifs.map((i) => i.name).sort());
  });
});

describe("host: /proc fallback parsers on the host's own namespace", () => {
  const ipAddr = parseIpAddrOutput(hostFixture('ip-addr.json'));
  const ipRoutes = parseIpRouteOutput(hostFixture('ip-route-4.json') + hostFixture('ip-route-6.json'));

  it('/proc/net/route: default route and docker0 subnet as ip route has them', () => {
    const r = parseProcNetRoute(hostFixture('proc-host-route.txt'));
    const key = (x: { dst: string; gateway: string | null; dev: string | null }) => `${x.dst} ${x.gateway} ${x.dev}`;
    for (const want of ipRoutes.filter((x) => x.family === 'inet' && x.table === 'main' && (x.dst === 'default' || x.dev === 'docker0'))) {
      assert.ok(r.map(key).includes(key(want)), key(want));
    }
  });

  it('/proc/net/ipv6_route: decodes addresses, hides the kernel null entry, marks local routes', () => {
    const r = parseProcNetIpv6Route(hostFixture('proc-host-ipv6_route.txt'));
    assert.ok(r.some((x) => x.dst === 'fd00::/64' && x.dev === 'eth0' && x.table === 'main'));
    assert.ok(r.some((x) => x.dst === '::1/128' && x.type === 'local' && x.table === 'local'));
    assert.ok(!r.some((x) => x.type === 'unreachable' && x.dst === 'default'));
    const fromIp = ipRoutes.filter((x) => x.family === 'inet6' && x.dst === 'fd00::/64').map((x) => x.metric);
    assert.deepEqual(r.filter((x) => x.dst === 'fd00::/64').map((x) => x.metric), fromIp);
  });

  it('/proc/net/if_inet6: the same IPv6 addresses ip -json addr shows for eth0 and docker0', () => {
    const v6 = parseIfInet6(hostFixture('proc-host-if_inet6.txt'));
    for (const dev of ['eth0', 'docker0', 'lo']) {
      const want = ipAddr.find((i) => i.name === dev)?.addresses.filter((a) => a.family === 'inet6').map((a) => `${a.address}/${a.prefixLen} ${a.scope}`).sort();
      const got = v6.filter((a) => a.dev === dev).map((a) => `${a.address.address}/${a.address.prefixLen} ${a.address.scope}`).sort();
      assert.deepEqual(got, want, dev);
    }
  });

  it('/proc/net/arp: complete entries carry their MAC', () => {
    const arp = parseProcNetArp(hostFixture('proc-host-arp.txt'));
    assert.deepEqual(arp.find((n) => n.dst === '192.0.2.1'), { dst: '192.0.2.1', dev: 'eth0', lladdr: '02:fc:00:00:00:05', state: ['COMPLETE'] });
  });

  it("/proc/net/fib_trie: every host-side IPv4 address ip addr lists is a LOCAL /32 leaf", () => {
    const locals = new Set(parseFibTrie(hostFixture('proc-host-fib_trie.txt')).filter((e) => e.type === 'LOCAL' && e.prefixLen === 32).map((e) => e.address));
    for (const want of ['127.0.0.1', '192.0.2.2', '172.17.0.1']) assert.ok(locals.has(want), want);
  });

  it('each parser rejects output it has never seen with PARSE quoting the line', () => {
    assert.throws(() => parseProcNetRoute('Iface Dest\n'), isParse('Iface Dest'));
    assert.throws(() => parseProcNetRoute(hostFixture('proc-web-route.txt') + 'eth0\tZZ\n'), isParse('eth0\tZZ'));
    assert.throws(() => parseProcNetIpv6Route('fe80 40\n'), isParse('fe80 40'));
    assert.throws(() => parseProcNetArp('IP address HW type\n'), isParse('IP address HW type'));
    assert.throws(() => parseFibTrie(hostFixture('proc-web-fib_trie.txt') + '   ?? odd\n'), isParse('?? odd'));
    assert.throws(() => parseIfInet6('zz 01\n'), isParse('zz 01'));
    assert.throws(() => parseProcNetDev('nonsense\n'), isParse('nonsense'));
    assert.throws(() => parseSysClassNet('eth0\n'), isParse('eth0'));
  });
});
