/**
 * Entry point VS Code loads into the extension host (`extensionTestsPath`): runs every
 * `*.suite.js` beside this file with mocha and resolves when all passed. Mocha's console output
 * does not reach a terminal from there, so each result is logged as one line (code-server forwards
 * it to the page's `codeAutomationLog`), the closing line is `N passed, N failed`, and a JSON report
 * goes to the file NLX_E2E_REPORT names (set by the launcher in the host's environment).
 */
import Mocha from 'mocha';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface TestLine {
  title: string;
  state: 'passed' | 'failed';
  ms: number;
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: Mocha.reporters.Base });
  for (const f of readdirSync(__dirname).filter((f) => f.endsWith('.suite.js')).sort()) mocha.addFile(join(__dirname, f));

  const tests: TestLine[] = [];
  const failures: { title: string; error: string }[] = [];
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failed) => {
      const passed = tests.filter((t) => t.state === 'passed').length;
      const line = `${passed} passed, ${failed} failed`;
      console.log(line);
      const reportFile = process.env.NLX_E2E_REPORT;
      if (reportFile) writeFileSync(reportFile, JSON.stringify({ passed, failed, failures, tests }, null, 2));
      if (failed > 0) reject(new Error(line));
      else resolve();
    });
    runner.on('pass', (t) => {
      tests.push({ title: t.fullTitle(), state: 'passed', ms: t.duration ?? 0 });
      console.log(`  ✓ ${t.fullTitle()} (${t.duration ?? 0} ms)`);
    });
    runner.on('fail', (t, err: Error) => {
      tests.push({ title: t.fullTitle(), state: 'failed', ms: t.duration ?? 0 });
      failures.push({ title: t.fullTitle(), error: err.stack ?? err.message });
      console.log(`  ✗ ${t.fullTitle()}: ${err.message}`);
    });
  });
}
