/**
 * The webview's end of the topology protocol: typed sends, requests whose replies are matched by
 * id, and incoming notifications checked by the protocol's guards before anything reads them.
 */
import type { ExportFormat, SaveExportResult, TopologyCommand, TopologyNotification } from '../src/protocol/topologyProtocol';
import { isTopologyNotification, isTopologyReply, topologyProtocolVersion } from '../src/protocol/topologyProtocol';

/** What VS Code's `acquireVsCodeApi()` returns (the part we use). */
export interface VsCodeWebviewApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

interface Pending {
  resolve(result: SaveExportResult): void;
  reject(error: Error): void;
}

export class HostConnection {
  private nextRequestId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners: ((n: TopologyNotification) => void)[] = [];

  constructor(
    private readonly api: VsCodeWebviewApi,
    private readonly onProtocolError: (message: string) => void,
  ) {}

  /** Starts listening and tells the host we are ready for a snapshot. */
  start(target: Window): void {
    target.addEventListener('message', (event: MessageEvent<unknown>) => this.receive(event.data));
    this.send({ type: 'ready', protocolVersion: topologyProtocolVersion });
  }

  onNotification(listener: (n: TopologyNotification) => void): void {
    this.listeners.push(listener);
  }

  send(command: TopologyCommand): void {
    this.api.postMessage(command);
  }

  saveExport(format: ExportFormat, data: string, suggestedName: string): Promise<SaveExportResult> {
    const requestId = this.nextRequestId++;
    return new Promise<SaveExportResult>((resolve, reject) => {
      this.pending.set(requestId, { resolve, reject });
      this.api.postMessage({ type: 'request', method: 'saveExport', requestId, format, data, suggestedName });
    });
  }

  private receive(data: unknown): void {
    if (isTopologyReply(data)) {
      const p = this.pending.get(data.requestId);
      if (!p) return;
      this.pending.delete(data.requestId);
      if (data.ok && data.result) p.resolve(data.result);
      else p.reject(new Error(data.error ?? 'the host gave no reason'));
      return;
    }
    if (isTopologyNotification(data)) {
      for (const l of this.listeners) l(data);
      return;
    }
    this.onProtocolError(`ignored a message the protocol does not know (type ${typeof data === 'object' && data !== null ? String((data as { type?: unknown }).type) : typeof data})`);
  }
}
