/**
 * A fact sheet as tooltip markdown. Tooltips stay short: the first sections, a bounded number of
 * rows each; the inspect pane shows the rest. Every sheet string goes through markdownText.
 */
import { markdownText } from '../text/markdownText';
import type { FactSheet } from './factSheet';
import { valueText } from '../../protocol/facts/sheet';

export interface SheetMarkdownLimits {
  readonly sections: number;
  readonly rowsPerSection: number;
}

export function sheetMarkdown(sheet: FactSheet, limits: SheetMarkdownLimits = { sections: 2, rowsPerSection: 10 }): string {
  const lines: string[] = [`**${markdownText(sheet.kind)}** ${markdownText(sheet.title)}`];
  if (sheet.subtitle) lines.push('', `*${markdownText(sheet.subtitle)}*`);
  for (const section of sheet.sections.slice(0, limits.sections)) {
    lines.push('', `**${markdownText(section.heading)}**`, '');
    for (const r of section.rows.slice(0, limits.rowsPerSection)) lines.push(`- ${markdownText(r.label)}: ${markdownText(valueText(r.value))}`);
    if (section.rows.length > limits.rowsPerSection) lines.push(`- … ${section.rows.length - limits.rowsPerSection} more (Inspect)`);
  }
  return lines.join('\n');
}

/** A warning line put above a tooltip (e.g. the model is stale). */
export function warningLineMarkdown(text: string): string {
  return `⚠ *${markdownText(text)}*`;
}
