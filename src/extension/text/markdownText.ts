/**
 * Docker-supplied strings (container names, labels, network options) reach markdown tooltips only
 * through here. CommonMark lets any ASCII punctuation be backslash-escaped, so escaping all of it
 * turns link, image, emphasis, HTML and entity syntax into plain text, whatever the string holds.
 */
const MARKDOWN_PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;

/** The string as literal markdown text: punctuation escaped, line breaks folded into spaces. */
export function markdownText(value: string): string {
  return value.replace(/\r\n|\r|\n/g, ' ').replace(MARKDOWN_PUNCTUATION, '\\$&');
}
