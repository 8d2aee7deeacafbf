import { strict as assert } from 'node:assert';
import { rmSync } from 'node:fs';
import { collectHostFacts } from '../../../src/core/host/collect';
import { createLocalShell } from '../../../src/core/host/shell';
import type { HostFacts, NetInterface } from '../../../src/core/host/types';
import { containerId, containerIflink, containerPid, docker, run } from '../../support/lab';
import { buildHostTestLab, removeHostTestLab } from './hostLab';
import { pathWithout } from '../../support/pathWithout';
import type { HostTestLab } from './hostLab';

function value<T>(k: { known: true; value: T } | { known: false; reason: string }, what: string): T {
  if (!k.known) assert.fail(`${what} unknown: ${k.reason}`);
  return k.value;
}

describe('host integration: collectHostFacts on this machine (local shell)', function () {
  this.timeout(120_000);
  let lab: HostTestLab;
  let facts: HostFacts;

  before(async () => {
    lab = await buildHostTestLab();
    facts = await collectHostFacts(createLocalShell());
  });
  after(() => removeHostTestLab());

  it('takes one round trip and says where it ran', () => {
    assert.equal(facts.roundTrips, 1);
    assert.equal(facts.target, 'local');
    assert.equal(facts.transport, 'local');
    assert.ok(facts.elapsedMs > 0 && facts.elapsedMs < 10_000, `elapsed ${facts.elapsedMs}`);
    assert.equal(value(facts.hostname, 'hostname'), run('cat', ['/proc/sys/kernel/hostname']));
  });

  it("finds each container's host veth where the kernel says: the ifindex of the container eth0's iflink", () => {
    const interfaces = value(facts.interfaces, 'interfaces');
    const netns = value(facts.containerNetns, 'containerNetns');
    for (const name of lab.containers) {
      const iflink = containerIflink(name);
      const veth = interfaces.find((i) => i.index === iflink);
      assert.ok(veth, `${name}: no host interface with ifindex ${iflink}`);
      assert.equal(veth.kind, 'veth');
      assert.equal(veth.master, 'docker0');
      const ns = netns[containerId(name)];
      assert.ok(ns, `${name}: no containerNetns for ${containerId(name)}`);
      assert.equal(ns.pid, containerPid(name));
      const eth0 = value(ns.interfaces, `${name} interfaces`).find((i: NetInterface) => i.name === 'eth0');
      assert.equal(eth0?.linkIndex, iflink);
      assert.equal(eth0?.addresses.find((a) => a.family === 'inet')?.address, docker('inspect', '-f', '{{.NetworkSettings.Networks.bridge.IPAddress}}', name));
      assert.equal(eth0?.index, veth.linkIndex, `${name}: the host veth's peer index is the container's eth0`);
      const ports = value(facts.bridgePorts, 'bridgePorts');
      assert.ok(ports.some((p) => p.ifindex === iflink && p.master === 'docker0' && p.state === 'forwarding'));
    }
  });

  it('lists the named netns with their ids and addresses', () => {
    const named = value(facts.namedNetns, 'namedNetns');
    const ids = JSON.parse(run('ip', ['-json', 'netns', 'list'])) as { name: string; id?: number }[];
    for (const [ns, address] of Object.entries(lab.netns)) {
      const n = named.find((x) => x.name === ns);
      assert.ok(n, `${ns} missing`);
      assert.equal(n.id, ids.find((x) => x.name === ns)?.id ?? null);
      const addresses = value(n.interfaces, `${ns} interfaces`).flatMap((i) => i.addresses.map((a) => a.address));
      assert.ok(addresses.includes(address), `${ns}: ${addresses.join(' ')}`);
      assert.ok(value(n.routes, `${ns} routes`).some((r) => r.dst === '10.157.21.0/24'));
    }
  });

  it('docker-proxy entries equal what `docker port` says', () => {
    const proxies = value(facts.dockerProxies, 'dockerProxies').filter((p) => p.hostPort === lab.port);
    const fromDocker = docker('port', `${lab.containers[0]}`)
      .split('\n')
      .map((l) => l.trim())
      .sort();
    const ours = proxies.map((p) => `${p.containerPort}/${p.proto} -> ${p.hostIp === '::' ? '[::]' : p.hostIp}:${p.hostPort}`).sort();
    const normalised = fromDocker.map((l) => l.replace(/-> :::(\d+)$/, '-> [::]:$1'));
    assert.deepEqual(ours, normalised);
  });

  it('raw netfilter text, iptables version and sysctls are there', () => {
    assert.match(value(facts.iptablesSave, 'iptablesSave'), /^:DOCKER - \[/m);
    assert.match(value(facts.iptablesVersion, 'iptablesVersion'), /^iptables v\d/);
    assert.ok(value(facts.nftRuleset, 'nftRuleset').startsWith('{"nftables"'));
    assert.equal(value(facts.sysctls, 'sysctls')['net.ipv4.ip_forward'], run('cat', ['/proc/sys/net/ipv4/ip_forward']));
    // route_localnet of every interface, e.g. docker0's, which decides loopback DNAT without docker-proxy
    assert.equal(
      value(facts.sysctls, 'sysctls')['net.ipv4.conf.docker0.route_localnet'],
      run('cat', ['/proc/sys/net/ipv4/conf/docker0/route_localnet']),
    );
  });

  it('a missing host command leaves only its fact unknown, with a reason naming it', async () => {
    const dir = pathWithout(['bridge', 'brctl', 'nft', 'grep']);
    try {
      const partial = await collectHostFacts(createLocalShell({ env: { PATH: dir } }));
      assert.ok(!partial.bridgePorts.known);
      assert.match(partial.bridgePorts.reason, /bridge/);
      assert.match(partial.bridgePorts.reason, /not found/);
      assert.ok(!partial.nftRuleset.known);
      assert.equal(partial.nftRuleset.reason, 'nft not found on the host (command -v), needed for nft-ruleset');
      // without grep only the socket tables are unread: who listens becomes unknown, nothing else
      assert.ok(partial.listeners && !partial.listeners.known);
      assert.match(partial.listeners.reason, /grep/);
      for (const k of ['interfaces', 'routes', 'neighbours', 'iptablesSave', 'namedNetns', 'dockerProxies', 'containerNetns'] as const) {
        assert.ok(partial[k].known, `${k} should stay known`);
      }
      assert.equal(partial.roundTrips, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without nsenter, container namespaces come from /proc and still point at the same host veths', async () => {
    const dir = pathWithout(['nsenter']);
    try {
      const partial = await collectHostFacts(createLocalShell({ env: { PATH: dir } }));
      const netns = value(partial.containerNetns, 'containerNetns');
      for (const name of lab.containers) {
        const eth0 = value(netns[containerId(name)]!.interfaces, name).find((i) => i.name === 'eth0');
        assert.equal(eth0?.linkIndex, containerIflink(name));
        assert.equal(eth0?.details.source, '/proc and /sys (nsenter unavailable)');
      }
      // only nsenter was taken away: bridge ports still come from `bridge -json`, with their state
      assert.ok(value(partial.bridgePorts, 'bridgePorts').every((p) => p.state !== 'unknown'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
