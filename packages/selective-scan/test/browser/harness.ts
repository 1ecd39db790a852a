// Node side of the browser tests: bundles page.ts with esbuild, serves it from 127.0.0.1, drives headless Chromium
// (SwiftShader WebGPU adapter) with playwright-core, and relays calls to the page's `vssm` API.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.VSSM_CHROMIUM ?? '/usr/bin/chromium';

/** The flags of environment.md: headless, no sandbox, WebGPU on SwiftShader. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
];

const here = dirname(fileURLToPath(import.meta.url));

export interface BrowserSession {
  /** Calls `window.vssm[method](...args)` in the page, failing after `timeoutMs`. */
  call<T>(method: string, args: unknown[], timeoutMs?: number): Promise<T>;
  /** Page console errors and uncaught exceptions seen so far. */
  errors: string[];
  userAgent: string;
  close(): Promise<void>;
}

async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [join(here, 'page.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    conditions: ['source'],
    external: ['node:*'],
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

function serve(js: string): Promise<{ server: Server; url: string }> {
  const html =
    '<!doctype html><html><head><meta charset="utf-8"><title>vssm gpu tests</title></head><body><script type="module" src="/page.js"></script></body></html>';
  const server = createServer((req, res) => {
    if (req.url === '/page.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      res.end(js);
    } else if (req.url === '/' || req.url === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      if (addr && typeof addr === 'object') resolve({ server, url: `http://127.0.0.1:${addr.port}/` });
      else reject(new Error('could not read the test server address'));
    });
  });
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Starts Chromium on the test page. Throws with a plain explanation when Chromium is missing (CI installs it with
 * `apt-get install -y chromium`), so the browser tests fail instead of passing without running.
 */
export async function openBrowser(): Promise<BrowserSession> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: install it (apt-get install -y chromium) or set VSSM_CHROMIUM; the browser GPU tests cannot run without it`,
    );
  }
  const js = await bundlePage();
  const { server, url } = await serve(js);
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 60_000 });
    const page: Page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
    await page.goto(url, { timeout: 60_000 });
    await page.waitForFunction(() => (globalThis as unknown as { vssmReady?: boolean }).vssmReady === true, undefined, { timeout: 60_000 });
    const userAgent = await page.evaluate(() => navigator.userAgent);
    const b = browser;
    return {
      errors,
      userAgent,
      call<T>(method: string, args: unknown[], timeoutMs = 240_000): Promise<T> {
        const run = page.evaluate(
          ([m, a]) =>
            (globalThis as unknown as { vssm: Record<string, (...x: unknown[]) => Promise<unknown>> }).vssm[m as string](
              ...(a as unknown[]),
            ),
          [method, args] as const,
        ) as Promise<T>;
        return withTimeout(run, timeoutMs, `page call ${method}`);
      },
      async close() {
        await b.close().catch(() => undefined);
        await new Promise<void>((r) => server.close(() => r()));
      },
    };
  } catch (e) {
    await browser?.close().catch(() => undefined);
    server.close();
    throw e;
  }
}
