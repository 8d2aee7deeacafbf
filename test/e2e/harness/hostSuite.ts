/**
 * Runs the mocha suite in test/e2e/suite/ inside code-server's extension host. The page is opened
 * with a `payload` that names the extension under development and the tests' entry point; VS Code
 * only honours it with the smoke-test-driver option, and reports the suite's end through the
 * `codeAutomationExit` function the page exposes. The suite also writes a JSON report to the file
 * named by NLX_E2E_REPORT (set in code-server's environment), which survives a lost console.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import type { CodeServer } from './toolScripts';

export interface HostSuiteReport {
  readonly passed: number;
  readonly failed: number;
  readonly failures: readonly { readonly title: string; readonly error: string }[];
  readonly tests: readonly { readonly title: string; readonly state: 'passed' | 'failed'; readonly ms: number }[];
}

export interface HostSuiteResult {
  readonly exitCode: number;
  readonly log: readonly string[];
  readonly report: HostSuiteReport | null;
}

export function payloadUrl(server: CodeServer, extensionPath: string, testsEntry: string): string {
  const remote = (p: string): string => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = [['extensionDevelopmentPath', remote(extensionPath)], ['extensionTestsPath', remote(testsEntry)]];
  return `${server.baseUrl}/?folder=${encodeURIComponent(server.folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

export async function runHostSuite(page: Page, url: string, reportFile: string, timeoutMs: number,
  onLog: (line: string) => void = () => {}): Promise<HostSuiteResult> {
  const log: string[] = [];
  const record = (line: string): void => {
    log.push(line);
    onLog(line);
  };
  let resolveExit!: (code: number) => void;
  const exited = new Promise<number>((r) => { resolveExit = r; });
  await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
    record(`[${type}] ${Array.isArray(args) ? args.map(String).join(' ') : String(args)}`);
  });
  await page.exposeFunction('codeAutomationExit', (code: number) => resolveExit(Number(code)));
  await page.goto(url);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the in-host suite did not finish within ${timeoutMs / 1000} s; last log lines:\n${log.slice(-20).join('\n')}`)), timeoutMs);
  });
  try {
    const exitCode = await Promise.race([exited, timeout]);
    const report = existsSync(reportFile) ? JSON.parse(readFileSync(reportFile, 'utf8')) as HostSuiteReport : null;
    return { exitCode, log, report };
  } finally {
    clearTimeout(timer);
  }
}
