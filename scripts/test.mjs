// Runs the test suites: TypeScript is compiled to out/ (also a type check), then mocha runs the
// chosen layers. `npm test` runs every layer; `npm test -- unit` (or integration, e2e) one of them.
// The closing line is `N passed, N failed` (test/support/reporter.js), which CI reads.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';

const layers = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const chosen = layers.length ? layers : ['unit', 'integration', 'e2e'];
rmSync('out', { recursive: true, force: true });
execFileSync('npx', ['tsc', '-p', 'tsconfig.test.json'], { stdio: 'inherit' });
execFileSync('node', ['scripts/lint-core.mjs'], { stdio: 'inherit' });

const specs = chosen.filter((l) => existsSync(`out/test/${l}`)).map((l) => `out/test/${l}/**/*.test.js`);
// --exit: the run ends when the last test does, even if a test leaves a keep-alive socket open
// (Node 20's global HTTP agent keeps engine connections alive); CI must never hang on that.
const args = ['mocha', '--exit', '--reporter', './test/support/reporter.js', '--timeout', '60000', ...specs];
if (existsSync('out/test/support/hooks.js')) args.splice(1, 0, '--require', './out/test/support/hooks.js');
const result = spawnSync('npx', args, { stdio: 'inherit' });
process.exit(result.status ?? 1);
