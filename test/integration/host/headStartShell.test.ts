/**
 * A local shell taking over a run started ahead (the CLI's head start: src/cli/headStart.ts starts
 * it, shell.ts adopts it): real `sh`, real process groups. What the early run printed before it was
 * taken over is not lost, whether it had finished or not; a run that is not the one composed is
 * stopped with its whole group; a taken-over run is cancelled like any other.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliHeadStart, fileOf, startEarlyRun, takeEarlyRun } from '../../../src/cli/headStart';
import { LOCAL_SCRIPT_MAX, guardedLocalRun, guardedRun } from '../../../src/core/host/runGuard';
import { createLocalShell } from '../../../src/core/host/shell';
import { ranWith } from '../../support/shellResult';

const ARGS = ['test-head-start'];

function processesWith(needle: string): string[] {
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(needle) && !l.includes('ps -eo'));
}

const sleepMs = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('host: a local shell takes over a run started ahead', function () {
  this.timeout(30_000);
  let dir: string;
  /** records `script` as the run of ARGS, starts it as the launcher does, and gives a shell with that head start */
  const startedAhead = (script: string) => {
    // as shell.ts runs it: in the environment, or through stdin when too long for that
    const g = guardedLocalRun(script) ?? guardedRun(script, null);
    writeFileSync(fileOf(dir, ARGS), JSON.stringify({ args: ARGS, argv: ['sh', ...g.args], env: g.env, input: g.input, delimiter: 'NLBfedcba9876543210fedcba9876543210', endMarker: g.marker }), { mode: 0o600 });
    startEarlyRun(dir, ARGS, { ...process.env, NETLENS_HEAD_START: '1' });
    const early = takeEarlyRun();
    assert.ok(early, 'the early run started');
    return { early, shell: createLocalShell({ headStart: cliHeadStart({}, ARGS, early) }) };
  };

  /** each start of a script that begins with `started` adds a line to this file: one line means one run, taken over */
  const starts = (): number => (existsSync(join(dir, 'starts')) ? readFileSync(join(dir, 'starts'), 'utf8').split('\n').filter(Boolean).length : 0);
  const started = (): string => `echo x >> '${join(dir, 'starts')}'`;

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'nlhss-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('taken over after it finished: all it printed, its stderr and its exit status', async () => {
    const script = `${started()}; printf 'one\\n'; printf 'warn\\n' >&2; sleep 0.1; printf 'two\\n'; exit 3`;
    const { shell } = startedAhead(script);
    await sleepMs(600);
    const r = await shell.run(script);
    assert.deepEqual(r, ranWith('one\ntwo\n', 'warn\n', 3));
    assert.equal(starts(), 1, 'one run: the early one, taken over');
    await shell.dispose();
  });

  it('taken over while it runs: what came before and what comes after, in order', async () => {
    const script = `${started()}; for i in 1 2 3 4 5; do echo "line $i"; sleep 0.05; done`;
    const { shell } = startedAhead(script);
    await sleepMs(80);
    const seen: string[] = [];
    const r = await shell.run(script, undefined, (b) => seen.push(b.toString()));
    assert.equal(r.stdout, 'line 1\nline 2\nline 3\nline 4\nline 5\n');
    assert.equal(seen.join(''), r.stdout, 'progress sees every chunk once, in order');
    assert.equal(r.code, 0);
    assert.equal(starts(), 1, 'one run: the early one, taken over');
    await shell.dispose();
  });

  it('a script too long for the environment goes through stdin, early or not', async () => {
    const script = `${started()}; echo long\n# ${'x'.repeat(LOCAL_SCRIPT_MAX)}\n`;
    assert.equal(guardedLocalRun(script), null);
    const { early, shell } = startedAhead(script);
    assert.ok(early.endMarker && early.input.includes(early.endMarker), 'the early run sent it through stdin, with a fresh end marker');
    const r = await shell.run(script);
    assert.deepEqual(r, ranWith('long\n', '', 0));
    assert.equal(starts(), 1, 'one run: the early one, taken over');
    await shell.dispose();
  });

  it('a run that is not the one composed is stopped with its whole group, and the shell runs its own', async () => {
    const { shell } = startedAhead(`${started()}; sleep 35.25 & sleep 35.25; echo early`);
    await sleepMs(100);
    assert.equal(processesWith('sleep 35.25').length, 2);
    const r = await shell.run(`${started()}; echo composed`);
    assert.equal(starts(), 2, 'the early run, then the one composed');
    assert.deepEqual(r, ranWith('composed\n', '', 0));
    assert.deepEqual(processesWith('sleep 35.25'), []);
    // the head start is given once: the next run is a plain one
    assert.equal((await shell.run('echo again')).stdout, 'again\n');
    await shell.dispose();
  });

  it('a taken-over run is cancelled like any other: the group is killed', async () => {
    const script = `${started()}; sleep 36.5; echo never`;
    const { shell } = startedAhead(script);
    const ac = new AbortController();
    const running = shell.run(script, ac.signal);
    await sleepMs(150);
    assert.equal(processesWith('sleep 36.5').length, 1);
    assert.equal(starts(), 1, 'one run: the early one, taken over');
    ac.abort();
    await assert.rejects(running, /aborted/);
    await sleepMs(50);
    assert.deepEqual(processesWith('sleep 36.5'), []);
    await shell.dispose();
  });
});
