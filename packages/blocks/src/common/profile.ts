/**
 * Named timing sections for profilers. Blocks and models wrap their non-op work (selective-scan calls, scan
 * gathers, copies) and whole blocks in sections; a profiler installed with `setSectionObserver` receives each
 * section's wall time. With no observer installed a section is a plain call.
 */

/** One finished section: its name, when it started (performance.now() ms) and its wall time (inclusive). */
export interface SectionEvent {
  name: string;
  start: number;
  ms: number;
}

export type SectionObserver = (event: SectionEvent) => void;

const OBSERVER_KEY = Symbol.for('@vssm/blocks.sectionObserver');

interface ObserverSlot {
  observer?: SectionObserver;
}

// On globalThis so that the ESM and CJS builds of this package, loaded together, report to one profiler.
function slot(): ObserverSlot {
  const g = globalThis as unknown as Record<symbol, ObserverSlot | undefined>;
  let s = g[OBSERVER_KEY];
  if (!s) {
    s = {};
    g[OBSERVER_KEY] = s;
  }
  return s;
}

/** Installs (or with `undefined` removes) the section observer; returns the previous one. */
export function setSectionObserver(observer: SectionObserver | undefined): SectionObserver | undefined {
  const s = slot();
  const previous = s.observer;
  s.observer = observer;
  return previous;
}

/** Runs `fn` as the section `name` (timed only while an observer is installed). */
export function section<T>(name: string, fn: () => T): T {
  const observer = slot().observer;
  if (!observer) return fn();
  const start = performance.now();
  try {
    return fn();
  } finally {
    observer({ name, start, ms: performance.now() - start });
  }
}

/** The async form of `section`: the time until the promise settles. Sections must not overlap other work. */
export async function sectionAsync<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const observer = slot().observer;
  if (!observer) return fn();
  const start = performance.now();
  try {
    return await fn();
  } finally {
    observer({ name, start, ms: performance.now() - start });
  }
}
