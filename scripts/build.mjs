// Bundles the shipped entry points with esbuild: the extension host, the CLI, the topology webview
// app and the inspect pane's app.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const common = { bundle: true, sourcemap: true, logLevel: 'warning', minify: process.argv.includes('--minify') };

const targets = [
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', target: 'node20',
    banner: { js: '#!/usr/bin/env node' }, external: ['cpu-features', './crypto/build/Release/sshcrypto.node'] },
];
if (existsSync('src/extension/main.ts')) {
  targets.push({ entryPoints: ['src/extension/main.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs',
    target: 'node20', external: ['vscode', 'cpu-features', './crypto/build/Release/sshcrypto.node'] });
}
if (existsSync('webview/main.ts')) {
  targets.push({ entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife',
    target: 'es2022' });
}
if (existsSync('webview/inspect/main.ts')) {
  targets.push({ entryPoints: ['webview/inspect/main.ts'], outfile: 'dist/inspect.js', platform: 'browser', format: 'iife',
    target: 'es2022' });
}
await Promise.all(targets.map((t) => build({ ...common, ...t })));
if (!watch) console.log(`built ${targets.map((t) => t.outfile).join(', ')}`);
