import { strict as assert } from 'node:assert';
import { engineRoot } from '../../../src/extension/trees/engineRoots';
import { clock } from '../../../src/extension/engines/engineStatus';
import { labTopology } from './sidebarFixture';

const error = 'cannot reach the Docker engine: connect ENOENT /tmp/nle-missing.sock (tried: unix:///tmp/nle-missing.sock)';

describe('engine roots in every state', () => {
  it('an unreachable engine shows an error item with Retry and Open Settings, never an empty tree', () => {
    for (const view of ['networks', 'host', 'containers'] as const) {
      const root = engineRoot(view, { key: 'local', label: 'local', status: { kind: 'error', since: '2026-11-22T09:51:00Z', error }, topology: undefined });
      assert.deepEqual(root.children.map((c) => c.action), ['showLog', 'retry', 'openSettings']);
      assert.equal(root.children[0]?.description, error);
      assert.match(root.contextValue, /;engine-error;/);
    }
  });

  it('a stale engine keeps the last model, says so and since when, and offers Retry', () => {
    const since = '2026-11-22T09:52:03Z';
    const root = engineRoot('networks', { key: 'local', label: 'local', status: { kind: 'stale', since, error: 'event stream lost' }, topology: labTopology() });
    assert.equal(root.description, `stale — engine unreachable since ${clock(since)}`);
    assert.match(root.tooltip ?? '', /stale — engine unreachable since/);
    assert.equal(root.children[1]?.action, 'retry');
    assert.ok(root.children.some((c) => c.label === 'nle-net'), 'the last known networks are still shown');
  });

  it('an engine without containers says so in the Containers view', () => {
    const t = labTopology();
    const root = engineRoot('containers', { key: 'local', label: 'local', status: { kind: 'connected', since: t.collectedAt }, topology: { ...t, containers: [] } });
    assert.deepEqual(root.children.map((c) => c.label), ['No containers']);
  });

  it('a connected engine names its endpoint and version', () => {
    const root = engineRoot('networks', { key: 'local', label: 'local', status: { kind: 'connected', since: '2026-11-22T09:51:00Z' }, topology: labTopology() });
    assert.equal(root.description, 'unix:///var/run/docker.sock · Docker 20.10.24+dfsg1');
  });
});
