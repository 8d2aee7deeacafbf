/**
 * A presentation value (src/protocol/facts) as DOM nodes, one way for both webviews (the topology's
 * drill-down pane and the inspect pane): styled by its kind (`fact-address`, `fact-code`,
 * `fact-unknown`), every string set as text, never as HTML.
 */
import { valueText, type FactValue } from '../src/protocol/facts/sheet';

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K];
export function el(tag: string, className?: string, text?: string): HTMLElement;
export function el(tag: string, className?: string, text?: string): HTMLElement {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

export function valueNodes(v: FactValue): Node[] {
  switch (v.kind) {
    case 'text':
      return [document.createTextNode(v.text)];
    case 'address':
    case 'code':
      return [el('code', `fact-${v.kind}`, v.text)];
    case 'unknown':
      return [el('span', 'fact-unknown', valueText(v))];
    case 'list':
      return v.items.flatMap((item, i) => (i === 0 ? valueNodes(item) : [document.createTextNode(', '), ...valueNodes(item)]));
  }
}
