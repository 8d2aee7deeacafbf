/**
 * The host's neighbours, routes and interfaces come from one ip process (ipHost.ts), and bridge
 * ports with the interfaces: from the bridge-slave data of `ip -json -details addr`, or, where ip
 * prints no JSON (busybox), from brctl, run by the same section. Real tools: this machine's
 * iproute2, busybox's ip applet and bridge-utils' brctl, on this machine's bridges.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { collectHostFacts, hostCommands } from '../../../src/core/host/collect';
import { createLocalShell } from '../../../src/core/host/shell';
import { runBatch } from '../../../src/core/host/batch';
import { ipHostCommand } from '../../../src/core/host/commands/ipHost';
import { ipAddrCommand, parseIpAddrOutput } from '../../../src/core/host/commands/ipAddr';
import { ipNeighCommand, parseIpNeighOutput } from '../../../src/core/host/commands/ipNeigh';
import { ipRouteCommand, parseIpRouteOutput } from '../../../src/core/host/commands/ipRoute';

const which = (p: string): string => execFileSync('sh', ['-c', `command -v ${p} || PATH="$PATH:/usr/sbin:/sbin" command -v ${p}`], { encoding: 'utf8' }).trim();

/** `brctl show`'s bridge:port pairs, as this machine's bridge-utils prints them */
function brctlPairs(): string[] {
  const out = execFileSync(which('brctl'), ['show'], { encoding: 'utf8' });
  const pairs: string[] = [];
  let bridge = '';
  for (const line of out.split('\n').slice(1)) {
    if (!line.trim()) continue;
    const f = line.split(/\s+/);
    if (!line.startsWith('\t') && !line.startsWith(' ')) {
      bridge = f[0]!;
      if (f[3]) pairs.push(`${bridge}:${f[3]}`);
    } else pairs.push(`${bridge}:${f[f.length - 1]}`);
  }
  return pairs.sort();
}

describe('host: neighbours, routes, interfaces and bridge ports (real tools)', function () {
  this.timeout(60_000);

  it('a whole read asks one ip for all three; what it splits back is what the three commands read on their own', async () => {
    const whole = hostCommands({ containerListeners: false }).map((c) => c.name);
    assert.ok(whole.includes('ip-host') && !whole.some((n) => ['ip-neigh', 'ip-route', 'ip-addr'].includes(n)), whole.join(' '));
    const shell = createLocalShell();
    try {
      const streamed: string[] = [];
      const together = (await runBatch(shell, [ipHostCommand], undefined, (n) => streamed.push(n))).sections;
      const apart = (await runBatch(shell, [ipNeighCommand, ipRouteCommand, ipAddrCommand])).sections;
      // handed out as they came, and the run holds the three, not the one
      assert.deepEqual(streamed, ['ip-neigh', 'ip-route', 'ip-addr']);
      assert.deepEqual([...together.keys()], ['ip-neigh', 'ip-route', 'ip-addr']);
      for (const [n, s] of together) assert.equal(s.code, 0, `${n}: ${s.stderr}`);
      const ifs = (m: typeof apart) => parseIpAddrOutput(m.get('ip-addr')!.stdout).map((i) => `${i.index} ${i.name} ${i.kind} ${i.master} ${i.mac} ${i.linkIndex} ${String(i.details.portState)} ${i.addresses.map((a) => `${a.address}/${a.prefixLen}`).join(',')}`);
      assert.deepEqual(ifs(together), ifs(apart));
      // -details makes ip say the type, table, protocol and scope it leaves implied otherwise
      const routes = (m: typeof apart) => parseIpRouteOutput(m.get('ip-route')!.stdout).map((r) => `${r.family} ${r.table} ${r.type} ${r.dst} ${r.gateway} ${r.dev} ${r.prefsrc} ${r.metric}`);
      assert.deepEqual(routes(together), routes(apart));
      assert.ok(parseIpRouteOutput(together.get('ip-route')!.stdout).every((r) => r.scope !== null && r.protocol !== null));
      const neigh = (m: typeof apart) => parseIpNeighOutput(m.get('ip-neigh')!.stdout).map((x) => `${x.dst} ${x.dev}`).sort();
      assert.deepEqual(neigh(together), neigh(apart));
    } finally {
      await shell.dispose();
    }
  });

  it('iproute2: every port brctl lists, with its STP state and hairpin from ip -json -details addr', async () => {
    const shell = createLocalShell();
    try {
      const facts = await collectHostFacts(shell);
      assert.ok(facts.bridgePorts.known, !facts.bridgePorts.known ? facts.bridgePorts.reason : '');
      const ports = facts.bridgePorts.value;
      assert.deepEqual(ports.map((p) => `${p.master}:${p.ifname}`).sort(), brctlPairs());
      // every port of this machine's bridges is in a state the kernel names, not one netlens guessed
      for (const p of ports) assert.match(p.state, /^(forwarding|learning|listening|blocking|disabled)$/, p.ifname);
      for (const p of ports) assert.equal(typeof p.hairpin, 'boolean', p.ifname);
    } finally {
      await shell.dispose();
    }
  });

  it('an ip without JSON (busybox): each command as its own section would, the ports from brctl, their state unknown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nl-busybox-ip-'));
    try {
      symlinkSync(which('busybox'), join(dir, 'ip'));
      symlinkSync(which('brctl'), join(dir, 'brctl'));
      const shell = createLocalShell({ env: { ...process.env, PATH: `${dir}:/usr/bin:/bin` } });
      try {
        const facts = await collectHostFacts(shell);
        // ip's text, parsed as it always was; neighbours and routes say what failed, in busybox's words
        assert.ok(facts.interfaces.known, !facts.interfaces.known ? facts.interfaces.reason : '');
        assert.ok(facts.interfaces.value.some((i) => i.name === 'lo'));
        assert.ok(!facts.neighbours.known && /ip-neigh exited with 1: BusyBox/.test(facts.neighbours.reason), !facts.neighbours.known ? facts.neighbours.reason : 'known');
        assert.ok(!facts.routes.known && /ip-route/.test(facts.routes.reason), !facts.routes.known ? facts.routes.reason : 'known');
        assert.ok(facts.bridgePorts.known, !facts.bridgePorts.known ? facts.bridgePorts.reason : '');
        assert.deepEqual(facts.bridgePorts.value.map((p) => `${p.master}:${p.ifname}`).sort(), brctlPairs());
        assert.ok(facts.bridgePorts.value.every((p) => p.state === 'unknown' && p.hairpin === null));
      } finally {
        await shell.dispose();
      }
      // busybox's own brctl: where it cannot show (Debian's cannot), the ports are unknown in its
      // words, never an empty list
      rmSync(join(dir, 'brctl'));
      symlinkSync(which('busybox'), join(dir, 'brctl'));
      const shows = execFileSync('sh', ['-c', `${join(dir, 'brctl')} show >/dev/null 2>&1 && echo yes || echo no`], { encoding: 'utf8' }).trim() === 'yes';
      const own = createLocalShell({ env: { ...process.env, PATH: `${dir}:/usr/bin:/bin` } });
      try {
        const facts = await collectHostFacts(own);
        if (shows) assert.ok(facts.bridgePorts.known, !facts.bridgePorts.known ? facts.bridgePorts.reason : '');
        else {
          assert.ok(!facts.bridgePorts.known, 'a brctl that cannot show gives no ports, not none');
          assert.match(facts.bridgePorts.reason, /brctl show failed: .*brctl/);
        }
      } finally {
        await own.dispose();
      }
      // and without brctl either, the ports are unknown, saying why, while the interfaces stand
      rmSync(join(dir, 'brctl'));
      const bare = createLocalShell({ env: { ...process.env, PATH: `${dir}:/usr/bin:/bin` } });
      try {
        const facts = await collectHostFacts(bare);
        assert.ok(facts.interfaces.known);
        assert.ok(!facts.bridgePorts.known);
        assert.match(facts.bridgePorts.reason, /no JSON.*brctl is not on the host/);
      } finally {
        await bare.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
