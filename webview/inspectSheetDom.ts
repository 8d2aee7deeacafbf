/**
 * The inspect pane's sheet as elements, updated in place: a section whose content did not change
 * keeps its element, so an engine event moves nothing the reader is looking at (scroll position
 * and the find widget's matches stay). Every Docker-supplied string is set as text.
 */
import type { InspectLink, InspectRow, InspectSection, InspectSheetView } from '../src/protocol/inspectProtocol';
import { el, valueNodes } from './factNodes';

export interface SheetActions {
  reveal(link: InspectLink): void;
  openRaw(): void;
  openTopology(): void;
}

function rowElement(r: InspectRow, actions: SheetActions): HTMLTableRowElement {
  const tr = el('tr');
  const th = el('th', undefined, r.label);
  th.scope = 'row';
  const td = el('td');
  if (r.link) {
    const link = r.link;
    const a = el('a');
    a.href = '#';
    a.append(...valueNodes(r.value));
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      actions.reveal(link);
    });
    td.appendChild(a);
  } else td.append(...valueNodes(r.value));
  tr.append(th, td);
  return tr;
}

function sectionElement(s: InspectSection, actions: SheetActions): HTMLElement {
  const section = el('section');
  section.appendChild(el('h2', undefined, s.heading));
  if (s.rows.length) {
    const table = el('table');
    for (const r of s.rows) table.appendChild(rowElement(r, actions));
    section.appendChild(table);
  }
  return section;
}

interface Shown {
  readonly json: string;
  readonly element: HTMLElement;
}

export class SheetDom {
  private shown: Shown[] = [];
  private readonly kind = el('div', 'kind');
  private readonly title = el('h1');
  private readonly subtitle = el('p', 'subtitle');
  private readonly banner = el('p', 'banner');
  private readonly raw = el('button', undefined, 'Raw JSON');
  private readonly topology = el('button', undefined, 'Open in topology');
  private readonly sections = el('div', 'sections');

  constructor(
    root: HTMLElement,
    private readonly actions: SheetActions,
  ) {
    this.raw.dataset.action = 'raw';
    this.topology.dataset.action = 'topology';
    this.raw.addEventListener('click', () => actions.openRaw());
    this.topology.addEventListener('click', () => actions.openTopology());
    const buttons = el('div', 'actions');
    buttons.append(this.raw, this.topology);
    root.replaceChildren(this.kind, this.title, this.subtitle, this.banner, buttons, this.sections);
  }

  /** Shows a sheet, replacing only the sections that differ from what is shown. */
  show(view: InspectSheetView): void {
    setText(this.kind, view.kind);
    setText(this.title, view.title);
    setText(this.subtitle, view.subtitle ?? '');
    this.subtitle.hidden = view.subtitle === null;
    setText(this.banner, view.banner ?? '');
    this.banner.hidden = view.banner === null;
    this.raw.hidden = !view.canOpenRaw;
    this.topology.hidden = !view.canOpenTopology;
    const next: Shown[] = view.sections.map((s, i) => {
      const json = JSON.stringify(s);
      const old = this.shown[i];
      return old && old.json === json ? old : { json, element: sectionElement(s, this.actions) };
    });
    next.forEach((s, i) => {
      const old = this.shown[i];
      if (!old) this.sections.appendChild(s.element);
      else if (old.element !== s.element) old.element.replaceWith(s.element);
    });
    for (const gone of this.shown.slice(next.length)) gone.element.remove();
    this.shown = next;
  }
}

function setText(e: HTMLElement, text: string): void {
  if (e.textContent !== text) e.textContent = text;
}
