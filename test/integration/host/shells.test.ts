import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeBatch, parseBatch } from '../../../src/core/host/batch';
import { newDelimiter } from '../../../src/core/host/markers';
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
      const mustWork = ['hostname', 'ip-addr', 'ip-route', 'iptables-save', 'sysctls', 'container-netns', ...(cmd === 'busybox' ? [] : ['netns'])];
      for (const name of mustWork) {
        assert.equal(sections.get(name)?.code, 0, `${name} under ${cmd}: ${sections.get(name)?.stderr}`);
      }
      if (cmd === 'busybox' && sections.get('netns')?.code !== 0) assert.match(sections.get('netns')?.stderr ?? '', /BusyBox|Usage/);
      const netns = parseContainerNetns(sections.get('container-netns')?.parts ?? []);
      // other suites start and stop containers meanwhile: those running throughout must be there
      const steady = before.filter((id) => after.has(id));
      assert.ok(steady.length > 0, 'no running container to look for');
      for (const id of steady) assert.ok(netns[id]?.interfaces.known, `${id} under ${cmd}`);
    });
  }

  // A section of another lane runs beside the others: proven by two sections that each wait for a mark
  // the other leaves, which only finishes when they run at once (run in turn, the first would
  // give up waiting and say so). No clock is read.
  for (const [cmd, args] of [['dash', ['-s']], ['bash', ['--posix', '-s']], ['busybox', ['sh', '-s']]] as const) {
    it(`${cmd}: a section of another lane runs beside the others, and its output comes after theirs, whole`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'nl-concurrent-'));
      try {
        const meet = (mine: string, theirs: string): string =>
          `: > '${join(dir, mine)}'\nn=0\nwhile [ ! -e '${join(dir, theirs)}' ]; do n=$((n+1)); [ $n -gt 200 ] && { echo "${theirs} never came" >&2; exit 9; }; sleep 0.05; done\necho met ${theirs}`;
        const commands = [
          { name: 'first', requires: [], script: 'echo one' },
          { name: 'left', requires: [], script: meet('left', 'right') },
          { name: 'right', requires: [], lane: 1, script: `${meet('right', 'left')}\nnl_part tail\nprintf 'kept\\n\\n\\n'` },
          { name: 'last', requires: [], script: 'echo two' },
        ];
        const delimiter = newDelimiter();
        const out = execFileSync(cmd, [...args], { input: composeBatch(commands, delimiter), maxBuffer: 1 << 20 }).toString();
        const sections = parseBatch(out, delimiter, commands.map((c) => c.name));
        assert.equal(sections.get('left')?.code, 0, `left under ${cmd}: ${sections.get('left')?.stderr}`);
        assert.equal(sections.get('right')?.code, 0, `right under ${cmd}: ${sections.get('right')?.stderr}`);
        assert.equal(sections.get('left')?.stdout.trim(), 'met right');
        assert.equal(sections.get('right')?.stdout.trim(), 'met left');
        // the held output keeps its trailing newlines, and parts
        assert.deepEqual(sections.get('right')?.parts, [{ name: 'tail', text: 'kept\n\n\n' }]);
        assert.equal(sections.get('first')?.stdout, 'one\n');
        assert.equal(sections.get('last')?.stdout, 'two\n');
        // sections never interleave: the held one begins after every other has ended
        const beginRight = out.indexOf(`${delimiter}:begin:right`);
        for (const name of ['first', 'left', 'last']) assert.ok(out.indexOf(`${delimiter}:done:${name}`) < beginRight, `${name} ends before right begins`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it(`${cmd}: three lanes run at once, and their output comes lane after lane, whole`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'nl-lanes-'));
      try {
        const wait = (theirs: string): string =>
          `n=0\nwhile [ ! -e '${join(dir, theirs)}' ]; do n=$((n+1)); [ $n -gt 200 ] && { echo "${theirs} never came" >&2; exit 9; }; sleep 0.05; done`;
        const mark = (mine: string): string => `: > '${join(dir, mine)}'`;
        // lane 0 waits for lanes 1 and 2, which wait for lane 0: only all three at once can finish
        const commands = [
          { name: 'zero', requires: [], script: `${mark('zero')}\n${wait('one')}\n${wait('two')}\necho zero` },
          { name: 'one', requires: [], lane: 1, script: `${mark('one')}\n${wait('zero')}\nprintf 'one\\n\\n'` },
          { name: 'two', requires: [], lane: 2, script: `${mark('two')}\n${wait('zero')}\nnl_part p\necho two` },
          { name: 'zero-b', requires: [], script: 'echo after' },
        ];
        const delimiter = newDelimiter();
        const out = execFileSync(cmd, [...args], { input: composeBatch(commands, delimiter), maxBuffer: 1 << 20 }).toString();
        const sections = parseBatch(out, delimiter, commands.map((c) => c.name));
        for (const c of commands) assert.equal(sections.get(c.name)?.code, 0, `${c.name} under ${cmd}: ${sections.get(c.name)?.stderr}`);
        assert.equal(sections.get('one')?.stdout, 'one\n\n');
        assert.deepEqual(sections.get('two')?.parts, [{ name: 'p', text: 'two\n' }]);
        const at = (what: string, name: string) => out.indexOf(`${delimiter}:${what}:${name}`);
        assert.ok(at('done', 'zero-b') < at('begin', 'one') && at('done', 'one') < at('begin', 'two'), 'lane 0, then 1, then 2');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
