/**
 * The kernel watcher (host/kernelWatch.ts, SessionOptions.kernelWatch) against the real engine and
 * the real kernel: a change made behind netlens' back — an address in a container's namespace, a
 * route in the host's, a link set down — shows in the next refresh without any engine event; a
 * refresh after no change keeps what the watcher vouches for and says so; a killed `ip monitor`
 * means a whole read; disposing the session leaves no `ip monitor` behind (checked in /proc).
 */
import { strict as assert } from 'node:assert';
import { listenersNotRead } from '../../../src/core/host/commands/containerListeners';
import { readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createSession, type Session } from '../../../src/core/session';
import type { ContainerNode, Topology } from '../../../src/core/model/types';
import { hostSheet } from '../../../src/protocol/facts/hostSheets';
import { IMAGE, containerPid, docker, removeLab, requireRealEngine, run } from '../../support/lab';

const P = 'nlkw-';
const NET = `${P}net`;
const VETH = `${P}v0`;
const CHAIN = 'NLKW-CHAIN';
const REFRESH = { containerListeners: false } as const;

function container(t: Topology, name: string): ContainerNode {
  const c = t.containers.find((x) => x.name === name);
  assert.ok(c, `${name} missing from the model`);
  return c;
}

/** What a container's namespace read says, as the views show it (neighbours come and go). */
/**
 * What every read of a container's namespace carries. IPv4 tables other than main are in an nsenter
 * read only, not in the host-side one (/proc has no device for the local table's routes: README),
 * and a namespace read while the container was still starting may have been read by nsenter and
 * then kept: those routes are left out of the comparison, not the others.
 */
function netnsView(c: ContainerNode) {
  return {
    pid: c.pid,
    interfaces: c.interfaces.map((i) => ({ name: i.name, index: i.index, kind: i.kind, addresses: i.addresses.map((a) => `${a.address}/${a.prefixLen}`).sort(), hostPeer: i.hostPeer })),
    routes: c.routes.filter((r) => r.family !== 'inet' || r.table === 'main').map((r) => `${r.dst} ${r.gateway ?? ''} ${r.dev ?? ''}`).sort(),
  };
}

/** The `ip monitor` (or `nft monitor`) processes descending from this test process (their parent chain reaches it). */
function ourMonitors(tool: 'ip' | 'nft' = 'ip'): number[] {
  const parentOf = (pid: number): number | null => {
    try {
      const m = /^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) : null;
    } catch {
      return null;
    }
  };
  const out: number[] = [];
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (argv[0] !== tool || !argv.includes('monitor')) continue;
    for (let p: number | null = Number(d), hops = 0; p && p > 1 && hops < 20; p = parentOf(p), hops++) {
      if (p === process.pid) {
        out.push(Number(d));
        break;
      }
    }
  }
  return out;
}

async function until<T>(what: string, f: () => T | Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v)) return v;
    if (Date.now() > end) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('session: the kernel watcher re-reads only what the kernel says changed (real engine, real namespaces)', function () {
  this.timeout(120_000);
  let session: Session;
  const logs: string[] = [];

  before(async () => {
    requireRealEngine();
    removeLab(P);
    docker('network', 'create', NET);
    for (const n of ['a', 'b']) docker('run', '-d', '--name', `${P}${n}`, '--network', NET, IMAGE, 'sleep', '3600');
    run('ip', ['link', 'add', VETH, 'type', 'veth', 'peer', 'name', `${P}v1`]);
    run('ip', ['link', 'set', VETH, 'up']);
    session = createSession({ kernelWatch: true, log: (level, m) => logs.push(`${level} ${m}`) });
    const first = await session.snapshot(undefined, REFRESH);
    assert.equal(first.host?.kept, undefined, 'the first read keeps nothing');
    assert.ok(logs.some((l) => /kernel watcher: ip monitor subscribed/.test(l)), `the watcher says it runs: ${logs.join(' | ')}`);
  });
  after(async () => {
    await session?.dispose();
    removeLab(P);
    for (const a of [['-F', CHAIN], ['-X', CHAIN]]) spawnSync('iptables', ['-w', ...a], { stdio: 'ignore' });
  });

  it('a refresh with nothing changed keeps what the watcher vouches for, says so, and equals a whole read', async () => {
    // other work on this machine changes the host's links and neighbours now and then: a quiet moment comes soon
    const quiet = await until(
      'a refresh that kept the host addresses and both namespaces',
      () => session.snapshot(undefined, REFRESH),
      (t) => !!t.host?.kept?.sections.includes('ip-addr') && (t.host?.kept?.namespaces ?? 0) >= 2,
    );
    const kept = quiet.host!.kept!;
    assert.equal(kept.watched, true);
    assert.ok(kept.sections.includes('hostname') && kept.sections.includes('iptables-version'));
    for (const never of ['sysctls', 'listeners', 'container-netns']) assert.ok(!kept.sections.includes(never), `${never} is never kept`);
    assert.ok(listenersNotRead(quiet.host!.listeners), "the host's listeners are left for a trace or its pane to read");
    // Docker's own namespaces come with overlay networks: kept while the engine has none
    assert.equal(kept.sections.includes('docker-netns'), !quiet.networks.some((n) => n.driver === 'overlay'));
    const read = hostSheet(quiet).sections.flatMap((s) => s.rows).find((r) => r.label === 'Read');
    assert.match(read?.value.kind === 'text' ? read.value.text : '', /^the kernel watcher \(ip monitor(, nft monitor)?\) heard no change there: kept .*ip-addr.*container namespaces/);
    const whole = createSession({});
    try {
      const t = await whole.snapshot(undefined, REFRESH);
      for (const n of ['a', 'b']) assert.deepEqual(netnsView(container(quiet, `${P}${n}`)), netnsView(container(t, `${P}${n}`)), n);
      assert.deepEqual(quiet.host?.interfaces.map((i) => `${i.name} ${i.state}`).sort(), t.host?.interfaces.map((i) => `${i.name} ${i.state}`).sort());
    } finally {
      await whole.dispose();
    }
  });

  it("with nft monitor, a quiet refresh keeps iptables' dump, and a chain added behind netlens' back is in the next one", async () => {
    // this machine's iptables is iptables-nft (README): nft monitor hears its every change
    const quiet = await until(
      'a refresh that kept the firewall',
      () => session.snapshot(undefined, REFRESH),
      (t) => !!t.host?.kept?.sections.includes('iptables-save'),
    );
    assert.ok(logs.some((l) => /ip monitor subscribed .*nft monitor too/.test(l)), 'the watcher runs nft monitor');
    assert.equal(quiet.host?.firewall.ipv4?.tables.filter?.chains[CHAIN], undefined);
    run('iptables', ['-w', '-N', CHAIN]);
    try {
      run('iptables', ['-w', '-A', CHAIN, '-s', '10.250.66.0/24', '-j', 'RETURN']);
      const t = await session.snapshot(undefined, REFRESH);
      assert.ok(!t.host?.kept?.sections.includes('iptables-save'), 'read again: nft monitor heard the change');
      assert.equal(t.host?.firewall.ipv4?.tables.filter?.chains[CHAIN]?.rules.length, 1, `${CHAIN} with its rule in the next refresh`);
    } finally {
      run('iptables', ['-w', '-F', CHAIN]);
      run('iptables', ['-w', '-X', CHAIN]);
    }
  });

  it('a quiet refresh keeps the process table too; a container with no link of its own, started unheard, is in the next refresh', async () => {
    const quiet = await until('a refresh that kept the processes', () => session.snapshot(undefined, REFRESH), (t) => t.host?.kept?.processes === true);
    assert.equal(quiet.host?.kept?.namespaces, quiet.containers.filter((c) => c.pid !== null).length, 'every namespace');
    // --network none: no veth, nothing the kernel watcher hears; the engine runs one more container
    docker('run', '-d', '--name', `${P}none`, '--network', 'none', IMAGE, 'sleep', '3600');
    const t = await session.snapshot(undefined, REFRESH);
    const none = container(t, `${P}none`);
    assert.equal(none.pid, containerPid(`${P}none`), 'its process, read again after the engine listed it');
    assert.notEqual(t.host?.kept?.processes, true);
    docker('rm', '-f', `${P}none`);
    const gone = await session.snapshot(undefined, REFRESH);
    assert.equal(gone.containers.find((c) => c.name === `${P}none`), undefined);
  });

  it("an address added in a container's namespace, with no engine event, is in the next refresh", async () => {
    await session.snapshot(undefined, REFRESH);
    run('nsenter', ['-t', String(containerPid(`${P}a`)), '-n', 'ip', 'addr', 'add', '10.250.64.1/24', 'dev', 'eth0']);
    const t = await session.snapshot(undefined, REFRESH);
    const a = container(t, `${P}a`);
    assert.ok(a.interfaces.find((i) => i.name === 'eth0')?.addresses.some((x) => x.address === '10.250.64.1'), JSON.stringify(netnsView(a)));
  });

  it("a route added in the host's namespace is in the next refresh", async () => {
    await session.snapshot(undefined, REFRESH);
    run('ip', ['route', 'add', '10.250.65.0/24', 'dev', VETH]);
    const t = await session.snapshot(undefined, REFRESH);
    assert.ok(t.host?.routes.some((r) => r.dst === '10.250.65.0/24' && r.dev === VETH), 'the new route');
  });

  it("a link set down — in a container's namespace and in the host's — is in the next refresh", async () => {
    const before = await session.snapshot(undefined, REFRESH);
    assert.ok(container(before, `${P}b`).routes.some((r) => r.dev === 'eth0' && r.dst === 'default'), 'b routes through eth0');
    run('nsenter', ['-t', String(containerPid(`${P}b`)), '-n', 'ip', 'link', 'set', 'eth0', 'down']);
    run('ip', ['link', 'set', VETH, 'down']);
    const t = await session.snapshot(undefined, REFRESH);
    // a link set down takes its routes with it (the model has no container interface state)
    assert.deepEqual(container(t, `${P}b`).routes.filter((r) => r.dev === 'eth0' && r.table === 'main'), [], 'b: eth0 down, its routes gone');
    assert.equal(t.host?.interfaces.find((i) => i.name === VETH)?.state, 'DOWN');
  });

  it('a killed ip monitor means a whole read; the watcher comes back and refreshes keep again', async () => {
    await session.snapshot(undefined, REFRESH);
    const monitors = ourMonitors();
    assert.equal(monitors.length, 1, `one ip monitor of this session: ${monitors.join(', ')}`);
    const before = logs.length;
    process.kill(monitors[0]!, 'SIGKILL');
    await until('the watcher to say it ended', () => logs.slice(before).some((l) => /kernel watcher ended/.test(l)), Boolean);
    const after = await session.snapshot(undefined, REFRESH);
    assert.equal(after.host?.kept, undefined, 'nothing kept: the watcher did not run all the time since the last read');
    await until('the watcher to run again', () => logs.slice(before).some((l) => /ip monitor subscribed/.test(l)), Boolean);
    const again = ourMonitors();
    assert.equal(again.length, 1);
    assert.notEqual(again[0], monitors[0]);
    await until('a refresh that keeps again', () => session.snapshot(undefined, REFRESH), (t) => t.host?.kept?.watched === true);
  });

  it('disposing the session leaves no ip monitor or nft monitor running', async () => {
    const monitors = [...ourMonitors(), ...ourMonitors('nft')];
    assert.equal(monitors.length, 2, 'ip monitor and nft monitor');
    await session.dispose();
    await until('the ip monitor to be gone', () => monitors.filter((p) => { try { return !readFileSync(`/proc/${p}/stat`, 'utf8').includes(') Z '); } catch { return false; } }), (l) => l.length === 0, 5000);
    assert.deepEqual([...ourMonitors(), ...ourMonitors('nft')], []);
  });
});
