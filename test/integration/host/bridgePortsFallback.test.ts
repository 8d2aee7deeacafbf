/**
 * Bridge ports come with ip-addr: from the bridge-slave data of `ip -json -details addr`, or, where
 * ip prints no JSON (busybox), from brctl, run by the same section. Real tools: this machine's
 * iproute2, busybox's ip applet and bridge-utils' brctl, on this machine's bridges.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { collectHostFacts } from '../../../src/core/host/collect';
import { createLocalShell } from '../../../src/core/host/shell';

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

describe('host: bridge ports from the ip-addr section (real tools)', function () {
  this.timeout(60_000);

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

  it('an ip without JSON (busybox): the ports from brctl in the same section, their state unknown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nl-busybox-ip-'));
    try {
      symlinkSync(which('busybox'), join(dir, 'ip'));
      symlinkSync(which('brctl'), join(dir, 'brctl'));
      const shell = createLocalShell({ env: { ...process.env, PATH: `${dir}:/usr/bin:/bin` } });
      try {
        const facts = await collectHostFacts(shell);
        assert.ok(facts.interfaces.known, !facts.interfaces.known ? facts.interfaces.reason : '');
        assert.ok(facts.bridgePorts.known, !facts.bridgePorts.known ? facts.bridgePorts.reason : '');
        assert.deepEqual(facts.bridgePorts.value.map((p) => `${p.master}:${p.ifname}`).sort(), brctlPairs());
        assert.ok(facts.bridgePorts.value.every((p) => p.state === 'unknown' && p.hairpin === null));
      } finally {
        await shell.dispose();
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
