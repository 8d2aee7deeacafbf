/**
 * Runs inside VS Code's extension host against the real engine: netlens is activated through the
 * real `vscode` API and observed through the API its `activate()` returns. The suite makes its own
 * network and container (nlx-host-<pid>-*) and removes them afterwards, also after a failure.
 */
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { NetlensApi, TreeItemSnapshot } from '../../../src/extension/api';
import { IMAGE, docker, removeLab, requireRealEngine } from '../../support/lab';
import { ownedPrefix, removeAbandoned } from '../../support/ownedPrefix';
import { createComposeLab, requireDockerCompose, type ComposeLab } from '../../support/composeLab';

const PREFIX = ownedPrefix('nlx-host-');
const NET = `${PREFIX}net`;
const CONTAINER = `${PREFIX}c1`;
const EXTENSION_ID = 'netlens.netlens';

interface ManifestCommand {
  readonly command: string;
  readonly title: string;
}

/** The network items of the Networks view (depth 1, below an engine root), by name. */
function networkItem(items: readonly TreeItemSnapshot[], name: string): TreeItemSnapshot | undefined {
  return items.find((i) => i.label === name && i.contextValue.includes(';network;'));
}

function childLabels(items: readonly TreeItemSnapshot[], parent: TreeItemSnapshot): string[] {
  return items.filter((i) => i.parentId === parent.id).map((i) => i.label);
}

/** Polls until check() returns true; the engine's events reach the extension asynchronously. */
async function eventually(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('netlens in the extension host', () => {
  let extension: vscode.Extension<NetlensApi>;
  let api: NetlensApi;

  before(async function () {
    this.timeout(60_000);
    requireRealEngine();
    removeAbandoned('nlx-host-');
    removeLab(PREFIX);
    docker('network', 'create', NET);
    docker('run', '-d', '--name', CONTAINER, IMAGE, 'sleep', '100000');
    const ext = vscode.extensions.getExtension<NetlensApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded in this host`);
    extension = ext;
    api = await extension.activate();
    assert.ok(api && typeof api.treeItems === 'function', 'activate() did not return the netlens API');
  });

  after(() => removeLab(PREFIX));

  it('runs in a workspace extension host beside the engine', () => {
    assert.equal(extension.isActive, true);
    assert.deepEqual(extension.packageJSON.extensionKind, ['workspace']);
    // Without a remote (desktop VS Code, local engine) every extension reports UI.
    if (vscode.env.remoteName) assert.equal(extension.extensionKind, vscode.ExtensionKind.Workspace);
  });

  it('registers every command package.json declares', async () => {
    const declared = (extension.packageJSON.contributes?.commands ?? []) as ManifestCommand[];
    assert.ok(declared.length > 0, 'package.json declares no commands');
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = declared.map((c) => c.command).filter((c) => !registered.has(c));
    assert.deepEqual(missing, [], `declared but not registered: ${missing.join(', ')}`);
  });

  it('lists every network of the engine in the Networks view, the one this test made included', async () => {
    const engineNetworks = (): Set<string> => new Set(docker('network', 'ls', '--format', '{{.Name}}').split('\n').filter(Boolean));
    const before = engineNetworks();
    assert.ok(before.has(NET));
    await api.refresh('e2e: networks');
    const shown = new Set((await api.treeItems('networks')).filter((i) => i.contextValue.includes(';network;')).map((i) => i.label));
    // Other suites add and remove networks on this engine meanwhile: a network that existed before
    // the refresh and still exists after it must be shown.
    const after = engineNetworks();
    const missing = [...before].filter((n) => after.has(n) && !shown.has(n));
    assert.deepEqual(missing, [], `networks of the engine missing from the tree: ${missing.join(', ')}; lastError: ${String(api.lastError() ?? 'none')}`);
  });

  it('follows `docker network connect`: the container appears under the network without a manual refresh', async () => {
    const items = await api.treeItems('networks');
    const net = networkItem(items, NET);
    assert.ok(net, `${NET} is not in the tree`);
    assert.ok(!childLabels(items, net).includes(CONTAINER), `${CONTAINER} is under ${NET} before it was connected`);
    docker('network', 'connect', NET, CONTAINER);
    await eventually(`${CONTAINER} showing under ${NET}`, async () => {
      const now = await api.treeItems('networks');
      const n = networkItem(now, NET);
      return n !== undefined && childLabels(now, n).includes(CONTAINER);
    });
    const topo = api.getTopology();
    const endpoints = topo?.networks.find((n) => n.name === NET)?.endpoints.map((e) => e.containerName) ?? [];
    assert.ok(endpoints.includes(CONTAINER), `getTopology() has no endpoint of ${CONTAINER} on ${NET}: ${endpoints.join(', ')}`);
  });

  it('opens the topology panel with netlens.showTopology', async () => {
    const webviewTabs = (): vscode.Tab[] => vscode.window.tabGroups.all.flatMap((g) => g.tabs)
      .filter((t) => t.input instanceof vscode.TabInputWebview);
    const before = webviewTabs().length;
    await vscode.commands.executeCommand('netlens.showTopology');
    await eventually('a topology webview tab', async () => webviewTabs().length > before, 10_000);
    const tab = webviewTabs().at(-1)!;
    assert.match((tab.input as vscode.TabInputWebview).viewType, /netlens/i);
  });
});

/**
 * A real Compose project (Debian 12's docker-compose, test/support/composeLab.ts) in the sidebar of
 * a real VS Code: grouped under its project, service names with the container name beside, the
 * external network marked, and "this project only" through the command the project item offers.
 */
describe('netlens in the extension host: a Compose project', () => {
  const PROJECT = `${ownedPrefix('nlx-compose-')}p`;
  let api: NetlensApi;
  let lab: ComposeLab | undefined;

  before(async function () {
    this.timeout(180_000);
    requireRealEngine();
    requireDockerCompose();
    removeAbandoned('nlx-compose-');
    lab = await createComposeLab(PROJECT);
    const ext = vscode.extensions.getExtension<NetlensApi>(EXTENSION_ID);
    assert.ok(ext);
    api = await ext.activate();
  });

  after(async function () {
    this.timeout(120_000);
    // the filter is a user setting of this code-server's own profile; cleared also after a failure
    await vscode.workspace.getConfiguration('netlens').update('trees.project', undefined, vscode.ConfigurationTarget.Global);
    lab?.remove();
  });

  it('groups the project in the Networks and Containers views, and filters to it on request', async function () {
    this.timeout(60_000);
    await api.refresh('e2e: compose');
    const items = await api.treeItems('networks');
    const project = items.find((i) => i.label === PROJECT && i.contextValue.includes(';project;'));
    assert.ok(project, `project ${PROJECT} in the Networks view; lastError: ${String(api.lastError() ?? 'none')}`);
    const under = items.filter((i) => i.parentId === project.id);
    assert.deepEqual(under.map((i) => i.label), [`${PROJECT}_back`, `${PROJECT}_front`, lab!.externalNetwork]);
    assert.match(under[2]!.description ?? '', /^external · web$/);
    const back = under[0]!;
    const onBack = items.filter((i) => i.parentId === back.id);
    assert.deepEqual(onBack.map((i) => i.label), ['api', 'db']);
    assert.match(onBack[0]!.description ?? '', new RegExp(`^${PROJECT}_api_1 · `));
    const containers = await api.treeItems('containers');
    const cproject = containers.find((i) => i.label === PROJECT && i.contextValue.includes(';project;'));
    assert.ok(cproject);
    assert.deepEqual(containers.filter((i) => i.parentId === cproject.id).map((i) => i.label), ['api', 'db', 'web']);

    await vscode.commands.executeCommand('netlens.showProjectOnly', { view: 'networks', id: project.id });
    await eventually('the Networks view showing the project alone', async () => {
      const now = await api.treeItems('networks');
      const roots = now.filter((i) => i.depth === 1);
      return roots.length > 0 && roots.every((i) => i.label === PROJECT);
    });
    assert.equal(vscode.workspace.getConfiguration('netlens').inspect<string>('trees.project')?.workspaceValue, undefined, 'the workspace gained no setting');
    await vscode.commands.executeCommand('netlens.showAllProjects');
    await eventually('the Networks view showing everything again', async () => (await api.treeItems('networks')).some((i) => i.depth === 1 && i.label === 'bridge'));
  });
});
