/**
 * What the extension keeps for things that are gone goes with them: the tree's element handles and
 * the layers fetched for a removed container, trace documents naming a removed container (unless
 * open), and no more than MAX_TRACES trace documents at all.
 */
import '../../support/vscodeStub';
import { strict as assert } from 'node:assert';
import { TraceDocuments, traceContainers } from '../../../src/extension/commands/traceCommands';
import { NetlensTreeProvider } from '../../../src/extension/trees/treeProvider';
import type { NetlensContext } from '../../../src/extension/ctx';
import type { EngineConnection } from '../../../src/extension/engines/engineConnection';
import type { Topology } from '../../../src/core/model/types';
import { labLayers, labTopology } from './sidebarFixture';

function fakeContext(topology: () => Topology): { ctx: NetlensContext; changed: () => void } {
  const listeners: Array<() => void> = [];
  const conn = {
    key: 'local',
    label: 'local',
    status: { kind: 'connected', since: '2026-01-01T00:00:00Z' },
    get topology() {
      return topology();
    },
    provisional: new Set<string>(),
    session: () => ({ storage: async () => labLayers(), diff: async () => [] }),
  } as unknown as EngineConnection;
  const ctx = {
    connections: [conn],
    connection: (key: string) => (key === 'local' ? conn : undefined),
    lastError: () => undefined,
    // the trees read the Compose project filter (netlens.trees.project): none here
    config: { projectFilter: '' },
    onDidChange: (l: () => void) => {
      listeners.push(l);
      return { dispose: () => undefined };
    },
    log: { warn: () => undefined },
  } as unknown as NetlensContext;
  return { ctx, changed: () => listeners.forEach((l) => l()) };
}

describe('extension caches are pruned with what they belonged to', () => {
  it("the tree drops a removed container's loaded layers and element handles", async () => {
    const full = labTopology();
    const web = full.containers.find((c) => c.name === 'nle-web')!;
    let current = full;
    const { ctx, changed } = fakeContext(() => current);
    const tree = new NetlensTreeProvider('containers', ctx);
    const layersNode = tree.allNodes().find((n) => n.node.lazy?.kind === 'storage' && n.node.lazy.containerId === web.id)!.node;
    const other = tree.allNodes().find((n) => n.node.id.includes(full.containers.find((c) => c.id !== web.id)!.id))!.node;
    tree.element(other.id);
    const children = await tree.getChildren(tree.element(layersNode.id));
    assert.ok(children.length > 0, 'layers loaded');
    const internals = tree as unknown as { loaded: Map<string, unknown>; elements: Map<string, unknown> };
    assert.ok(internals.loaded.has(layersNode.id));
    const webIds = (): string[] => [...internals.elements.keys()].filter((id) => id.includes(web.id));
    assert.ok(webIds().length > 0);

    current = { ...full, containers: full.containers.filter((c) => c.id !== web.id) };
    changed();
    tree.allNodes();
    assert.ok(!internals.loaded.has(layersNode.id), 'the layers of the removed container are gone');
    assert.deepEqual(webIds(), [], 'and so are its element handles');
    assert.ok(internals.elements.has(other.id), "another container's handle stays");
    tree.dispose();
  });

  it('trace documents: a removed container takes its traces along unless they are open, and at most MAX_TRACES are kept', () => {
    const open = new Set<string>();
    const docs = new TraceDocuments((uri) => open.has(uri));
    const a = docs.add('a', 'trace a', ['id-a']).toString();
    const b = docs.add('b', 'trace b', ['id-b']).toString();
    const both = docs.add('ab', 'trace ab', ['id-a', 'id-b']).toString();
    open.add(b);
    docs.prune(new Set(['id-a']));
    assert.equal(docs.provideTextDocumentContent({ toString: () => a } as never), 'trace a');
    assert.equal(docs.provideTextDocumentContent({ toString: () => b } as never), 'trace b', 'open: kept');
    assert.match(docs.provideTextDocumentContent({ toString: () => both } as never), /no longer kept/);
    docs.forget(b);
    assert.equal(docs.size, 1);

    const first = docs.add('first', 'kept while open').toString();
    open.add(first);
    for (let i = 0; i < TraceDocuments.MAX_TRACES + 20; i++) docs.add(`t${i}`, `trace ${i}`);
    assert.equal(docs.size, TraceDocuments.MAX_TRACES);
    assert.equal(docs.provideTextDocumentContent({ toString: () => first } as never), 'kept while open');
  });

  it('a trace names the containers at its ends by name, name:port or id prefix', () => {
    const t = labTopology();
    const web = t.containers.find((c) => c.name === 'nle-web')!;
    assert.deepEqual(traceContainers(t, ['nle-web:80', '10.0.0.1']), [web.id]);
    assert.deepEqual(traceContainers(t, [web.id.slice(0, 12), 'host']), [web.id]);
    assert.deepEqual(traceContainers(t, ['host', 'netns:RED']), []);
  });
});
