import { strict as assert } from 'node:assert';
import { parseConcatenatedJson } from '../../../src/core/host/ipJson';
import { parseNetnsBatch } from '../../../src/core/host/commands/netnsBatch';
import { parseNamedNetns } from '../../../src/core/host/commands/namedNetns';
import { NetlensError } from '../../../src/core/errors';
import { hostFixture, hostLab } from '../../support/hostFixtures';

describe('host: concatenated JSON from ip -batch', () => {
  it('splits the three arrays nsenter … ip -json -batch printed', () => {
    const values = parseConcatenatedJson(hostFixture('nsenter-nlh-web-batch.txt'), 'nsenter');
    assert.equal(values.length, 3);
    assert.ok(values.every(Array.isArray));
  });

  it('is not fooled by brackets and quotes inside strings, or by arrays written without separators', () => {
    const values = parseConcatenatedJson('[{"a":"x]y[\\"z"}][]\n  [{"b":"}{"}]', 't');
    assert.deepEqual(values, [[{ a: 'x]y["z' }], [], [{ b: '}{' }]]);
  });

  it('rejects text between arrays with PARSE quoting the line', () => {
    assert.throws(
      () => parseConcatenatedJson('[]\nRTNETLINK answers: Operation not permitted\n[]', 'ip -batch'),
      (e: unknown) => e instanceof NetlensError && e.code === 'PARSE' && e.message.includes('RTNETLINK answers: Operation not permitted'),
    );
    assert.throws(() => parseConcatenatedJson('[{"a":1}', 't'), (e: unknown) => e instanceof NetlensError && /closing bracket/.test(e.message));
  });
});

describe('host: a namespace seen through ip -batch', () => {
  it("nlh-RED (the third seed's RED): its veth end, address, both families' routes and BLUE as a neighbour", () => {
    const facts = parseNetnsBatch(hostFixture('netns-nlh-RED-batch.txt'), 'ip -n nlh-RED');
    assert.ok(facts.interfaces.known && facts.routes.known && facts.neighbours.known);
    const reth0 = facts.interfaces.value.find((i) => i.name === 'nlh-reth0');
    assert.equal(reth0?.kind, 'veth');
    assert.deepEqual(reth0?.addresses.find((a) => a.family === 'inet'), { family: 'inet', address: '10.157.11.2', prefixLen: 24, scope: 'global', broadcast: null });
    const fam = (dst: string) => facts.routes.known && facts.routes.value.find((r) => r.dst === dst)?.family;
    assert.equal(fam('10.157.11.0/24'), 'inet');
    assert.equal(fam('fe80::/64'), 'inet6');
    assert.equal(fam('ff00::/8'), 'inet6');
    assert.equal(fam('::1/128'), 'inet6');
    assert.equal(fam('10.157.11.2/32'), 'inet');
    assert.deepEqual(facts.neighbours.value.map((n) => `${n.dst} ${n.state.join()}`), ['10.157.11.3 PERMANENT']);
  });

  it('a container namespace: eth0 points at the host veth docker inspect + /proc named', () => {
    const facts = parseNetnsBatch(hostFixture('nsenter-nlh-web-batch.txt'), 'nsenter');
    assert.ok(facts.interfaces.known);
    const eth0 = facts.interfaces.value.find((i) => i.name === 'eth0');
    assert.equal(eth0?.linkIndex, hostLab().containers['nlh-web'].hostVethIfindex);
    assert.equal(eth0?.addresses[0]?.address, hostLab().containers['nlh-web'].ip);
  });

  it('leaves all three facts unknown with the reason when the output is not three arrays', () => {
    const facts = parseNetnsBatch('[]\n[]\n', 'ip -n X');
    assert.ok(!facts.interfaces.known && !facts.routes.known && !facts.neighbours.known);
    assert.match(facts.routes.reason, /expected 3 JSON array\(s\), got 2/);
  });

  it('keeps netns ids from ip -json netns list and refuses names the strict regex does not admit', () => {
    const list = hostFixture('netns-list.json');
    const red = hostFixture('netns-nlh-RED-batch.txt');
    const parsed = parseNamedNetns({
      stdout: list,
      parts: [
        { name: 'ns:nlh-RED', text: red },
        { name: 'ns:bad name;rm', text: red },
        { name: 'ns:ghost', text: '' },
        { name: 'err:ghost', text: 'Cannot open network namespace "ghost": No such file or directory\n' },
      ],
      code: 0,
    });
    assert.deepEqual(parsed.map((n) => n.name), ['nlh-RED', 'ghost']);
    assert.equal(parsed[0]?.id, hostLab().netnsIds['nlh-RED']);
    const ghost = parsed[1];
    assert.ok(ghost && !ghost.interfaces.known && ghost.interfaces.reason.includes('Cannot open network namespace'));
  });
});
