/** Readers of the SVG files the tests check: Graphviz diagrams and Vega charts. */

/** The nodes (id -> texts) and edges (`a->b`) of an SVG that Graphviz wrote. */
export function svgGraph(svg: string): {nodes: Map<string, string[]>; edges: Set<string>} {
  const unescape = (s: string) => s.replace(/&#45;/g, '-').replace(/&gt;/g, '>').replace(/&lt;/g, '<').replace(/&amp;/g, '&').replace(/&#160;/g, ' ');
  const nodes = new Map<string, string[]>();
  const edges = new Set<string>();
  for (const g of svg.split(/(?=<g id=")/)) {
    const m = /^<g id="(node|edge)\d+" class="(?:node|edge)">\s*<title>([^<]*)<\/title>/.exec(g);
    if (!m) continue;
    if (m[1] === 'edge') edges.add(unescape(m[2]!));
    else nodes.set(unescape(m[2]!), [...g.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((t) => unescape(t[1]!)));
  }
  return {nodes, edges};
}

/**
 * The points Vega drew, by `metric/split`: `[[epoch, value], ...]` read back from the SVG's aria
 * labels (a line mark also carries its first point's label, hence the map by epoch).
 */
export function chartSeries(svg: string): Map<string, [number, number][]> {
  const out = new Map<string, Map<number, number>>();
  for (const m of svg.matchAll(/aria-label="epoch: (\d+); value: ([-0-9.e]+); split: (\w+); metric: ([^"]+)"/g)) {
    const key = `${m[4]}/${m[3]}`;
    if (!out.has(key)) out.set(key, new Map());
    out.get(key)!.set(Number(m[1]), Number(m[2]));
  }
  return new Map([...out].map(([k, v]) => [k, [...v].sort((a, b) => a[0] - b[0])]));
}
