/**
 * A fact that may be unknown. The model never guesses: where a host command is missing, permission
 * is denied or there is no host shell at all, the fact is `{ known: false, reason }` and every view
 * can say exactly why it cannot show it.
 */
export type Known<T> = { readonly known: true; readonly value: T } | { readonly known: false; readonly reason: string };

export const known = <T>(value: T): Known<T> => ({ known: true, value });
export const unknown = <T = never>(reason: string): Known<T> => ({ known: false, reason });

export function valueOr<T>(k: Known<T>, fallback: T): T {
  return k.known ? k.value : fallback;
}
