/**
 * The built CLI's compile cache (dist/cli.js runs dist/cli-main.js with V8's code cache,
 * src/cli/launch.ts): the first run writes it, the next ones use it and behave the same, V8
 * refusing a damaged one only means it is written again, and one that others could have written
 * is not read. Each case has a cache directory of its own (XDG_CACHE_HOME).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = join(__dirname, '../../../../dist/cli.js');

describe('CLI compile cache (dist/cli.js)', function () {
  this.timeout(60_000);
  let home: string;
  const run = (args: string[], extra: NodeJS.ProcessEnv = {}) => {
    const r = spawnSync('node', [CLI, ...args], { encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: home, NETLENS_COMPILE_CACHE: 'debug', ...extra }, timeout: 30_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const caches = (): string[] => (existsSync(join(home, 'netlens')) ? readdirSync(join(home, 'netlens')).filter((f) => f.endsWith('.v8')) : []);

  before(() => assert.ok(existsSync(CLI) && existsSync(join(CLI, '../cli-main.js')), `${CLI} and cli-main.js exist (npm run build)`));
  beforeEach(() => (home = mkdtempSync(join(tmpdir(), 'nlcc-'))));
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('is written by the first run and used by the next, which answer the same', () => {
    const first = run(['--version']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /compile cache: written: .*cli-[0-9a-f]{32}\.v8 \(\d+ bytes\)/);
    assert.equal(caches().length, 1);
    const second = run(['--version']);
    assert.equal(second.stdout, first.stdout);
    assert.match(second.stderr, /compile cache: used: /);
    assert.doesNotMatch(second.stderr, /written/);
    // errors and exit codes are the bundle's own, cache or not
    const bad = run(['nonsense']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /netlens: unknown command "nonsense"/);
    assert.equal(run(['nonsense'], { NETLENS_COMPILE_CACHE: '0' }).stderr.replace(/^netlens: compile cache:.*\n/gm, ''), bad.stderr.replace(/^netlens: compile cache:.*\n/gm, ''));
  });

  it('a damaged cache is refused by V8 and written again; the run is not affected', () => {
    assert.equal(run(['--version']).code, 0);
    const file = join(home, 'netlens', caches()[0]!);
    const good = readFileSync(file);
    writeFileSync(file, Buffer.alloc(good.length, 7), { mode: 0o600 });
    const r = run(['--version']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^netlens \d+\.\d+\.\d+/);
    assert.match(r.stderr, /rejected by V8: written again/);
    assert.match(run(['--version']).stderr, /compile cache: used: /);
  });

  it('one that others could have written is not read, and NETLENS_COMPILE_CACHE=0 makes none', () => {
    assert.equal(run(['--version']).code, 0);
    chmodSync(join(home, 'netlens', caches()[0]!), 0o666);
    const r = run(['--version']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /not read: .*can be written by others \(mode 666\)/);
    rmSync(join(home, 'netlens'), { recursive: true });
    const off = run(['--version'], { NETLENS_COMPILE_CACHE: '0' });
    assert.equal(off.code, 0);
    assert.equal(off.stderr, '');
    assert.ok(!existsSync(join(home, 'netlens')), 'no cache directory made');
  });
});
