// ESLint for the TypeScript sources, with type information (`npm run lint`, also run by `npm test`).
//
// Two jobs. Promises: a promise nobody awaits loses its rejection (an engine error, a killed batch)
// without a trace, so every one is awaited, returned, or marked `void` where fire-and-forget is meant
// and its errors are handled where it is started.
//
// Layers: the core, the protocol, the CLI and the webview run without VS Code (the CLI, the tests and
// the webview page drive them), so none of them may import `vscode`. Each rule below holds for every
// file of its layer, and that is what makes it hold for indirect imports too: a chain of imports
// from a layer file can only leave the layer through one of the layer's own files, whose import is
// checked. The layers that may not import `vscode` (core, protocol, cli, webview) import only each
// other and libraries — never src/extension, the one layer that may — so no chain from them reaches
// `vscode`. (A library importing `vscode` is not checked; none does.) The layer rules:
//   src/core      no vscode; nothing from src/extension, src/cli, webview
//   src/protocol  no vscode; nothing from src/extension, src/cli, webview; from src/core types only
//                 (today: the Topology it carries)
//   src/cli       no vscode; nothing from src/extension, webview
//   webview/      no vscode; values from src/protocol and libraries only; types also from
//                 src/core/model (the wire format is still the core Topology)
// The DOM is kept out of core, protocol and cli by tsconfig.core.json (`lib` without "dom"), which
// the test run type-checks: `document` there does not compile.
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const noVscode = { name: 'vscode', message: 'runs without VS Code: only src/extension may import vscode' };

/** A relative import that leaves src/<layer> for one of `dirs` (a sibling under src/, or webview/ at the top). */
const leavingFor = (dirs, message) => ({ regex: `^(\\.\\./)+(${dirs.join('|')})(/|$)`, message });
const toWebview = { regex: '^(\\.\\./)+webview(/|$)', message: 'the webview app is a browser bundle of its own' };

/** The same boundaries for `import()` and `require()`, which no-restricted-imports does not see. */
const dynamicImports = (patterns) => {
  const sources = ['vscode', ...patterns].map((p) => (p === 'vscode' ? `'vscode'` : `/${p.regex.replaceAll('/', '\\x2F')}/`));
  return sources.flatMap((s) => [
    { selector: `ImportExpression[source.value=${s}]`, message: 'a dynamic import across a layer boundary' },
    { selector: `CallExpression[callee.name='require'][arguments.0.value=${s}]`, message: 'a require() across a layer boundary' },
  ]);
};

const layer = (files, patterns) => ({
  files,
  rules: {
    '@typescript-eslint/no-restricted-imports': ['error', { paths: [noVscode], patterns }],
    'no-restricted-syntax': ['error', ...dynamicImports(patterns)],
  },
});

export default defineConfig(
  { ignores: ['out/', 'dist/', 'node_modules/', '.cache/', '.vscode-test/', 'test-artifacts/', '**/*.js', '**/*.mjs'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // imports are static, so the layer rules below see them; a deliberate lazy require says why
      '@typescript-eslint/no-require-imports': 'error',
      'no-unreachable': 'error',
    },
  },
  layer(['src/core/**/*.ts'], [
    leavingFor(['extension', 'cli'], 'src/core knows nothing of its front ends (extension, CLI)'),
    toWebview,
  ]),
  layer(['src/protocol/**/*.ts'], [
    leavingFor(['extension', 'cli'], 'the protocol is shared by the extension and the webview; it depends on neither'),
    toWebview,
    { regex: '^(\\.\\./)+core(/|$)', allowTypeImports: true, message: 'the protocol takes only types from src/core' },
  ]),
  layer(['src/cli/**/*.ts'], [
    leavingFor(['extension'], 'the CLI runs without VS Code; src/extension may import vscode'),
    toWebview,
  ]),
  // The unit layer is pure: recorded output in plain Node, no shell, no engine, no browser (those
  // tests live in test/integration and test/browser), so `npm run test:unit` runs anywhere in seconds.
  {
    files: ['test/unit/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: ['child_process', 'node:child_process', 'playwright-core', 'esbuild'].map((name) => ({
          name, message: 'unit tests run no process: move this test to test/integration (or test/browser)',
        })),
        patterns: [
          { regex: '/support/webviewHarnessPage$', message: 'a browser test: test/browser' },
          { regex: '/src/core/host/shell$', importNames: ['createLocalShell'], message: 'a real shell: test/integration' },
        ],
      }],
    },
  },
  layer(['webview/**/*.ts'], [
    { regex: '^\\.\\./(?!src/protocol/|src/core/model/)', message: 'the webview imports only src/protocol (and libraries)' },
    { regex: '^\\.\\./src/core/model/', allowTypeImports: true, message: 'the webview takes only types from src/core/model; values come through src/protocol' },
  ]),
);
