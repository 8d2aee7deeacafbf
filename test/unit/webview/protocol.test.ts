import { strict as assert } from 'node:assert';
import { snapshotMessage } from '../../support/snapshotMessage';
import { topologyView } from '../../../src/protocol/topologyView';
import { composeProjects } from '../../../src/core/model/projects';
import { topologyIds, topologyItemKind } from '../../../src/protocol/topologyIds';
import {
  isEngineStateNotification,
  isFocusNotification,
  isOpenInspectCommand,
  isReadyCommand,
  isRefreshCommand,
  isSaveExportRequest,
  isSnapshotNotification,
  isTopologyCommand,
  isTopologyNotification,
  isTopologyReply,
  isTopologyRequest,
  isTraceCommand,
  isTracePathNotification,
  topologyProtocolVersion,
} from '../../../src/protocol/topologyProtocol';
import { loadTopologyFixture } from '../../support/topologyFixtures';

describe('topology protocol guards', () => {
  const topology = loadTopologyFixture('lab-20.10');

  it('accepts every well-formed webview → host command and request', () => {
    assert.ok(isReadyCommand({ type: 'ready', protocolVersion: topologyProtocolVersion }));
    assert.ok(isOpenInspectCommand({ type: 'openInspect', itemId: 'ctr:abc' }));
    assert.ok(isTraceCommand({ type: 'trace', from: 'nic:eth0', to: 'ctr:abc' }));
    assert.ok(isRefreshCommand({ type: 'refresh' }));
    assert.ok(isSaveExportRequest({ type: 'request', method: 'saveExport', requestId: 3, format: 'png', data: 'iVBOR', suggestedName: 'x.png' }));
    assert.ok(isTopologyCommand({ type: 'refresh' }));
    assert.ok(isTopologyRequest({ type: 'request', method: 'saveExport', requestId: 0, format: 'svg', data: '<svg/>', suggestedName: 'x.svg' }));
  });

  it('rejects malformed commands and requests', () => {
    for (const bad of [null, 'ready', [], { type: 'ready' }, { type: 'ready', protocolVersion: '1' }, { type: 'openInspect', itemId: '' }, { type: 'openInspect', itemId: 5 }, { type: 'trace', from: 'a' }, { type: 'nope' }]) {
      assert.equal(isTopologyCommand(bad), false, JSON.stringify(bad));
    }
    for (const bad of [
      { type: 'request', method: 'saveExport', requestId: -1, format: 'svg', data: '', suggestedName: '' },
      { type: 'request', method: 'saveExport', requestId: 1.5, format: 'svg', data: '', suggestedName: '' },
      { type: 'request', method: 'saveExport', requestId: 1, format: 'gif', data: '', suggestedName: '' },
      { type: 'request', method: 'saveExport', requestId: 1, format: 'svg', data: 42, suggestedName: '' },
      { type: 'request', method: 'delete', requestId: 1, format: 'svg', data: '', suggestedName: '' },
    ]) {
      assert.equal(isTopologyRequest(bad), false, JSON.stringify(bad));
    }
  });

  it('accepts host → webview notifications and replies, with a real snapshot', () => {
    assert.ok(isSnapshotNotification(JSON.parse(JSON.stringify(snapshotMessage(topology, 'initial')))));
    assert.ok(isSnapshotNotification(snapshotMessage(null, 'initial')));
    assert.ok(isFocusNotification({ type: 'focus', target: 'nlw-w1' }));
    assert.ok(isTracePathNotification({ type: 'tracePath', traceId: 1, hops: [{ step: 1, keys: ['nic:eth0'] }, { step: 2, keys: ['ctr:x'] }], decider: { step: 2, keys: ['ctr:x'], text: 'arrived' }, verdict: 'delivered', label: 'eth0 → w1' }));
    assert.ok(isTracePathNotification({ type: 'tracePath', traceId: null, hops: [], decider: null, verdict: null, label: '' }));
    assert.ok(isEngineStateNotification({ type: 'engineState', state: 'reconnecting', stale: true, message: 'connect ENOENT' }));
    assert.ok(isTopologyReply({ type: 'reply', requestId: 1, ok: true, result: { path: '/tmp/x.svg' } }));
    assert.ok(isTopologyReply({ type: 'reply', requestId: 1, ok: true, result: { path: null } }));
    assert.ok(isTopologyReply({ type: 'reply', requestId: 1, ok: false, error: 'EACCES' }));
  });

  it('sends the webview a view without the rulesets, the rest as the model has it', () => {
    assert.ok(topology.host?.firewall.ipv4, 'the recording has a parsed IPv4 ruleset');
    const view = topologyView(topology, composeProjects(topology));
    assert.equal('ipv4' in view.host!.firewall || 'ipv6' in view.host!.firewall, false);
    assert.deepEqual(view.projects, composeProjects(topology), 'the projects the model derives');
    const { firewall: _f, ...hostRest } = topology.host!;
    const { firewall: _g, ...viewHostRest } = view.host!;
    assert.deepEqual(viewHostRest, hostRest);
    const { projects: _p, ...viewRest } = view;
    assert.deepEqual({ ...viewRest, host: null }, { ...topology, host: null });
    const sent = JSON.stringify(snapshotMessage(topology, 'x')).length;
    assert.ok(sent < JSON.stringify(topology).length, 'the snapshot is smaller than the model');
  });

  it('rejects malformed notifications and replies', () => {
    for (const bad of [
      { ...snapshotMessage(topology, 'x'), view: { ...topologyView(topology, []), schema: 2 } },
      { ...snapshotMessage(topology, 'x'), view: { ...topologyView(topology, []), networks: {} } },
      { type: 'snapshot', view: topologyView(topology, []), reason: 'x' },
      // protocol 3: a view without its projects, or with a project whose names are not text
      { ...snapshotMessage(topology, 'x'), view: { ...topologyView(topology, []), projects: undefined } },
      { ...snapshotMessage(topology, 'x'), view: { ...topologyView(topology, []), projects: [{ name: 7, services: [], networks: [] }] } },
      { ...snapshotMessage(topology, 'x'), view: { ...topologyView(topology, []), projects: [{ name: 'p', services: [{ name: 's', containerIds: [1], dependsOn: { known: false, reason: '' } }], networks: [] }] } },
      // the core Topology under the name version 1 used
      { type: 'snapshot', protocolVersion: topologyProtocolVersion, topology, reason: 'x' },
      { type: 'focus', target: '' },
      { type: 'tracePath', traceId: null, hops: [1], decider: null, verdict: null, label: '' },
      { type: 'tracePath', traceId: null, hops: [], decider: null, verdict: 'maybe', label: '' },
      { type: 'tracePath', hops: [], verdict: null, label: '' },
      { type: 'engineState', state: 'up', stale: false, message: null },
      { type: 'engineState', state: 'connected', stale: 'no', message: null },
    ]) {
      assert.equal(isTopologyNotification(bad), false, JSON.stringify(bad).slice(0, 80));
    }
    assert.equal(isTopologyReply({ type: 'reply', requestId: 1, ok: 'yes' }), false);
    assert.equal(isTopologyReply({ type: 'reply', requestId: 1, ok: true, result: { path: 7 } }), false);
    assert.equal(isTopologyReply({ type: 'reply', requestId: 1, ok: false, error: {} }), false);
  });
});

describe('topology ids', () => {
  it('names the kind of every id it makes, and nothing else', () => {
    assert.equal(topologyItemKind(topologyIds.container('abc')), 'container');
    assert.equal(topologyItemKind(topologyIds.endpoint('n', 'c')), 'endpoint');
    assert.equal(topologyItemKind(topologyIds.publish('c', '0.0.0.0', 80, 'tcp')), 'publish');
    assert.equal(topologyItemKind(topologyIds.mark('icc-off', 'n')), 'mark');
    assert.equal(topologyItemKind(topologyIds.foreignBridge('br0')), 'foreignBridge');
    assert.equal(topologyItemKind('ctr:'), null);
    assert.equal(topologyItemKind('nlw-w1'), null);
    assert.equal(topologyItemKind('if:eth0'), null);
  });
});
