/**
 * The CLI's compile cache (src/cli/compileCache.ts): it is only trusted in a directory and a file
 * of the user's own that nobody else can write, it is written through a private file renamed into
 * place, and an earlier bundle's cache is removed. Real files in a directory of the test's own.
 */
import { strict as assert } from 'node:assert';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDirectory, cacheFile, notPrivate, readCache, writeCache } from '../../../src/cli/compileCache';

describe('cli/compileCache', () => {
  let root: string;
  let said: string[];
  const say = (m: string): void => void said.push(m);
  const uid = process.getuid!();
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'nlcc-'));
    said = [];
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('makes $XDG_CACHE_HOME/netlens for the user alone, and uses it', () => {
    const dir = cacheDirectory({ XDG_CACHE_HOME: join(root, 'cache') }, say);
    assert.equal(dir, join(root, 'cache', 'netlens'));
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.deepEqual(said, []);
  });

  it('trusts no directory that others can write, that is a link, or that is relative', () => {
    mkdirSync(join(root, 'open', 'netlens'), { recursive: true });
    chmodSync(join(root, 'open', 'netlens'), 0o777);
    assert.equal(cacheDirectory({ XDG_CACHE_HOME: join(root, 'open') }, say), null);
    assert.match(said.join('\n'), /can be written by others \(mode 777\)/);
    mkdirSync(join(root, 'elsewhere'), { mode: 0o700 });
    mkdirSync(join(root, 'linked'));
    symlinkSync(join(root, 'elsewhere'), join(root, 'linked', 'netlens'));
    assert.equal(cacheDirectory({ XDG_CACHE_HOME: join(root, 'linked') }, say), null);
    assert.match(said.join('\n'), /is not a directory/);
    assert.equal(cacheDirectory({ XDG_CACHE_HOME: 'relative/cache' }, say), null);
  });

  it("makes nothing in another user's directory", () => {
    mkdirSync(join(root, 'theirs'));
    chownSync(join(root, 'theirs'), uid + 1, uid + 1);
    said = [];
    assert.equal(cacheDirectory({ XDG_CACHE_HOME: join(root, 'theirs', 'cache') }, say), null);
    assert.match(said.join('\n'), new RegExp(`theirs belongs to uid ${uid + 1}, not ${uid}`));
    assert.deepEqual(readdirSync(join(root, 'theirs')), [], 'nothing made there');
  });

  it("says whose a file is and who can write it", () => {
    const f = join(root, 'f');
    writeFileSync(f, 'x', { mode: 0o600 });
    assert.equal(notPrivate(f, 'file', uid), null);
    assert.match(notPrivate(f, 'file', uid + 1) ?? '', new RegExp(`belongs to uid ${uid}, not ${uid + 1}`));
    chmodSync(f, 0o620);
    assert.match(notPrivate(f, 'file', uid) ?? '', /can be written by others \(mode 620\)/);
    assert.match(notPrivate(root, 'file', uid) ?? '', /is not a file/);
    // a cache file others could have written is not read
    assert.equal(readCache(f, say), undefined);
    assert.match(said.join('\n'), /not read: .*can be written by others/);
    chmodSync(f, 0o600);
    assert.equal(readCache(f, say)?.toString(), 'x');
    assert.equal(readCache(join(root, 'missing'), say), undefined);
  });

  it('names the cache by the bundle text, writes it privately and removes the caches of earlier bundles', () => {
    const dir = cacheDirectory({ XDG_CACHE_HOME: root }, say)!;
    const older = cacheFile(dir, 'console.log(1)');
    const file = cacheFile(dir, 'console.log(2)');
    assert.notEqual(older, file);
    assert.equal(cacheFile(dir, 'console.log(2)'), file, 'the same text, the same name');
    assert.match(file, /\/cli-[0-9a-f]{32}\.v8$/);
    writeFileSync(older, 'old', { mode: 0o600 });
    writeFileSync(join(dir, 'unrelated'), 'kept');
    writeCache(dir, file, Buffer.from('new'), say);
    assert.equal(readFileSync(file, 'utf8'), 'new');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.ok(!existsSync(older), "the earlier bundle's cache is gone");
    assert.deepEqual(readdirSync(dir).sort(), [file.split('/').pop(), 'unrelated'].sort(), 'no temporary file left');
    assert.match(said.join('\n'), /written: .*\(3 bytes\)/);
  });

  it('leaves nothing behind when it cannot write', () => {
    const dir = cacheDirectory({ XDG_CACHE_HOME: root }, say)!;
    const file = cacheFile(dir, 'x');
    mkdirSync(file); // a directory where the file should go: the rename fails
    writeCache(dir, file, Buffer.from('data'), say);
    assert.match(said.join('\n'), /not written: /);
    assert.deepEqual(readdirSync(dir), [file.split('/').pop()]);
  });
});
