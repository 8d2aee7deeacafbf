/** What the capture, browser and engine-choice commands build from model and settings. */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetlensError } from '../../../src/core/errors';
import { captureCommand, checkInterfaceName } from '../../../src/extension/capture/captureCommand';
import { captureTarget } from '../../../src/extension/capture/captureTarget';
import { parseDockerContexts } from '../../../src/extension/engines/dockerContexts';
import { engineSpecs } from '../../../src/extension/engines/engineSpecs';
import { publishedUrl } from '../../../src/extension/engines/publishedUrl';
import { fixturePath, labTopology } from './sidebarFixture';
import { hostFixture } from '../../support/hostFixtures';
import type { Topology } from '../../../src/core/model/types';

const defaults = { hostShell: 'auto' as const, ssh: {} };

describe('Capture packets here', () => {
  it('accepts the interface names the model holds and rejects anything a shell could read as more', () => {
    const t = labTopology();
    for (const i of t.host!.interfaces) assert.equal(checkInterfaceName(i.name), i.name);
    for (const bad of ['eth0; reboot', '$(id)', 'a b', '-w/tmp/x', 'veth`id`', 'abcdefghijklmnop', '', 'eth0\n']) {
      assert.throws(() => checkInterfaceName(bad), (e: unknown) => e instanceof NetlensError && e.code === 'BAD_INPUT', bad);
    }
  });

  it('runs tcpdump locally with the interface as its own argument, never parsed by a shell', () => {
    const cmd = captureCommand('vethc37d780', { kind: 'local', root: true });
    assert.equal(cmd.display, 'tcpdump -ni vethc37d780');
    assert.deepEqual(cmd.shellArgs.slice(2), ['netlens-capture', 'tcpdump', '-ni', 'vethc37d780']);
    // what the real sh makes of it: test/integration/extension/captureArgv.test.ts
  });

  it("runs tcpdump in the namespace the host facts were read in (rootless Docker), sudo only where needed", () => {
    const words = (c: { shellArgs: readonly string[] }) => c.shellArgs.slice(3);
    const root = captureCommand('br-86f3ecdae359', { kind: 'local', root: true, enter: ['nsenter', '--net=/proc/4242/ns/net'] });
    assert.deepEqual(words(root), ['nsenter', '--net=/proc/4242/ns/net', 'tcpdump', '-ni', 'br-86f3ecdae359']);
    const user = captureCommand('br-86f3ecdae359', { kind: 'local', root: false, enter: ['nsenter', '--target=4242', '--user', '--net', '--preserve-credentials'] });
    assert.deepEqual(words(user), ['nsenter', '--target=4242', '--user', '--net', '--preserve-credentials', 'tcpdump', '-ni', 'br-86f3ecdae359']);
    const other = captureCommand('br0', { kind: 'local', root: false, enter: ['nsenter', '--net=/run/netns/lab'] });
    assert.deepEqual(words(other), ['sudo', 'nsenter', '--net=/run/netns/lab', 'tcpdump', '-ni', 'br0']);
    for (const bad of [['sh', '-c', 'id'], ['nsenter', '--net=$(id)'], ['nsenter', 'a b']]) {
      assert.throws(() => captureCommand('br0', { kind: 'local', root: true, enter: bad }), (e: unknown) => e instanceof NetlensError && e.code === 'BAD_INPUT', bad.join(' '));
    }
  });

  it('goes over ssh with host-key checking on, every choice on the command line, and shows exactly that argv', () => {
    // a HOME without ~/.ssh/config: the argv is what netlens was given plus ssh's defaults
    const env = { HOME: '/nonexistent-netlens-home', USER: 'nobody' };
    const cmd = captureCommand('docker0', { kind: 'ssh', ssh: { host: '127.0.0.1', port: 2222, username: 'root', knownHostsPath: '/tmp/kh' } }, env);
    const argv = cmd.shellArgs.slice(3);
    assert.deepEqual(argv, [
      'ssh', '-F', 'none', '-t', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes',
      '-o', 'UserKnownHostsFile=/tmp/kh', '-o', 'GlobalKnownHostsFile=/etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2',
      '-p', '2222', '-l', 'root', '--', '127.0.0.1', 'tcpdump', '-ni', 'docker0',
    ]);
    // that a real shell splits what the user confirms back into these words: test/integration/extension/captureArgv.test.ts
    assert.throws(() => captureCommand('docker0', { kind: 'ssh', ssh: { host: 'h;id', port: 22 } }, env), /not a host name/);
    assert.throws(() => captureCommand('docker0', { kind: 'ssh', ssh: { host: 'h', port: 22, username: '-oProxyCommand=x' } }, env), /not a user name/);
  });
});

describe('where a capture runs', () => {
  const spec = (settings: Parameters<typeof engineSpecs>[0], shell: 'auto' | 'ssh' | 'none' = 'auto') => engineSpecs(settings, [], { hostShell: shell, ssh: {} }).specs[0]!;

  it('on this machine for the local engine (with sudo unless root)', () => {
    assert.deepEqual(captureTarget({ spec: spec({}), topology: labTopology() }), { kind: 'local', root: process.getuid?.() === 0 });
  });

  it("in RootlessKit's namespace for a rootless engine, entered as the host shell entered it", () => {
    const topo = JSON.parse(hostFixture('rootless/rootless.topology.json')) as Topology;
    const lab = JSON.parse(hostFixture('rootless/lab.json')) as { socketPath: string; dockerdPid: number };
    assert.deepEqual(captureTarget({ spec: spec({ host: `unix://${lab.socketPath}` }), topology: topo }), {
      kind: 'local',
      root: process.getuid?.() === 0,
      enter: ['nsenter', `--net=/proc/${lab.dockerdPid}/ns/net`],
    });
  });

  it('over ssh to the host of an ssh:// engine, with its user and port', () => {
    const target = captureTarget({ spec: spec({ host: 'ssh://ops@127.0.0.1:2222' }), topology: undefined });
    assert.deepEqual(target, { kind: 'ssh', ssh: { host: '127.0.0.1', port: 2222, username: 'ops' } });
  });

  it('nowhere for a remote tcp:// engine without an SSH host shell, or with hostShell none, and it says why', () => {
    const t = labTopology();
    const remote = { ...t, engine: { ...t.engine, endpoint: { kind: 'tcp' as const, url: 'tcp://10.0.0.5:2376', source: 'option', host: '10.0.0.5', port: 2376 } } };
    assert.match(String(captureTarget({ spec: spec({ host: 'tcp://10.0.0.5:2376' }), topology: remote })), /remote and no SSH host shell/);
    assert.match(String(captureTarget({ spec: spec({}, 'none'), topology: t })), /no host shell/);
  });
});

describe('Open published port in browser', () => {
  const local = labTopology().engine.endpoint;

  it('uses the publish address, or loopback for a wildcard, on a local engine', () => {
    assert.equal(publishedUrl(local, { hostIp: '0.0.0.0', hostPort: 28380, protocol: 'tcp' }).url, 'http://127.0.0.1:28380/');
    assert.equal(publishedUrl(local, { hostIp: '127.0.0.1', hostPort: 28381, protocol: 'tcp' }).url, 'http://127.0.0.1:28381/');
    assert.equal(publishedUrl(local, { hostIp: '::', hostPort: 28380, protocol: 'tcp' }).url, 'http://[::1]:28380/');
  });

  it("uses a remote engine's host, and warns when the port is bound to that host's loopback", () => {
    const remote = { kind: 'ssh' as const, url: 'ssh://me@10.1.2.3:22', source: 'option', host: '10.1.2.3', port: 22, username: 'me' };
    const noConfig = { HOME: '/nonexistent-netlens-home' };
    assert.equal(publishedUrl(remote, { hostIp: '0.0.0.0', hostPort: 8080, protocol: 'tcp' }, noConfig).url, 'http://10.1.2.3:8080/');
    assert.match(publishedUrl(remote, { hostIp: '127.0.0.1', hostPort: 8080, protocol: 'tcp' }, noConfig).note ?? '', /bound to 127\.0\.0\.1 on 10\.1\.2\.3/);
    assert.throws(() => publishedUrl(local, { hostIp: '0.0.0.0', hostPort: 53, protocol: 'udp' }), /not a TCP port/);
  });

  it('opens an ssh:// engine named by a ~/.ssh/config alias at the HostName the alias stands for', () => {
    const home = mkdtempSync(join(tmpdir(), 'nlu-url-'));
    try {
      mkdirSync(join(home, '.ssh'));
      writeFileSync(join(home, '.ssh', 'config'), 'Host docker-box\n    HostName 10.1.2.4\n    Port 2222\n');
      const aliased = { kind: 'ssh' as const, url: 'ssh://docker-box', source: 'option', host: 'docker-box' };
      assert.equal(publishedUrl(aliased, { hostIp: '0.0.0.0', hostPort: 8080, protocol: 'tcp' }, { HOME: home }).url, 'http://10.1.2.4:8080/');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('Engines from settings', () => {
  it('one engine like the docker CLI when nothing is set', () => {
    const { specs, problems } = engineSpecs({}, [], defaults);
    assert.deepEqual(problems, []);
    assert.equal(specs.length, 1);
    assert.deepEqual(specs[0]!.options, { hostShell: 'auto' });
  });

  it('several engines as separate roots with unique keys; bad entries reported, the rest kept', () => {
    const { specs, problems } = engineSpecs({ host: 'unix:///ignored.sock' }, [
      { name: 'here', host: 'unix:///var/run/docker.sock' },
      { name: 'here', context: 'default' },
      { host: 'http://nope' },
      { name: 'box', host: 'ssh://ops@127.0.0.1:2222', ssh: { knownHostsPath: '/tmp/kh' } },
      { name: 'tcp', host: 'tcp://10.0.0.5:2376' },
      { name: 'bad-shell', host: 'tcp://10.0.0.5:2376', hostShell: 'ssh' },
      'oops',
    ], defaults);
    assert.deepEqual(specs.map((s) => s.key), ['here', 'here (2)', 'box', 'tcp', 'bad-shell']);
    assert.deepEqual(problems, ['netlens.engines[2]: engine "http://nope" is not a unix://, tcp://, ssh:// or npipe:// URL', 'netlens.engines[6] is not an object']);
    assert.deepEqual(specs[2]!.options.ssh, { host: '127.0.0.1', port: 2222, username: 'ops', knownHostsPath: '/tmp/kh' });
    assert.equal(specs[3]!.options.ssh, undefined, 'auto over tcp:// gets no ssh host shell by surprise');
    assert.deepEqual(specs[4]!.options.ssh, { host: '10.0.0.5' }, 'hostShell ssh goes to the tcp:// engine host');
  });

  it('hostShell ssh with no host anywhere is a clear problem, not a silent local shell', () => {
    const { specs, problems } = engineSpecs({}, [], { hostShell: 'ssh', ssh: {} });
    assert.equal(specs.length, 0);
    assert.match(problems[0] ?? '', /no SSH host/);
  });
});

describe('Docker contexts', () => {
  it('parses `docker context ls --format {{json .}}` as recorded here', () => {
    const contexts = parseDockerContexts(readFileSync(fixturePath('docker-context-ls.jsonl'), 'utf8'));
    assert.deepEqual(contexts, [{ name: 'default', description: 'Current DOCKER_HOST based configuration', endpoint: 'unix:///var/run/docker.sock', current: true, error: '' }]);
    assert.throws(() => parseDockerContexts('{"Name":"a"}\nnot json'), (e: unknown) => e instanceof NetlensError && e.code === 'PARSE' && /line 2/.test(e.message));
  });
});
