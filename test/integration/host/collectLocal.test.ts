import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectHostFacts, collectHostListeners, hostCommands, readHost } from '../../../src/core/host/collect';
import { runBatch, type BatchSection } from '../../../src/core/host/batch';
import { listenersNotRead } from '../../../src/core/host/commands/containerListeners';
import { createEngineNamespaceShell } from '../../../src/core/host/engineNamespace';
import { createLocalShell, type HostShell } from '../../../src/core/host/shell';
import type { HostFacts, NetInterface } from '../../../src/core/host/types';
import { execFileSync } from 'node:child_process';
import { IMAGE, containerId, containerIflink, containerPid, docker, freePort, hostLinks, removeLab, requireRealEngine, run } from '../../support/lab';
import { parseNetnsBatch } from '../../../src/core/host/commands/netnsBatch';
import { disagreements } from '../../support/netnsAgreement';
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

  it("the engine's own shell looks the engine up before composing its first batch: no RootlessKit read for a rootful engine", async () => {
    const shell = createEngineNamespaceShell('/var/run/docker.sock');
    try {
      const { facts: first, sections } = await readHost(shell, { containerListeners: false });
      assert.equal(shell.rootlessKit, 'no');
      assert.ok(!sections.has('rootlesskit'), `sections read: ${[...sections.keys()].join(' ')}`);
      assert.deepEqual(first.rootlessKit, { known: true, value: null }, 'not read, and known not to be there');
      assert.equal(first.roundTrips, 1);
    } finally {
      await shell.dispose();
    }
  });

  it("a refresh leaves the host's listeners to be read when asked, and collectHostListeners reads them as a whole read does", async () => {
    const shell = createLocalShell();
    try {
      const { facts: refresh, sections } = await readHost(shell, { containerListeners: false });
      assert.ok(!sections.has('listeners'), `sections read: ${[...sections.keys()].join(' ')}`);
      assert.ok(listenersNotRead(refresh.listeners), JSON.stringify(refresh.listeners));
      const asked = value(await collectHostListeners(shell), "the host's listeners");
      // the published port's docker-proxy listens on the host, in the whole read and in the one asked for
      for (const listeners of [asked, value(facts.listeners!, 'listeners')]) {
        assert.ok(listeners.some((l) => l.protocol === 'tcp' && l.port === lab.port), JSON.stringify(listeners));
      }
    } finally {
      await shell.dispose();
    }
  });

  it('hands out every section as it arrives, and a read parsed so equals one parsed at the end', async () => {
    const shell = createLocalShell();
    try {
      const commands = hostCommands({ containerListeners: false });
      const handed: [string, BatchSection][] = [];
      const batch = await runBatch(shell, commands, undefined, (name, section) => handed.push([name, section]));
      // in the order they come: lane after lane (a whole read holds the second: HOST_COMMANDS)
      assert.deepEqual(
        handed.map(([n]) => n),
        // a command that reads for several sections hands out those (BatchCommand.splits)
        [...commands].sort((a, b) => (a.lane ?? 0) - (b.lane ?? 0)).flatMap((c) => c.splits?.names ?? [c.name]),
      );
      assert.deepEqual(handed.slice(0, 4).map(([n]) => n), ['container-netns', 'ip-neigh', 'ip-route', 'ip-addr']);
      for (const [name, section] of handed) assert.equal(batch.sections.get(name), section, name);
    } finally {
      await shell.dispose();
    }
    // a shell that reports no progress (another target: parses of its own) parses everything at the end
    const plain = createLocalShell();
    const atTheEnd: HostShell = { target: 'local (no progress)', transport: 'local', run: (script, signal) => plain.run(script, signal), dispose: () => plain.dispose() };
    try {
      const later = await collectHostFacts(atTheEnd);
      const netns = value(facts.containerNetns, 'containerNetns');
      const netnsLater = value(later.containerNetns, 'containerNetns (no progress)');
      for (const name of lab.containers) {
        const [a, b] = [netns[containerId(name)], netnsLater[containerId(name)]];
        assert.ok(a && b, name);
        assert.deepEqual(value(a.interfaces, name), value(b.interfaces, name), `${name}: interfaces`);
        assert.deepEqual(value(a.routes, name), value(b.routes, name), `${name}: routes`);
      }
      const names = (f: HostFacts) => value(f.interfaces, 'interfaces').map((i) => `${i.index} ${i.name}`);
      assert.deepEqual(names(later), names(facts));
    } finally {
      await atTheEnd.dispose();
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
      // bridge ports come from ip's -details, which needs neither bridge nor brctl
      assert.ok(partial.bridgePorts.known, !partial.bridgePorts.known ? partial.bridgePorts.reason : '');
      assert.ok(!partial.nftRuleset.known);
      assert.equal(partial.nftRuleset.reason, 'nft not found on the host (command -v), needed for nft-ruleset');
      // without grep only the socket tables are unread: who listens becomes unknown, nothing else
      assert.ok(partial.listeners && !partial.listeners.known);
      assert.match(partial.listeners.reason, /grep/);
      for (const k of ['interfaces', 'routes', 'neighbours', 'bridgePorts', 'iptablesSave', 'namedNetns', 'dockerProxies', 'containerNetns'] as const) {
        assert.ok(partial[k].known, `${k} should stay known`);
      }
      assert.equal(partial.roundTrips, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a process scan that fails once (a process ended while awk read it) runs again, and only the second counts', async () => {
    // this machine's awk, behind a wrapper that fails the first time as mawk does on ESRCH
    const dir = mkdtempSync(join(tmpdir(), 'nl-awk-once-'));
    const real = execFileSync('sh', ['-c', 'command -v awk'], { encoding: 'utf8' }).trim();
    writeFileSync(join(dir, 'awk'), `#!/bin/sh\nif [ ! -e '${dir}/failed' ]; then : > '${dir}/failed'; cat >/dev/null; echo 'awk: read error (No such process)' >&2; exit 2; fi\nexec '${real}' "$@"\n`, { mode: 0o755 });
    try {
      const shell = createLocalShell({ env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? '/usr/bin:/bin'}` } });
      try {
        const again = await collectHostFacts(shell);
        assert.ok(existsSync(join(dir, 'failed')), 'the first scan failed');
        const netns = value(again.containerNetns, 'containerNetns after a retry');
        for (const name of lab.containers) assert.equal(netns[containerId(name)]?.pid, containerPid(name), name);
        assert.deepEqual(Object.keys(netns).sort(), Object.keys(value(facts.containerNetns, 'containerNetns')).sort());
      } finally {
        await shell.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without nsenter, container namespaces on a bridge are read whole from the host side, pointing at the same host veths', async () => {
    const dir = pathWithout(['nsenter']);
    try {
      const partial = await collectHostFacts(createLocalShell({ env: { PATH: dir } }));
      const netns = value(partial.containerNetns, 'containerNetns');
      for (const name of lab.containers) {
        assert.equal(netns[containerId(name)]!.source, 'proc');
        const eth0 = value(netns[containerId(name)]!.interfaces, name).find((i) => i.name === 'eth0');
        assert.equal(eth0?.linkIndex, containerIflink(name));
        assert.equal(eth0?.kind, 'veth');
      }
      // only nsenter was taken away: bridge ports still come from `bridge -json`, with their state
      assert.ok(value(partial.bridgePorts, 'bridgePorts').every((p) => p.state !== 'unknown'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('host integration: the host-side read of container namespaces agrees with nsenter + ip', function () {
  this.timeout(120_000);
  const P = 'nlh-fast';
  let facts: HostFacts;

  before(async () => {
    requireRealEngine();
    removeLab(P);
    // one container of each shape: a user bridge with IPv6, a publish, none, host, container:, macvlan
    docker('network', 'create', '--ipv6', '--subnet', '172.30.207.0/24', '--subnet', 'fd00:207::/64', `${P}-net6`);
    docker('run', '-d', '--name', `${P}-v6`, '--network', `${P}-net6`, '--sysctl', 'net.ipv6.conf.all.disable_ipv6=0', IMAGE, 'httpd', '-f', '-p', '8080', '-h', '/www');
    docker('run', '-d', '--name', `${P}-web`, '-p', `127.0.0.1:${await freePort()}:80`, IMAGE, 'httpd', '-f', '-p', '80', '-h', '/www');
    docker('run', '-d', '--name', `${P}-none`, '--network', 'none', IMAGE, 'sleep', '600');
    docker('run', '-d', '--name', `${P}-host`, '--network', 'host', IMAGE, 'sleep', '600');
    docker('run', '-d', '--name', `${P}-side`, '--network', `container:${P}-web`, IMAGE, 'sleep', '600');
    run('ip', ['link', 'add', `${P}mv0`, 'type', 'veth', 'peer', 'name', `${P}mv1`]);
    run('ip', ['link', 'set', `${P}mv0`, 'up']);
    docker('network', 'create', '-d', 'macvlan', '--subnet', '192.168.207.0/24', '-o', `parent=${P}mv0`, `${P}-mac`);
    docker('run', '-d', '--name', `${P}-mac`, '--network', `${P}-mac`, IMAGE, 'sleep', '600');
    // IPv6 duplicate address detection: the kernel adds a new address's local route only when it is
    // no longer tentative; both reads must see the namespace after that, not either side of it
    const v6pid = containerPid(`${P}-v6`);
    for (let i = 0; i < 50 && run('nsenter', ['-t', String(v6pid), '-n', 'ip', '-6', 'addr', 'show', 'tentative']) !== ''; i++) await new Promise((r) => setTimeout(r, 100));
    facts = await collectHostFacts(createLocalShell());
  });
  after(() => removeLab(P));

  const inside = (pid: number) => {
    const out = execFileSync('nsenter', ['-t', String(pid), '-n', 'ip', '-json', '-d', '-batch', '-'], { input: 'addr show\nroute show table all\nneigh show\n' }).toString();
    return parseNetnsBatch(out, `nsenter -t ${pid} -n ip`);
  };

  for (const shape of ['v6', 'web', 'none'] as const) {
    it(`${shape}: read from the host side, every fact the model uses equal to ip's from inside`, () => {
      const ns = value(facts.containerNetns, 'containerNetns')[containerId(`${P}-${shape}`)];
      assert.ok(ns, 'not found');
      assert.equal(ns.source, 'proc');
      assert.deepEqual(disagreements(ns, inside(ns.pid)), []);
    });
  }

  it('macvlan: not a veth to the host, so read by nsenter + ip (kind macvlan, parent as iflink)', () => {
    const ns = value(facts.containerNetns, 'containerNetns')[containerId(`${P}-mac`)];
    assert.equal(ns?.source, 'nsenter');
    const eth0 = value(ns!.interfaces, 'mac').find((i) => i.name === 'eth0');
    assert.equal(eth0?.kind, 'macvlan');
    assert.equal(eth0?.linkIndex, hostLinks().find((l) => l.ifname === `${P}mv0`)?.ifindex);
  });

  it("--network host gets the host's facts, container: its owner's, each under its own PID", () => {
    const netns = value(facts.containerNetns, 'containerNetns');
    const host = netns[containerId(`${P}-host`)];
    assert.equal(host?.source, 'host');
    assert.equal(host?.pid, containerPid(`${P}-host`));
    assert.equal(host?.interfaces, facts.interfaces);
    const side = netns[containerId(`${P}-side`)];
    assert.equal(side?.source, 'shared');
    assert.equal(side?.pid, containerPid(`${P}-side`));
    assert.deepEqual(side?.interfaces, netns[containerId(`${P}-web`)]?.interfaces);
  });

  it('every namespace on this machine that the read called complete agrees with ip from inside', async () => {
    // other engineers' containers too: whatever shape they have, a namespace read from /proc alone
    // must agree. Neighbour tables move between two reads; a container that just started may still
    // be settling (IPv6 DAD), so a disagreement is read again, both sides, before it counts.
    const compare = (all: HostFacts) => {
      const out = new Map<string, string[]>();
      for (const ns of Object.values(value(all.containerNetns, 'containerNetns'))) {
        if (ns.source !== 'proc') continue;
        let fromIp;
        try {
          fromIp = inside(ns.pid);
        } catch {
          continue; // gone since the snapshot
        }
        out.set(ns.containerId, disagreements(ns, fromIp).filter((x) => !x.startsWith('neighbours')));
      }
      return out;
    };
    const first = compare(facts);
    assert.ok(first.size >= 3, `only ${first.size} namespaces checked`);
    const suspects = [...first].filter(([, d]) => d.length > 0).map(([id]) => id);
    if (suspects.length === 0) return;
    await new Promise((r) => setTimeout(r, 1000));
    const again = compare(await collectHostFacts(createLocalShell()));
    for (const id of suspects) if (again.has(id)) assert.deepEqual(again.get(id), [], id);
  });
});
