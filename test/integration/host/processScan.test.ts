import { strict as assert } from 'node:assert';
import { copyFileSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { runBatch } from '../../../src/core/host/batch';
import type { BatchSection } from '../../../src/core/host/batch';
import { createLocalShell } from '../../../src/core/host/shell';
import { containerNetnsCommand, parseDockerProxies, parseProcesses, proxiesInShellNetns } from '../../../src/core/host/commands/containerNamespaces';
import { parseContainerNetns } from '../../../src/core/host/commands/containerNetns';

/**
 * The container-netns section reads the process table from /proc in its awk (no ps). Real
 * processes stand in for a containerd shim and a docker-proxy: copies of dash under those names,
 * so the kernel gives them those names, with the arguments the real ones carry. Each test runs the
 * real script in the real shell, with mawk (Debian's awk) and with busybox's awk, which cannot split
 * records at NUL and joins arguments with tr instead.
 */
const which = (tool: string): string => execFileSync('sh', ['-c', 'command -v "$1"', 'sh', tool]).toString().trim();
const ID = 'f00d'.repeat(16);
const NEWLINE_ARG = 'two\nlines';

describe('host: the process table read from /proc by the container-netns awk', function () {
  this.timeout(60_000);
  let dir: string;
  let shim: ChildProcess;
  let proxy: ChildProcess;
  let initPid: number;

  const spawnAs = (name: string, args: readonly string[]): ChildProcess => {
    const exe = join(dir, name);
    copyFileSync(which('dash'), exe);
    chmodSync(exe, 0o755);
    // dash -c SCRIPT NAME ARGS…: the arguments after the script are the shim's or proxy's own; the
    // `; :` keeps dash from exec'ing sleep, so sleep is the child a container's init would be
    return spawn(exe, ['-c', 'sleep 60; :', ...args], { stdio: 'ignore' });
  };

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'nlh-scan-'));
    shim = spawnAs('containerd-shim-runc-v2', ['-namespace', 'moby', '-id', ID, '-address', NEWLINE_ARG]);
    proxy = spawnAs('docker-proxy', ['-proto', 'tcp', '-host-ip', '127.0.0.1', '-host-port', '1', '-container-ip', '172.31.250.2', '-container-port', '80']);
    // the shim's child (sleep) once it is there
    for (let i = 0; i < 100 && !initPid; i++) {
      const kids = spawnSync('ps', ['-o', 'pid=', '--ppid', String(shim.pid)], { encoding: 'utf8' }).stdout.split('\n').map((l) => Number(l.trim())).filter((n) => n > 0);
      if (kids.length) initPid = Math.min(...kids);
      else await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(initPid, 'the stand-in shim started its child');
  });

  after(() => {
    // the children first: once their parent is gone they are init's, and -P finds them no more
    for (const p of [shim, proxy]) if (p?.pid) spawnSync('pkill', ['-KILL', '-P', String(p.pid)]);
    for (const p of [shim, proxy]) p?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  /** The section run with `awk` as given (a path), the machine's other tools as they are. */
  async function section(awk: string): Promise<BatchSection> {
    const bin = mkdtempSync(join(tmpdir(), 'nlh-awk-'));
    try {
      symlinkSync(awk, join(bin, 'awk'));
      const shell = createLocalShell({ env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` } });
      try {
        const s = (await runBatch(shell, [containerNetnsCommand])).sections.get('container-netns');
        assert.ok(s);
        return s;
      } finally {
        await shell.dispose();
      }
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  }

  const awks: [string, () => string | null][] = [
    ['awk (mawk here)', () => which('awk')],
    ['busybox awk', () => {
      const bb = spawnSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).stdout.trim();
      assert.ok(bb, 'busybox is installed (.ci/run installs it)');
      return bb;
    }],
  ];
  for (const [label, awk] of awks) {
    it(`${label}: the stand-in shim's container with its child as init, and the proxy with ps's own arguments`, async () => {
      const path = awk();
      assert.ok(path);
      const s = await section(path);
      assert.equal(s.code, 0, s.stderr);
      const ps = parseProcesses(execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } }));
      const scanned = parseProcesses(s.stdout);
      for (const pid of [shim.pid, proxy.pid]) {
        const mine = scanned.find((p) => p.pid === pid);
        assert.deepEqual(mine, ps.find((p) => p.pid === pid), `pid ${pid} as ps shows it`);
      }
      // the newline in an argument is a blank, as ps prints it, and cannot start a line of its own
      assert.match(scanned.find((p) => p.pid === shim.pid)!.args, /-address two lines$/);
      assert.ok(!scanned.some((p) => p.args.startsWith('lines')));
      const netns = parseContainerNetns(s.parts);
      assert.equal(netns[ID]?.pid, initPid, JSON.stringify(Object.keys(netns)));
      const proxies = proxiesInShellNetns(parseDockerProxies(scanned), s.parts);
      assert.ok(proxies.some((p) => p.pid === proxy.pid && p.hostPort === 1 && p.containerIp === '172.31.250.2'), JSON.stringify(proxies));
      // processes that are neither shim, conmon nor proxy are not listed
      assert.ok(!scanned.some((p) => p.pid === process.pid));
    });
  }

  it('an awk that fails after the process table leaves every container namespace to nsenter', async () => {
    const wrapper = join(dir, 'awk-fails-late');
    writeFileSync(wrapper, `#!/bin/sh\n'${which('awk')}' "$@"; exit 1\n`);
    chmodSync(wrapper, 0o755);
    const s = await section(wrapper);
    assert.equal(s.code, 0, s.stderr);
    assert.ok(s.parts.some((p) => p.name === `ctr:${ID}:${initPid}:nsenter`), s.parts.map((p) => p.name).join(' '));
    assert.ok(parseProcesses(s.stdout).some((p) => p.pid === proxy.pid));
  });

  it('an awk that fails before it is through the process table fails the section with its message', async () => {
    const wrapper = join(dir, 'awk-fails-early');
    writeFileSync(wrapper, '#!/bin/sh\necho "awk: out of memory" >&2\nexit 2\n');
    chmodSync(wrapper, 0o755);
    const s = await section(wrapper);
    assert.equal(s.code, 70);
    assert.match(s.stderr ?? '', /the process scan failed \(awk exited with 2\): awk: out of memory/);
    assert.equal(s.stdout.trim(), '');
  });
});
