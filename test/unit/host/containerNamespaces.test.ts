import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDockerProxies, parseProcesses, proxiesInShellNetns } from '../../../src/core/host/commands/containerNamespaces';
import { parseBatch } from '../../../src/core/host/batch';
import { NetlensError } from '../../../src/core/errors';
import { HOST_FIXTURES, hostFixture, hostLab } from '../../support/hostFixtures';

describe('host: ps -eo pid=,ppid=,args=', () => {
  const processes = parseProcesses(hostFixture('ps.txt'));

  it('reads every process line, kernel threads included', () => {
    assert.equal(processes.length, hostFixture('ps.txt').trim().split('\n').length);
    assert.deepEqual(processes.find((p) => p.pid === 2), { pid: 2, ppid: 0, args: '[kthreadd]' });
  });

  it("finds the lab's published port as one docker-proxy per address family, aimed at nlh-web", () => {
    const lab = hostLab();
    const proxies = parseDockerProxies(processes).filter((p) => p.hostPort === lab.publishedPort);
    assert.deepEqual(
      proxies.map((p) => `${p.proto} ${p.hostIp}:${p.hostPort} -> ${p.containerIp}:${p.containerPort}`).sort(),
      [`tcp 0.0.0.0:${lab.publishedPort} -> ${lab.containers['nlh-web'].ip}:80`, `tcp :::${lab.publishedPort} -> ${lab.containers['nlh-web'].ip}:80`],
    );
  });

  it('rejects a docker-proxy without its flags, and an unseen ps line, with PARSE quoting them', () => {
    assert.throws(
      () => parseDockerProxies([{ pid: 9, ppid: 1, args: '/usr/bin/docker-proxy -proto tcp -host-port x' }]),
      (e: unknown) => e instanceof NetlensError && e.code === 'PARSE' && e.message.includes('-host-port x'),
    );
    assert.throws(() => parseProcesses('  PID  PPID COMMAND\n'), (e: unknown) => e instanceof NetlensError && e.message.includes('PID  PPID COMMAND'));
  });
});

describe('host: docker-proxy processes of this host only (two Docker hosts on one machine)', () => {
  const delimiter = 'NLBfixture0123456789abcdef';
  const section = (file: string) => parseBatch(readFileSync(join(HOST_FIXTURES, 'two-engines', file), 'utf8'), delimiter, ['container-netns']).get('container-netns')!;
  const proxiesOf = (file: string) => {
    const s = section(file);
    assert.equal(s.code, 0);
    const all = parseDockerProxies(parseProcesses(s.stdout));
    return { all, here: proxiesInShellNetns(all, s.parts) };
  };

  it("the default daemon's host keeps its own proxies (10.213.7x targets), not another dockerd's", () => {
    const { all, here } = proxiesOf('engine28.5.2-a.processes-batch.txt');
    assert.ok(all.some((p) => p.containerIp.startsWith('10.216.')), "the machine's process list holds another engine's proxies");
    assert.ok(here.length > 0);
    assert.deepEqual(here.filter((p) => !p.containerIp.startsWith('10.213.7')).map((p) => p.args), []);
    assert.deepEqual(
      here.filter((p) => p.hostIp === '0.0.0.0' || p.hostIp === '10.213.71.1' || p.hostIp === '127.0.0.1').map((p) => `${p.proto} ${p.hostIp}:${p.hostPort} -> ${p.containerIp}:${p.containerPort}`).sort(),
      ['tcp 0.0.0.0:8080 -> 10.213.72.2:80', 'tcp 0.0.0.0:8083 -> 10.213.79.2:80', 'tcp 0.0.0.0:8090 -> 10.213.73.2:80', 'tcp 10.213.71.1:8081 -> 10.213.72.2:80', 'tcp 127.0.0.1:8082 -> 10.213.72.2:80', 'udp 0.0.0.0:5353 -> 10.213.72.2:5353'],
    );
    assert.equal(here.length, all.filter((p) => p.containerIp.startsWith('10.213.7')).length);
  });

  it('the --userland-proxy=false daemon\'s host has none, though ps lists the other daemons\' proxies', () => {
    const { all, here } = proxiesOf('engine28.5.2-b.processes-batch.txt');
    assert.ok(all.length >= 10);
    assert.deepEqual(here, []);
  });

  it('keeps a proxy whose namespace is unknown, and all of them without the part or the shell\'s own', () => {
    const p = (pid: number) => ({ pid, proto: 'tcp', hostIp: '0.0.0.0', hostPort: 8080, containerIp: '172.17.0.2', containerPort: 80, args: '' });
    const proxies = [p(10), p(11), p(12)];
    const part = (text: string) => [{ name: 'proxy-netns', text }];
    // 10 elsewhere, 11 here, 12 unreadable (not root, or gone meanwhile)
    assert.deepEqual(proxiesInShellNetns(proxies, part('self net:[1]\n10 net:[2]\n11 net:[1]\n12 \n')).map((x) => x.pid), [11, 12]);
    assert.deepEqual(proxiesInShellNetns(proxies, []).map((x) => x.pid), [10, 11, 12], 'a recording made before the part existed');
    assert.deepEqual(proxiesInShellNetns(proxies, part('self \n10 net:[2]\n')).map((x) => x.pid), [10, 11, 12], 'the shell could not read its own');
  });
});
