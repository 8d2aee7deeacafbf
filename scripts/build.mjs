// Bundles the shipped entry points with esbuild: the extension host, the CLI, the topology webview
// app, the inspect pane's app and the trace view's app.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const watch = process.argv.includes('--watch');

/**
 * What the node bundles load at start matters: `netlens topology` is a short-lived process, and the
 * extension activates on a view. dockerode loads @grpc/grpc-js and @grpc/proto-loader (parsing
 * protobuf definitions) for BuildKit sessions, which netlens never opens: they are left out, and
 * would throw if ever used. ssh2 (loaded by docker-modem and by netlens' SSH transports) is only
 * needed over SSH: it loads on first use.
 */
const leanStart = {
  name: 'lean-start',
  setup(b) {
    b.onResolve({ filter: /^@grpc\/(grpc-js|proto-loader)$/ }, (a) => ({ path: a.path, namespace: 'left-out' }));
    b.onLoad({ filter: /.*/, namespace: 'left-out' }, (a) => ({
      loader: 'js',
      contents: `module.exports = new Proxy({}, { get(_, k) { throw new Error(${JSON.stringify(`${a.path} is left out of the netlens bundle (only dockerode's BuildKit sessions use it)`)}); } });`,
    }));
    b.onResolve({ filter: /^ssh2$/ }, () => ({ path: 'ssh2', namespace: 'lazy-ssh2' }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-ssh2' }, () => ({
      loader: 'js',
      resolveDir: process.cwd(),
      contents: `let real;
const load = () => real || (real = require('ssh2/lib/index.js'));
// docker-modem reads .Client when it loads: a stand-in that builds the real one when first used
const Client = new Proxy(function Client() {}, { construct: (_, args) => new (load().Client)(...args), get: (_, k) => load().Client[k] });
module.exports = { Client };
for (const k of ['AgentProtocol', 'BaseAgent', 'createAgent', 'CygwinAgent', 'HTTPAgent', 'HTTPSAgent', 'OpenSSHAgent', 'PageantAgent', 'Server', 'utils']) {
  Object.defineProperty(module.exports, k, { enumerable: true, get: () => load()[k] });
}`,
    }));
  },
};
const common = { bundle: true, sourcemap: true, logLevel: 'warning', minify: process.argv.includes('--minify') };

/**
 * The CLI reads its whole bundle at every start (the launcher hashes it, checks it is ASCII and
 * hands V8 its text with the code cache): some 20 ms of CPU for 930 KB on a 2-core VM. About half
 * of that text is dockerode with what it loads (protobufjs, tar, readable-stream …) and ssh2 with
 * its crypto, which `topology` and `trace` on a local socket never run (list calls go round
 * dockerode, engineRequest.ts; ssh2 is for SSH only). They are bundles of their own beside it,
 * loaded by the first require that needs them: dist/cli-dockerode.js and dist/cli-ssh2.js.
 */
const cliChunks = {
  name: 'cli-chunks',
  setup(b) {
    b.onResolve({ filter: /^dockerode$/ }, (a) => (a.kind === 'entry-point' ? undefined : { path: './cli-dockerode.js', external: true }));
    b.onResolve({ filter: /^ssh2\/lib\/index\.js$/ }, () => ({ path: './cli-ssh2.js', external: true }));
  },
};

const targets = [
  // the CLI: a small launcher (dist/cli.js, what `netlens` runs) that runs the bundle with V8's code
  // cache (src/cli/launch.ts), and the bundle itself
  { entryPoints: ['src/cli/launch.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', target: 'node20',
    banner: { js: '#!/usr/bin/env node' } },
  // wrapped as Node's loader wraps a CommonJS module, so that the launcher compiles the file's text
  // as it is (no copy); run on its own, it only evaluates a function
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli-main.js', platform: 'node', format: 'cjs', target: 'node20',
    external: ['cpu-features', './crypto/build/Release/sshcrypto.node'], plugins: [cliChunks, leanStart],
    banner: { js: '(function (exports, require, module, __filename, __dirname) {' }, footer: { js: '})' } },
  // the CLI's chunks (cliChunks above); dockerode's ssh2 is the chunk's too, loaded when first used
  { entryPoints: { 'cli-dockerode': 'dockerode' }, outdir: 'dist', platform: 'node', format: 'cjs', target: 'node20',
    external: ['cpu-features', './crypto/build/Release/sshcrypto.node'], plugins: [cliChunks, leanStart] },
  { entryPoints: { 'cli-ssh2': 'ssh2/lib/index.js' }, outdir: 'dist', platform: 'node', format: 'cjs', target: 'node20',
    external: ['cpu-features', './crypto/build/Release/sshcrypto.node'], plugins: [leanStart] },
];
if (existsSync('src/extension/main.ts')) {
  targets.push({ entryPoints: ['src/extension/main.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs',
    target: 'node20', external: ['vscode', 'cpu-features', './crypto/build/Release/sshcrypto.node'], plugins: [leanStart] });
}
if (existsSync('webview/main.ts')) {
  targets.push({ entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife',
    target: 'es2022' });
}
if (existsSync('webview/inspectMain.ts')) {
  targets.push({ entryPoints: ['webview/inspectMain.ts'], outfile: 'dist/inspect.js', platform: 'browser', format: 'iife',
    target: 'es2022' });
}
if (existsSync('webview/traceMain.ts')) {
  targets.push({ entryPoints: ['webview/traceMain.ts'], outfile: 'dist/trace.js', platform: 'browser', format: 'iife',
    target: 'es2022' });
}
await Promise.all(targets.map((t) => build({ ...common, ...t })));
if (!watch) console.log(`built ${targets.map((t) => t.outfile ?? Object.keys(t.entryPoints).map((k) => `${t.outdir}/${k}.js`).join(', ')).join(', ')}`);
