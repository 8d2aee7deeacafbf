import { strict as assert } from 'node:assert';
import { createNonce, topologyContentSecurityPolicy, topologyHtml } from '../../../src/extension/topology/topologyHtml';
import { traceEndpointOf } from '../../../src/extension/topology/traceEndpoints';
import { subjectOfItem, topologyIds } from '../../../src/protocol/topologyIds';
import { subjects } from '../../../src/protocol/subject';
import { itemFacts } from '../../../webview/itemFacts';
import { valueText } from '../../../src/protocol/facts/sheet';
import { layoutTopology } from '../../../webview/layout';
import { resolveTarget } from '../../../webview/resolveTarget';
import { matchingNodeIds, parseQuery } from '../../../webview/searchFilter';
import { loadTopologyFixture } from '../../support/topologyFixtures';

const t = loadTopologyFixture('lab-20.10');
const layout = layoutTopology(t);
const byName = (name: string) => t.containers.find((c) => c.name === name)!;
const net = (name: string) => t.networks.find((n) => n.name === name)!;
const rows = (f: ReturnType<typeof itemFacts>) => new Map((f?.sections ?? []).flatMap((s) => s.rows.map((r) => [r.label, valueText(r.value)] as const)));
/** quoted rule and command text, as the pane shows it full width */
const codeOf = (f: ReturnType<typeof itemFacts>) => (f?.sections ?? []).flatMap((s) => s.rows.flatMap((r) => (r.value.kind === 'code' ? [r.value.text] : [])));

describe('drill-down facts', () => {
  it('gives a container its IP, its veth and its publish with the DNAT rule', () => {
    const w1 = byName('nlw-w1');
    const ep = net('bridge').endpoints.find((e) => e.containerId === w1.id)!;
    const f = itemFacts(t, topologyIds.container(w1.id));
    assert.equal(f?.heading, 'nlw-w1');
    const r = rows(f);
    assert.equal(r.get('IPv4'), `${ep.ipv4}/16`);
    assert.match(r.get('Host veth')!, new RegExp(`^${ep.hostVeth} \\(ifindex \\d+\\)$`));
    const code = codeOf(f);
    assert.ok(code.some((c) => c.includes('--dport 28080 -j DNAT')), code.join('\n'));
  });

  it('quotes the DNAT rule and the docker-proxy of a publish', () => {
    const w1 = byName('nlw-w1');
    const f = itemFacts(t, topologyIds.publish(w1.id, '0.0.0.0', 28080, 'tcp'));
    const code = codeOf(f);
    assert.ok(code.some((c) => /^nat\/DOCKER #\d+: -A DOCKER .*--dport 28080 -j DNAT --to-destination 172\.17\.0\.\d+:80$/.test(c)), code.join('\n'));
    assert.ok(code.some((c) => c.includes('docker-proxy') && c.includes('-host-port 28080')));
  });

  it('quotes the MASQUERADE rule behind a mark, and says so when a network has none', () => {
    const bridge = net('bridge');
    const f = itemFacts(t, topologyIds.mark('masquerade', bridge.id));
    assert.ok(codeOf(f).some((c) => /-s 172\.17\.0\.0\/16 ! -o docker0 -j MASQUERADE/.test(c)), codeOf(f).join('\n'));
    assert.equal(itemFacts(t, 'mark:icc-off:nope'), null);
  });

  it('describes a veth pair, a named netns and a foreign bridge port', () => {
    const w1 = byName('nlw-w1');
    const ep = rows(itemFacts(t, topologyIds.endpoint(net('bridge').id, w1.id)));
    assert.equal(ep.get('Bridge'), 'docker0');
    assert.equal(ep.get('Interface in container'), 'eth0');
    assert.match(rows(itemFacts(t, topologyIds.namedNetns('nlw-RED'))).get('reth0')!, /^veth, 10\.201\.0\.2\/24(, fe80::[0-9a-f:]+\/64)?, MAC [0-9a-f:]+, (UP|LOWERLAYERDOWN|DOWN|UNKNOWN)$/);
    assert.equal(rows(itemFacts(t, topologyIds.bridgePort('nlw-reth1'))).get('Enslaved to'), 'nlw-br0');
  });
});

describe('search, focus targets and the sidebar translation', () => {
  it('filters by network, container, IP and port', () => {
    assert.deepEqual(parseQuery(' net:nlw-net  Web '), [{ facet: 'network', text: 'nlw-net' }, { facet: 'any', text: 'web' }]);
    const ids = (q: string) => matchingNodeIds(layout.nodes, q)!;
    assert.ok(ids('port:28080').has(topologyIds.container(byName('nlw-w1').id)));
    assert.equal(ids('port:28080').has(topologyIds.container(byName('nlw-w2').id)), false);
    assert.ok(ids('ip:10.201.0.2').has(topologyIds.namedNetns('nlw-RED')));
    const inNet = ids('ctr:nlw net:nlw-net');
    assert.deepEqual([...inNet].sort(), [topologyIds.container(byName('nlw-a').id), topologyIds.container(byName('nlw-b').id)].sort());
    assert.equal(matchingNodeIds(layout.nodes, '   '), null);
  });

  it('resolves what the host asks to focus', () => {
    const w1 = byName('nlw-w1');
    assert.equal(resolveTarget(t, layout, 'nlw-w1'), topologyIds.container(w1.id));
    assert.equal(resolveTarget(t, layout, w1.id.slice(0, 12)), topologyIds.container(w1.id));
    assert.equal(resolveTarget(t, layout, 'docker0'), topologyIds.network(net('bridge').id));
    assert.equal(resolveTarget(t, layout, 'if:eth0'), topologyIds.hostInterface('eth0'));
    assert.equal(resolveTarget(t, layout, 'netns:nlw-RED'), topologyIds.namedNetns('nlw-RED'));
    assert.equal(resolveTarget(t, layout, 'no-such-thing'), null);
    // a host interface's subject key finds it however it is drawn
    const ep = net('bridge').endpoints.find((e) => e.containerId === w1.id)!;
    assert.equal(resolveTarget(t, layout, topologyIds.hostInterface(ep.hostVeth!)), topologyIds.endpoint(net('bridge').id, w1.id));
    assert.equal(resolveTarget(t, layout, topologyIds.hostInterface('nlw-reth1')), topologyIds.bridgePort('nlw-reth1'));
  });

  it('says what each drawn item is about, and what the trace takes for it', () => {
    const w1 = byName('nlw-w1');
    assert.deepEqual(subjectOfItem(topologyIds.container(w1.id)), subjects.container(w1.id));
    assert.deepEqual(subjectOfItem(topologyIds.endpoint(net('bridge').id, w1.id)), subjects.endpoint(net('bridge').id, w1.id));
    assert.deepEqual(subjectOfItem(topologyIds.bridgePort('nlw-reth1')), subjects.hostInterface('nlw-reth1'));
    assert.deepEqual(subjectOfItem(topologyIds.namedNetns('nlw-RED')), subjects.netns('nlw-RED'));
    assert.deepEqual(subjectOfItem(topologyIds.publish(w1.id, '0.0.0.0', 28080, 'tcp')), subjects.publish({ containerId: w1.id, hostIp: '0.0.0.0', hostPort: 28080, protocol: 'tcp' }));
    assert.deepEqual(subjectOfItem(topologyIds.mark('masquerade', net('bridge').id)), subjects.network(net('bridge').id));
    assert.equal(subjectOfItem(topologyIds.edge('veth', 'x')), null);
    assert.equal(traceEndpointOf(t, topologyIds.container(w1.id)), 'nlw-w1');
    assert.equal(traceEndpointOf(t, topologyIds.hostInterface('eth0')), '192.0.2.2');
    assert.equal(traceEndpointOf(t, topologyIds.namedNetns('nlw-BLUE')), '10.201.0.3');
  });
});

describe('topology page CSP', () => {
  it('allows only our nonce-tagged script and local styles, never inline code', () => {
    const nonce = createNonce();
    assert.equal(Buffer.from(nonce, 'base64').length, 16);
    assert.notEqual(createNonce(), nonce);
    const csp = topologyContentSecurityPolicy('https://x.vscode-cdn.net', nonce);
    assert.equal(csp, `default-src 'none'; script-src 'nonce-${nonce}'; style-src https://x.vscode-cdn.net 'nonce-${nonce}'; img-src https://x.vscode-cdn.net data:; font-src https://x.vscode-cdn.net`);
    const html = topologyHtml({ cspSource: 'https://x.vscode-cdn.net', nonce, scriptUri: 'https://x/dist/webview.js?a="b"', styleUri: 'https://x/media/topology.css' });
    assert.doesNotMatch(html, /unsafe-inline|unsafe-eval/);
    assert.match(html, new RegExp(`<script nonce="${nonce.replace(/[+/]/g, '\\$&')}" src="https://x/dist/webview.js\\?a=&quot;b&quot;"></script>`));
    assert.equal((html.match(/<script/g) ?? []).length, 1);
  });
});
