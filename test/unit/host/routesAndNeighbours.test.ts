import { strict as assert } from 'node:assert';
import { parseIpRouteOutput } from '../../../src/core/host/commands/ipRoute';
import { parseRouteN } from '../../../src/core/host/commands/routeN';
import { parseIpNeighOutput } from '../../../src/core/host/commands/ipNeigh';
import { NetlensError } from '../../../src/core/errors';
import { hostFixture } from '../../support/hostFixtures';

const isParse = (needle: string) => (e: unknown) => e instanceof NetlensError && e.code === 'PARSE' && e.message.includes(needle);

describe('host: ip -json route show table all (both families)', () => {
  const routes = parseIpRouteOutput(hostFixture('ip-route-4.json') + hostFixture('ip-route-6.json'));

  it('reads IPv4 and IPv6 routes of the main and local tables with their family', () => {
    const def = routes.find((r) => r.dst === 'default' && r.family === 'inet');
    assert.deepEqual({ gw: def?.gateway, dev: def?.dev, table: def?.table, type: def?.type }, { gw: '192.0.2.1', dev: 'eth0', table: 'main', type: 'unicast' });
    const docker0 = routes.find((r) => r.dst === '172.17.0.0/16');
    assert.deepEqual({ dev: docker0?.dev, src: docker0?.prefsrc, proto: docker0?.protocol, scope: docker0?.scope }, { dev: 'docker0', src: '172.17.0.1', proto: 'kernel', scope: 'link' });
    assert.ok(routes.some((r) => r.family === 'inet6' && r.dst === 'fd00::/64' && r.dev === 'eth0'));
    assert.ok(routes.some((r) => r.table === 'local' && r.type === 'local' && r.family === 'inet6'));
    assert.ok(routes.every((r) => (r.family === 'inet6') === r.dst.includes(':') || r.dst === 'default'));
  });

  it('writes host routes with /32 and /128', () => {
    assert.ok(routes.some((r) => r.dst === '127.0.0.1/32' && r.table === 'local' && r.type === 'local'));
    assert.ok(routes.some((r) => r.dst === '::1/128' && r.type === 'local'));
    assert.ok(routes.every((r) => r.dst === 'default' || r.dst.includes('/')));
  });

  it('needs both arrays and says what it got otherwise', () => {
    assert.throws(() => parseIpRouteOutput(hostFixture('ip-route-4.json')), isParse('expected 2 JSON array(s), got 1'));
    assert.throws(() => parseIpRouteOutput('[{"dst":7}][]'), isParse('"dst"'));
  });
});

describe('host: route -n (net-tools and busybox)', () => {
  const json = parseIpRouteOutput(hostFixture('ip-route-4.json') + hostFixture('ip-route-6.json'));
  const mainV4 = json.filter((r) => r.family === 'inet' && r.table === 'main');

  for (const file of ['route-n.txt', 'busybox-route-n.txt']) {
    it(`${file} lists the same main-table IPv4 routes (dst, gateway, dev) as ip -json`, () => {
      const text = parseRouteN(hostFixture(file));
      const key = (r: { dst: string; gateway: string | null; dev: string | null }) => `${r.dst} via ${r.gateway} dev ${r.dev}`;
      assert.deepEqual(text.map(key).sort(), mainV4.map(key).sort());
    });
  }

  it('rejects an unseen line with PARSE quoting it', () => {
    const bad = hostFixture('route-n.txt') + 'garbage here\n';
    assert.throws(() => parseRouteN(bad), isParse('garbage here'));
    assert.throws(() => parseRouteN('Kernel IPv6 routing table\n'), isParse('Kernel IPv6 routing table'));
  });
});

describe('host: ip -json neigh', () => {
  it('reads destination, device, link-layer address and NUD state (none where FAILED)', () => {
    const n = parseIpNeighOutput(hostFixture('ip-neigh.json'));
    const gw = n.find((x) => x.dst === '192.0.2.1');
    assert.deepEqual(gw, { dst: '192.0.2.1', dev: 'eth0', lladdr: '02:fc:00:00:00:05', state: ['REACHABLE'] });
    assert.ok(n.some((x) => x.lladdr === null && x.state.includes('FAILED')));
  });

  it('rejects a non-list state with PARSE', () => {
    assert.throws(() => parseIpNeighOutput('[{"dst":"10.0.0.1","dev":"eth0","state":"REACHABLE"}]'), isParse('"state"'));
  });
});
