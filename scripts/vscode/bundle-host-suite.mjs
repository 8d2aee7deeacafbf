// Bundles the in-host end-to-end suite (test/e2e/suite/index.ts and every *.suite.ts beside it) into
// a folder of the caller's, for VS Code to load as `extensionTestsPath`. Bundling instead of using
// the shared out/ folder: other work on this checkout wipes and recompiles out/ at any moment.
// `vscode` comes from the extension host and mocha from the repository's node_modules (the folder
// must therefore lie inside the repository).
import { build } from 'esbuild';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SUITE = join(REPO, 'test', 'e2e', 'suite');

/** Writes index.js and the *.suite.js files into outDir; returns the path of index.js. */
export async function bundleHostSuite(outDir) {
  const entries = readdirSync(SUITE).filter((f) => f === 'index.ts' || f.endsWith('.suite.ts')).map((f) => join(SUITE, f));
  await build({
    entryPoints: entries, outdir: outDir, bundle: true, platform: 'node', format: 'cjs', target: 'node20',
    sourcemap: 'inline', logLevel: 'warning', external: ['vscode', 'mocha'],
  });
  return join(outDir, 'index.js');
}
