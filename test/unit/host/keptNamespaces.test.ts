/**
 * A read after engine events keeps the namespaces no event named (commands/keptNamespaces.ts): the
 * awk answers `K PID ID INODE` for each, and the earlier read's records are put in its place. On the
 * recorded lab (test/fixtures/host/fast): which namespaces may be kept, and that a section whose
 * every namespace was kept parses exactly as the read it was kept from.
 */
import { strict as assert } from 'node:assert';
import { parseBatch, type BatchSection } from '../../../src/core/host/batch';
import { parseContainerNetns } from '../../../src/core/host/commands/containerNetns';
import { keepableNamespaces, keptCount, spliceKeptNamespaces } from '../../../src/core/host/commands/keptNamespaces';
import { parseIpAddrOutput } from '../../../src/core/host/commands/ipAddr';
import { parseIpRouteOutput } from '../../../src/core/host/commands/ipRoute';
import { parseIpNeighOutput } from '../../../src/core/host/commands/ipNeigh';
import { listenersFromTables } from '../../../src/core/host/commands/procNetSockets';
import { known } from '../../../src/core/known';
import { hostFixture } from '../../support/hostFixtures';

const fast = (name: string) => hostFixture(`fast/${name}`);
const lab = JSON.parse(fast('lab.json')) as { delimiter: string; containers: Record<string, { id: string; pid: number }> };
const sections = parseBatch(fast('batch.txt'), lab.delimiter, ['ip-addr', 'ip-route', 'ip-neigh', 'listeners', 'container-netns']);
const section = (n: string): BatchSection => sections.get(n)!;
const host = {
  interfaces: known(parseIpAddrOutput(section('ip-addr').stdout)),
  routes: known(parseIpRouteOutput(section('ip-route').stdout)),
  neighbours: known(parseIpNeighOutput(section('ip-neigh').stdout)),
  listeners: known(listenersFromTables(section('listeners').stdout, 'host')),
};
const recorded = section('container-netns');
const netnsText = recorded.parts.find((p) => p.name === 'netns')!.text;
const id = (name: string) => lab.containers[name]!.id;
const pid = (name: string) => lab.containers[name]!.pid;

/**
 * What the awk prints when it keeps these PIDs (netnsRead.ts readall/END): `K PID ID INODE` where it
 * would have printed `N …` and that namespace's records, nothing more for it at the end; the host
 * and shared lines as always. Only the namespaces read anew are entered with nsenter.
 */
function answeredKeeping(pids: ReadonlySet<number>): BatchSection {
  const owner = (line: string): number | null => {
    const f = line.split(' ');
    if (/^\d+$/.test(f[0] ?? '')) return Number(f[0]);
    return ['N', 'I', 'E', 'F', 'S'].includes(f[0] ?? '') ? Number(f[1]) : null;
  };
  const lines = netnsText.split('\n').flatMap((line) => {
    const p = owner(line);
    if (p === null || !pids.has(p)) return [line];
    const f = line.split(' ');
    return f[0] === 'N' ? [`K ${f[1]} ${f[2]} ${f[3]}`] : [];
  });
  const parts = recorded.parts.filter((p) => p.name !== 'netns' && ![...pids].some((k) => p.name.endsWith(`:${k}:nsenter`)));
  return { ...recorded, parts: [{ name: 'netns', text: lines.join('\n') }, ...parts] };
}

describe('host: keeping container namespaces no event named (recorded)', () => {
  it('offers every namespace read to the end — nsenter-read ones too — with its inode, except those events named', () => {
    const all = keepableNamespaces(recorded, new Set());
    const expected = ['nlf-web', 'nlf-v6', 'nlf-mac', 'nlf-none'].map((n) => pid(n)).sort();
    assert.deepEqual(all.map((k) => k.pid).sort(), expected, 'the host and shared namespaces are no namespace of their own to keep');
    for (const k of all) assert.match(netnsText, new RegExp(`^N ${k.pid} [0-9a-f]{64} ${k.inode} `, 'm'));
    const named = keepableNamespaces(recorded, new Set([id('nlf-web')]));
    assert.ok(!named.some((k) => k.pid === pid('nlf-web')), 'an event named nlf-web: read it again');
    assert.equal(named.length, all.length - 1);
  });

  it('does not offer a namespace whose nsenter read failed or whose files were unreadable', () => {
    const macPart = `ctr:${id('nlf-mac')}:${pid('nlf-mac')}:nsenter`;
    const failed = { ...recorded, parts: [...recorded.parts, { name: `${macPart}-error`, text: 'nsenter: reassociate to namespace failed\n' }] };
    assert.ok(!keepableNamespaces(failed, new Set()).some((k) => k.pid === pid('nlf-mac')));
    const unreadable = { ...recorded, parts: recorded.parts.map((p) => (p.name === 'netns' ? { name: 'netns', text: `${p.text}\nE ${pid('nlf-web')} route` } : p)) };
    assert.ok(!keepableNamespaces(unreadable, new Set()).some((k) => k.pid === pid('nlf-web')));
  });

  it('a section whose namespaces were all kept parses as the read they were kept from', () => {
    const keep = new Set(keepableNamespaces(recorded, new Set()).map((k) => k.pid));
    const answer = answeredKeeping(keep);
    assert.equal(keptCount(answer), keep.size);
    const spliced = spliceKeptNamespaces(answer, recorded, true);
    assert.deepEqual(parseContainerNetns(spliced.parts, host), parseContainerNetns(recorded.parts, host));
  });

  it('kept without socket tables, who listens is unknown there rather than an old answer', () => {
    const keep = new Set([pid('nlf-web')]);
    const spliced = spliceKeptNamespaces(answeredKeeping(keep), recorded, false);
    const read = parseContainerNetns(spliced.parts, host);
    const before = parseContainerNetns(recorded.parts, host);
    const web = read[id('nlf-web')]!;
    assert.ok(before[id('nlf-web')]!.listeners?.known, 'the recording read nlf-web\'s listeners');
    assert.equal(web.listeners?.known, false);
    assert.deepEqual(web.interfaces, before[id('nlf-web')]!.interfaces);
    assert.deepEqual(read[id('nlf-v6')], before[id('nlf-v6')], 'what was read now is untouched');
  });
});
