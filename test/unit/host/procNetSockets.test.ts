import { strict as assert } from 'node:assert';
import { listenersFromTables, parseProcNetSockets, SOCKET_LINE_FILTER } from '../../../src/core/host/commands/procNetSockets';
import { parseContainerNetns } from '../../../src/core/host/commands/containerNetns';
import { isNetlensError } from '../../../src/core/errors';
import type { Listener } from '../../../src/core/host/types';
import { hostFixture } from '../../support/hostFixtures';

// Recorded with listeners started for the purpose (test/fixtures/host/README.md, sockets/).
const TABLES = ['tcp', 'tcp6', 'udp', 'udp6'] as const;
const recorded = (who: 'container' | 'host', t: (typeof TABLES)[number]) => hostFixture(`sockets/${who}-${t}.txt`);
const all = (who: 'container' | 'host') => TABLES.map((t) => recorded(who, t)).join('');

/** `ss -ltnuH` of the same namespace, as the kernel's own second opinion: "proto address port" */
function fromSs(text: string): string[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [proto, , , , local] = line.trim().split(/\s+/) as [string, string, string, string, string];
      const i = local.lastIndexOf(':');
      const host = local.slice(0, i);
      // ss writes a dual-stack [::] socket as *, a v6-only one as [::]; /proc shows both as ::
      const address = host === '*' ? '::' : host.replace(/^\[|\]$/g, '');
      return `${proto} ${address} ${local.slice(i + 1)}`;
    })
    .sort();
}
const keys = (ls: readonly Listener[]) => ls.map((l) => `${l.protocol} ${l.address} ${l.port}`).sort();

function parseFails(text: string, pattern: RegExp): void {
  assert.throws(
    () => parseProcNetSockets(text, 'test'),
    (e: unknown) => isNetlensError(e) && e.code === 'PARSE' && pattern.test(e.message),
  );
}

describe('host: /proc/net/{tcp,tcp6,udp,udp6} listening sockets', () => {
  it('finds exactly what ss -ltnu lists in the container (httpd, nc -l, python tcp/udp on v4 and v6)', () => {
    assert.deepEqual(keys(parseProcNetSockets(all('container')).listeners), fromSs(hostFixture('sockets/container-ss.txt')));
  });

  it('finds exactly what ss -ltnu lists on the host (docker-proxy on 127.0.0.1 tcp, 0.0.0.0 and :: udp)', () => {
    assert.deepEqual(keys(parseProcNetSockets(all('host')).listeners), fromSs(hostFixture('sockets/host-ss.txt')));
  });

  it('reads IPv4 as one little-endian word and IPv6 as four, ports big-endian', () => {
    const ls = parseProcNetSockets(all('container')).listeners;
    const has = (protocol: string, family: string, address: string, port: number) =>
      assert.ok(ls.some((l) => l.protocol === protocol && l.family === family && l.address === address && l.port === port), `${protocol} ${address}:${port}`);
    has('tcp', 'inet', '127.0.0.1', 9090); // 0100007F:2382
    has('udp', 'inet', '127.0.0.53', 53); // 3500007F:0035
    has('tcp', 'inet6', 'fd00:1234:5678::abcd', 8444); // 341200FD0000785600000000CDAB0000:20FC
    has('tcp', 'inet6', '::1', 8443); // 00000000000000000000000001000000:20FB
    has('udp', 'inet6', 'fd00:1234:5678::abcd', 5355);
    has('tcp', 'inet6', '::', 80);
    has('udp', 'inet', '0.0.0.0', 5353);
  });

  it('leaves out established TCP and connected UDP sockets, keeps the inode', () => {
    const ls = parseProcNetSockets(all('container')).listeners;
    assert.ok(!ls.some((l) => l.port === 48708 || l.port === 32892 || l.port === 9), 'connection ends are not listeners');
    assert.equal(ls.find((l) => l.port === 9090)?.inode, 706103);
    assert.equal(ls.filter((l) => l.port === 9090).length, 1);
  });

  it('one table at a time gives the same sockets as all four concatenated, and says which tables it saw', () => {
    const one = TABLES.flatMap((t) => parseProcNetSockets(recorded('container', t)).listeners);
    assert.deepEqual(keys(one), keys(parseProcNetSockets(all('container')).listeners));
    assert.deepEqual(parseProcNetSockets(recorded('host', 'udp6')).tables, ['udp6']);
  });

  it("the batch's line filter keeps every header and every listening line, so parsing the filtered text changes nothing", () => {
    const re = new RegExp(SOCKET_LINE_FILTER);
    for (const who of ['container', 'host'] as const) {
      const raw = all(who);
      const filtered = raw.split('\n').filter((l) => re.test(l)).join('\n');
      assert.deepEqual(parseProcNetSockets(filtered), parseProcNetSockets(raw));
      assert.ok(filtered.split('\n').length < raw.split('\n').length || who === 'host', 'connection lines are filtered out');
    }
  });

  it('unseen input fails with PARSE quoting the line', () => {
    const tcp = recorded('container', 'tcp');
    parseFails(tcp.replace(' 0A ', ' 0A? '), /unrecognised tcp line in: .*0100007F:2382 00000000:0000 0A\?/);
    parseFails(tcp.replace('local_address', 'lokal_address'), /unrecognised socket table header|socket line before any table header/);
    parseFails(tcp.replace('rem_address', 'peer_address'), /unrecognised socket table header in: .*peer_address/);
    parseFails(tcp.split('\n').slice(1).join('\n'), /socket line before any table header in: .*0100007F:2382/);
    // an IPv6 address under the IPv4 table's header
    parseFails(`${tcp.split('\n')[0]}\n${recorded('container', 'tcp6').split('\n')[1]}`, /address width does not fit \/proc\/net\/tcp in: .*341200FD/);
  });

  it('text without the tcp or udp table is an error, never "nobody listens"', () => {
    assert.throws(() => listenersFromTables('', 'ns x'), (e: unknown) => isNetlensError(e) && /\/proc\/net\/tcp and \/proc\/net\/udp table could not be read in: \(no output\)/.test(e.message));
    assert.throws(() => listenersFromTables(recorded('container', 'tcp'), 'ns x'), /\/proc\/net\/udp table could not be read/);
    // IPv6 turned off in the kernel: no tcp6/udp6 files, still known
    assert.deepEqual(keys(listenersFromTables(recorded('host', 'tcp') + recorded('host', 'udp'), 'host')), ['tcp 0.0.0.0 2024', 'tcp 127.0.0.1 47290', 'udp 0.0.0.0 47291']);
  });

  it("one grep -H over every container's tables is split back per PID; a PID with no tables left is unknown with the reason", () => {
    const id = 'f'.repeat(64);
    const other = 'e'.repeat(64);
    const prefixed = TABLES.flatMap((t) => recorded('container', t).split('\n').filter((l) => l.trim()).map((l) => `/proc/7907/net/${t}:${l}`)).join('\n');
    const parts = [
      { name: `ctr:${id}:7907:nsenter`, text: '[][][]' },
      { name: `ctr:${other}:8000:nsenter`, text: '[][][]' },
    ];
    const netns = parseContainerNetns([...parts, { name: 'sockets', text: prefixed }]);
    const l = netns[id]?.listeners;
    assert.ok(l?.known);
    assert.deepEqual(keys(l.value), keys(parseProcNetSockets(all('container')).listeners));
    const u = netns[other]?.listeners;
    assert.ok(u && !u.known && /\/proc\/8000\/net.*could not be read/.test(u.reason));
    // a recording from before netlens read sockets: the fact is absent, not unknown
    assert.equal(parseContainerNetns(parts)[id]?.listeners, undefined);
    // a line grep -H did not prefix: every container's listeners unknown, quoting it
    const bad = parseContainerNetns([...parts, { name: 'sockets', text: `${prefixed}\nstray line` }])[id]?.listeners;
    assert.ok(bad && !bad.known && /line without its \/proc\/PID\/net file in: stray line/.test(bad.reason));
  });
});
