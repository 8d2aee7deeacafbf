/**
 * A real OpenSSH server on 127.0.0.1 for tests: its own config, a free port, a fresh host key, a
 * fresh client key authorised for the current user, and a known_hosts file holding exactly that
 * host key. `stop()` kills it and removes every file. Nothing listens beyond loopback, unless the
 * test puts it in a network namespace of its own (`netns`), listening on that namespace's address.
 */
import { spawn, execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface RunningSshd {
  /** where it listens: 127.0.0.1, or its namespace's address */
  readonly address: string;
  readonly port: number;
  readonly knownHostsPath: string;
  readonly privateKeyPath: string;
  readonly username: string;
  /** the server's host public key line (`type base64 comment`), for tests that build their own known_hosts */
  readonly hostPublicKey: string;
  /** sshd's log (-E), e.g. to count accepted connections */
  readonly logPath: string;
  /** PID of the listening sshd (its per-connection children have it as parent) */
  readonly pid: number;
  /** the server's host private key file (its certificate, when asked for, is `${hostKeyPath}-cert.pub`) */
  readonly hostKeyPath: string;
  stop(): Promise<void>;
}

export interface SshdOptions {
  /** more public key lines (`type base64 comment`) sshd accepts for the current user */
  readonly authorizedKeys?: readonly string[];
  /** sign the host key with this CA private key (ssh-keygen -s … -h) and serve the certificate; no principals: valid for any host */
  readonly hostCertificate?: { readonly caKeyPath: string; readonly principals: readonly string[]; readonly validity?: string };
  /**
   * Run sshd inside this network namespace of the test's own (`/run/netns/<name>`, entered with
   * nsenter --net like test/support/secondEngine.ts), listening on `address` there (an address of
   * that namespace, e.g. its end of the veth) and `port` (default 2222): a second host's sshd.
   */
  readonly netns?: { readonly name: string; readonly address: string; readonly port?: number };
  /** environment for the sessions it starts (sshd_config SetEnv), e.g. DOCKER_HOST for `docker system dial-stdio` */
  readonly setEnv?: Readonly<Record<string, string>>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect({ host, port });
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/** A signing that fails (a bad CA path, say) leaves no directory behind. */
function signHostKey(dir: string, cert: NonNullable<SshdOptions['hostCertificate']>, hostKey: string): void {
  try {
    execFileSync('ssh-keygen', ['-q', '-s', cert.caKeyPath, '-h', '-I', 'netlens-test-host', ...(cert.principals.length > 0 ? ['-n', cert.principals.join(',')] : []), ...(cert.validity ? ['-V', cert.validity] : []), `${hostKey}.pub`], { stdio: 'ignore', timeout: 10_000 });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

export async function startSshd(opts: SshdOptions = {}): Promise<RunningSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'netlens-sshd-'));
  const hostKey = join(dir, 'host_ed25519');
  const clientKey = join(dir, 'client_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'netlens-test-host', '-f', hostKey]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'netlens-test-client', '-f', clientKey]);
  const authorized = join(dir, 'authorized_keys');
  writeFileSync(authorized, [readFileSync(`${clientKey}.pub`, 'utf8').trim(), ...(opts.authorizedKeys ?? [])].join('\n') + '\n');
  const cert = opts.hostCertificate;
  if (cert) {
    signHostKey(dir, cert, hostKey);
  }
  const hostPublicKey = readFileSync(`${hostKey}.pub`, 'utf8').trim();
  const address = opts.netns?.address ?? '127.0.0.1';
  // a namespace of the test's own has all its ports free
  const port = opts.netns ? (opts.netns.port ?? 2222) : await freePort();
  const [type, key] = hostPublicKey.split(/\s+/);
  const knownHostsPath = join(dir, 'known_hosts');
  writeFileSync(knownHostsPath, `[${address}]:${port} ${type} ${key}\n`);
  const config = join(dir, 'sshd_config');
  const logPath = join(dir, 'sshd.log');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      `ListenAddress ${address}`,
      ...Object.entries(opts.setEnv ?? {}).map(([k, v]) => `SetEnv ${k}=${v}`),
      `HostKey ${hostKey}`,
      ...(cert ? [`HostCertificate ${hostKey}-cert.pub`] : []),
      `AuthorizedKeysFile ${authorized}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      'StrictModes no',
      'UsePAM no',
      'LogLevel VERBOSE',
      // a session whose client is gone (its namespace deleted under it, a killed run) ends within
      // seconds: sshd makes each session a process of its own session, which stop() cannot reach
      'ClientAliveInterval 5',
      'ClientAliveCountMax 2',
      '',
    ].join('\n'),
  );
  mkdirSync('/run/sshd', { recursive: true }); // sshd's privilege-separation directory
  const argv = ['/usr/sbin/sshd', '-D', '-f', config, '-E', logPath];
  // nsenter --net, not ip netns exec (which remounts /sys): only the network namespace changes
  const command = opts.netns ? ['nsenter', `--net=/run/netns/${opts.netns.name}`, ...argv] : argv;
  const child: ChildProcess = spawn(command[0]!, command.slice(1), { stdio: 'ignore' });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const deadline = Date.now() + 10_000;
  while (!(await accepts(address, port))) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      let log = '';
      try {
        log = readFileSync(logPath, 'utf8');
      } catch {
        log = '(no log)';
      }
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`sshd did not start on ${address}:${port}: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    address,
    port,
    knownHostsPath,
    privateKeyPath: clientKey,
    username: userInfo().username,
    hostPublicKey,
    logPath,
    pid: child.pid ?? -1,
    hostKeyPath: hostKey,
    async stop() {
      if (!exited) {
        const gone = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
        if (!exited) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
