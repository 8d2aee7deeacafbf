import { strict as assert } from 'node:assert';
import { parseDockerProxies, parseProcesses } from '../../../src/core/host/commands/processes';
import { NetlensError } from '../../../src/core/errors';
import { hostFixture, hostLab } from '../../support/hostFixtures';

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
