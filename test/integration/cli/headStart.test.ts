/**
 * The CLI's head start (src/cli/headStart.ts): the launcher starts the host batch the last run with
 * the same arguments made, before it loads the bundle, and the bundle takes it over only when the
 * run it composes is the very same. A second `topology` takes it over and shows what a run without
 * it shows; a record whose run differs, or that nobody takes over, is stopped with its whole process
 * group; a record others could have written is not read. Real engine and shell; each case has a
 * cache directory of its own.
 */
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { guardedLocalRun } from '../../../src/core/host/runGuard';
import { fileOf } from '../../../src/cli/headStart';
import { requireRealEngine } from '../../support/lab';

const CLI = join(__dirname, '../../../../dist/cli.js');

interface Record {
  args: string[];
  argv: string[];
  env: { [name: string]: string };
  input: string;
  delimiter: string;
  endMarker: string | null;
}

/**
 * What a topology says that does not change between two runs a second apart: not the neighbours'
 * states or uptimes, nor the host's addresses and routes, which settle for seconds after veths come
 * and go (IPv6 link-local addresses and their routes) — only which interfaces it has.
 */
function stable(stdout: string): unknown {
  const t = JSON.parse(stdout) as {
    networks: { id: string; name: string; endpoints: unknown[]; natRules: unknown[] }[];
    containers: { id: string; name: string; state: string; interfaces: unknown; routes: unknown; listeners: unknown }[];
    publishes: unknown[];
    host: { interfaces: { index: number; name: string }[]; firewall: unknown; sysctls: unknown; unknown: unknown };
    gaps: unknown[];
  };
  return {
    networks: [...t.networks].sort((a, b) => a.id.localeCompare(b.id)).map((n) => ({ id: n.id, name: n.name, endpoints: n.endpoints, natRules: n.natRules })),
    containers: t.containers.map((c) => ({ id: c.id, name: c.name, state: c.state, interfaces: c.interfaces, routes: c.routes, listeners: c.listeners })),
    publishes: t.publishes,
    host: { interfaces: t.host.interfaces.map((i) => `${i.index} ${i.name}`), firewall: t.host.firewall, sysctls: t.host.sysctls, unknown: t.host.unknown },
    gaps: t.gaps,
  };
}

/** Processes whose command line holds `needle`, this test's own `ps` aside. */
function processesWith(needle: string): string[] {
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(needle) && !l.includes('ps -eo'));
}

describe('CLI head start: the last run with the same arguments starts before the bundle loads (dist/cli.js)', function () {
  this.timeout(120_000);
  let home: string;
  const file = (args = ['topology', '--json']): string => fileOf(join(home, 'netlens'), args);
  const records = (): string[] => (existsSync(join(home, 'netlens')) ? readdirSync(join(home, 'netlens')).filter((f) => f.startsWith('head-start-')) : []);
  const run = (args: string[], extra: NodeJS.ProcessEnv = {}) => {
    const r = spawnSync('node', [CLI, ...args], { encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: home, NETLENS_HEAD_START: 'debug', ...extra }, timeout: 60_000, maxBuffer: 256 << 20 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const topology = (extra: NodeJS.ProcessEnv = {}) => {
    const r = run(['topology', '--json'], extra);
    assert.equal(r.code, 0, r.stderr);
    return r;
  };
  /** a record for `args` whose run sleeps `seconds` first (a stand-in for a batch that stalls), as a private file */
  const writeRecord = (args: string[], seconds: string, base?: Record): void => {
    const g = guardedLocalRun(`sleep ${seconds}\necho done`)!;
    const record: Record = base
      ? { ...base, env: { ...base.env, NL_SCRIPT: `sleep ${seconds}\n${base.env['NL_SCRIPT']!}` } }
      : { args, argv: ['sh', ...g.args], env: { ...g.env }, input: g.input, delimiter: 'NLB0123456789abcdef0123456789abcdef', endMarker: null };
    mkdirSync(join(home, 'netlens'), { recursive: true, mode: 0o700 });
    writeFileSync(file(record.args), JSON.stringify(record), { mode: 0o600 });
  };

  before(() => {
    assert.ok(existsSync(CLI), `${CLI} exists (npm run build)`);
    requireRealEngine();
  });
  beforeEach(() => (home = mkdtempSync(join(tmpdir(), 'nlhs-'))));
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('the second topology takes the early run over and shows what a run without a head start shows', () => {
    const first = topology();
    assert.doesNotMatch(first.stderr, /head start: started/, 'the first run has no record');
    assert.match(first.stderr, /head start: written: .*head-start-[0-9a-f]{32}\.json/);
    assert.equal(statSync(file()).mode & 0o777, 0o600, 'the record is private');
    const record = JSON.parse(readFileSync(file(), 'utf8')) as Record;
    assert.deepEqual(record.args, ['topology', '--json']);
    assert.ok(record.env['NL_SCRIPT']?.includes(record.delimiter), 'the script, in the environment, holds the delimiter the record names');
    assert.equal(record.input, '', 'a local run sends nothing through stdin');
    const second = topology();
    assert.match(second.stderr, /head start: started \(sh\)/);
    assert.match(second.stderr, /head start: taken over, [\d.]+ ms after it started/);
    assert.doesNotMatch(second.stderr, /head start: written/, 'a run that was the recorded one leaves the record as it is');
    const without = topology({ NETLENS_HEAD_START: '0' });
    assert.equal(without.stderr, '');
    assert.deepEqual(stable(second.stdout), stable(without.stdout));
    assert.deepEqual(stable(first.stdout), stable(without.stdout));
  });

  it('a record whose run is not the one composed now: the early run is stopped with its whole group, the run reads its own and is recorded', () => {
    topology();
    const recorded = JSON.parse(readFileSync(file(), 'utf8')) as Record;
    writeRecord(recorded.args, '31.25', recorded);
    const r = topology();
    assert.match(r.stderr, /head start: started/);
    assert.match(r.stderr, /head start: stopped: the run composed now is another/);
    assert.match(r.stderr, /head start: written/);
    assert.deepEqual(processesWith('sleep 31.25'), [], 'nothing of the early run is left');
    assert.deepEqual(stable(r.stdout), stable(topology({ NETLENS_HEAD_START: '0' }).stdout));
    assert.match(topology().stderr, /head start: taken over/, 'the next run takes over the run recorded last');
  });

  it('an early run nobody takes over ends with the process: a command that runs no batch, an unknown command', () => {
    for (const args of [['--version'], ['nonsense']]) {
      writeRecord(args, '32.5');
      const r = run(args);
      assert.match(r.stderr, /head start: started \(sh\)/, args.join(' '));
      assert.deepEqual(processesWith('sleep 32.5'), [], `nothing of the early run outlives \`netlens ${args.join(' ')}\``);
      assert.doesNotMatch(r.stderr, /head start: written/);
    }
  });

  it('a record others could have written is not read, one for other arguments is not started, and NETLENS_HEAD_START=0 reads and writes none', () => {
    writeRecord(['topology', '--json'], '33.75');
    chmodSync(file(), 0o666);
    const open = topology();
    assert.match(open.stderr, /head start: not read: .*can be written by others \(mode 666\)/);
    assert.doesNotMatch(open.stderr, /head start: started/);
    assert.deepEqual(processesWith('sleep 33.75'), []);

    rmSync(file());
    writeRecord(['topology'], '33.75');
    const other = topology();
    assert.match(other.stderr, /head start: no record for these arguments/);
    assert.doesNotMatch(other.stderr, /head start: started/);
    assert.match(other.stderr, /head start: written/, 'these arguments have a record now, beside the other');
    assert.deepEqual((JSON.parse(readFileSync(file(), 'utf8')) as Record).args, ['topology', '--json']);
    assert.deepEqual((JSON.parse(readFileSync(file(['topology']), 'utf8')) as Record).args, ['topology']);
    // a record under the name of other arguments than its own is not started
    writeFileSync(file(), readFileSync(file(['topology'])), { mode: 0o600 });
    const misnamed = topology();
    assert.match(misnamed.stderr, /head start: record not read: it is for other arguments/);
    assert.doesNotMatch(misnamed.stderr, /head start: started/);
    assert.deepEqual(processesWith('sleep 33.75'), []);

    // the records of the command lines used last are kept, eight of them
    for (let i = 0; i < 9; i++) writeRecord(['topology', `--extra-${i}`], '1');
    // a record that is not the run composed now, so that the run writes its own
    writeRecord(['topology', '--json'], '0.01', JSON.parse(readFileSync(file(), 'utf8')) as Record);
    assert.equal(records().length, 11);
    assert.match(topology().stderr, /head start: written/);
    assert.equal(records().length, 8, 'the eight used last');
    assert.ok(existsSync(file()), 'the one just written is among them');
    assert.ok(!existsSync(file(['topology'])), 'the one used longest ago is not');

    rmSync(join(home, 'netlens'), { recursive: true });
    const off = topology({ NETLENS_HEAD_START: '0' });
    assert.equal(off.stderr, '');
    assert.ok(!existsSync(file()), 'no record written');
  });
});
