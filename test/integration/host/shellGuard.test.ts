/**
 * The local host shell under a stalled command: the limit ends the run with SHELL_TIMEOUT, keeps
 * what was printed, and kills the whole process group — the stalled command, what it forked, and
 * what ran in the background. A cancel does the same; a finished run leaves nothing behind; and a
 * netlens process that dies mid-run takes its batch with it. The process table is the judge.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBatch, sectionFailure } from '../../../src/core/host/batch';
import { createLocalShell, ShellTimeoutError } from '../../../src/core/host/shell';
import { NetlensError } from '../../../src/core/errors';
import { LOCAL_SCRIPT_MAX } from '../../../src/core/host/runGuard';
import { uniqueSeconds, waitUntilGone, waitUntilRunning } from '../../support/faults';
import { ranWith } from '../../support/shellResult';

describe('host: a run never outlives its limit or its caller', function () {
  this.timeout(30_000);

  it('a stalled command: SHELL_TIMEOUT with the output so far, and the whole group killed', async () => {
    const n = uniqueSeconds();
    const shell = createLocalShell({ timeoutMs: 700 });
    // the stall forks a grandchild and leaves a background job: every one must go
    const err = await shell.run(`echo before; sleep ${n} & sh -c 'sleep ${n}; true'; echo never`).then(
      () => assert.fail('expected a timeout'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ShellTimeoutError, String(err));
    assert.equal(err.code, 'SHELL_TIMEOUT');
    assert.match(err.message, /did not finish within 700 ms; netlens killed it and every command it had started/);
    assert.equal(err.stdout, 'before\n');
    assert.deepEqual(await waitUntilGone(`sleep ${n}`, 3000), [], 'nothing of the run is left');
  });

  it('a cancel kills the group at once', async () => {
    const n = uniqueSeconds();
    const shell = createLocalShell({ timeoutMs: 20_000 });
    const ac = new AbortController();
    const run = shell.run(`sleep ${n} & sleep ${n}`, ac.signal);
    await waitUntilRunning(`sleep ${n}`, 5000);
    ac.abort();
    await assert.rejects(run, (e: unknown) => e instanceof NetlensError && e.code === 'SHELL' && /aborted/.test(e.message));
    assert.deepEqual(await waitUntilGone(`sleep ${n}`, 3000), []);
  });

  it('dispose() ends every run still going', async () => {
    const n = uniqueSeconds();
    const shell = createLocalShell({ timeoutMs: 20_000 });
    const run = shell.run(`sleep ${n}`);
    await waitUntilRunning(`sleep ${n}`, 5000);
    await shell.dispose();
    await assert.rejects(run, (e: unknown) => e instanceof NetlensError && /disposed/.test(e.message));
    assert.deepEqual(await waitUntilGone(`sleep ${n}`, 3000), []);
  });

  it('a finished run keeps its exit status, stdout and stderr, and leaves no watcher, timer or stray job', async () => {
    const n = uniqueSeconds();
    // a limit of its own, so this run's guard (`… nl-run MARKER <limit + 5>`) and timer (`sleep <limit + 5>`) can be told apart
    const deadline = Number(uniqueSeconds());
    const shell = createLocalShell({ timeoutMs: (deadline - 5) * 1000 });
    // the script leaves a double-forked background job behind, as a careless host command might
    const r = await shell.run(`printf 'a\\\\b  c\\n'; echo oops >&2; (sleep ${n} &); exit 3`);
    assert.deepEqual(r, ranWith('a\\b  c\n', 'oops\n', 3));
    assert.deepEqual(await waitUntilGone(`sleep ${n}`, 3000), []);
    assert.deepEqual(await waitUntilGone(` ${deadline}`, 3000), [], 'no guard or timer process is left');
  });

  it("a local run's script is in the shell's environment: no process shows it in its arguments, none it starts inherits it; one too long for that goes through stdin", async () => {
    const token = `nltoken${uniqueSeconds().replace('.', '')}`;
    const shell = createLocalShell();
    // the bracket keeps grep's own arguments from matching
    const look = `ps -eo args | grep -c '${token.slice(0, 3)}[${token[3]}]${token.slice(4)}'; env | grep -c '^NL_SCRIPT='; true`;
    const r = await shell.run(`# ${token}\n${look}`);
    assert.deepEqual(r, ranWith('0\n0\n', '', 0));
    const long = await shell.run(`# ${'y'.repeat(LOCAL_SCRIPT_MAX)}\necho long; exit 4`);
    assert.deepEqual(long, ranWith('long\n', '', 4));
    await shell.dispose();
  });

  it('the batch keeps the sections that finished and says which command stalled', async () => {
    const n = uniqueSeconds();
    const shell = createLocalShell({ timeoutMs: 800 });
    const run = await runBatch(shell, [
      { name: 'first', requires: [], script: 'echo one' },
      { name: 'stalls', requires: [], script: `sleep ${n}` },
      { name: 'after', requires: [], script: 'echo three' },
    ]);
    assert.match(run.timedOut ?? '', /within 800 ms/);
    assert.equal(run.sections.get('first')?.stdout, 'one\n');
    assert.equal(run.sections.get('first')?.code, 0);
    assert.match(sectionFailure('stalls', run.sections.get('stalls')!) ?? '', /^stalls: did not finish: the host batch was stopped after 800 ms/);
    assert.match(sectionFailure('after', run.sections.get('after')!) ?? '', /^after: not run: the host batch was stopped after 800 ms/);
    assert.deepEqual(await waitUntilGone(`sleep ${n}`, 3000), []);
  });

  it('a netlens process killed mid-run takes its batch with it (the guard sees its input close)', async () => {
    const n = uniqueSeconds();
    const dir = mkdtempSync(join(tmpdir(), 'nls-guard-'));
    try {
      const shellModule = join(__dirname, '../../../src/core/host/shell.js');
      const script = join(dir, 'run.js');
      writeFileSync(script, `require(${JSON.stringify(shellModule)}).createLocalShell({ timeoutMs: 600000 }).run('sleep ${n} & sleep ${n}');\n`);
      chmodSync(script, 0o644);
      const child = spawn(process.execPath, [script], { stdio: 'ignore' });
      await waitUntilRunning(`sleep ${n}`, 5000);
      child.kill('SIGKILL');
      assert.deepEqual(await waitUntilGone(`sleep ${n}`, 3000), [], 'the batch died with the process that ran it');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a prefix that fails to start is a SHELL error naming it, as before', async () => {
    const shell = createLocalShell({ prefix: ['/nonexistent/nl-prefix'] });
    await assert.rejects(shell.run('true'), (e: unknown) => e instanceof NetlensError && e.code === 'SHELL' && e.tried === '/nonexistent/nl-prefix sh -s');
  });

  // The guard is shell code too: it must hold under the `sh` hosts have — dash (Debian), bash
  // (RHEL's sh, in POSIX mode), busybox ash (Alpine, embedded).
  for (const [name, target] of [['dash', '/bin/dash'], ['bash', '/bin/bash'], ['busybox', '/bin/busybox']] as const) {
    it(`under ${name} as sh: exit status and output kept, a stall killed whole`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'nls-sh-'));
      try {
        symlinkSync(target, join(dir, 'sh'));
        const env = { ...process.env, PATH: `${dir}:${process.env.PATH ?? '/usr/bin:/bin'}` };
        const ok = await createLocalShell({ env, timeoutMs: 10_000 }).run(`printf '%s\\n' "  lead" 'back\\slash'; echo e >&2; exit 7`);
        assert.deepEqual(ok, ranWith('  lead\nback\\slash\n', 'e\n', 7));
        const n = uniqueSeconds();
        const err = await createLocalShell({ env, timeoutMs: 600 }).run(`echo x; sleep ${n} & sleep ${n}`).catch((e: unknown) => e);
        assert.ok(err instanceof ShellTimeoutError, String(err));
        assert.equal(err.stdout, 'x\n');
        assert.deepEqual(await waitUntilGone(`sleep ${n}`, 3000), []);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

