/**
 * Docker-supplied strings reach the inspect pane's HTML only through here: every character HTML
 * gives a meaning to in text or in a quoted attribute becomes an entity.
 */
const HTML_SPECIAL: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function htmlText(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => HTML_SPECIAL[c] ?? c);
}
