/**
 * The Host view of several engines: under each, its route to the other hosts (Other hosts), on the
 * recorded pair (test/fixtures/topology/two-hosts): this machine and a second engine in a
 * namespace, joined by the veth /30 10.213.87.1 – 10.213.87.2.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Topology } from '../../../src/core/model/types';
import { otherHostNodes } from '../../../src/extension/trees/engineRoots';

const dir = join(__dirname, '../../../../test/fixtures/topology/two-hosts');
const load = (name: string) => JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Topology;
const here = load('here');
const node2 = load('node2');

describe('Host view: other hosts under each engine (recorded pair)', () => {
  const keys = ['here', 'node2'];
  it('under each engine, its route to the other host; nothing with one engine', () => {
    const mine = otherHostNodes('here', keys, [here, node2]);
    assert.equal(mine.length, 1);
    assert.equal(mine[0]!.label, 'Other hosts');
    assert.deepEqual(
      mine[0]!.children.map((c) => [c.label, c.description, c.targets?.ip]),
      [[`→ vm (unix:///run/nlmhfx/docker.sock)`, '10.213.87.2 (eth0) · same link · dev nlmhfx-h', '10.213.87.2']],
    );
    const theirs = otherHostNodes('node2', keys, [here, node2]);
    assert.equal(theirs[0]!.children[0]!.description, '10.213.87.1 (nlmhfx-h) · same link · dev eth0');
    assert.deepEqual(otherHostNodes('here', ['here'], [here]), []);
    assert.deepEqual(otherHostNodes('here', keys, [here, undefined]), [], 'an engine without a model is left out');
  });

  it('an engine whose host was not read is said to be not joined, not left out silently', () => {
    const nodes = otherHostNodes('here', keys, [here, { ...node2, host: null }]);
    assert.match(nodes[0]!.children.map((c) => `${c.label}: ${c.description}`).join('\n'), /^not joined: .* were not read/);
  });
});
