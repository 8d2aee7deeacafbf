/**
 * `netlens` starts here (dist/cli.js): this small file runs the CLI bundle (dist/cli-main.js) with
 * V8's code cache, so that a run does not parse and compile the bundle's 900 KB again — about 45 ms
 * of every start on a 2-core machine, more than Node's own start. Node 20 has no compile cache of
 * its own (`module.enableCompileCache` came with Node 22.1); this is the same mechanism, through
 * `vm.Script`'s `cachedData`, and it works on every Node netlens runs on.
 *
 * The cache is the user's own, and only read when nobody else can have written it: netlens often
 * runs as root, and loading a cache is running its code. It lives in $XDG_CACHE_HOME/netlens (else
 * ~/.cache/netlens), a directory owned by the user and writable by nobody else, in a file named by
 * the hash of the bundle's text, the Node version and the architecture, so that a cache made for
 * other code is never loaded; V8 also refuses one made by another V8 or with other flags, and it is
 * then written again. It is written once, when a run without it ends (with what that run compiled),
 * through a private temporary file renamed into place; the caches of earlier bundles are removed.
 * Anything that goes wrong only means no cache. NETLENS_COMPILE_CACHE=0 turns it off; `debug`
 * says on stderr what it did.
 */
import { isAscii } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { cacheDirectory, cacheFile, readCache, writeCache } from './compileCache';
import { startEarlyRun } from './headStart';

const BUNDLE = join(__dirname, 'cli-main.js');
const setting = process.env['NETLENS_COMPILE_CACHE'];
const say = setting === 'debug' ? (m: string): void => void process.stderr.write(`netlens: compile cache: ${m}\n`) : (): void => undefined;
// made here for the compile cache; the head start only reads (it writes at the end, if its run ran)
const cacheDir = cacheDirectory(process.env, say, setting !== '0');

// First the host batch the last run with these arguments made, if there is one: it runs while the
// bundle loads, and the bundle takes it over when it composes the same run (headStart.ts).
if (cacheDir) startEarlyRun(cacheDir, process.argv.slice(2), process.env);

// The bundle is built already wrapped as Node's own loader wraps a CommonJS file
// (`(function (exports, require, module, __filename, __dirname) {` … `})`, scripts/build.mjs): no
// copy of its text is made here. esbuild writes it in ASCII, which is read as one byte a character
// (UTF-8 decoding and the wrapping copy cost some 10 ms of every start on a small VM).
const bytes = readFileSync(BUNDLE);
const source = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
const dir = setting === '0' ? null : cacheDir;
const file = dir ? cacheFile(dir, bytes) : null;
const cached = file ? readCache(file, say) : undefined;
const script = new Script(source, { filename: BUNDLE, ...(cached ? { cachedData: cached } : {}) });
if (cached) say(script.cachedDataRejected ? 'rejected by V8: written again' : `used: ${file}`);
if (dir && file && (!cached || script.cachedDataRejected)) process.once('exit', () => writeCache(dir, file, script.createCachedData(), say));
const mod = { exports: {}, id: BUNDLE, filename: BUNDLE, loaded: false };
(script.runInThisContext() as (...args: unknown[]) => void).call(mod.exports, mod.exports, createRequire(BUNDLE), mod, BUNDLE, dirname(BUNDLE));
