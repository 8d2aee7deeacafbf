/**
 * When the helper container is the way to the engine's host, the editor says so once per engine
 * and window, with one action: "Use the helper container". That is when the host shell reached
 * another machine than the engine's (HOST_MISMATCH: a laptop's shell beside Docker Desktop's VM),
 * and, under `auto`, for an engine in a VM (Docker Desktop, Colima, OrbStack, Rancher Desktop,
 * Podman machine) or a tcp:// engine elsewhere, which `auto` gives no host shell. The action asks
 * the consent first (the same modal, by engine URL) and only then sets `netlens.hostShell`.
 */
import * as vscode from 'vscode';
import { describeHelper } from '../../core/host/helper/helperSpec';
import type { NetlensContext } from '../ctx';
import { helperConsent } from './helperConsent';
import { helperProposal } from './helperProposalReason';

export const USE_HELPER = 'Use the helper container';

export function watchHelperProposals(ctx: NetlensContext, memento: vscode.Memento): vscode.Disposable {
  const proposed = new Set<string>();
  return ctx.onDidChange(() => {
    for (const conn of ctx.connections) {
      const topology = conn.topology;
      if (!topology || proposed.has(conn.key)) continue;
      const why = helperProposal(conn.spec, topology);
      if (!why) continue;
      proposed.add(conn.key);
      void vscode.window.showInformationMessage(`netlens: ${why}.`, USE_HELPER).then(async (pick) => {
        if (pick !== USE_HELPER) return;
        const configured = ctx.config.helperImage.trim();
        const image = configured || 'a busybox image already on the engine, else busybox:stable';
        const ok = await helperConsent(memento)({ engineUrl: topology.engine.endpoint.url, image: { image, how: configured ? 'configured' : 'present' }, description: describeHelper(image) });
        if (!ok) return;
        if (ctx.config.engines.length) {
          void vscode.window.showInformationMessage(`netlens: set "hostShell": "container" in the netlens.engines entry of ${conn.label}`);
          return;
        }
        await vscode.workspace.getConfiguration('netlens').update('hostShell', 'container', vscode.ConfigurationTarget.Global);
      });
    }
  });
}
