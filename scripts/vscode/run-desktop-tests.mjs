// Runs the in-host end-to-end suite (test/e2e/suite/) in desktop VS Code through @vscode/test-electron,
// for developers' machines and public CI where a VS Code build can be downloaded (into
// .vscode-test/). It cannot run on machines without internet access — ours: there `npm test` runs
// the same suite in code-server instead (test/e2e/vscode.test.ts). Not part of `npm test`.
//
//   node scripts/vscode/run-desktop-tests.mjs [--version 1.90.0|stable] [--vscode /path/to/code]
//
// The suite needs a running Docker engine the user may talk to, like the extension itself.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';
import { bundleHostSuite } from './bundle-host-suite.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const argv = process.argv.slice(2);
const option = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
// Default to the oldest VS Code engines.vscode admits: what the manifest promises is what is tested.
const floor = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).engines.vscode.replace(/^\^/, '');
const version = option('--version') ?? floor;

execFileSync('node', ['scripts/build.mjs'], { cwd: REPO, stdio: 'inherit' });

const scratch = mkdtempSync(join(tmpdir(), 'nlx-desktop-'));
const report = join(scratch, 'host-suite.json');
// Inside the repository, so the bundle finds mocha in its node_modules.
const suiteDir = join(REPO, '.cache', `nlx-desktop-suite-${process.pid}`);
try {
  const extensionTestsPath = await bundleHostSuite(suiteDir);
  await runTests({
    ...(option('--vscode') ? { vscodeExecutablePath: option('--vscode') } : { version }),
    extensionDevelopmentPath: REPO,
    extensionTestsPath,
    extensionTestsEnv: { NLX_E2E_REPORT: report },
    // Only netlens: other installed extensions must not change what the suite sees.
    launchArgs: [REPO, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', join(scratch, 'user-data')],
  });
  printReport();
} catch (e) {
  printReport();
  console.error(`run-desktop-tests: ${e.message}`);
  if (/ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN/.test(e.message)) {
    console.error('run-desktop-tests: no VS Code build can be downloaded here; run the same suite in code-server: npm run test:e2e');
  }
  process.exitCode = 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(suiteDir, { recursive: true, force: true });
}

function printReport() {
  if (!existsSync(report)) return;
  const r = JSON.parse(readFileSync(report, 'utf8'));
  for (const f of r.failures) console.error(`✗ ${f.title}\n${f.error}`);
  console.log(`${r.passed} passed, ${r.failed} failed`);
}
