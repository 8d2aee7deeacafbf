// `npm run package`: a production build (minified esbuild bundles) packed by @vscode/vsce into
// netlens-<version>.vsix. The end-to-end tests install this very file into code-server, so what
// ships is what is tested. Before packing it checks the file list: every path package.json points at
// (icon, view icons, main) and every bundle in dist/ must be inside; sources, tests and caches must not.
//
// The build runs in a staging folder of its own (.cache/nlx-pack-<pid>/, sources linked, the
// manifest and assets copied): other work on this checkout rebuilds dist/ at any moment (unminified,
// with source maps), and the package must not pick up half of one build and half of another.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FORBIDDEN = [/^src\//, /^test\//, /^out\//, /^scripts\//, /^webview\//, /^node_modules\//, /^\.cache\//,
  /^\.vscode-test\//, /^test-artifacts\//, /\.map$/, /^dist\/cli(-main)?\.js$/, /^tsconfig/, /\.vsix$/];
const LINKED = ['src', 'webview', 'node_modules', 'tsconfig.json'];
const COPIED = ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', '.vscodeignore', 'media', 'scripts/build.mjs'];

/**
 * Builds and packs; returns the .vsix path, its size and the files inside. Throws with the reason.
 * `out` defaults to <name>-<version>.vsix at the repository root; the e2e tests pack to a path of
 * their own, so runs at the same time do not overwrite each other's package.
 */
export function packageVsix({ out, log = (m) => console.log(`package: ${m}`) } = {}) {
  const started = Date.now();
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  const stage = join(REPO, '.cache', `nlx-pack-${process.pid}`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(join(stage, 'scripts'), { recursive: true });
  try {
    for (const f of LINKED) if (existsSync(join(REPO, f))) symlinkSync(join(REPO, f), join(stage, f));
    for (const f of COPIED) if (existsSync(join(REPO, f))) cpSync(join(REPO, f), join(stage, f), { recursive: true });
    // The README's screenshots live in the repository (docs/images), not in the package; vsce
    // refuses relative image links when no repository URL is published, so the packed copy
    // leaves them out.
    const readme = join(stage, 'README.md');
    writeFileSync(readme, readFileSync(readme, 'utf8').replace(/^!\[[^\]]*\]\((?!https?:)[^)]*\)\n+/gm, ''));
    log('production build (esbuild --minify)');
    run('node', ['scripts/build.mjs', '--minify'], { cwd: stage });
    if (!existsSync(join(stage, pkg.main))) throw new Error(`${pkg.main} was not built: is there a src/extension/main.ts?`);

    const vsce = join(REPO, 'node_modules', '.bin', 'vsce');
    const files = run(vsce, ['ls', '--no-dependencies'], { cwd: stage, encoding: 'utf8' })
      .split('\n').map((l) => l.trim()).filter(Boolean);
    checkFileList(stage, pkg, files);

    out = resolve(out ?? join(REPO, `${pkg.name}-${pkg.version}.vsix`));
    log(`packing ${files.length} files`);
    run(vsce, ['package', '--no-dependencies', '--allow-missing-repository', '--out', out], { cwd: stage, stdio: ['ignore', 'ignore', 'inherit'] });
    const bytes = statSync(out).size;
    for (const f of files) log(`  ${f}  ${(statSync(join(stage, f)).size / 1024).toFixed(1)} KiB`);
    log(`${out.startsWith(REPO) ? out.slice(REPO.length + 1) : out}: ${(bytes / 1024).toFixed(0)} KiB, ${files.length} files, in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { vsix: out, bytes, files };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

function checkFileList(root, pkg, files) {
  const inside = new Set(files);
  const required = new Set([normal(pkg.main), 'package.json', 'README.md', 'CHANGELOG.md', 'LICENSE']);
  if (existsSync(join(root, 'webview', 'main.ts'))) required.add('dist/webview.js');
  for (const p of pathsIn({ icon: pkg.icon, contributes: pkg.contributes })) required.add(p);
  // A webview that loads the codicon font must carry it: node_modules is not packed.
  const bundle = readFileSync(join(root, pkg.main), 'utf8');
  if (/codicon\.css/.test(bundle) && !files.some((f) => f.endsWith('codicon.css'))) {
    throw new Error('the extension references codicon.css but no codicon.css is packed (node_modules is not shipped; copy it into dist/ or media/)');
  }
  // Every bundle esbuild wrote must ship, except the CLI's (cli.js and its cli-*.js: it ships
  // through npm) and source maps.
  for (const f of readdirSync(join(root, 'dist'))) {
    if (f !== 'cli.js' && !f.startsWith('cli-') && !f.endsWith('.map')) required.add(`dist/${f}`);
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
    throw new Error(`${cmd.replace(REPO + '/', '')} ${args.join(' ')} failed: ${e.message}`);
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
