import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { composeBatch, newDelimiter, parseBatch } from '../../../src/core/host/batch';
import { HOST_COMMANDS } from '../../../src/core/host/collect';
import { parseContainerNetns } from '../../../src/core/host/commands/containerNetns';
import { IMAGE, docker, removeLab, requireRealEngine } from '../../support/lab';

const runningIds = (): string[] => execFileSync('docker', ['ps', '-q', '--no-trunc']).toString().trim().split('\n').filter(Boolean);

describe('host integration: the whole host script under the shells hosts have', function () {
  this.timeout(60_000);
  // a container of its own, so the suite never depends on what other suites left running
  const P = 'nlh-shells-';
  before(() => {
    requireRealEngine();
    removeLab(P);
    docker('run', '-d', '--name', `${P}c`, IMAGE, 'sleep', '600');
  });
  after(() => removeLab(P));

  // Debian's sh is dash; RHEL's is bash; Alpine and embedded hosts have busybox ash.
  for (const [cmd, args] of [['dash', ['-s']], ['bash', ['--posix', '-s']], ['busybox', ['sh', '-s']]] as const) {
    it(`${cmd} ${args.join(' ')}: every section comes back framed, and every running container's namespace is found`, () => {
      const before = runningIds();
      const delimiter = newDelimiter();
      const out = execFileSync(cmd, [...args], { input: composeBatch(HOST_COMMANDS, delimiter), maxBuffer: 64 << 20 }).toString();
      const after = new Set(runningIds());
      const sections = parseBatch(out, delimiter, HOST_COMMANDS.map((c) => c.name));
      for (const [name, s] of sections) assert.notEqual(s.code, -1, `${name} under ${cmd}`);
      // Debian's static busybox sh runs its own `ip` applet, which has no `netns list`: there the
      // netns section fails and says so (its status is the list's), and the rest must still work.
      const mustWork = ['hostname', 'ip-addr', 'ip-route', 'iptables-save', 'sysctls', 'processes', ...(cmd === 'busybox' ? [] : ['netns'])];
      for (const name of mustWork) {
        assert.equal(sections.get(name)?.code, 0, `${name} under ${cmd}: ${sections.get(name)?.stderr}`);
      }
      if (cmd === 'busybox' && sections.get('netns')?.code !== 0) assert.match(sections.get('netns')?.stderr ?? '', /BusyBox|Usage/);
      const netns = parseContainerNetns(sections.get('processes')?.parts ?? []);
      // other suites start and stop containers meanwhile: those running throughout must be there
      const steady = before.filter((id) => after.has(id));
      assert.ok(steady.length > 0, 'no running container to look for');
      for (const id of steady) assert.ok(netns[id]?.interfaces.known, `${id} under ${cmd}`);
    });
  }
});
