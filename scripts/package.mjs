// `npm run package`: a production build (minified esbuild bundles) packed by @vscode/vsce into
// netlens-<version>.vsix. The end-to-end tests install this very file into code-server, so what
// ships is what is tested. Before packing it checks the file list: every path package.json points at
// (icon, view icons, main) and the webview bundle must be inside; sources, tests and caches must not.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FORBIDDEN = [/^src\//, /^test\//, /^out\//, /^scripts\//, /^webview\//, /^node_modules\//, /^\.cache\//,
  /^\.vscode-test\//, /^test-artifacts\//, /\.map$/, /^tsconfig/, /\.vsix$/];

/** Builds and packs; returns the .vsix path, its size and the files inside. Throws with the reason. */
export function packageVsix({ log = (m) => console.log(`package: ${m}`) } = {}) {
  const started = Date.now();
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  log('production build (esbuild --minify)');
  run('node', ['scripts/build.mjs', '--minify']);
  if (!existsSync(join(REPO, pkg.main))) throw new Error(`${pkg.main} was not built: is there a src/extension/main.ts?`);

  const files = run('npx', ['vsce', 'ls', '--no-dependencies'], { encoding: 'utf8' })
    .split('\n').map((l) => l.trim()).filter(Boolean);
  checkFileList(pkg, files);

  const out = join(REPO, `${pkg.name}-${pkg.version}.vsix`);
  log(`packing ${files.length} files`);
  run('npx', ['vsce', 'package', '--no-dependencies', '--out', out]);
  const bytes = statSync(out).size;
  log(`${out.slice(REPO.length + 1)}: ${(bytes / 1024).toFixed(0)} KiB, ${files.length} files, in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const f of files) log(`  ${f}  ${(statSync(join(REPO, f)).size / 1024).toFixed(1)} KiB`);
  return { vsix: out, bytes, files };
}

function checkFileList(pkg, files) {
  const inside = new Set(files);
  const required = new Set([normal(pkg.main), 'package.json', 'README.md', 'CHANGELOG.md', 'LICENSE']);
  if (existsSync(join(REPO, 'webview', 'main.ts'))) required.add('dist/webview.js');
  for (const p of pathsIn({ icon: pkg.icon, contributes: pkg.contributes })) required.add(p);
  // A webview that loads the codicon font must carry it: node_modules is not packed.
  const bundle = readFileSync(join(REPO, pkg.main), 'utf8');
  if (/codicon\.css/.test(bundle) && !files.some((f) => f.endsWith('codicon.css'))) {
    throw new Error('the extension references codicon.css but no codicon.css is packed (node_modules is not shipped; copy it into dist/ or media/)');
  }
  const missing = [...required].filter((p) => !inside.has(p));
  if (missing.length) throw new Error(`files the extension needs are not in the package: ${missing.join(', ')} (see .vscodeignore)`);
  const leaked = files.filter((f) => FORBIDDEN.some((re) => re.test(f)));
  if (leaked.length) throw new Error(`files that must not ship are in the package: ${leaked.join(', ')} (see .vscodeignore)`);
}

// Every string in the manifest that names a file of ours (media/…, dist/…, ./…); theme icons like
// $(globe) and URLs are not files.
function* pathsIn(value) {
  if (typeof value === 'string') {
    if (/^(\.\/)?(media|dist|resources|images)\/[\w./-]+\.\w+$/.test(value)) yield normal(value);
  } else if (Array.isArray(value)) {
    for (const v of value) yield* pathsIn(v);
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) yield* pathsIn(v);
  }
}

const normal = (p) => p.replace(/^\.\//, '');

function run(cmd, args, opts = {}) {
  try {
    return execFileSync(cmd, args, { cwd: REPO, stdio: opts.encoding ? ['ignore', 'pipe', 'inherit'] : 'inherit', ...opts });
  } catch (e) {
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.message}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    packageVsix();
  } catch (e) {
    console.error(`package: ${e.message}`);
    process.exit(1);
  }
}
