/**
 * The inspect pane's app: says `ready` with its protocol version, then shows each sheet the host
 * sends, in place (see sheetDom.ts). Clicks become the protocol's typed commands.
 */
import { inspectProtocolVersion, isInspectSheetNotification, type InspectCommand } from '../src/protocol/inspectProtocol';
import type { VsCodeWebviewApi } from './hostIpc';
import { SheetDom } from './inspectSheetDom';

declare function acquireVsCodeApi(): VsCodeWebviewApi;

const api = acquireVsCodeApi();
const post = (m: InspectCommand): void => api.postMessage(m);
const root = document.getElementById('sheet') ?? document.body;
const dom = new SheetDom(root, {
  reveal: (link) => post({ type: 'reveal', view: link.view, id: link.id }),
  openRaw: () => post({ type: 'openRaw' }),
  openTopology: () => post({ type: 'openTopology' }),
});

window.addEventListener('message', (ev: MessageEvent<unknown>) => {
  const m = ev.data;
  if (!isInspectSheetNotification(m)) return;
  if (m.protocolVersion !== inspectProtocolVersion) {
    root.replaceChildren(Object.assign(document.createElement('p'), { className: 'banner', textContent: `This pane speaks protocol ${inspectProtocolVersion}, netlens sent ${m.protocolVersion}: close it and inspect again.` }));
    return;
  }
  // the item comes back after a window reload (the host's serializer reads it)
  if (m.sheet.item) api.setState(m.sheet.item);
  dom.show(m.sheet);
});

post({ type: 'ready', protocolVersion: inspectProtocolVersion });
