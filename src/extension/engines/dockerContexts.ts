/** Docker contexts as `docker context ls --format '{{json .}}'` prints them (one JSON object a line). */
import { NetlensError } from '../../core/errors';

export interface DockerContextEntry {
  readonly name: string;
  readonly description: string;
  readonly endpoint: string;
  readonly current: boolean;
  readonly error: string;
}

export function parseDockerContexts(output: string): DockerContextEntry[] {
  const out: DockerContextEntry[] = [];
  for (const [i, line] of output.split('\n').entries()) {
    if (!line.trim()) continue;
    let r: unknown;
    try {
      r = JSON.parse(line);
    } catch (e) {
      throw new NetlensError('PARSE', `docker context ls line ${i + 1} is not JSON: ${line.slice(0, 80)}`, 'docker context ls', { cause: e });
    }
    if (typeof r !== 'object' || r === null || typeof (r as Record<string, unknown>).Name !== 'string') {
      throw new NetlensError('PARSE', `docker context ls line ${i + 1} has no Name`, 'docker context ls');
    }
    const o = r as Record<string, unknown>;
    const str = (v: unknown): string => (typeof v === 'string' ? v : '');
    out.push({ name: str(o.Name), description: str(o.Description), endpoint: str(o.DockerEndpoint), current: o.Current === true, error: str(o.Error) });
  }
  return out;
}
