/**
 * "Raw JSON" of a container, network or volume: `docker inspect` as the engine returns it, in a
 * read-only virtual document (netlens-raw:/<engine>/<kind>/<id>.json) the JSON language mode shows.
 */
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import type { NetlensContext } from '../ctx';

export const RAW_SCHEME = 'netlens-raw';
const KINDS = new Set(['container', 'network', 'volume']);

function rawJsonUri(engineKey: string, kind: 'container' | 'network' | 'volume', id: string): vscode.Uri {
  return vscode.Uri.from({ scheme: RAW_SCHEME, path: `/${encodeURIComponent(engineKey)}/${kind}/${encodeURIComponent(id)}.json` });
}

export class RawJsonDocuments implements vscode.TextDocumentContentProvider {
  constructor(private readonly ctx: NetlensContext) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const [, engine, kind, file] = uri.path.split('/');
    const key = decodeURIComponent(engine ?? '');
    const id = decodeURIComponent((file ?? '').replace(/\.json$/, ''));
    if (!kind || !KINDS.has(kind)) return `// netlens: unknown kind in ${uri.toString()}`;
    const conn = this.ctx.connection(key);
    if (!conn) return `// netlens: engine "${key}" is not configured any more`;
    try {
      const raw = await conn.session().inspectRaw(kind as 'container' | 'network' | 'volume', id);
      return `${JSON.stringify(raw, null, 2)}\n`;
    } catch (e) {
      return `// netlens: cannot read ${kind} ${id}: ${errorMessage(e)}\n`;
    }
  }
}

export async function openRawJson(engineKey: string, kind: 'container' | 'network' | 'volume', id: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(rawJsonUri(engineKey, kind, id));
  await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
}
