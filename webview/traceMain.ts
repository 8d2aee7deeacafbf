/**
 * The trace view's app: says `ready` with its protocol version, then draws each trace the host
 * sends. Every string from the trace (Docker names, rule text, addresses) is set as text, never as
 * HTML. Buttons and hop clicks become the protocol's typed commands; the host does the rest.
 */
import { isSelectHopNotification, isTraceNotification, traceProtocolVersion, type TraceCommand, type TraceHistoryEntry, type TraceHopView, type TraceShownView } from '../src/protocol/traceProtocol';
import { el } from './factNodes';
import type { VsCodeWebviewApi } from './hostIpc';

declare function acquireVsCodeApi(): VsCodeWebviewApi;

const api = acquireVsCodeApi();
const post = (m: TraceCommand): void => api.postMessage(m);
const root = document.getElementById('trace') ?? document.body;
let selected: number | null = null;
let shownId: number | null = null;

function button(label: string, title: string, onClick: () => void, className?: string): HTMLButtonElement {
  const b = el('button', className, label);
  b.type = 'button';
  b.title = title;
  b.addEventListener('click', onClick);
  return b;
}

/** Marks the hop selected; a hop the user picked here also focuses its place on the topology. */
function select(step: number, fromHere = true): void {
  selected = step;
  let chosen: HTMLElement | null = null;
  root.querySelectorAll<HTMLElement>('li.hop').forEach((li) => {
    const on = li.dataset['step'] === String(step);
    li.classList.toggle('selected', on);
    if (on) chosen = li;
  });
  if (fromHere) post({ type: 'focusHop', step });
  // picked on the topology: bring it into sight here
  else (chosen as HTMLElement | null)?.scrollIntoView({ block: 'nearest' });
}

function hopItem(h: TraceHopView, decider: boolean): HTMLLIElement {
  const li = el('li', `hop kind-${h.kind}${decider ? ' decider' : ''}${h.uncertain ? ' uncertain' : ''}${selected === h.step ? ' selected' : ''}`);
  li.dataset['step'] = String(h.step);
  li.tabIndex = 0;
  const head = el('div');
  head.append(el('span', 'step', `${h.step}.`), el('span', 'where', `[${h.namespace}${h.interface ? ` ${h.interface}` : ''}] `), el('span', 'what', h.what));
  li.appendChild(head);
  const pkt = el('div', 'rule');
  pkt.append(el('span', 'pkt', h.packet));
  for (const r of h.rewrites) pkt.append(document.createTextNode('  '), el('span', 'rewrite', r));
  li.appendChild(pkt);
  if (h.rule) {
    const d = el('div', 'rule decided-rule');
    d.append(el('span', 'ref', `${h.rule.table} ${h.rule.chain} #${h.rule.index}: `), el('code', 'raw', h.rule.raw));
    li.appendChild(d);
  }
  for (const m of h.matched) {
    if (h.rule && m.rule.chain === h.rule.chain && m.rule.index === h.rule.index && m.rule.table === h.rule.table) continue;
    const d = el('div', `rule m-${m.outcome}`);
    d.append(el('span', 'ref', `${m.rule.table} ${m.rule.chain} #${m.rule.index}: `), el('code', 'raw', m.rule.raw));
    if (m.outcome === 'unknown') d.append(el('span', 'where', `  — ${m.why}`));
    li.appendChild(d);
  }
  if (h.route) li.appendChild(el('div', 'rule where', `route: ${h.route}`));
  if (h.sysctl) li.appendChild(el('div', 'rule where', `sysctl: ${h.sysctl}`));
  li.addEventListener('click', () => select(h.step));
  li.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      select(h.step);
    }
  });
  return li;
}

function hopList(hops: readonly TraceHopView[], deciderStep: number | null): HTMLOListElement {
  const ol = el('ol', 'hops');
  for (const h of hops) ol.appendChild(hopItem(h, h.step === deciderStep));
  return ol;
}

function section(title: string, ...children: Node[]): HTMLElement {
  const s = el('section');
  s.append(el('h2', undefined, title), ...children);
  return s;
}

function list(items: readonly string[], className: string): HTMLUListElement {
  const ul = el('ul');
  for (const i of items) ul.appendChild(el('li', className, i));
  return ul;
}

function historyList(history: readonly TraceHistoryEntry[], shown: number | null): HTMLElement {
  const ul = el('ul', 'history');
  for (const e of history) {
    const li = el('li');
    li.append(el('span', `verdict verdict-${e.verdict}`, e.verdict), document.createTextNode(` ${e.title} `), el('span', 'where', `on ${e.engine}${e.status === 'current' ? '' : ` (${e.status})`}`));
    if (e.id !== shown) li.appendChild(button('Show', 'Show this trace', () => post({ type: 'show', id: e.id }), 'copy'));
    li.appendChild(button('Re-run', 'Trace it again on the current model', () => post({ type: 'rerun', id: e.id }), 'copy'));
    ul.appendChild(li);
  }
  return ul;
}

function draw(t: TraceShownView | null, history: readonly TraceHistoryEntry[], notice: string | null): void {
  const out: Node[] = [];
  shownId = t?.id ?? null;
  if (!t) {
    out.push(el('p', 'empty', notice ?? 'No trace yet: run "netlens: Trace packet".'));
  } else {
    if (t.hops.every((h) => h.step !== selected) && t.reply.every((h) => h.step !== selected)) selected = null;
    out.push(el('h1', undefined, t.title));
    out.push(el('p', 'sub', `on ${t.engine}, traced ${new Date(t.tracedAt).toLocaleString()}`));
    const verdict = el('p', 'decided');
    verdict.append(el('span', `verdict verdict-${t.verdict}`, t.verdict.toUpperCase()), document.createTextNode(' decided by '), el('code', 'decided-by', t.decidedBy));
    out.push(verdict);
    out.push(el('p', `status status-${t.status.kind}`, t.status.text));
    const bar = el('div', 'toolbar');
    bar.append(
      button('Copy as CLI', 'Copy the netlens command that asks the same', () => post({ type: 'copy', format: 'cli' })),
      button('Copy as JSON', 'Copy the trace result as JSON', () => post({ type: 'copy', format: 'json' })),
      button('Copy as Markdown', 'Copy the trace as Markdown', () => post({ type: 'copy', format: 'markdown' })),
      button('Re-run', 'Trace it again on the current model', () => post({ type: 'rerun', id: t.id }), 'primary'),
      button('Probe…', 'Send one real packet along this trace (shows what it will send and asks first)', () => post({ type: 'probe' })),
      button('Open as text', 'Open the trace as a text document', () => post({ type: 'openText' })),
    );
    out.push(bar);
    const cli = el('p', 'sub');
    cli.append(el('code', 'cli', t.cli));
    out.push(cli);
    if (t.changes.length > 0) {
      const box = el('div', 'changes');
      t.changes.forEach((c, i) => {
        const row = el('div', 'change');
        row.appendChild(el('div', 'says', c.says));
        if (c.command !== null) {
          const cmd = el('div');
          cmd.append(el('code', 'command', c.command), button('Copy', 'Copy this command (netlens does not run it)', () => post({ type: 'copySuggestion', index: i }), 'copy'));
          row.appendChild(cmd);
        }
        box.appendChild(row);
      });
      out.push(section('What would change the verdict (suggestions: netlens runs none of them)', box));
    }
    const deciderStep = t.deciderStep;
    document.body.dataset['verdict'] = t.verdict;
    out.push(section('Path', hopList(t.hops, deciderStep)));
    if (t.reply.length > 0) out.push(section('Reply', hopList(t.reply, deciderStep)));
    if (t.missing.length > 0) out.push(section('Not known (the verdict cannot rest on these)', list(t.missing.map((m) => `${m.fact}: ${m.why} — the trace takes ${m.assumed}`), 'missing')));
    if (t.assumptions.length > 0) out.push(section('Assumptions (not checked)', list(t.assumptions, 'assumption')));
    for (const c of [t.kernel, t.probe]) {
      if (!c) continue;
      const head = el('p');
      head.append(el('strong', undefined, c.agrees === true ? 'AGREES' : c.agrees === false ? 'DISAGREES' : 'NOT SETTLED'), document.createTextNode(` — ${c.observed}`));
      out.push(section(c.title, head, list(c.lines, 'check')));
    }
  }
  if (history.length > 0) out.push(section('Last traces', historyList(history, t?.id ?? null)));
  root.replaceChildren(...out);
}

window.addEventListener('message', (ev: MessageEvent<unknown>) => {
  const m = ev.data;
  if (isSelectHopNotification(m)) {
    if (m.traceId === shownId) select(m.step, false);
    return;
  }
  if (!isTraceNotification(m)) return;
  if (m.protocolVersion !== traceProtocolVersion) {
    root.replaceChildren(el('p', 'status', `This view speaks protocol ${traceProtocolVersion}, netlens sent ${m.protocolVersion}: close it and trace again.`));
    return;
  }
  // the request comes back after a window reload (the host's serializer traces it again)
  if (m.restore) api.setState(m.restore);
  draw(m.trace, m.history, m.notice);
});

post({ type: 'ready', protocolVersion: traceProtocolVersion });
