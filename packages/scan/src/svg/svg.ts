import { ArgumentError } from '@vssm/core';
import { assertGrid } from '../limits.js';
import type { SegmentedIndex } from '../multi-scale.js';
import { assertOptions } from '../options.js';
import type { Direction } from '../resolve.js';
import { type Panel, isSegmented, panelsOf } from './panel.js';

/** Colours of a drawing (any SVG paint). */
export interface SvgColors {
  background: string;
  cell: string;
  grid: string;
  text: string;
  path: string;
  jump: string;
  start: string;
  end: string;
  join: string;
  padding: string;
  window: string;
}

export interface SvgOptions {
  /** Grid height. */
  H: number;
  /** Grid width. */
  W: number;
  /** Heading of the drawing (default: derived from the direction(s)). */
  title?: string;
  /** Cell edge in pixels (default 32). */
  cellSize?: number;
  /** Panels per row when several are drawn (default: up to 4). */
  columns?: number;
  /** Print the scan position in each cell (default true). */
  showNumbers?: boolean;
  /** Draw the path between consecutive positions (default true). */
  showPath?: boolean;
  /** Prefix of the ids of shared definitions, to keep several inline SVGs apart (default `scan`). */
  idPrefix?: string;
  colors?: Partial<SvgColors>;
}

/** What `toSVG` draws: a direction name, index map, order array or segmented sequence; or an array of those as panels. */
export type Drawable = Direction | SegmentedIndex;

const DEFAULT_COLORS: SvgColors = {
  background: '#ffffff',
  cell: '#ffffff',
  grid: '#c8ccd4',
  text: '#1f2430',
  path: '#2563eb',
  jump: '#93a8d8',
  start: '#16a34a',
  end: '#dc2626',
  join: '#ea580c',
  padding: '#e5e7eb',
  window: '#7c3aed',
};

const SVG_OPTIONS = ['H', 'W', 'title', 'cellSize', 'columns', 'showNumbers', 'showPath', 'idPrefix', 'colors'];
const MAX_DRAWN_CELLS = 1 << 16;
const MARGIN = 16;
const GAP = 28;

function fmt(v: number): string {
  return String(Math.round(v * 100) / 100);
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function isOrderArray(what: unknown): boolean {
  return Array.isArray(what) && what.length > 0 && what.every((v) => typeof v === 'number');
}

function panelHeightCells(p: Panel): number {
  return p.rows + (p.offGrid > 0 ? 0.5 + Math.ceil(p.offGrid / p.cols) : 0);
}

/** Top-left corner, in cell units, of where scan position s is drawn. */
function cellCorner(p: Panel, s: number): [number, number] {
  const cell = p.cells[s];
  if (cell >= 0) return [cell % p.cols, Math.floor(cell / p.cols)];
  const k = -cell - 1;
  return [k % p.cols, p.rows + 0.5 + Math.floor(k / p.cols)];
}

function renderPanel(
  p: Panel,
  cs: number,
  o: Required<Omit<SvgOptions, 'title' | 'colors' | 'columns'>>,
  c: SvgColors,
  x0: number,
  y0: number,
): string {
  const id = o.idPrefix;
  const parts: string[] = [`<g transform="translate(${fmt(x0)},${fmt(y0)})">`];
  parts.push(`<text x="0" y="14" font-size="13" font-weight="600" fill="${c.text}">${escapeXml(p.title)}</text>`);
  const top = 24;
  const n = p.cells.length;
  const at = (s: number): [number, number] => {
    const [cx, cy] = cellCorner(p, s);
    return [cx * cs, top + cy * cs];
  };
  for (let s = 0; s < n; s++) {
    const [x, y] = at(s);
    const fill = p.isPadding[s] ? `url(#${id}-hatch)` : c.cell;
    parts.push(`<rect x="${fmt(x)}" y="${fmt(y)}" width="${cs}" height="${cs}" fill="${fill}" stroke="${c.grid}"/>`);
  }
  if (p.windowK !== null) {
    const k = p.windowK;
    for (let r = k; r < p.rows; r += k) {
      parts.push(
        `<line x1="0" y1="${fmt(top + r * cs)}" x2="${fmt(p.cols * cs)}" y2="${fmt(top + r * cs)}" stroke="${c.window}" stroke-width="1.5" stroke-dasharray="4 3"/>`,
      );
    }
    for (let col = k; col < p.cols; col += k) {
      parts.push(
        `<line x1="${fmt(col * cs)}" y1="${top}" x2="${fmt(col * cs)}" y2="${fmt(top + p.rows * cs)}" stroke="${c.window}" stroke-width="1.5" stroke-dasharray="4 3"/>`,
      );
    }
  }
  parts.push(`<rect x="0" y="${top}" width="${fmt(p.W * cs)}" height="${fmt(p.H * cs)}" fill="none" stroke="${c.text}" stroke-width="2"/>`);
  if (p.offGrid > 0) {
    parts.push(
      `<text x="0" y="${fmt(top + (p.rows + 0.4) * cs)}" font-size="10" fill="${c.text}">padding tokens without a grid cell</text>`,
    );
  }
  if (o.showPath) {
    const shorten = cs * 0.3;
    for (let s = 0; s + 1 < n; s++) {
      const [ax, ay] = at(s);
      const [bx, by] = at(s + 1);
      const dx = bx - ax;
      const dy = by - ay;
      const len = Math.hypot(dx, dy);
      if (len <= 2 * shorten) continue;
      const ux = dx / len;
      const uy = dy / len;
      const adjacent = Math.abs(Math.round(dx / cs)) + Math.abs(Math.round(dy / cs)) === 1;
      const x1 = ax + cs / 2 + ux * shorten;
      const y1 = ay + cs / 2 + uy * shorten;
      const x2 = bx + cs / 2 - ux * shorten;
      const y2 = by + cs / 2 - uy * shorten;
      const style = adjacent
        ? `stroke="${c.path}" stroke-width="1.6" marker-end="url(#${id}-step)"`
        : `stroke="${c.jump}" stroke-width="1" stroke-dasharray="3 3" marker-end="url(#${id}-jump)"`;
      parts.push(`<line x1="${fmt(x1)}" y1="${fmt(y1)}" x2="${fmt(x2)}" y2="${fmt(y2)}" ${style}/>`);
    }
  }
  const ring = (s: number, color: string, square: boolean) => {
    const [x, y] = at(s);
    if (square) {
      parts.push(
        `<rect x="${fmt(x + 2.5)}" y="${fmt(y + 2.5)}" width="${fmt(cs - 5)}" height="${fmt(cs - 5)}" fill="none" stroke="${color}" stroke-width="2.5"/>`,
      );
    } else {
      parts.push(
        `<circle cx="${fmt(x + cs / 2)}" cy="${fmt(y + cs / 2)}" r="${fmt(cs / 2 - 3)}" fill="none" stroke="${color}" stroke-width="2.5"/>`,
      );
    }
  };
  ring(0, p.startsSequence ? c.start : c.join, false);
  ring(n - 1, p.endsSequence ? c.end : c.join, true);
  if (o.showNumbers) {
    for (let s = 0; s < n; s++) {
      const [x, y] = at(s);
      const label = String(p.firstPosition + s);
      const size = Math.min(cs * 0.36, (cs * 0.82) / Math.max(2, label.length * 0.62));
      const color = p.isPadding[s] ? '#6b7280' : c.text;
      const style = p.isPadding[s] ? ' font-style="italic"' : '';
      parts.push(
        `<text x="${fmt(x + cs / 2)}" y="${fmt(y + cs / 2)}" font-size="${fmt(size)}" fill="${color}"${style} text-anchor="middle" dominant-baseline="central">${label}</text>`,
      );
    }
  }
  parts.push('</g>');
  return parts.join('\n');
}

function legend(c: SvgColors, id: string, hasJoin: boolean, x0: number, y0: number): { svg: string; width: number } {
  const items: string[] = [];
  let x = x0;
  const add = (icon: string, label: string) => {
    items.push(
      `<g transform="translate(${fmt(x)},${fmt(y0)})">${icon}<text x="24" y="9" font-size="11" fill="${c.text}" dominant-baseline="central">${label}</text></g>`,
    );
    x += 40 + label.length * 6.4;
  };
  add(`<circle cx="9" cy="9" r="7" fill="none" stroke="${c.start}" stroke-width="2.5"/>`, 'start');
  add(`<rect x="2" y="2" width="14" height="14" fill="none" stroke="${c.end}" stroke-width="2.5"/>`, 'end');
  if (hasJoin) add(`<circle cx="9" cy="9" r="7" fill="none" stroke="${c.join}" stroke-width="2.5"/>`, 'segment join (state carried on)');
  add(`<line x1="0" y1="9" x2="16" y2="9" stroke="${c.path}" stroke-width="1.6" marker-end="url(#${id}-step)"/>`, 'step to a neighbour');
  add(
    `<line x1="0" y1="9" x2="16" y2="9" stroke="${c.jump}" stroke-width="1" stroke-dasharray="3 3" marker-end="url(#${id}-jump)"/>`,
    'jump',
  );
  add(`<rect x="0" y="0" width="18" height="18" fill="url(#${id}-hatch)" stroke="${c.grid}"/>`, 'zero-padding token');
  return { svg: items.join('\n'), width: x - x0 };
}

/**
 * Draws scan order(s) on an H×W grid as a standalone SVG string: cells numbered with their scan position, arrows
 * between consecutive positions (solid to a neighbour, dashed for a jump), padding cells hatched, the start ringed
 * and the end boxed, outlines of local windows, a title and a legend. `what` is a direction name, an index map, an
 * order array or a segmented sequence (one panel per segment, numbering continued), or an array of those (one panel
 * each). Output is deterministic.
 */
export function toSVG(what: Drawable | readonly Drawable[], options: SvgOptions): string {
  assertOptions(options, SVG_OPTIONS, 'toSVG');
  if (options === undefined) throw new ArgumentError('toSVG: options { H, W } are required');
  const { H, W } = options;
  assertGrid(H, W, 'toSVG');
  const cs = options.cellSize ?? 32;
  if (!Number.isFinite(cs) || cs < 8 || cs > 200) throw new ArgumentError(`toSVG: cellSize must be between 8 and 200, got ${cs}`);
  const idPrefix = options.idPrefix ?? 'scan';
  if (!/^[A-Za-z][\w-]*$/.test(idPrefix)) throw new ArgumentError(`toSVG: idPrefix must be an XML name, got ${JSON.stringify(idPrefix)}`);
  const colors = { ...DEFAULT_COLORS };
  for (const [key, value] of Object.entries(options.colors ?? {})) {
    if (!(key in DEFAULT_COLORS))
      throw new ArgumentError(`toSVG: unknown colour '${key}'; known: ${Object.keys(DEFAULT_COLORS).join(', ')}`);
    if (typeof value !== 'string') throw new ArgumentError(`toSVG: colour '${key}' must be a string, got ${typeof value}`);
    colors[key as keyof SvgColors] = escapeXml(value);
  }
  const drawables: readonly Drawable[] = Array.isArray(what) && !isOrderArray(what) ? (what as readonly Drawable[]) : [what as Drawable];
  if (drawables.length === 0) throw new ArgumentError('toSVG: nothing to draw (empty array)');
  const panels = drawables.flatMap((d) => panelsOf(d, H, W));
  const drawnCells = panels.reduce((sum, p) => sum + p.cells.length, 0);
  if (drawnCells > MAX_DRAWN_CELLS)
    throw new ArgumentError(`toSVG: ${drawnCells} cells to draw, more than the limit of ${MAX_DRAWN_CELLS}`);
  const columns = options.columns ?? Math.min(panels.length, 4);
  if (!Number.isInteger(columns) || columns < 1) throw new ArgumentError(`toSVG: columns must be a positive integer, got ${columns}`);

  const slotW = Math.max(...panels.map((p) => Math.max(p.cols * cs, p.title.length * 7.2)), 200);
  const slotH = Math.max(...panels.map((p) => 24 + panelHeightCells(p) * cs));
  const title =
    options.title ??
    (drawables.length === 1 && !isSegmented(drawables[0]) ? `Scan order ${panels[0].title}` : `Scan orders on a ${H}×${W} grid`);
  const titleH = 34;
  const gridCols = Math.min(columns, panels.length);
  const gridRows = Math.ceil(panels.length / gridCols);
  const style = { cellSize: cs, showNumbers: options.showNumbers ?? true, showPath: options.showPath ?? true, idPrefix, H, W };
  const body = panels.map((p, i) =>
    renderPanel(p, cs, style, colors, MARGIN + (i % gridCols) * (slotW + GAP), MARGIN + titleH + Math.floor(i / gridCols) * (slotH + GAP)),
  );
  const legendY = MARGIN + titleH + gridRows * (slotH + GAP) - 8;
  const hasJoin = panels.some((p) => !p.startsSequence || !p.endsSequence);
  const leg = legend(colors, idPrefix, hasJoin, MARGIN, legendY);
  const width = Math.ceil(Math.max(MARGIN * 2 + gridCols * slotW + (gridCols - 1) * GAP, MARGIN * 2 + leg.width));
  const height = Math.ceil(legendY + 18 + MARGIN);
  const hatch = colors.padding;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<title>${escapeXml(title)}</title>`,
    '<defs>',
    `<pattern id="${idPrefix}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="${hatch}"/><line x1="0" y1="0" x2="0" y2="6" stroke="#9ca3af" stroke-width="1.5"/></pattern>`,
    `<marker id="${idPrefix}-step" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="5" markerHeight="5" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${colors.path}"/></marker>`,
    `<marker id="${idPrefix}-jump" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="5" markerHeight="5" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${colors.jump}"/></marker>`,
    '</defs>',
    `<rect width="${width}" height="${height}" fill="${colors.background}"/>`,
    `<text x="${MARGIN}" y="${MARGIN + 16}" font-size="16" font-weight="700" fill="${colors.text}">${escapeXml(title)}</text>`,
    ...body,
    leg.svg,
    '</svg>',
    '',
  ].join('\n');
}
