/** A topology snapshot as the extension posts it to the webview (src/extension/topology/topologyPanel.ts). */
import type { Topology } from '../../src/core/model/types';
import type { SnapshotNotification } from '../../src/protocol/topologyProtocol';
import { topologySnapshot, type EngineModel } from '../../src/extension/topology/topologySnapshot';

/** `engines`: every configured engine (the drawn one is `self`), for several hosts side by side. */
export function snapshotMessage(t: Topology | null, reason: string, engines?: { readonly self: string; readonly all: readonly EngineModel[] }): SnapshotNotification {
  return topologySnapshot(t ?? undefined, reason, engines);
}
