/** A topology snapshot as the extension posts it to the webview (src/extension/topology/topologyPanel.ts). */
import type { Topology } from '../../src/core/model/types';
import { topologyProtocolVersion, type SnapshotNotification } from '../../src/protocol/topologyProtocol';
import { topologyView } from '../../src/protocol/topologyView';
import { composeProjects } from '../../src/core/model/projects';

export function snapshotMessage(t: Topology | null, reason: string): SnapshotNotification {
  return { type: 'snapshot', protocolVersion: topologyProtocolVersion, view: t ? topologyView(t, composeProjects(t)) : null, reason };
}
