// Mocha's spec output plus this run's counts. Plain JS so mocha can load it before anything is
// compiled. Under scripts/test.mjs, which may run mocha several times (one engine per run), the
// counts go to the JSON file named by NETLENS_COUNTS_FILE and the line printed here carries the run's
// label (NETLENS_RUN_LABEL, e.g. `engine 28.5.2: 40 passed, 2 failed`); test.mjs alone prints the
// closing line `N passed, N failed` that sums every run, after naming every failure again (a CI log
// is often read from its tail, far from mocha's own failure list). Run directly, without a label, this prints
// that closing line itself.
'use strict';
const { writeFileSync } = require('node:fs');
const Mocha = require('mocha');
const { EVENT_RUN_END, EVENT_TEST_FAIL, EVENT_TEST_END } = Mocha.Runner.constants;

/**
 * A failed `before` hook is one failure in mocha's stats, and the tests behind it never run: they
 * are counted here as failed too (and named), so a closing line can never hide a suite that did not
 * run. Failed tests + failed hooks + tests that never ran = failed.
 */
class NetlensReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    let failedTests = 0;
    let failedHooks = 0;
    const ran = new Set();
    /** @type {{ title: string, error: string }[]} */
    const failures = [];
    runner.on(EVENT_TEST_FAIL, (test, err) => {
      if (test.type === 'hook') failedHooks++;
      else failedTests++;
      const message = String((err && (err.message || err)) || 'no message').split('\n').slice(0, 6).join('\n');
      failures.push({ title: test.fullTitle(), error: message });
    });
    runner.on(EVENT_TEST_END, (test) => ran.add(test));
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats;
      const all = [];
      const walk = (suite) => {
        for (const t of suite.tests) all.push(t);
        for (const child of suite.suites) walk(child);
      };
      walk(runner.suite);
      const notRun = all.filter((t) => !t.pending && !ran.has(t) && t.state === undefined);
      if (notRun.length) {
        process.stdout.write(`\n${notRun.length} test(s) did not run (a hook before them failed), counted as failed:\n`);
        for (const t of notRun) process.stdout.write(`  - ${t.fullTitle()}\n`);
      }
      for (const t of notRun) failures.push({ title: t.fullTitle(), error: 'did not run: a hook before it failed' });
      const failed = failedTests + failedHooks + notRun.length;
      const countsFile = process.env.NETLENS_COUNTS_FILE;
      if (countsFile) writeFileSync(countsFile, JSON.stringify({ passed: s.passes, failed, skipped: s.pending, notRun: notRun.length, failures }));
      const label = process.env.NETLENS_RUN_LABEL;
      const pending = s.pending ? `, ${s.pending} skipped` : '';
      process.stdout.write(`\n${label ? `${label}: ` : ''}${s.passes} passed, ${failed} failed${pending}\n`);
    });
  }
}
module.exports = NetlensReporter;
