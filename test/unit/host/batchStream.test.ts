/**
 * runBatch hands out each section as soon as its output has come (collect.ts parses the container
 * namespaces then, while the host's own sections still run): a recorded run of the whole host
 * script, replayed through a shell's progress in chunks that cut its markers anywhere, must give
 * the same sections as parsing the whole output, in the order they ran, and the very objects the
 * run returns. A shell that cannot report progress changes nothing but when parsing happens.
 */
import { strict as assert } from 'node:assert';
import { parseBatch, runBatch, type BatchCommand, type BatchSection } from '../../../src/core/host/batch';
import type { HostShell, ShellResult } from '../../../src/core/host/shell';
import { hostFixture } from '../../support/hostFixtures';

const RECORDED_DELIMITER = hostFixture('batch-delimiter.txt').trim();
const RECORDED = hostFixture('batch-full.txt');

/** The section names of the recording, in the order they ran. */
const NAMES = [...RECORDED.matchAll(new RegExp(`${RECORDED_DELIMITER}:begin:([a-z0-9-]+)\\n`, 'g'))].map((m) => m[1]!);

/**
 * A shell that answers with the recording, under the delimiter of the script it is given, `chunk`
 * bytes at a time; with `bytes`, its result counts stdout's bytes as the real shells do (ShellResult.stdoutBytes).
 */
function replayShell(chunk: number | null, bytesCounted: 'no' | 'right' | 'one short' = 'no'): HostShell {
  return {
    target: 'replay',
    transport: 'local',
    run(script: string, _signal?: AbortSignal, onProgress?: (chunk: Buffer) => void): Promise<ShellResult> {
      const delimiter = /^NL_D='([A-Za-z0-9]+)'$/m.exec(script)?.[1];
      assert.ok(delimiter, 'the script sets its delimiter');
      const stdout = RECORDED.split(RECORDED_DELIMITER).join(delimiter);
      const bytes = Buffer.from(stdout);
      if (chunk !== null && onProgress) for (let i = 0; i < bytes.length; i += chunk) onProgress(bytes.subarray(i, i + chunk));
      const counted = bytesCounted === 'no' ? {} : { stdoutBytes: bytes.length - (bytesCounted === 'one short' ? 1 : 0) };
      return Promise.resolve({ stdout, stderr: '', code: 0, ...counted });
    },
    dispose: () => Promise.resolve(),
  };
}

const commands: BatchCommand[] = NAMES.map((name) => ({ name, requires: [], script: 'true' }));

describe('host: runBatch hands out each section as it arrives', () => {
  it('the recording holds several sections, the container namespaces among them', () => {
    assert.ok(NAMES.length >= 10, NAMES.join(' '));
    assert.ok(NAMES.includes('container-netns'));
  });

  for (const chunk of [1, 7, 61, 4096, 1 << 20]) {
    it(`in chunks of ${chunk} bytes: every section once, in the order run, equal to the whole output's parse and the very objects returned`, async () => {
      const handed: [string, BatchSection][] = [];
      const run = await runBatch(replayShell(chunk), commands, undefined, (name, section) => handed.push([name, section]));
      assert.deepEqual(
        handed.map(([n]) => n),
        NAMES,
      );
      const whole = parseBatch(RECORDED, RECORDED_DELIMITER, NAMES);
      for (const [name, section] of handed) {
        assert.deepEqual(section, whole.get(name), name);
        assert.equal(run.sections.get(name), section, `${name}: the object handed out is the one returned`);
      }
    });
  }

  for (const chunk of [1, 61, 65536]) {
    it(`in chunks of ${chunk} bytes, from a shell that counts its bytes: the sections handed out are the ones returned, whole`, async () => {
      const handed = new Map<string, BatchSection>();
      const run = await runBatch(replayShell(chunk, 'right'), commands, undefined, (name, section) => handed.set(name, section));
      const whole = parseBatch(RECORDED, RECORDED_DELIMITER, NAMES);
      for (const name of NAMES) {
        assert.deepEqual(run.sections.get(name), whole.get(name), name);
        assert.equal(run.sections.get(name), handed.get(name), `${name}: the object handed out is the one returned`);
      }
    });
  }

  it('a count that is not what came: the output is parsed again, not taken from what was handed out', async () => {
    const handed = new Map<string, BatchSection>();
    const run = await runBatch(replayShell(4096, 'one short'), commands, undefined, (name, section) => handed.set(name, section));
    const whole = parseBatch(RECORDED, RECORDED_DELIMITER, NAMES);
    for (const name of NAMES) {
      assert.deepEqual(run.sections.get(name), whole.get(name), name);
      assert.notEqual(run.sections.get(name), handed.get(name), `${name}: parsed again`);
    }
  });

  it('a shell that reports no progress: nothing handed out, the same sections returned', async () => {
    const handed: string[] = [];
    const run = await runBatch(replayShell(null), commands, undefined, (name) => handed.push(name));
    assert.deepEqual(handed, []);
    assert.deepEqual(run.sections, parseBatch(RECORDED, RECORDED_DELIMITER, NAMES));
  });

  it('a consumer that throws loses nothing: the run returns every section', async () => {
    const run = await runBatch(replayShell(97), commands, undefined, () => {
      throw new Error('consumer failed');
    });
    assert.deepEqual(run.sections, parseBatch(RECORDED, RECORDED_DELIMITER, NAMES));
  });
});
