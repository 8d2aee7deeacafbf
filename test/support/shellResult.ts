import type { ShellResult } from '../../src/core/host/shell';

/** A run's result as the real shells give it: stdout, stderr, exit status, and the bytes of stdout they counted (ShellResult.stdoutBytes). */
export function ranWith(stdout: string, stderr: string, code: number): ShellResult {
  return { stdout, stderr, code, stdoutBytes: Buffer.byteLength(stdout) };
}
