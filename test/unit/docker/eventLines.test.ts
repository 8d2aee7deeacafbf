/**
 * Parsing the recorded /events stream (test/fixtures/docker/events.jsonl) however the bytes are cut.
 */
import { strict as assert } from 'node:assert';
import { EventLineParser, compareNano, parseEventLine, sinceFromNano } from '../../../src/core/docker/eventLines';
import type { ParsedEvent } from '../../../src/core/docker/eventLines';
import { fixtureText } from '../../support/engineReplayServer';

const recorded = fixtureText('events.jsonl');
const lines = recorded.split('\n').filter((l) => l.trim() !== '');

function parseInChunks(bytes: Buffer, sizes: (i: number) => number): ParsedEvent[] {
  const p = new EventLineParser((line, err) => assert.fail(`bad line ${line}: ${err}`));
  const out: ParsedEvent[] = [];
  for (let i = 0, n = 0; i < bytes.length; n++) {
    const size = Math.max(1, sizes(n));
    out.push(...p.push(bytes.subarray(i, i + size)));
    i += size;
  }
  return out;
}

describe('docker/eventLines', () => {
  it('reads every recorded event, whole', () => {
    const events = new EventLineParser().push(Buffer.from(recorded));
    assert.equal(events.length, lines.length);
    const connect = events.find((e) => e.event.type === 'network' && e.event.action === 'connect' && e.event.name === 'nld-fx-net');
    assert.ok(connect, 'the capture connected nld-fx-web2 to nld-fx-net');
    const raw = JSON.parse(lines[events.indexOf(connect)] ?? '{}') as { Actor: { ID: string; Attributes: { container: string } }; time: number; timeNano: number };
    assert.equal(connect.event.id, raw.Actor.ID);
    assert.equal(connect.event.attributes.container, raw.Actor.Attributes.container);
    assert.equal(connect.event.time, raw.time);
    const created = events.find((e) => e.event.type === 'container' && e.event.action === 'create');
    assert.equal(created?.event.name, 'nld-fx-web1');
    assert.ok(events.some((e) => e.event.type === 'volume'));
  });

  it('gives the same events for chunks cut at every size from 1 byte up and at random', () => {
    const bytes = Buffer.from(recorded);
    const whole = new EventLineParser().push(bytes);
    for (const size of [1, 2, 3, 7, 64, 333, 4096]) {
      assert.deepEqual(parseInChunks(bytes, () => size), whole, `chunks of ${size}`);
    }
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 200;
    assert.deepEqual(parseInChunks(bytes, rnd), whole);
  });

  it('keeps a multi-byte character cut between chunks intact', () => {
    const line = lines[0] ?? '';
    const withName = line.replace('"name":"nld-fx-web1"', '"name":"nld-fx-ünï"');
    const bytes = Buffer.from(`${withName}\n`);
    const cut = bytes.indexOf(Buffer.from('ü')) + 1; // inside the two-byte ü
    const p = new EventLineParser();
    assert.deepEqual(p.push(bytes.subarray(0, cut)), []);
    assert.equal(p.push(bytes.subarray(cut))[0]?.event.name, 'nld-fx-ünï');
  });

  it('reports a broken line and goes on with the next', () => {
    const bad: string[] = [];
    const p = new EventLineParser((l) => bad.push(l));
    const out = p.push(`{"Type":"container","Act\n${lines[0]}\n`);
    assert.equal(bad.length, 1);
    assert.equal(out.length, 1);
  });

  it('keeps nanosecond times exact for `since`', () => {
    const first = parseEventLine(lines[0] ?? '');
    const raw = /"timeNano":(\d+)/.exec(lines[0] ?? '')?.[1];
    assert.equal(first.timeNano, raw);
    assert.equal(sinceFromNano('1795340557705477983'), '1795340557.705477983');
    assert.equal(sinceFromNano('5'), '0.000000005');
    assert.equal(compareNano('1795340557705477983', '1795340557705477984'), -1);
    assert.equal(compareNano('1795340557705477983', '1795340557705477983'), 0);
  });
});
