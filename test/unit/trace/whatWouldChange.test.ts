import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatTraceMarkdown, packetRewrites, traceCliCommand, tracePacket, whatWouldChange } from '../../../src/core/trace';
import type { Topology } from '../../../src/core/model/types';
import type { TraceRequest } from '../../../src/core/trace/types';
import { FIXTURES } from '../../support/netfilterFixtures';

// A real snapshot of this machine's Engine 20.10 with the trace lab up (see test/fixtures/trace/README.md).
const LAB: Topology = JSON.parse(readFileSync(join(FIXTURES, 'trace', 'lab-20.10.topology.json'), 'utf8'));
const userRule = (comment: string) => LAB.host!.firewall.ipv4!.tables['filter']!.chains['DOCKER-USER']!.rules.find((r) => r.comment === comment)!;
const changes = (topo: Topology, req: TraceRequest) => whatWouldChange(topo, tracePacket(topo, req));

describe('what would change a trace verdict (recorded Engine 20.10 lab)', () => {
  it('delivered: nothing to change', () => {
    assert.deepEqual(changes(LAB, { from: 'nlt-a2', to: 'nlt-a1:80', proto: 'tcp' }), []);
  });

  it('two containers on no common network: connect the source to a network of the destination', () => {
    const s = changes(LAB, { from: 'nlt-a2', to: 'nlt-b1', proto: 'icmp' });
    assert.deepEqual(s.map((x) => x.kind), ['network']);
    assert.equal(s[0]!.command, 'docker network connect nlt-b nlt-a2');
    assert.match(s[0]!.says, /^nlt-a2 and nlt-b1 share no network/);
  });

  it('a DOCKER-USER rule that drops it: named by table, chain, position and text, with the command that would delete it', () => {
    const rule = userRule('nlt fixture: outside udp blocked');
    const s = changes(LAB, { from: 'netns:nlt-OUT', to: 'host:47153', proto: 'udp' });
    assert.deepEqual(s.map((x) => x.kind), ['rule']);
    assert.ok(s[0]!.says.startsWith(`filter DOCKER-USER rule #${rule.index} drops it: ${rule.raw}`), s[0]!.says);
    assert.equal(s[0]!.command, `iptables -D DOCKER-USER ${rule.index}`);
  });

  it('a publish bound to 127.0.0.1 only, asked from another netns: says so, with the 0.0.0.0 form', () => {
    const s = changes(LAB, { from: 'netns:nlt-OUT', to: 'host:47181', proto: 'tcp' });
    assert.deepEqual(s.map((x) => x.kind), ['publish']);
    assert.match(s[0]!.says, /^the port is published on 127\.0\.0\.1 only: nlt-lo/);
    const image = LAB.containers.find((c) => c.name === 'nlt-lo')!.image;
    assert.equal(s[0]!.command, `docker run -p 0.0.0.0:47181:80 ${image}`);
  });

  it('ip_forward off: the sysctl that would turn it on', () => {
    const off: Topology = { ...LAB, host: { ...LAB.host!, sysctls: { ...LAB.host!.sysctls, 'net.ipv4.ip_forward': '0' } } };
    const s = changes(off, { from: 'netns:nlt-OUT', to: 'host:47180', proto: 'tcp' });
    assert.ok(s.some((x) => x.kind === 'sysctl' && x.command === 'sysctl -w net.ipv4.ip_forward=1'), JSON.stringify(s));
  });

  it('an internal network: says only its own containers reach it, and which network to join', () => {
    const fromOutside = changes(LAB, { from: 'netns:nlt-OUT', to: 'nlt-i1:80', proto: 'tcp' });
    assert.deepEqual(fromOutside.map((x) => x.kind), ['internal']);
    assert.match(fromOutside[0]!.says, /^nlt-int is an internal network/);
    assert.equal(fromOutside[0]!.command, undefined, 'a netns is not a container: no docker network connect for it');
    const fromContainer = changes(LAB, { from: 'nlt-a2', to: 'nlt-i1:80', proto: 'tcp' });
    assert.ok(fromContainer.some((x) => x.command === 'docker network connect nlt-int nlt-a2'), JSON.stringify(fromContainer));
  });

  it('ICC off: says so, and names a network of the lab that allows it', () => {
    const s = changes(LAB, { from: 'nlt-n1', to: 'nlt-n2:80', proto: 'tcp' });
    assert.equal(s[0]!.kind, 'icc');
    assert.match(s[0]!.says, /^nlt-noicc has inter-container communication off/);
    assert.ok(s.some((x) => x.kind === 'network' && /docker network connect \S+ nlt-n1 && docker network connect \S+ nlt-n2/.test(x.command ?? '')));
  });

  it('no listener on the port: the ports that do listen (from the recorded sockets), and the trace to one of them', () => {
    const s = changes(LAB, { from: 'nlt-a2', to: 'nlt-a1:81', proto: 'tcp' });
    assert.deepEqual(s.map((x) => x.kind), ['listener']);
    assert.match(s[0]!.says, /nothing in nlt-a1 listens on tcp\/81; tcp ports that do listen there: 80$/);
    assert.equal(s[0]!.command, 'netlens trace --from nlt-a2 --to nlt-a1:80 --proto tcp');
  });

  it('the FORWARD policy drops an unpublished port routed from outside: accept it in DOCKER-USER, or publish', () => {
    const s = changes(LAB, { from: 'netns:nlt-OUT', to: 'nlt-a2:80', proto: 'tcp' });
    const a2 = LAB.networks.find((n) => n.name === 'nlt-a')!.endpoints.find((e) => e.containerName === 'nlt-a2')!.ipv4;
    assert.deepEqual(s.map((x) => x.kind), ['policy']);
    assert.equal(s[0]!.command, `iptables -I DOCKER-USER -d ${a2} -p tcp --dport 80 -j ACCEPT`);
  });

  it('uncertain at a rule netlens cannot evaluate: says which, and offers the probe', () => {
    const s = changes(LAB, { from: 'nlt-a2', to: 'nlt-b1:80', proto: 'tcp' });
    const u = s.find((x) => x.kind === 'uncertain-rule')!;
    assert.match(u.says, new RegExp(`filter DOCKER-USER rule #${userRule('nlt fixture: unknown module').index} matches \\(match module "length"`));
    assert.equal(u.command, 'netlens trace --from nlt-a2 --to nlt-b1:80 --proto tcp --probe');
  });

  it('missing host facts: what is not known, and how to give it to netlens', () => {
    const s = changes({ ...LAB, host: null }, { from: 'nlt-a2', to: 'nlt-a1:80', proto: 'tcp' });
    assert.ok(s.length > 0 && s.every((x) => x.kind === 'missing'), JSON.stringify(s));
    assert.ok(s.some((x) => /^not known: the host firewall/.test(x.says) && /netlens\.hostShell/.test(x.says) && x.command === 'iptables-save'), JSON.stringify(s));
  });
});

describe('trace as a command line and as Markdown', () => {
  it('the CLI command reproduces the request; odd values are quoted for a POSIX shell', () => {
    assert.equal(traceCliCommand({ from: 'netns:nlt-OUT', to: 'host', proto: 'udp', port: 47153 }), 'netlens trace --from netns:nlt-OUT --to host --proto udp --port 47153');
    assert.equal(traceCliCommand({ from: 'a b', to: "x'y", proto: 'tcp', family: 'ipv6' }), `netlens trace --from 'a b' --to 'x'\\''y' --proto tcp -6`);
  });

  it('NAT rewrites show as the addresses changing between hops', () => {
    const r = tracePacket(LAB, { from: 'netns:nlt-OUT', to: 'host:47180', proto: 'tcp' });
    const all = r.hops.flatMap((h, i) => (i > 0 ? packetRewrites(r.hops[i - 1]!.packet, h.packet) : []));
    assert.ok(all.includes('dst 10.213.99.1:47180 → 10.213.20.2:80'), JSON.stringify(all));
  });

  it('Markdown: verdict, reproduce line, one table row per hop, rule text in code, rewrites and suggestions', () => {
    const r = tracePacket(LAB, { from: 'netns:nlt-OUT', to: 'host:47153', proto: 'udp' });
    const md = formatTraceMarkdown(r, whatWouldChange(LAB, r));
    assert.match(md, /^### netlens trace: netns:nlt-OUT → host:47153 \(udp\)/);
    assert.match(md, /\*\*Verdict: DROPPED\*\*/);
    assert.ok(md.includes('Reproduce: `netlens trace --from netns:nlt-OUT --to host:47153 --proto udp`'));
    for (const h of r.hops) assert.ok(md.includes(`\n| ${h.step} | ${h.namespace} |`), `row of step ${h.step}`);
    const rule = userRule('nlt fixture: outside udp blocked');
    assert.ok(md.includes(`filter DOCKER-USER #${rule.index} \`${rule.raw}\``));
    assert.ok(md.includes(`- filter DOCKER-USER rule #${rule.index} drops it`));
    assert.ok(md.includes(`\`iptables -D DOCKER-USER ${rule.index}\``));
    assert.ok(md.includes('**dst 10.213.99.1:47153 → 10.213.20.2:5353**'), md);
  });
});
