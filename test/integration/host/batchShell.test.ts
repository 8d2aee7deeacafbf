/**
 * The batch script run by the real `sh` of this machine: its framing, and a command prefix.
 * (The parsing of recorded runs is in test/unit/host/batch.test.ts.)
 */
import { strict as assert } from 'node:assert';
import { composeBatch, parseBatch, runBatch, sectionFailure } from '../../../src/core/host/batch';
import { newDelimiter } from '../../../src/core/host/markers';
import type { BatchCommand } from '../../../src/core/host/batch';
import { createLocalShell } from '../../../src/core/host/shell';
import type { HostShell } from '../../../src/core/host/shell';
import { NetlensError } from '../../../src/core/errors';

/** Counts round trips, so a test can prove a batch is one. */
function countingShell(): HostShell & { runs: number } {
  const inner = createLocalShell();
  const s = {
    target: inner.target,
    transport: inner.transport,
    runs: 0,
    run(script: string, signal?: AbortSignal) {
      s.runs++;
      return inner.run(script, signal);
    },
    dispose: () => inner.dispose(),
  };
  return s;
}

describe('host: batch script framing (run by the real sh)', () => {
  it('returns each command’s stdout, stderr and exit code in one round trip', async () => {
    const shell = countingShell();
    const { sections } = await runBatch(shell, [
      { name: 'a', requires: [], script: "printf 'one\\ntwo\\n'; echo oops >&2; exit 3" },
      { name: 'b', requires: [], script: "printf 'no newline at end'" },
      { name: 'c', requires: [], script: 'true' },
    ]);
    assert.equal(shell.runs, 1);
    assert.deepEqual(sections.get('a'), { stdout: 'one\ntwo\n', parts: [], stderr: 'oops', code: 3 });
    assert.deepEqual(sections.get('b'), { stdout: 'no newline at end', parts: [], code: 0 });
    assert.deepEqual(sections.get('c'), { stdout: '', parts: [], code: 0 });
  });

  it('cannot be forged: output that imitates the markers, even with an earlier run’s delimiter, stays inside its section', async () => {
    const old = newDelimiter();
    const forged = [`${old}:end:a:0:`, `${old}:done:a`, `${old}:begin:b`, 'NLB:end:a:0:', ':part:x', 'fake'].join('\\n');
    const { sections } = await runBatch(createLocalShell(), [
      { name: 'a', requires: [], script: `printf '${forged}\\n'; printf '${forged}\\n' >&2` },
      { name: 'b', requires: [], script: 'echo real-b' },
    ]);
    const a = sections.get('a');
    assert.equal(a?.code, 0);
    assert.equal(a?.stdout, forged.replace(/\\n/g, '\n') + '\n');
    assert.equal(a?.stderr, forged.replace(/\\n/g, '\n'));
    assert.equal(a?.parts.length, 0);
    assert.equal(sections.get('b')?.stdout, 'real-b\n');
  });

  it('never shows the delimiter to the commands it runs (not in any process argument or environment)', async () => {
    const { sections, shell } = await (async () => {
      const commands: BatchCommand[] = [{ name: 'ps', requires: ['ps'], script: 'ps -eo args=; env; set' }];
      return runBatch(createLocalShell(), commands);
    })();
    const out = sections.get('ps')?.stdout ?? '';
    assert.ok(out.includes(' nl-run'), 'ps should list our own shell');
    const delimiter = /(NLB[0-9a-f]{32}):begin:ps/.exec(shell.stdout)?.[1];
    assert.ok(delimiter);
    // `set` prints shell variables — NL_D is one; only that line may carry the delimiter
    const leaks = out.split('\n').filter((l) => l.includes(delimiter) && !/^NL_D=/.test(l));
    assert.deepEqual(leaks, []);
  });

  it('a missing program gives code 127 and names it, without running the command', async () => {
    const { sections } = await runBatch(createLocalShell(), [
      { name: 'x', requires: ['sh', 'nlh-no-such-tool'], script: 'echo should-not-run' },
    ]);
    const x = sections.get('x');
    assert.equal(x?.code, 127);
    assert.equal(x?.stdout, '');
    assert.deepEqual(x?.missing, ['nlh-no-such-tool']);
    assert.equal(sectionFailure('x', x!), 'nlh-no-such-tool not found on the host (command -v), needed for x');
  });

  it('an inShell section runs in the batch shell itself: no process of its own, its output and status framed as any other', async () => {
    // each section prints the pid of the process that runs it ($$ is the batch shell in a subshell
    // too, so the subshell's own pid is read from /proc/self/stat by a builtin read: the stat of
    // the process that opens it)
    const pid = 'read -r nl_p _ < /proc/self/stat; printf "%s\\n" "$nl_p"';
    const { sections } = await runBatch(createLocalShell(), [
      { name: 'own', requires: [], script: pid },
      { name: 'inshell', requires: [], script: `${pid}; nl_kept=yes; false`, inShell: true },
      { name: 'after', requires: [], script: `${pid}; printf '%s\\n' "\${nl_kept:-}"` },
    ]);
    const own = sections.get('own')!;
    const inShell = sections.get('inshell')!;
    const after = sections.get('after')!;
    assert.equal(inShell.code, 1);
    assert.equal(inShell.stderr ?? '', '');
    const [afterPid, kept] = after.stdout.trim().split('\n');
    // the subshells are processes of their own; the inShell section is the batch shell, which
    // both subshells were forked from, so its pid is neither of theirs
    assert.notEqual(inShell.stdout.trim(), own.stdout.trim());
    assert.notEqual(inShell.stdout.trim(), afterPid);
    assert.match(inShell.stdout.trim(), /^\d+$/);
    // what it set is the batch shell's, which the later sections inherit
    assert.equal(kept, 'yes');
  });

  it('splits nl_part sub-parts and keeps the text before them as stdout', async () => {
    const { sections } = await runBatch(createLocalShell(), [
      { name: 'p', requires: [], script: "echo head; nl_part one; printf 'a\\nb\\n'; nl_part two; printf 'c'" },
    ]);
    assert.deepEqual(sections.get('p')?.parts, [{ name: 'one', text: 'a\nb\n' }, { name: 'two', text: 'c' }]);
    assert.equal(sections.get('p')?.stdout, 'head\n');
  });

  it('a command that exits or is cut short does not take the next one with it; a truncated run reports -1', async () => {
    const delimiter = newDelimiter();
    const script = composeBatch([{ name: 'a', requires: [], script: 'exit 0' }, { name: 'b', requires: [], script: 'echo b' }], delimiter);
    const full = await createLocalShell().run(script);
    const parsed = parseBatch(full.stdout, delimiter, ['a', 'b']);
    assert.equal(parsed.get('b')?.stdout, 'b\n');
    const cut = parseBatch(full.stdout.slice(0, full.stdout.indexOf(`${delimiter}:begin:b`) + 10), delimiter, ['a', 'b']);
    assert.equal(cut.get('a')?.code, 0);
    assert.equal(cut.get('b')?.code, -1);
  });
});

describe('host: a local shell started through a command prefix', () => {
  it('runs the batch under the prefix (as nsenter --net=… would) and says so in its target', async () => {
    const shell = createLocalShell({ prefix: ['env', 'NL_PREFIXED=yes'] });
    assert.equal(shell.target, 'local (env NL_PREFIXED=yes)');
    assert.equal(createLocalShell().target, 'local');
    const { sections } = await runBatch(shell, [{ name: 'a', requires: [], script: 'printf %s "$NL_PREFIXED"' }]);
    assert.equal(sections.get('a')?.stdout, 'yes');
  });

  it('a prefix command that cannot start is a SHELL error naming the whole command', async () => {
    const shell = createLocalShell({ prefix: ['/nonexistent/nl-prefix', '--net=/run/netns/x'] });
    await assert.rejects(shell.run('true'), (e: unknown) => e instanceof NetlensError && e.code === 'SHELL' && e.tried === '/nonexistent/nl-prefix --net=/run/netns/x sh -s');
  });
});
