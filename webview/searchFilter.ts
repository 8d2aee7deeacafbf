/**
 * The search box: `web 172.18` matches nodes whose names, networks, IPs or ports contain every
 * word; `net:`, `ctr:`/`container:`, `ip:` and `port:` narrow a word to one facet. Pure.
 */
import type { LayoutNode } from './layout';

export interface QueryTerm {
  readonly facet: 'any' | 'network' | 'container' | 'ip' | 'port';
  readonly text: string;
}

const facetNames: Readonly<Record<string, QueryTerm['facet']>> = { net: 'network', network: 'network', ctr: 'container', container: 'container', ip: 'ip', port: 'port' };

export function parseQuery(query: string): QueryTerm[] {
  return query
    .trim()
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w.length > 0)
    .map((w) => {
      const m = /^([a-z]+):(.+)$/.exec(w);
      const facet = m ? facetNames[m[1]!] : undefined;
      return facet && m ? { facet, text: m[2]! } : { facet: 'any', text: w };
    });
}

function nodeMatches(node: LayoutNode, terms: readonly QueryTerm[]): boolean {
  const f = node.facets;
  return terms.every((t) => {
    const has = (xs: readonly string[]): boolean => xs.some((x) => x.includes(t.text));
    switch (t.facet) {
      case 'network':
        return has(f.networks);
      case 'container':
        return node.role === 'container' || node.role === 'hostContainer' ? has(f.names) : false;
      case 'ip':
        return has(f.ips);
      case 'port':
        return f.ports.some((p) => p === t.text || p.startsWith(`${t.text}/`));
      default:
        return has(f.names) || has(f.networks) || has(f.ips) || has(f.ports) || node.title.toLowerCase().includes(t.text);
    }
  });
}

/** Ids of the nodes a query keeps; null when the query is empty (everything shows). */
export function matchingNodeIds(nodes: readonly LayoutNode[], query: string): Set<string> | null {
  const terms = parseQuery(query);
  if (terms.length === 0) return null;
  return new Set(nodes.filter((n) => nodeMatches(n, terms)).map((n) => n.id));
}
