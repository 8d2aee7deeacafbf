/**
 * A Docker engine of the test's own, to kill and restart at will: a dockerd in a network namespace
 * of its own (ENVIRONMENT.md, "A second Docker host on the same machine"), with its own socket,
 * data root, exec root and pidfile under the `nls-st` prefix. The host's dockerd is never touched.
 * It is stopped by its own pidfile; `removeOwnDockerd()` removes everything it made and is run
 * before (leftovers of a crashed run) and after every suite, also on failure.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, closeSync } from 'node:fs';
import { connect } from 'node:net';

export const OWN = {
  netns: 'nls-st',
  dir: '/run/nls-st',
  socketPath: '/run/nls-st/docker.sock',
  url: 'unix:///run/nls-st/docker.sock',
  dataRoot: '/var/lib/nls-st-docker',
  execRoot: '/run/nls-st/exec',
  pidfile: '/run/nls-st/docker.pid',
  log: '/run/nls-st/dockerd.log',
} as const;

/** The pid in a pidfile, if that process is alive and its command line names `mustContain`. */
function livePid(pidfile: string, mustContain: string): number | null {
  try {
    const pid = Number(readFileSync(pidfile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 1) return null;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0];
    return cmdline.includes(mustContain) && state !== 'Z' ? pid : null;
  } catch {
    return null;
  }
}

export function dockerdPid(): number | null {
  return livePid(OWN.pidfile, OWN.dataRoot);
}

/** dockerd's managed containerd (its pidfile lives under our exec root). */
function containerdPid(): number | null {
  return livePid(`${OWN.execRoot}/containerd/containerd.pid`, OWN.execRoot);
}

function alive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0];
    return state !== 'Z';
  } catch {
    return false;
  }
}

async function waitDead(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** Whether the socket answers GET /_ping. */
export function answers(timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(OWN.socketPath);
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      c.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    let got = '';
    c.on('connect', () => c.write('GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n'));
    c.on('data', (d: Buffer) => {
      got += d.toString();
      if (/\r\n\r\n/.test(got)) done(/^HTTP\/1\.[01] 200/.test(got));
    });
    c.on('error', () => done(false));
  });
}

/** Starts the own dockerd (in its netns, its own session) and waits until it answers. */
export async function startOwnDockerd(): Promise<number> {
  mkdirSync(OWN.dir, { recursive: true });
  if (!existsSync(`/run/netns/${OWN.netns}`)) {
    run('ip', ['netns', 'add', OWN.netns]);
    run('ip', ['-n', OWN.netns, 'link', 'set', 'lo', 'up']);
  }
  // A containerd killed with its dockerd may linger as a zombie (this machine's PID 1 reaps
  // slowly); its pidfile would make the new dockerd wait for it on a dead socket.
  const containerdPidfile = `${OWN.execRoot}/containerd/containerd.pid`;
  if (existsSync(containerdPidfile) && containerdPid() === null) rmSync(containerdPidfile, { force: true });
  const log = openSync(OWN.log, 'a');
  const child = spawn(
    'nsenter',
    [`--net=/run/netns/${OWN.netns}`, 'dockerd', '--host', OWN.url, '--data-root', OWN.dataRoot, '--exec-root', OWN.execRoot, '--pidfile', OWN.pidfile],
    { detached: true, stdio: ['ignore', log, log] },
  );
  closeSync(log);
  child.unref();
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + 30_000;
  while (!(await answers())) {
    if (exited || Date.now() > deadline) {
      const tail = existsSync(OWN.log) ? readFileSync(OWN.log, 'utf8').split('\n').slice(-15).join('\n') : '';
      throw new Error(`own dockerd did not come up (${exited ? 'it exited' : 'no answer in 30 s'}):\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const pid = dockerdPid();
  if (pid === null) throw new Error('own dockerd answers but its pidfile names no live dockerd');
  return pid;
}

/** SIGSTOP: the daemon keeps its socket and accepts connections, but answers nothing (a hung dockerd). */
export function freezeOwnDockerd(): void {
  const pid = dockerdPid();
  if (pid === null) throw new Error('own dockerd is not running');
  process.kill(pid, 'SIGSTOP');
}

export function thawOwnDockerd(): void {
  const pid = dockerdPid();
  if (pid !== null) process.kill(pid, 'SIGCONT');
}

/** SIGKILL, as a crash or the OOM killer would: requests in flight see their connection reset. */
export async function killOwnDockerd(): Promise<void> {
  const pid = dockerdPid();
  if (pid === null) return;
  process.kill(pid, 'SIGKILL');
  if (!(await waitDead(pid, 10_000))) throw new Error(`own dockerd ${pid} did not die`);
}

/** Stops everything of the own engine and removes what it made. Safe to call when nothing runs. */
export async function removeOwnDockerd(): Promise<void> {
  const pid = dockerdPid();
  if (pid !== null) {
    process.kill(pid, 'SIGCONT');
    process.kill(pid, 'SIGTERM');
    if (!(await waitDead(pid, 15_000))) {
      process.kill(pid, 'SIGKILL');
      await waitDead(pid, 5000);
    }
  }
  const ctd = containerdPid();
  if (ctd !== null) {
    process.kill(ctd, 'SIGTERM');
    if (!(await waitDead(ctd, 10_000))) process.kill(ctd, 'SIGKILL');
  }
  // anything dockerd mounted below its roots (none without containers, but a crashed run may differ)
  const mounts = spawnSync('findmnt', ['-rn', '-o', 'TARGET'], { encoding: 'utf8' }).stdout.split('\n');
  for (const m of mounts.filter((t) => t.startsWith(`${OWN.dataRoot}/`) || t.startsWith(`${OWN.dir}/`) || t === OWN.dataRoot).sort().reverse()) {
    spawnSync('umount', ['-l', m], { stdio: 'ignore' });
  }
  if (existsSync(`/run/netns/${OWN.netns}`)) spawnSync('ip', ['netns', 'del', OWN.netns], { stdio: 'ignore' });
  rmSync(OWN.dir, { recursive: true, force: true });
  rmSync(OWN.dataRoot, { recursive: true, force: true });
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
}
