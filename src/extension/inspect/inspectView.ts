/** A fact sheet as the inspect pane's protocol carries it: rows' subjects resolved to tree links. */
import type { InspectLink, InspectSheetView } from '../../protocol/inspectProtocol';
import { subjectNode } from '../trees/nodeIds';
import type { FactSheet } from '../facts/factSheet';

export interface InspectViewOptions {
  readonly banner?: string;
  readonly canShowTopology: boolean;
  readonly item?: InspectLink;
}

export function inspectSheetView(sheet: FactSheet, o: InspectViewOptions): InspectSheetView {
  return {
    kind: sheet.kind,
    title: sheet.title,
    subtitle: sheet.subtitle ?? null,
    banner: o.banner ?? null,
    sections: sheet.sections.map((s) => ({
      heading: s.heading,
      rows: s.rows.map((r) => ({ label: r.label, value: r.value, ...(r.ref && sheet.engine ? { link: subjectNode(sheet.engine, r.ref) } : {}) })),
    })),
    canOpenRaw: sheet.raw !== undefined,
    canOpenTopology: o.canShowTopology && sheet.topologyId !== undefined,
    item: o.item ?? null,
  };
}
