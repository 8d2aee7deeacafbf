// Mocha's spec output plus this run's counts. Plain JS so mocha can load it before anything is
// compiled. Under scripts/test.mjs, which may run mocha several times (one engine per run), the
// counts go to the JSON file named by NETLENS_COUNTS_FILE and the line printed here carries the run's
// label (NETLENS_RUN_LABEL, e.g. `engine 28.5.2: 40 passed, 2 failed`); test.mjs alone prints the
// closing line `N passed, N failed` that sums every run. Run directly, without a label, this prints
// that closing line itself.
'use strict';
const { writeFileSync } = require('node:fs');
const Mocha = require('mocha');
const { EVENT_RUN_END } = Mocha.Runner.constants;

class NetlensReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats;
      const countsFile = process.env.NETLENS_COUNTS_FILE;
      if (countsFile) writeFileSync(countsFile, JSON.stringify({ passed: s.passes, failed: s.failures, skipped: s.pending }));
      const label = process.env.NETLENS_RUN_LABEL;
      const pending = s.pending ? `, ${s.pending} skipped` : '';
      process.stdout.write(`\n${label ? `${label}: ` : ''}${s.passes} passed, ${s.failures} failed${pending}\n`);
    });
  }
}
module.exports = NetlensReporter;
