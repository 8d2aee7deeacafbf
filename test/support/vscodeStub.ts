/**
 * Just enough of the `vscode` module for unit tests of extension classes that keep state (the tree
 * provider's caches, the trace documents): loading this first makes `import * as vscode from
 * 'vscode'` resolve to it. Anything else touched on it throws, so a test cannot pass by accident.
 */
import Module from 'node:module';

class EventEmitter<T> {
  private listeners: Array<(v: T) => void> = [];
  readonly event = (listener: (v: T) => void): { dispose(): void } => {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  };
  fire(v: T): void {
    for (const l of [...this.listeners]) l(v);
  }
  dispose(): void {
    this.listeners = [];
  }
}

const Uri = {
  from(c: { scheme: string; path: string }) {
    const text = `${c.scheme}:${c.path}`;
    return { scheme: c.scheme, path: c.path, toString: () => text };
  },
};

const known: Record<string, unknown> = { EventEmitter, Uri, workspace: { textDocuments: [] } };
const stub = new Proxy(known, {
  get(target, key) {
    if (typeof key === 'string' && key in target) return target[key];
    if (key === '__esModule' || key === 'then' || typeof key === 'symbol') return undefined;
    throw new Error(`vscode.${String(key)} is not in the test stub`);
  },
});

const ID = 'vscode-test-stub';
const M = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const resolve = M._resolveFilename;
M._resolveFilename = function (request: string, ...rest: unknown[]): string {
  return request === 'vscode' ? ID : resolve.call(this, request, ...rest);
};
require.cache[ID] = { id: ID, filename: ID, loaded: true, exports: stub } as unknown as NodeJS.Module;

/** Lets a test add one more piece of the API (e.g. `window` with a recorded modal) for its own run. */
export function stubVscode(key: string, value: unknown): () => void {
  known[key] = value;
  return () => void delete known[key];
}
