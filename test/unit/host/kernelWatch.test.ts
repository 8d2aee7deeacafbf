/**
 * The kernel watcher (host/kernelWatch.ts) on what the real `ip -o monitor all-nsid label` printed
 * behind the watcher's own script (test/fixtures/host/monitor, capture.sh): a container started,
 * an address added in its namespace, a veth pair and a route in the host's, the link set down, the
 * container removed, `ip monitor` killed. And what a refresh then keeps (collect.ts watchedReuse)
 * on the recorded lab of test/fixtures/host/fast.
 */
import { strict as assert } from 'node:assert';
import { FIREWALL, KernelWatch, netlinkRow, parseMonitorLine, type MonitorEvent } from '../../../src/core/host/kernelWatch';
import type { HostShell, ShellResult } from '../../../src/core/host/shell';
import { WATCHED_SECTIONS, hostCommands, keepDockerNetns, watchedReuse } from '../../../src/core/host/collect';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { keepableNamespaces } from '../../../src/core/host/commands/keptNamespaces';
import { fastLab, hostFixture } from '../../support/hostFixtures';
import { parseBatch } from '../../../src/core/host/batch';

const recorded = hostFixture('monitor/monitor.txt');
const lab = JSON.parse(hostFixture('monitor/lab.json')) as { containerNsid: number; monitorPid: number; nftPid: number };
const lines = recorded.split('\n').filter(Boolean);
const events = lines.map(parseMonitorLine).filter((e): e is MonitorEvent => e !== null && !('control' in e));

/**
 * A shell whose one stream run hands over the recorded output, in the pieces the test asks for
 * (`feed`), and ends when the test says (`end`): the watcher's side of a real run, replayed.
 */
function replayShell(): HostShell & { feed(text: string): void; end(): void; started: number } {
  let onData: ((b: Buffer) => void) | null = null;
  let finish: ((r: ShellResult) => void) | null = null;
  const shell = {
    target: 'local',
    transport: 'local' as const,
    started: 0,
    run: () => Promise.reject(new Error('not used')),
    stream(_script: string, data: (b: Buffer) => void) {
      shell.started++;
      onData = data;
      return new Promise<ShellResult>((resolve) => (finish = resolve));
    },
    feed: (text: string) => onData?.(Buffer.from(text)),
    end: () => finish?.({ stdout: '', stderr: '', code: 0 }),
    dispose: async () => undefined,
  };
  return shell;
}

describe('host: the kernel watcher (recorded ip monitor output)', () => {
  it('understands every line ip monitor printed, between the script\'s ready and exit', () => {
    assert.deepEqual(lines.map(parseMonitorLine).filter((e) => e === null), []);
    assert.deepEqual(parseMonitorLine(lines[0]!), { control: 'ready', detail: `${lab.monitorPid} ${lab.nftPid}` });
    assert.deepEqual(parseMonitorLine(lines.at(-1)!), { control: 'exit', detail: '137' });
  });

  it("finds ip monitor's own socket in the kernel's netlink table (what settle reads): subscribed, its queue and drops", () => {
    const table = hostFixture('monitor/netlink.txt');
    assert.deepEqual(netlinkRow(table, lab.monitorPid), { rmem: 0, drops: 0 });
    assert.equal(netlinkRow(table, 1), null, 'no subscribed route socket of pid 1 there');
    assert.match(hostFixture('monitor/wchan.txt'), /wait_for_more_packets/, 'and it waited in recvmsg, as settle expects');
    // nft monitor's NETLINK_NETFILTER (12) socket, subscribed, and nft waiting in poll
    assert.deepEqual(netlinkRow(table, lab.nftPid, 12), { rmem: 0, drops: 0 });
    assert.equal(netlinkRow(table, lab.nftPid), null, 'nft holds no route socket');
    assert.match(hostFixture('monitor/wchan-nft.txt'), /poll_schedule_timeout/);
  });

  it("counts each of nft monitor's lines (iptables' chain and rule, added and removed) as a firewall change of the host", () => {
    const firewall = lines.filter((l) => !l.startsWith('[nsid') && !l.startsWith('NLWATCH'));
    assert.ok(firewall.length >= 8, firewall.join('\n'));
    for (const l of firewall) assert.deepEqual(parseMonitorLine(l), { ns: 'current', kind: FIREWALL }, l);
    assert.ok(firewall.some((l) => /^add rule ip filter NLM-CHAIN/.test(l)));
  });

  it('a watcher without nft monitor counts the firewall as changed in every window', () => {
    const shell = replayShell();
    const watch = new KernelWatch(shell, () => undefined);
    watch.start();
    shell.feed(`NLWATCH ready ${lab.monitorPid} -\n`);
    const window = watch.open();
    assert.equal(window.spoiled, null, 'the rest is still vouched for');
    assert.deepEqual([...window.host], [FIREWALL]);
    void watch.dispose();
  });

  it("places each change: the container's address in its nsid, the host's link and route in its own", () => {
    assert.ok(events.some((e) => e.ns === lab.containerNsid && e.kind === 'ADDR'), 'the address added in the container');
    assert.ok(events.some((e) => e.ns === 'current' && e.kind === 'ROUTE'), "the host's route");
    assert.ok(events.some((e) => e.ns === 'current' && e.kind === 'LINK'), "the host's veths");
    // the nsid the host gave the container's namespace, and took back when it went
    assert.ok(events.some((e) => e.ns === 'current' && e.kind === 'NSID' && e.nsid === lab.containerNsid));
    // a link going down sends no route message: the route section must count LINK too
    assert.ok(WATCHED_SECTIONS.get('ip-route')!.includes('LINK'));
  });

  it('a window opened while subscribed collects what changed; the watcher ending spoils it, and a disposed one is not restarted', async () => {
    const shell = replayShell();
    const watch = new KernelWatch(shell, () => undefined);
    watch.start();
    const early = watch.open();
    assert.match(early.spoiled ?? '', /still starting/, 'a window before ip monitor subscribed vouches for nothing');
    shell.feed(`${lines[0]}\n`);
    assert.equal(watch.status, 'ready');
    const window = watch.open();
    // the lines arrive in pieces that split lines anywhere
    const body = lines.slice(1, -1).join('\n') + '\n';
    for (let i = 0; i < body.length; i += 97) shell.feed(body.slice(i, i + 97));
    assert.equal(window.spoiled, null);
    assert.deepEqual([...window.host].sort(), [...new Set(events.filter((e) => e.ns === 'current').map((e) => e.kind))].sort());
    assert.ok(window.host.has(FIREWALL), "iptables' change, heard by nft monitor");
    assert.ok(window.nsids.has(lab.containerNsid));
    shell.feed(`${lines.at(-1)}\n`);
    shell.end();
    await new Promise((r) => setImmediate(r));
    assert.match(window.spoiled ?? '', /ended/, 'the watcher ended: nothing since can be vouched for');
    assert.equal(watch.status, 'down');
    assert.match(watch.open().spoiled ?? '', /not running/);
    await watch.dispose();
    assert.equal(shell.started, 1, 'disposed during its backoff: not restarted');
  });

  it('a line ip monitor does not print (the kernel saying messages were lost lands there too) spoils every window', () => {
    const shell = replayShell();
    const watch = new KernelWatch(shell, () => undefined);
    watch.start();
    shell.feed(`${lines[0]}\n`);
    const window = watch.open();
    // a real line of another tool (ip addr), not of ip monitor
    shell.feed(`${hostFixture('ip-addr.txt').split('\n')[0]}\n`);
    assert.match(window.spoiled ?? '', /said/);
    void watch.dispose();
  });
});

describe('host: what a refresh keeps with the kernel watcher (recorded lab)', () => {
  const { lab: fast, section } = fastLab();
  const previous = new Map([['container-netns', section('container-netns')], ['ip-addr', section('ip-addr')], ['ip-route', section('ip-route')], ['ip-neigh', section('ip-neigh')]]);
  const pidOf = (name: string) => fast.containers[name]!.pid;

  it('keeps the namespaces it heard nothing from, never one without an nsid (it cannot hear those), and reads again those it heard', () => {
    // nlf-web has nsid 0, nlf-v6 1, nlf-mac 2 in the recording; nlf-none (no veth) has none
    const reuse = watchedReuse(previous, { host: new Set(['NEIGH']), nsids: new Set([1]) }, undefined, '2026-11-30T00:00:00.000Z');
    const kept = new Set(keepableNamespaces(previous.get('container-netns')!, reuse.reread, reuse.keepNsid).map((k) => k.pid));
    assert.deepEqual([...kept].sort(), [pidOf('nlf-web'), pidOf('nlf-mac')].sort());
    assert.ok(reuse.watched);
    assert.ok(reuse.sections.has('ip-addr') && reuse.sections.has('ip-route') && !reuse.sections.has('bridge-link'), 'bridge ports come with ip-addr');
    assert.ok(!reuse.sections.has('ip-neigh'), 'a neighbour changed on the host');
    assert.ok(!reuse.sections.has('netns'), 'no engine events: named namespaces (no nsid needed) are read again');
    assert.ok(!reuse.sections.has('iptables-save') && !reuse.sections.has('sysctls') && !reuse.sections.has('container-netns'));
  });

  it('an engine event still names its container; a link change reads addresses, bridge ports, routes and neighbours again', () => {
    const reuse = watchedReuse(previous, { host: new Set(['LINK']), nsids: new Set() }, [fast.containers['nlf-web']!.id], '2026-11-30T00:00:00.000Z');
    const kept = keepableNamespaces(previous.get('container-netns')!, reuse.reread, reuse.keepNsid).map((k) => k.pid);
    assert.ok(!kept.includes(pidOf('nlf-web')));
    assert.ok(kept.includes(pidOf('nlf-v6')));
    for (const s of WATCHED_SECTIONS.keys()) assert.ok(!reuse.sections.has(s), s);
    assert.ok(reuse.sections.has('netns'), 'after engine events, with no foreign namespace heard: kept as without the watcher');
  });

  it("keeps the firewall's dumps while nft monitor heard nothing, but never iptables-legacy's or a ruleset with sets the packet path fills", () => {
    // the firewall's sections of a whole recorded batch (batch-full.txt)
    const full = parseBatch(hostFixture('batch-full.txt'), hostFixture('batch-delimiter.txt').trim(), ['iptables-save', 'ip6tables-save', 'nft-ruleset']);
    const firewall = new Map([...previous, ...['iptables-save', 'ip6tables-save', 'nft-ruleset'].map((n) => [n, full.get(n)!] as const)]);
    for (const [n, s] of firewall) assert.equal(s.code, 0, n);
    assert.match(firewall.get('iptables-save')!.stdout, /\(nf_tables\)/, 'the recording came through nf_tables');
    const quiet = watchedReuse(firewall, { host: new Set(), nsids: new Set() }, undefined, '2026-11-30T00:00:00.000Z');
    for (const s of ['iptables-save', 'nft-ruleset']) assert.ok(quiet.sections.has(s), s);
    // the recording's ip6tables had no rules: an empty dump does not say which backend it came through
    assert.equal(firewall.get('ip6tables-save')!.stdout, '');
    assert.ok(!quiet.sections.has('ip6tables-save'), 'an empty dump is read every time');
    const names = (r: typeof quiet) => hostCommands({ containerListeners: false, reuse: r }).map((c) => c.name);
    assert.ok(!names(quiet).includes('iptables-save'), 'not run when kept');
    const heard = watchedReuse(firewall, { host: new Set([FIREWALL]), nsids: new Set() }, undefined, '2026-11-30T00:00:00.000Z');
    for (const s of ['iptables-save', 'ip6tables-save', 'nft-ruleset']) assert.ok(!heard.sections.has(s), s);
    assert.ok(heard.sections.has('ip-addr'), 'a firewall change reads only the firewall again');
    const legacy = new Map([...firewall, ['iptables-save', { stdout: hostFixture('monitor/iptables-legacy-save.txt'), parts: [], code: 0 }], ['nft-ruleset', { stdout: hostFixture('monitor/nft-dynamic-set.json'), parts: [], code: 0 }]]);
    const other = watchedReuse(legacy, { host: new Set(), nsids: new Set() }, undefined, '2026-11-30T00:00:00.000Z');
    assert.ok(!other.sections.has('iptables-save'), "iptables-legacy's tables tell nft monitor nothing");
    assert.ok(!other.sections.has('nft-ruleset'), 'a set with timeouts changes without a transaction');
    assert.ok(other.sections.has('ip-addr'));
  });

  it('offers to keep the container namespaces whole only when nothing was heard of links, nsids or containers', () => {
    const quiet = watchedReuse(previous, { host: new Set(['NEIGH', 'ROUTE']), nsids: new Set() }, undefined, '2026-11-30T00:00:00.000Z');
    assert.equal(quiet.unchangedNamespaces, true);
    const netns = hostCommands({ containerListeners: false, reuse: quiet }).find((c) => c.name === 'container-netns')!;
    assert.match(netns.script, /^# the earlier read stands/, 'the section is a check first');
    for (const pid of [pidOf('nlf-web'), pidOf('nlf-v6'), pidOf('nlf-mac'), pidOf('nlf-none')]) assert.ok(netns.script.includes(`/proc/${pid}/ns/net`), `checks ${pid}`);
    for (const [heard, changed] of [[{ host: new Set(['LINK']), nsids: new Set<number>() }, undefined], [{ host: new Set(['NSID']), nsids: new Set<number>() }, undefined], [{ host: new Set<string>(), nsids: new Set([0]) }, undefined], [{ host: new Set<string>(), nsids: new Set<number>() }, [fast.containers['nlf-web']!.id]]] as const) {
      const r = watchedReuse(previous, heard, changed, '2026-11-30T00:00:00.000Z');
      assert.ok(!r.unchangedNamespaces, JSON.stringify([...heard.host, ...heard.nsids, ...(changed ?? [])]));
      assert.doesNotMatch(hostCommands({ containerListeners: false, reuse: r }).find((c) => c.name === 'container-netns')!.script, /^# the earlier read stands/);
    }
  });

  it('a whole read runs the other host sections beside the container namespaces and ip; a read that builds on an earlier one, in one lane', () => {
    const lanes = (r?: ReturnType<typeof watchedReuse>) =>
      new Map(hostCommands({ containerListeners: false, ...(r ? { reuse: r } : {}) }).map((c) => [c.name, c.lane ?? 0]));
    const whole = lanes();
    // the first lane streams what is most of the output; the second's is held (HOST_COMMANDS)
    assert.deepEqual([...whole].filter(([, lane]) => lane === 0).map(([n]) => n), ['container-netns', 'ip-host']);
    for (const [name, lane] of whole) if (name !== 'container-netns' && name !== 'ip-host') assert.equal(lane, 1, name);
    assert.ok(whole.size > 10, 'every host section');
    const quiet = watchedReuse(previous, { host: new Set(['NEIGH']), nsids: new Set() }, undefined, '2026-11-30T00:00:00.000Z');
    assert.deepEqual([...new Set(lanes(quiet).values())], [0]);
    // one ip for neighbours, routes and interfaces when all three are read; one alone on its own
    assert.ok(whole.has('ip-host') && !whole.has('ip-neigh') && !whole.has('ip-route') && !whole.has('ip-addr'));
    assert.ok(lanes(quiet).has('ip-neigh') && !lanes(quiet).has('ip-host') && !lanes(quiet).has('ip-addr'));
    const link = watchedReuse(previous, { host: new Set(['LINK']), nsids: new Set() }, undefined, '2026-11-30T00:00:00.000Z');
    assert.ok(lanes(link).has('ip-host') && !lanes(link).has('ip-route'));
  });

  it("keeps Docker's own namespaces on the engine's word only when the earlier read found none", () => {
    const delimiter = 'NLBfixture0123456789abcdef';
    const overlay = parseBatch(readFileSync(join(__dirname, '../../../../test/fixtures/overlay/batch-docker-netns.txt'), 'utf8'), delimiter, ['docker-netns']).get('docker-netns')!;
    assert.ok(overlay.parts.some((p) => p.name.startsWith('ns:1-')), "the recording has an overlay's namespace");
    const none = parseBatch(hostFixture('monitor/docker-netns-none.txt'), 'NLBmonitorfixture0123456789', ['docker-netns']).get('docker-netns')!;
    assert.equal(none.code, 0);
    assert.deepEqual(none.parts, [], 'the lab without overlays: nothing but sandboxes, which are not listed');
    const reuse = (s: typeof none) => keepDockerNetns(watchedReuse(new Map([...previous, ['docker-netns', s]]), { host: new Set(), nsids: new Set() }, undefined, '2026-11-30T00:00:00.000Z'));
    assert.ok(reuse(none).sections.has('docker-netns'));
    assert.ok(!reuse(overlay).sections.has('docker-netns'), 'namespaces found: read every time');
    assert.ok(!reuse({ ...none, code: 13, stderr: 'cannot list /var/run/docker/netns (permission denied)' }).sections.has('docker-netns'), 'a failed read keeps nothing');
  });

  it('what it heard is taken when it decides: later changes do not alter that decision', () => {
    const heard = { host: new Set<string>(), nsids: new Set<number>() };
    const reuse = watchedReuse(previous, heard, undefined, '2026-11-30T00:00:00.000Z');
    heard.nsids.add(0);
    assert.ok(reuse.keepNsid!(0), 'decided before nsid 0 was heard');
  });
});
