import { ArgumentError } from '@vssm/core';
import test from 'tape';
import { clearScanIndexCache, multiScaleIndex, scanIndex, toSVG } from '../src/index.js';

/** Checks that every element is closed in order, and that text has no bare '<' or '&'. Returns a problem or null. */
function wellFormed(svg: string): string | null {
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(svg); m !== null; m = tag.exec(svg)) {
    const between = svg.slice(last, m.index);
    if (/[<>]|&(?!(amp|lt|gt|quot);)/.test(between))
      return `stray markup before offset ${m.index}: ${JSON.stringify(between.slice(0, 40))}`;
    last = tag.lastIndex;
    const [, closing, name, , selfClosing] = m;
    if (selfClosing) continue;
    if (closing) {
      const open = stack.pop();
      if (open !== name) return `</${name}> closes <${open}>`;
    } else stack.push(name);
  }
  if (svg.slice(last).trim() !== '') return 'text after the root element';
  return stack.length === 0 ? null : `unclosed: ${stack.join(', ')}`;
}

const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;
/** Cell labels: the scan positions printed inside cells. */
const labels = (svg: string) => [...svg.matchAll(/dominant-baseline="central">(\d+)<\/text>/g)].map((m) => Number(m[1]));

test('toSVG draws a windowed order with padding, path, start, end, legend', (t) => {
  const svg = toSVG('w2', { H: 3, W: 3 });
  t.equal(wellFormed(svg), null, 'well-formed XML');
  t.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'), 'standalone SVG root');
  t.ok(svg.includes('<title>Scan order w2 on 3×3, padded to 4×4, L′ = 16</title>'), 'title');
  t.deepEqual(
    labels(svg).sort((a, b) => a - b),
    Array.from({ length: 16 }, (_, i) => i),
    'every scan position is printed once',
  );
  t.equal(count(svg, /fill="url\(#scan-hatch\)" stroke/g), 7 + 1, '7 padding cells hatched (+1 legend swatch)');
  t.equal(count(svg, /marker-end="url\(#scan-(step|jump)\)"/g), 15 + 2, '15 arrows between 16 positions (+2 in the legend)');
  t.equal(count(svg, /stroke-dasharray="4 3"/g), 2, 'window boundaries: one horizontal and one vertical line');
  t.ok(svg.includes('<circle cx="16" cy="40" r="13" fill="none" stroke="#16a34a"'), 'start ring on cell (0,0)');
  t.ok(svg.includes('stroke="#dc2626" stroke-width="2.5"'), 'end box');
  t.ok(svg.includes('zero-padding token') && svg.includes('>start<') && svg.includes('>end<'), 'legend');
  t.end();
});

test('toSVG output is deterministic', (t) => {
  const a = toSVG('w7_flip', { H: 5, W: 9 });
  clearScanIndexCache();
  t.equal(toSVG('w7_flip', { H: 5, W: 9 }), a);
  t.notEqual(toSVG('w7', { H: 5, W: 9 }), a, 'and depends on the order');
  t.end();
});

test('toSVG: order arrays, index maps, panels and segmented sequences', (t) => {
  const fromArray = toSVG([3, 2, 1, 0], { H: 2, W: 2, title: 'custom' });
  t.equal(wellFormed(fromArray), null);
  t.ok(fromArray.includes('custom on 2×2, L′ = 4'), 'raw order');
  t.equal(toSVG(scanIndex('v', 3, 4), { H: 3, W: 4 }), toSVG('v', { H: 3, W: 4 }), 'index map draws like its name');
  const panels = toSVG(['h', 'v', 'h_flip', 'v_flip'], { H: 3, W: 3 });
  t.equal(wellFormed(panels), null);
  t.equal(count(panels, /font-size="13" font-weight="600"/g), 4, 'four panels');
  t.equal(labels(panels).length, 36);
  const segmented = toSVG(multiScaleIndex(2, 3), { H: 2, W: 3 });
  t.equal(wellFormed(segmented), null);
  t.deepEqual(
    labels(segmented).sort((a, b) => a - b),
    Array.from({ length: 18 }, (_, i) => i),
    'numbering continues across segments',
  );
  t.ok(segmented.includes('[1] v, positions 6–11'), 'segment titles');
  t.ok(segmented.includes('segment join'), 'join legend');
  t.end();
});

test('toSVG escapes text and validates options', (t) => {
  const svg = toSVG('h', { H: 2, W: 2, title: 'a <b> & "c"', colors: { path: 'red"/><script' } });
  t.equal(wellFormed(svg), null, 'still well-formed');
  t.ok(svg.includes('a &lt;b&gt; &amp; &quot;c&quot;'));
  t.notOk(svg.includes('<script'), 'no injected element');
  t.throws(() => toSVG('h', undefined as never), ArgumentError);
  t.throws(() => toSVG('h', { H: 2 } as never), ArgumentError);
  t.throws(() => toSVG('h', { H: 2, W: 2, cellSize: 2 }), /cellSize/);
  t.throws(() => toSVG('h', { H: 2, W: 2, size: 3 } as never), /unknown option 'size'/);
  t.throws(() => toSVG('h', { H: 2, W: 2, colors: { purple: '#f0f' } as never }), /unknown colour 'purple'/);
  t.throws(() => toSVG('h', { H: 2, W: 2, idPrefix: 'a b' }), /idPrefix/);
  t.throws(() => toSVG([], { H: 2, W: 2 }), /nothing to draw/);
  t.throws(() => toSVG('h', { H: 300, W: 300 }), /more than the limit/);
  t.throws(() => toSVG('nope', { H: 2, W: 2 }), /unknown scan direction 'nope'/);
  t.throws(() => toSVG(multiScaleIndex(2, 3), { H: 3, W: 2 }), /is for a 2x3 grid/);
  t.end();
});
