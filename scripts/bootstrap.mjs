// Makes a fresh clone runnable (`npm test`, `npm run demo` and `npm run bench` run this first):
// installs the Debian packages the tests need and npm dependencies when missing, brings up the
// local Docker engine and the test image when this machine can (scripts/lab/ensure-engine.sh, which
// also installs the engine's packages, iproute2, iptables, bridge-utils, sshd, nftables, busybox),
// then builds. .ci/run installs the same Debian packages up front; here each is installed only when
// missing, as root. Each step says what it does; a step that cannot be done here says why and the
// run goes on, so the tests that need it fail with a precise reason instead of hanging.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, statSync } from 'node:fs';

const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: 'inherit', ...opts });

const lock = existsSync('package-lock.json') ? statSync('package-lock.json').mtimeMs : 0;
const installed = existsSync('node_modules/.package-lock.json') ? statSync('node_modules/.package-lock.json').mtimeMs : -1;
// node_modules linked from another checkout (a git worktree sharing one install) is that checkout's
// to refresh: npm ci here would empty it through the link, under whoever else is using it
const linked = existsSync('node_modules') && lstatSync('node_modules').isSymbolicLink();
if (linked && installed < lock) console.log('bootstrap: node_modules is a link to another checkout; not running npm ci through it');
const needsNpmCi = !linked && installed < lock;

/** Debian packages beyond the engine's, with what needs them. */
const packages = [
  { name: 'tcpdump', for: 'the capture tests' },
  { name: 'chromium', for: 'the browser and e2e tests' },
  { name: 'openssl', for: 'the engine TLS tests' },
  // podman (with conmon), netavark (its bridges and iptables rules), aardvark-dns (netavark's DNS)
  // and catatonit (the init of a pod's infra container)
  { name: 'podman', for: 'the Podman tests' },
  { name: 'netavark', for: 'the Podman tests' },
  { name: 'aardvark-dns', for: 'the Podman tests' },
  { name: 'catatonit', for: "the Podman tests (a pod's infra container)" },
  { name: 'docker-compose', for: 'the Compose project tests (a real project up and down)' },
  // dockerd-rootless.sh (shipped by docker.io) runs dockerd in RootlessKit's namespaces, slirp4netns as its network, newuidmap/newgidmap for its user namespace
  ...['rootlesskit', 'slirp4netns', 'uidmap'].map((name) => ({ name, for: 'the rootless Docker tests' })),
  // scripts/lab/ipvs-vm.sh builds a Debian guest (debootstrap, mkfs.ext4 -d) whose kernel has IPVS, booted under QEMU (TCG); socat forwards to it
  ...['qemu-system-x86', 'debootstrap', 'e2fsprogs', 'socat'].map((name) => ({ name, for: 'the Swarm routing-mesh tests (a VM worker)' })),
  // npm ci builds native addons (ssh2's crypto, cpu-features, keytar) where its install scripts run
  ...(needsNpmCi ? ['build-essential', 'python3', 'pkg-config', 'libkrb5-dev'].map((name) => ({ name, for: 'npm ci' })) : []),
];
const isInstalled = (name) => spawnSync('dpkg', ['-s', name], { stdio: 'ignore' }).status === 0;
const missing = packages.filter((p) => !isInstalled(p.name));
if (missing.length) {
  const names = missing.map((p) => p.name);
  const why = missing.map((p) => `${p.name} (${p.for})`).join(', ');
  const root = process.getuid?.() === 0;
  const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (root && apt) {
    console.log(`bootstrap: installing ${why}`);
    try {
      run('apt-get', ['update', '-qq']);
      run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...names], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    } catch {
      console.error(`bootstrap: apt-get could not install ${names.join(' ')}; the tests that need them will fail and say why`);
    }
  } else {
    console.error(`bootstrap: missing ${why}. ${root ? 'apt-get is not available here' : 'Only root can install them'}: run \`apt-get install ${names.join(' ')}\` as root. The tests that need them will fail and say why.`);
  }
}

if (needsNpmCi) {
  console.log('bootstrap: installing npm dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}
if (process.env.NETLENS_SKIP_ENGINE !== '1') {
  try {
    run('bash', ['scripts/lab/ensure-engine.sh']);
  } catch {
    console.error('bootstrap: the Docker engine could not be brought up here; tests that need it will fail and say why');
  }
}
run('node', ['scripts/build.mjs']);
