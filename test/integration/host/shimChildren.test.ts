import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { runBatch } from '../../../src/core/host/batch';
import { createLocalShell } from '../../../src/core/host/shell';
import { parseDockerProxies, parseProcesses, containerNetnsCommandWith, proxiesInShellNetns } from '../../../src/core/host/commands/containerNamespaces';
import { parseContainerNetns } from '../../../src/core/host/commands/containerNetns';
import { HOST_FIXTURES, hostFixture, hostLab } from '../../support/hostFixtures';

/**
 * Runs the real container-netns script in the real sh and awk, with a recorded process table read
 * in place of /proc's processes (its `@ps` input), so the derivation (shim → container id → child
 * PID) is checked on shapes this machine cannot produce.
 */
async function containersFrom(psFixture: string): Promise<{ id: string; pid: number }[]> {
  const bin = mkdtempSync(join(tmpdir(), 'nlh-ps-'));
  try {
    for (const tool of ['sh', 'cat', 'awk']) symlinkSync(execFileSync('sh', ['-c', 'command -v "$1"', 'sh', tool]).toString().trim(), join(bin, tool));
    const command = containerNetnsCommandWith({ containerSockets: true, processTable: `echo @ps; cat '${join(HOST_FIXTURES, psFixture)}'` });
    const { sections } = await runBatch(createLocalShell({ env: { PATH: bin } }), [command]);
    const s = sections.get('container-netns');
    assert.equal(s?.code, 0, s?.stderr);
    return Object.values(parseContainerNetns(s.parts)).map((c) => ({ id: c.containerId, pid: c.pid }));
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
}

describe('host: container init PIDs from the process table (shell side)', () => {
  it('containerd v1 shim (-workdir …/<id>): the id from the path, the PID of its child, no glob expansion of `*:6379`', async () => {
    assert.deepEqual(await containersFrom('ps-v1-shim.txt'), [{ id: '36e5bd9e02763a784e32fd75f70336e11b43aa028008cec569325ce937766d08', pid: 20304 }]);
  });

  it("Podman's conmon (-c <id>): the PID of its child for every container, as podman inspect gave it", async () => {
    const found = await containersFrom('../podman/ps.txt');
    const lab = hostFixture('../podman/lab.txt').trim().split('\n').map((l) => l.split(' '));
    assert.equal(lab.length, 7);
    for (const [name, id, pid] of lab) assert.ok(found.some((f) => f.id === id && f.pid === Number(pid)), `${name} ${id} pid ${pid} in ${JSON.stringify(found)}`);
  });

  it('containerd v2 shim (-id <id>): every lab container, from the process table recorded on this machine', async () => {
    const found = await containersFrom('ps.txt');
    for (const c of Object.values(hostLab().containers)) assert.ok(found.some((f) => f.id === c.id && f.pid === c.pid), `${c.id} pid ${c.pid}`);
    const shims = hostFixture('ps.txt').split('\n').filter((l) => /containerd-shim-runc-v2 .*-id [0-9a-f]{64}/.test(l)).length;
    assert.ok(found.length <= shims && found.length >= 4);
  });
});

describe('host: the network namespace of each docker-proxy (shell side)', () => {
  it("names the shell's namespace and each proxy's; a proxy in the shell's own is kept, one that cannot be read is kept", async () => {
    const bin = mkdtempSync(join(tmpdir(), 'nlh-ps-'));
    try {
      for (const tool of ['sh', 'cat', 'awk', 'ls']) symlinkSync(execFileSync('sh', ['-c', 'command -v "$1"', 'sh', tool]).toString().trim(), join(bin, tool));
      // this test's own process stands for a proxy in the shell's namespace; 2^22+1 is above pid_max's ceiling, so no process
      const table = `${process.pid} 1 /usr/sbin/docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port 8080 -container-ip 172.17.0.2 -container-port 80\n4194305 1 /usr/bin/docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port 8081 -container-ip 172.17.0.3 -container-port 80\n`;
      writeFileSync(join(bin, 'ps.txt'), table);
      const command = containerNetnsCommandWith({ containerSockets: true, processTable: `echo @ps; cat '${join(bin, 'ps.txt')}'` });
      const { sections } = await runBatch(createLocalShell({ env: { PATH: bin } }), [command]);
      const s = sections.get('container-netns')!;
      assert.equal(s.code, 0, s.stderr);
      const part = s.parts.find((p) => p.name === 'proxy-netns')?.text ?? '';
      const self = /^self (net:\[\d+\])$/m.exec(part)?.[1];
      assert.ok(self, part);
      assert.match(part, new RegExp(`^${process.pid} ${self.replace(/[[\]]/g, '\\$&')}$`, 'm'));
      assert.match(part, /^4194305 $/m);
      assert.deepEqual(proxiesInShellNetns(parseDockerProxies(parseProcesses(s.stdout)), s.parts).map((p) => p.hostPort), [8080, 8081]);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
