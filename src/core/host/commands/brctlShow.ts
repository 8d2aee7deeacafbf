/**
 * `brctl show`, the bridge-port fallback where `bridge -json link` is missing. It names bridges and
 * their ports but not port state or ifindex: the collector fills ifindex from the interface list.
 */
import { parseError } from '../ipJson';

export interface BrctlBridge {
  readonly bridge: string;
  readonly bridgeId: string;
  readonly stp: boolean;
  readonly interfaces: readonly string[];
}

const WHAT = 'brctl show';

export function parseBrctlShow(text: string): BrctlBridge[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = lines.shift();
  if (!header || !/^bridge name\s+bridge id\s+STP enabled\s+interfaces\s*$/.test(header)) {
    throw parseError(WHAT, 'unexpected header', header ?? '(empty output)');
  }
  const out: { bridge: string; bridgeId: string; stp: boolean; interfaces: string[] }[] = [];
  for (const line of lines) {
    if (/^\s/.test(line)) {
      const port = line.trim();
      const last = out[out.length - 1];
      if (!last || /\s/.test(port)) throw parseError(WHAT, 'port line outside a bridge', line);
      last.interfaces.push(port);
      continue;
    }
    const fields = line.trim().split(/\s+/);
    const [bridge, bridgeId, stp, port] = fields;
    if (!bridge || !bridgeId || (stp !== 'yes' && stp !== 'no') || fields.length > 4) throw parseError(WHAT, 'unrecognised bridge line', line);
    out.push({ bridge, bridgeId, stp: stp === 'yes', interfaces: port ? [port] : [] });
  }
  return out;
}
