import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderTopology } from '../../../src/cli/renderTopology';
import { listenerSummary } from '../../../src/protocol/facts/listenerSummary';
import type { Topology } from '../../../src/core/model/types';
import { LISTENERS_NOT_READ, listenersNotRead } from '../../../src/core/host/commands/containerListeners';
import { unknown } from '../../../src/core/known';
import { FIXTURES } from '../../support/netfilterFixtures';

// The recorded listener lab (test/fixtures/trace/README.md).
const LAB: Topology = JSON.parse(readFileSync(join(FIXTURES, 'trace', 'listeners-lab.topology.json'), 'utf8'));

describe('cli: who listens, in the topology tree', () => {
  const text = renderTopology(LAB);

  it('lists each container\'s sockets under it: wildcard sockets as proto/port, Docker DNS once', () => {
    const under = (name: string) => {
      const lines = text.split('\n');
      const start = lines.indexOf(`├─ ${name}`);
      assert.ok(start >= 0, `${name} has its own entry`);
      const rest = lines.slice(start + 1);
      return rest.slice(0, rest.findIndex((l) => !l.startsWith('│  ')));
    };
    assert.deepEqual(under('nlk-web').filter((l) => l.includes('listening')), [
      '│  ├─ listening tcp/80: any address',
      '│  ├─ listening Docker DNS: 127.0.0.11',
      '│  ├─ listening udp/5353: any address',
    ]);
    assert.deepEqual(under('nlk-hostnet'), ["│  ├─ listening sockets: the host's (--network host)"]);
  });

  it('containers whose sockets a refresh did not read are counted once, not listed as unknown one by one; the host says it in a line', () => {
    const hostUnread = unknown(LISTENERS_NOT_READ);
    const lazy: Topology = {
      ...LAB,
      host: { ...LAB.host!, listeners: hostUnread },
      containers: LAB.containers.map((c) => (!c.listeners ? c : { ...c, listeners: c.networkMode === 'host' ? hostUnread : unknown(LISTENERS_NOT_READ) })),
    };
    const unread = lazy.containers.filter((c) => !c.sharesNetnsWith && c.networkMode !== 'host' && listenersNotRead(c.listeners)).length;
    assert.ok(unread > 0);
    const out = renderTopology(lazy);
    assert.match(out, new RegExp(`^├─ listening in ${unread} containers?: not read \\(netlens topology --listeners reads them`, 'm'));
    assert.match(out, /^├─ listening: not read \(netlens topology --listeners reads them; a trace reads them when it reaches the host\)$/m);
    assert.doesNotMatch(out, /listening .*: (unknown|not known) \(not read in this refresh/);
    assert.match(out, /^│  ├─ listening sockets: the host's \(--network host\)$/m, 'a --network host container still says whose sockets it has');
  });

  it('the host and a named netns name their sockets, with the address where one is bound to it', () => {
    assert.match(text, /^├─ listening: .*tcp 127\.0\.0\.1:47290, udp\/47291$/m);
    assert.match(text, /^│  ├─ listening: tcp 127\.0\.0\.1:7777, udp\/7778$/m);
  });

  it('unknown says why; none says nothing', () => {
    assert.equal(listenerSummary({ known: false, reason: '/proc/9/net/tcp: gone' }), 'not known (/proc/9/net/tcp: gone)');
    assert.equal(listenerSummary({ known: true, value: [] }), 'nothing');
  });
});
