// The core (src/core, src/protocol) must never import `vscode` or touch the DOM: the CLI, the tests and
// the extension all drive the same code. This check fails the build when one does.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['src/core', 'src/protocol', 'src/cli'];
const bad = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.ts')) {
      const text = readFileSync(p, 'utf8');
      if (/from\s+['"]vscode['"]|require\(['"]vscode['"]\)/.test(text)) bad.push(`${p}: imports vscode`);
    }
  }
};
roots.forEach((r) => { try { walk(r); } catch { /* root may not exist yet */ } });
if (bad.length) {
  console.error(`core must not depend on the editor:\n${bad.join('\n')}`);
  process.exit(1);
}
