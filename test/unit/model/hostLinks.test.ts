/**
 * What joins two Docker hosts, on a recorded pair (test/fixtures/topology/two-hosts): this machine
 * and a second engine in a namespace, joined by the veth /30 10.213.87.1 – 10.213.87.2.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatHostLinks, hostLinks } from '../../../src/core/model/hostLinks';
import type { Topology } from '../../../src/core/model/types';

const dir = join(__dirname, '../../../../test/fixtures/topology/two-hosts');
const load = (name: string) => JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Topology;
const here = load('here');
const node2 = load('node2');

describe('model: links between hosts (recorded pair)', () => {
  it('each kernel reaches the other over the /30, on the same link', () => {
    const { links, unknown } = hostLinks([here, node2]);
    assert.deepEqual(unknown, []);
    assert.deepEqual(
      links.map((l) => [l.from, l.to, l.address, l.toInterface, l.dev, l.direct]),
      [
        [0, 1, '10.213.87.2', 'eth0', 'nlmhfx-h', true],
        [1, 0, '10.213.87.1', 'nlmhfx-h', 'eth0', true],
      ],
    );
  });

  it('never through docker0, which both hosts have at 172.17.0.1', () => {
    for (const t of [here, node2]) assert.ok(t.host?.interfaces.some((i) => i.name === 'docker0' && i.addresses.some((a) => a.startsWith('172.17.0.1'))));
    assert.ok(!hostLinks([here, node2]).links.some((l) => l.address.startsWith('172.17.') || l.dev === 'docker0'));
  });

  it('a host whose facts were not read links to nothing and says so', () => {
    const blind = { ...node2, host: null };
    const { links, unknown } = hostLinks([here, blind]);
    assert.deepEqual(links, []);
    assert.equal(unknown.length, 2);
    assert.match(unknown[0]!, /the host facts of .*unix:\/\/\/run\/nlmhfx\/docker\.sock.* were not read/);
    assert.match(formatHostLinks({ links, unknown }).join('\n'), /^Between the hosts:\n {2}\? /);
  });
});
