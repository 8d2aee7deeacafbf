import { strict as assert } from 'node:assert';
import { parseBatch } from '../../../src/core/host/batch';
import { parseContainerNetns } from '../../../src/core/host/commands/containerNetns';
import { PROCESS_NETNS_AWK, parseNetnsRead } from '../../../src/core/host/commands/netnsRead';
import { CONTAINER_LISTENERS_AWK, LISTENERS_NOT_READ, containerListenersCommand, listenersNotRead, parseContainerListeners } from '../../../src/core/host/commands/containerListeners';
import { parseNetnsBatch } from '../../../src/core/host/commands/netnsBatch';
import { NetlensError } from '../../../src/core/errors';
import { fastLab, hostFixture } from '../../support/hostFixtures';
import { disagreements } from '../../support/netnsAgreement';

/** test/fixtures/host/fast: the lab in lab.sh, recorded by capture.sh on this machine (see ../README.md). */
const fast = (name: string) => hostFixture(`fast/${name}`);
const { lab, section, host } = fastLab();
const processes = section('container-netns');
const readText = processes.parts.find((p) => p.name === 'netns')?.text ?? '';
const c = (name: string) => lab.containers[name]!;

describe('host: every container namespace read from the host side in one pass (recorded)', () => {
  const reads = parseNetnsRead(readText);
  const read = (name: string) => reads.find((r) => r.containerId === c(name).id);
  const netns = parseContainerNetns(processes.parts, host);
  const viaIp = (name: string) => parseNetnsBatch(fast(`nsenter-${name}.txt`), `nsenter ${name}`);

  it('finds each lab container by its id and init PID', () => {
    for (const name of Object.keys(lab.containers)) assert.equal(read(name)?.pid, c(name).pid, name);
  });

  it('proves eth0 a veth paired with a host veth, lo the loopback, and calls those namespaces complete', () => {
    for (const name of ['nlf-web', 'nlf-v6']) {
      const r = read(name)!;
      assert.equal(r.incomplete, null, `${name}: ${r.incomplete}`);
      assert.deepEqual([...r.kinds], [['lo', 'loopback'], ['eth0', 'veth']]);
      assert.ok(r.netnsid !== null);
    }
    assert.deepEqual([...read('nlf-none')!.kinds], [['lo', 'loopback']]);
    assert.equal(read('nlf-none')!.incomplete, null);
  });

  it("a macvlan child is no veth to the host: that namespace is left to nsenter, and ip's answer is used", () => {
    assert.match(read('nlf-mac')!.incomplete ?? '', /eth0 is neither the loopback nor a veth/);
    const mac = netns[c('nlf-mac').id]!;
    assert.equal(mac.source, 'nsenter');
    assert.ok(mac.interfaces.known);
    assert.equal(mac.interfaces.value.find((i) => i.name === 'eth0')?.kind, 'macvlan');
    assert.deepEqual(disagreements(mac, viaIp('nlf-mac')), []);
  });

  for (const name of ['nlf-web', 'nlf-v6', 'nlf-none']) {
    it(`${name}: interfaces (IPv6 too), routes and neighbours agree with nsenter + ip -json in the same namespace`, () => {
      const ns = netns[c(name).id]!;
      assert.equal(ns.source, 'proc');
      assert.deepEqual(disagreements(ns, viaIp(name)), []);
    });
  }

  it('nlf-v6: its IPv6 address and routes are read, not only IPv4', () => {
    const ns = netns[c('nlf-v6').id]!;
    assert.ok(ns.interfaces.known && ns.routes.known);
    assert.deepEqual(ns.interfaces.value.find((i) => i.name === 'eth0')?.addresses.map((a) => `${a.address}/${a.prefixLen}`), ['172.30.157.2/24', 'fd00:157::2/64', 'fe80::42:acff:fe1e:9d02/64']);
    assert.ok(ns.routes.value.some((r) => r.family === 'inet6' && r.dst === 'default' && r.gateway === 'fd00:157::1' && r.dev === 'eth0'));
  });

  it('listeners come from the same read: httpd on 80 in nlf-web, on 8080 in nlf-v6', () => {
    const ports = (name: string) => {
      const l = netns[c(name).id]?.listeners;
      assert.ok(l?.known, name);
      return l.value.map((x) => `${x.protocol} ${x.port}`);
    };
    assert.ok(ports('nlf-web').includes('tcp 80'));
    assert.ok(ports('nlf-v6').includes('tcp 8080'));
    assert.deepEqual(ports('nlf-none'), []);
  });

  it('--network host: the host namespace, recognised by its inode and given the host facts', () => {
    assert.equal(read('nlf-host')?.kind, 'host');
    const ns = netns[c('nlf-host').id]!;
    assert.equal(ns.source, 'host');
    assert.equal(ns.interfaces, host.interfaces);
    assert.equal(ns.listeners, host.listeners);
  });

  it("--network container:nlf-web: read once, the sharer gets its owner's facts under its own PID", () => {
    assert.equal(read('nlf-side')?.kind, 'shared');
    assert.equal(read('nlf-side')?.ownerPid, c('nlf-web').pid);
    const side = netns[c('nlf-side').id]!;
    assert.equal(side.pid, c('nlf-side').pid);
    assert.equal(side.interfaces, netns[c('nlf-web').id]!.interfaces);
  });

  it('without nsenter output for an incomplete namespace, /proc still gives its interfaces, marked as a fallback', () => {
    const parts = processes.parts.filter((p) => !p.name.startsWith(`ctr:${c('nlf-mac').id}:`));
    const withError = [...parts, { name: `ctr:${c('nlf-mac').id}:${c('nlf-mac').pid}:nsenter`, text: '' }, { name: `ctr:${c('nlf-mac').id}:${c('nlf-mac').pid}:nsenter-error`, text: 'nsenter: Operation not permitted\n' }];
    const mac = parseContainerNetns(withError, host)[c('nlf-mac').id]!;
    assert.equal(mac.source, 'proc-fallback');
    assert.ok(mac.interfaces.known);
    const eth0 = mac.interfaces.value.find((i) => i.name === 'eth0');
    assert.equal(eth0?.kind, 'other');
    assert.equal(eth0?.addresses[0]?.address, '192.168.158.2');
    assert.match(String(eth0?.details.source), /nsenter/);
  });

  it('rejects records it has never seen with PARSE quoting the line', () => {
    const isParse = (needle: string) => (e: unknown) => e instanceof NetlensError && e.code === 'PARSE' && e.message.includes(needle);
    assert.throws(() => parseNetnsRead('12 route Iface\n'), isParse('12 route Iface'));
    assert.throws(() => parseNetnsRead(`N 12 ${'a'.repeat(64)} 1 -\n12 bogus x\n`), isParse('12 bogus x'));
    assert.throws(() => parseNetnsRead('N 12 nothex 1 -\n'), isParse('N 12 nothex'));
    assert.throws(() => parseNetnsRead('? 12\n'), isParse('? 12'));
  });

  it('the netnsid comes in an I record at the end; recordings before it carried it in the N record', () => {
    const id = 'a'.repeat(64);
    assert.equal(parseNetnsRead(`N 12 ${id} 4026532184 -\nI 12 7\nF 12 ${id}\n`)[0]?.netnsid, 7);
    assert.equal(parseNetnsRead(`N 12 ${id} 4026532184 7\nF 12 ${id}\n`)[0]?.netnsid, 7);
    assert.equal(parseNetnsRead(`N 12 ${id} 4026532184 -\nF 12 ${id}\n`)[0]?.netnsid, null);
    assert.throws(() => parseNetnsRead(`N 12 ${id} 1 -\nI 12 x\n`), (e: unknown) => e instanceof NetlensError && e.message.includes('I 12 x'));
  });

  it('a namespace whose read never finished is incomplete, not complete', () => {
    const [r] = parseNetnsRead(`N 12 ${'a'.repeat(64)} 1 -\n12 dev lo\n`);
    assert.equal(r?.incomplete, 'the read of this namespace did not finish');
  });

  it('a refresh that leaves socket tables out: listeners not read, every other fact the same', () => {
    const withoutSockets = processes.parts.map((p) => (p.name === 'netns' ? { ...p, text: p.text.split('\n').filter((l) => !/^\d+ (tcp|tcp6|udp|udp6) /.test(l)).join('\n') } : p));
    const lean = parseContainerNetns(withoutSockets, host);
    for (const name of ['nlf-web', 'nlf-v6', 'nlf-none', 'nlf-mac']) {
      const ns = lean[c(name).id]!;
      assert.ok(listenersNotRead(ns.listeners), name);
      assert.deepEqual({ ...ns, listeners: null }, { ...netns[c(name).id]!, listeners: null });
    }
    // the host's namespace: its listeners are the host's, read by the batch anyway
    assert.equal(lean[c('nlf-host').id]!.listeners, host.listeners);
  });

  it('the scripts pass their awk programs in single quotes: none may hold one', () => {
    assert.ok(!PROCESS_NETNS_AWK.includes("'"));
    assert.ok(!CONTAINER_LISTENERS_AWK.includes("'"));
  });
});

describe('host: listeners of chosen containers, read on demand (recorded)', () => {
  const section = parseBatch(fast('listeners.txt'), lab.delimiter, ['container-listeners']).get('container-listeners')!;
  const read = parseContainerListeners(section, lab.listenerTargets);
  const ports = (name: string) => {
    const l = read[c(name).id];
    assert.ok(l?.known, name);
    return l.value.map((x) => `${x.protocol} ${x.family} ${x.address} ${x.port}`);
  };

  it("each container's own sockets: httpd on [::]:80 in nlf-web, on [::]:8080 in nlf-v6", () => {
    assert.ok(ports('nlf-web').includes('tcp inet6 :: 80'));
    assert.ok(ports('nlf-v6').includes('tcp inet6 :: 8080'));
    assert.ok(!ports('nlf-web').some((p) => p.endsWith(' 8080')));
  });

  it('agrees with the tables the full read took for the same containers', () => {
    const full = parseContainerNetns(parseBatch(fast('batch.txt'), lab.delimiter, ['container-netns']).get('container-netns')!.parts);
    for (const name of ['nlf-web', 'nlf-v6']) assert.deepEqual(read[c(name).id], full[c(name).id]!.listeners, name);
  });

  it('a PID whose namespace is not the one the snapshot saw gives no answer, and says why', () => {
    const l = read[c('nlf-none').id];
    assert.ok(l && !l.known && /no longer in the namespace the snapshot read/.test(l.reason));
  });

  it('only numbers reach the script', () => {
    const script = containerListenersCommand([{ containerId: 'x', pid: 12, netnsInode: 34 }, { containerId: 'y', pid: -1, netnsInode: null }, { containerId: 'z', pid: 7, netnsInode: null }]).script;
    assert.match(script, /^NL_T='12 34\n7 -'$/m);
    assert.equal(LISTENERS_NOT_READ.includes("'"), true, 'the reason is data, never put in a script');
  });
});
