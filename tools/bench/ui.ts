/**
 * The renderer in npm run bench (issue 4): the size of the built bundle, and how long the UI takes
 * to show live state, end to end in headless Chromium.
 *
 * Bundle: every file of out/renderer, raw and gzipped (node:zlib gzipSync per file), split into the
 * initial load (index.html, the scripts and style sheets it names, and the chunks those scripts
 * import statically) and the rest (chunks loaded by a dynamic import(), i.e. the lazy views).
 *
 * UI: the built renderer in Chromium (/usr/bin/chromium when present, else Playwright's), served by
 * the headless host exactly as `npm run serve` runs it (TradingHost + createDispatcher +
 * startWsHost), with a paper engine on the local Binance-compatible exchange's market data
 * (tools/fake-binance, 30 closed 5-minute candles of warm-up history for BTCUSDT, ETHUSDT and
 * BNBUSDT and the seed's parameter sets, as tests/e2e/workspace.spec.ts sets it up). Timed with
 * performance.now() in this process, up to the moment Playwright's waitFor sees the element:
 *   - time to interactive: page.goto -> the header says "Connected to host" (a fresh browser
 *     context each time: nothing cached);
 *   - start: click "Start paper" -> the header's engine state says "Running";
 *   - signal to pixels: a closed 5-minute candle with a +2% close pushed by the exchange (after a
 *     trade at that price, so the paper buy fills there) -> the symbol's reservation is visible in
 *     the Allocations view; then a trade at the take-profit -> the reservation is gone.
 * Each signal is a full round trip on one symbol (the three in turn): 21 quiet closed candles (the
 * previous spike leaves the 20-return z-score window), the spike, the buy and its OCO, the
 * take-profit. Candles are "just closed" (closeTime = now - 1 ms, open times strictly increasing
 * and less than an interval apart), as in tools/bench/latency.ts.
 *
 * Where the time goes is taken from instants on both sides: in this process (the dispatcher gets the
 * request, the host emits the event, the WebSocket host has written it), and in the page through an
 * init script (the WebSocket message arrives, the DOM changes: a MutationObserver, the next
 * animation frame). Page instants are epoch milliseconds (performance.timeOrigin + now()) on both
 * sides, so the segments that cross the socket rest on two clocks of one machine.
 * Nothing in the product is changed for the measurement.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { EnvSecretStore } from '../../electron/adapters/secrets/env-secret-store';
import type { Candle } from '../../electron/core/ports/market-feed';
import type { ApiCredentials } from '../../electron/core/ports/secret-store';
import { createDispatcher, type Dispatcher } from '../../electron/host/dispatcher';
import type { Keychain } from '../../electron/host/keys-service';
import { TradingHost } from '../../electron/host/trading-host';
import { startWsHost, type WsHost } from '../../electron/host/ws-host';
import type { EventChannel } from '../../shared/ipc/contract';
import { startFakeBinance, type FakeBinance } from '../fake-binance/server';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RENDERER_OUT = path.join(ROOT, 'out/renderer');
/** What the renderer build depends on: a change here makes out/renderer stale. */
const RENDERER_INPUTS = ['renderer', 'shared', 'electron.vite.config.ts', 'package.json', 'package-lock.json'];

// ---- bundle size ------------------------------------------------------------------------------

interface BundleFile {
  /** Path inside out/renderer, with forward slashes. */
  file: string;
  bytes: number;
  gzipBytes: number;
  load: 'initial' | 'lazy';
}

interface BundleTotals {
  files: number;
  bytes: number;
  gzipBytes: number;
}

export interface BundleReport {
  /** Whether `electron-vite build` ran before the measurement, why, and how long it took. */
  build: { ran: boolean; reason: string; ms: number };
  total: BundleTotals;
  /** index.html, what it names (script, stylesheet, modulepreload) and their static imports. */
  initial: BundleTotals;
  /** Everything else: chunks behind a dynamic import() (the chart views) and their style sheets. */
  lazy: BundleTotals;
  /** The five largest files. */
  largest: BundleFile[];
  files: BundleFile[];
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  if (!statSync(dir).isDirectory()) return [dir];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? walk(path.join(dir, d.name)) : [path.join(dir, d.name)],
  );
}

/** Why out/renderer must be built, or undefined when it is newer than everything it is built from. */
function staleness(): string | undefined {
  const outputs = walk(RENDERER_OUT);
  if (!outputs.some((f) => f.endsWith(`${path.sep}index.html`))) return 'out/renderer is missing';
  const built = Math.min(...outputs.map((f) => statSync(f).mtimeMs));
  const newer = RENDERER_INPUTS.flatMap((p) => walk(path.join(ROOT, p))).find((f) => statSync(f).mtimeMs > built);
  return newer ? `${path.relative(ROOT, newer)} is newer than out/renderer` : undefined;
}

/** `npx electron-vite build` (main, preload and renderer, as npm run build), in ROOT. */
function build(): number {
  const t0 = performance.now();
  const r = spawnSync('npx', ['electron-vite', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`electron-vite build failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stderr}${r.stdout}`);
  }
  return performance.now() - t0;
}

/** Files the page loads before any user action: index.html's references and their static imports. */
function initialFiles(): Set<string> {
  const html = readFileSync(path.join(RENDERER_OUT, 'index.html'), 'utf8');
  const found = new Set<string>(['index.html']);
  const queue: string[] = [];
  const add = (ref: string, from: string) => {
    if (/^[a-z]+:|^\/\//i.test(ref)) return; // data:, https:, protocol-relative: not ours
    const file = path.posix.normalize(path.posix.join(path.posix.dirname(from), ref.split(/[?#]/)[0]!));
    if (!found.has(file)) {
      found.add(file);
      queue.push(file);
    }
  };
  for (const m of html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)) add(m[1]!, 'index.html');
  for (const m of html.matchAll(/<link\b[^>]*>/g)) {
    const tag = m[0];
    const rel = /\brel="([^"]+)"/.exec(tag)?.[1] ?? '';
    const href = /\bhref="([^"]+)"/.exec(tag)?.[1];
    if (href && /\b(stylesheet|modulepreload)\b/.test(rel)) add(href, 'index.html');
  }
  // Static imports of the initial scripts load with them; import("...") chunks do not.
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (!file.endsWith('.js') || !existsSync(path.join(RENDERER_OUT, file))) continue;
    const code = readFileSync(path.join(RENDERER_OUT, file), 'utf8');
    for (const m of code.matchAll(
      /(?:^|[;}\n])\s*(?:import|export)\s*(?:[^'"();]*?\bfrom\s*)?(["'])(\.{1,2}\/[^"']+)\1/g,
    ))
      add(m[2]!, file);
  }
  return found;
}

/**
 * Sizes of out/renderer. `rebuild`: 'always' builds first; 'if-stale' builds only when out/renderer
 * is missing or older than renderer/, shared/, the build config or the package files.
 */
export function measureBundle(rebuild: 'always' | 'if-stale'): BundleReport {
  const stale = staleness();
  const reason = rebuild === 'always' ? 'always built by the full bench' : stale;
  const ms = reason ? build() : 0;
  const initial = initialFiles();
  const files: BundleFile[] = walk(RENDERER_OUT)
    .map((abs) => {
      const file = path.relative(RENDERER_OUT, abs).split(path.sep).join('/');
      const data = readFileSync(abs);
      return {
        file,
        bytes: data.length,
        gzipBytes: gzipSync(data).length,
        load: initial.has(file) ? ('initial' as const) : ('lazy' as const),
      };
    })
    .sort((a, b) => b.bytes - a.bytes);
  const totals = (fs: BundleFile[]): BundleTotals => ({
    files: fs.length,
    bytes: fs.reduce((a, f) => a + f.bytes, 0),
    gzipBytes: fs.reduce((a, f) => a + f.gzipBytes, 0),
  });
  return {
    build: { ran: reason !== undefined, reason: reason ?? 'out/renderer is newer than its sources: reused', ms },
    total: totals(files),
    initial: totals(files.filter((f) => f.load === 'initial')),
    lazy: totals(files.filter((f) => f.load === 'lazy')),
    largest: files.slice(0, 5),
    files,
  };
}

// ---- UI timing --------------------------------------------------------------------------------

interface Stats {
  n: number;
  p50: number;
  p95: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles. */
function stats(values: readonly number[]): Stats {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
  return {
    n: sorted.length,
    p50: at(50),
    p95: at(95),
    max: sorted[sorted.length - 1] ?? NaN,
    mean: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : NaN,
  };
}

export interface UiOptions {
  /** Cold page loads timed (each in a fresh browser context). */
  loads: number;
  /** Start clicks timed (stopped between them). */
  starts: number;
  /** Signals timed, after `warmupSignals` that are not counted. */
  signals: number;
  warmupSignals: number;
  log?: (line: string) => void;
}

/** Milliseconds between consecutive instants of one change on its way to the screen. */
interface Segments {
  [segment: string]: Stats;
}

export interface UiReport {
  browser: string;
  viewport: { width: number; height: number };
  /** A waitFor on an element already on the screen: what the method adds to every figure (one CDP round trip). */
  waitForFloorMs: Stats;
  timeToInteractive: {
    loads: number;
    /** page.goto -> the header says "Connected to host". */
    gotoToConnectedMs: Stats;
    /** page.goto -> the header shows the engine's state read from the host (the first live data). */
    gotoToEngineStateMs: Stats;
    /**
     * In the page, from the navigation's start: HTML received, DOMContentLoaded (the module script
     * fetched and run: the app is mounted), WebSocket open, "Connected to host" in the DOM, and the
     * animation frame after it (the pixels; waitFor adds its polling on top, see waitForFloorMs).
     */
    inPageMs: {
      responseEnd: Stats;
      domContentLoaded: Stats;
      socketOpen: Stats;
      connectedInDom: Stats;
      connectedFrame: Stats;
    };
    /** Files the page fetched until connected (out/renderer paths), and their bytes on disk (served uncompressed). */
    fetched: { files: string[]; bytes: number };
  };
  start: {
    runs: number;
    /** click "Start paper" -> the header says "Running". */
    clickToRunningMs: Stats;
    /** The page's click event -> the animation frame after "Running" is in the DOM (the page's clock: no Playwright). */
    inPageFrameMs: Stats;
    segmentsMs: Segments;
    /** click "Stop" -> the header says "Stopped" (between the timed starts). */
    clickToStoppedMs: Stats;
  };
  signalToPixels: {
    signals: number;
    warmupSignals: number;
    /** Closed +2% candle pushed by the exchange -> reservation-<SYMBOL> visible in the Allocations view. */
    totalMs: Stats;
    /**
     * The same, to the animation frame after the reservation entered the DOM (the page's own clock):
     * the pixels without the polling of waitFor (which checks 0, 20, 70, 170, 270 ms after it starts, then every 500 ms).
     */
    inPageFrameMs: Stats;
    /** The reservation's state in the first allocations.changed that showed it, by count. */
    firstShownAs: Record<string, number>;
    segmentsMs: Segments;
  };
  releaseToPixels: {
    /** Trade at the take-profit pushed by the exchange -> reservation-<SYMBOL> gone from the page. */
    totalMs: Stats;
    inPageFrameMs: Stats;
    segmentsMs: Segments;
  };
  /** Uncaught errors in the page (pageerror) and console errors during the run. */
  pageErrors: string[];
  elapsedMs: number;
}

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'BNBUSDT'] as const;
const START: Record<string, number> = { BTCUSDT: 42000, ETHUSDT: 2500, BNBUSDT: 300 };
const FIVE_MIN = 300_000;
const LOOKBACK = 20;
const SPIKE = 1.02;
const JITTER = 0.0002;
const VIEWPORT = { width: 1440, height: 900 };
const WAIT_MS = 15_000;
const DEBIAN_CHROMIUM = '/usr/bin/chromium';
/** As playwright.config.ts launches it. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * In the page, before the app: timestamps of the watched change (epoch ms). `arm(w)` sets what to
 * watch: the first WebSocket message containing every string of w.msg (and not w.msgNot), the first
 * DOM state where w.selector is present (with w.text in it) or absent, the animation frame after
 * it, and the first click.
 */
const PAGE_PROBE = `(() => {
  const now = () => performance.timeOrigin + performance.now();
  const b = { watch: null, click: 0, msg: 0, dom: 0, frame: 0, open: 0 };
  const check = () => {
    const w = b.watch;
    if (!w || b.dom) return;
    const el = document.querySelector(w.selector);
    const met = w.present ? !!el && (!w.text || (el.textContent || '').includes(w.text)) : !el;
    if (met) {
      b.dom = now();
      requestAnimationFrame(() => { b.frame = now(); });
    }
  };
  b.arm = (w) => { b.watch = w; b.click = b.msg = b.dom = b.frame = 0; check(); };
  // waitFor may see the DOM change before the next frame: read() waits for that frame.
  b.read = () => new Promise((resolve) => {
    const done = () => resolve({ origin: performance.timeOrigin, open: b.open, click: b.click, msg: b.msg, dom: b.dom, frame: b.frame });
    const wait = () => (b.dom && !b.frame ? requestAnimationFrame(wait) : done());
    wait();
  });
  window.__bench = b;
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      this.addEventListener('open', () => { if (!b.open) b.open = now(); });
      this.addEventListener('message', (e) => {
        const w = b.watch;
        if (!w || b.msg || typeof e.data !== 'string') return;
        if (w.msg.every((s) => e.data.includes(s)) && !(w.msgNot && e.data.includes(w.msgNot))) b.msg = now();
      });
    }
  };
  document.addEventListener('click', () => { if (b.watch && !b.click) b.click = now(); }, true);
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
})();`;

interface PageWatch {
  selector: string;
  present: boolean;
  text?: string;
  msg: string[];
  msgNot?: string;
}

/** What the page probe read() returns: epoch ms, 0 when not seen; origin = the navigation's start. */
interface PageInstants {
  origin: number;
  open: number;
  click: number;
  msg: number;
  dom: number;
  frame: number;
}

type HostTest = (channel: EventChannel, data: unknown) => boolean;

interface ProbeSpec {
  /** A request channel whose arrival at the dispatcher is timed. */
  request?: string;
  /** The host event that marks the engine's part done. */
  engine?: HostTest;
  /** The host event that carries the change to the page. */
  emit: HostTest;
  page: PageWatch;
}

/** Instants of one change, epoch ms (NaN: not seen). */
interface Instants {
  start: number;
  click: number;
  request: number;
  engine: number;
  emit: number;
  sent: number;
  msg: number;
  dom: number;
  frame: number;
  seen: number;
}

const epoch = () => performance.timeOrigin + performance.now();

/** The host's side of the probe: the dispatcher wrapped, the host's events watched. */
class HostProbe {
  private spec: ProbeSpec | undefined;
  private t = { request: NaN, engine: NaN, emit: NaN, sent: NaN };

  wrap(inner: Dispatcher): Dispatcher {
    return {
      request: (channel, input) => {
        if (this.spec?.request === channel && Number.isNaN(this.t.request)) this.t.request = epoch();
        return inner.request(channel, input);
      },
      // The WebSocket host's listener serialises and writes the event; the instant after it is "sent".
      onEvent: (listener) =>
        inner.onEvent((channel, data) => {
          listener(channel, data);
          if (this.spec && Number.isNaN(this.t.sent) && !Number.isNaN(this.t.emit) && this.spec.emit(channel, data))
            this.t.sent = epoch();
        }),
      close: () => inner.close(),
    };
  }

  /** Registered on the host before the dispatcher, so it sees each event first. */
  listen(channel: EventChannel, data: unknown): void {
    const s = this.spec;
    if (!s) return;
    if (s.engine && Number.isNaN(this.t.engine) && s.engine(channel, data)) this.t.engine = epoch();
    if (Number.isNaN(this.t.emit) && s.emit(channel, data)) this.t.emit = epoch();
  }

  arm(spec: ProbeSpec): void {
    this.spec = spec;
    this.t = { request: NaN, engine: NaN, emit: NaN, sent: NaN };
  }

  read() {
    const t = { ...this.t };
    this.spec = undefined;
    return t;
  }
}

function memoryKeychain(): Keychain {
  const keys = new Map<string, ApiCredentials>();
  return {
    name: 'bench keychain (memory)',
    get: async (env) => keys.get(env),
    set: async (env, creds) => void keys.set(env, creds),
    delete: async (env) => keys.delete(env),
    environments: async () => [...keys.keys()].sort(),
  };
}

function quietCandles(fake: FakeBinance, boundary: number) {
  const prices: Record<string, number> = {};
  const lastOpen: Record<string, number> = {};
  for (const symbol of SYMBOLS) {
    const history: Candle[] = [];
    let p = START[symbol]!;
    for (let i = 30; i >= 1; i--) {
      const close = +(p * (1 + Math.sin(i * 1.7 + symbol.length) * 0.0008)).toFixed(2);
      const openTime = boundary - i * FIVE_MIN;
      history.push(candle(symbol, openTime, p, close));
      p = close;
    }
    prices[symbol] = p;
    lastOpen[symbol] = boundary - FIVE_MIN;
    fake.addHistory(symbol, '5m', history);
    fake.setPrice(symbol, p);
  }
  // Quiet closes drift down by the spike over one cycle, alternating +-JITTER: sigma is small but
  // not zero, the spike's return is ~100 sigma (every set's threshold is <= 7).
  const drift = -Math.log(SPIKE) / (LOOKBACK + 1);
  let step = 0;
  /** A just-closed candle of `symbol` closing at `close` (or a quiet step when omitted). */
  const next = (symbol: string, close?: number): Candle => {
    const open = prices[symbol]!;
    const c = close ?? +(open * Math.exp(drift + (step++ % 2 === 0 ? JITTER : -JITTER))).toFixed(2);
    const openTime = Math.max(Date.now() - FIVE_MIN, lastOpen[symbol]! + 1);
    lastOpen[symbol] = openTime;
    prices[symbol] = c;
    return candle(symbol, openTime, open, c);
  };
  return { prices, next };
}

function candle(symbol: string, openTime: number, open: number, close: number): Candle {
  return {
    symbol,
    interval: '5m',
    openTime,
    closeTime: openTime + FIVE_MIN - 1,
    open,
    high: Math.max(open, close),
    low: Math.min(open, close),
    close,
    volume: 1,
  };
}

async function until(what: string, test: () => boolean, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!test()) {
    if (performance.now() > deadline) throw new Error(`ui bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function hasReservation(data: unknown, symbol: string): boolean {
  const d = data as { reservations?: Array<{ symbol: string }> };
  return Array.isArray(d.reservations) && d.reservations.some((r) => r.symbol === symbol);
}

function reservationState(data: unknown, symbol: string): string | undefined {
  return (data as { reservations: Array<{ symbol: string; state: string }> }).reservations.find(
    (r) => r.symbol === symbol,
  )?.state;
}

function logLine(channel: EventChannel, data: unknown, symbol: string, prefix: string): boolean {
  const d = data as { symbol?: string | null; text?: string };
  return channel === 'log.line' && d.symbol === symbol && (d.text ?? '').startsWith(prefix);
}

export async function measureUi(options: UiOptions): Promise<UiReport> {
  const log = options.log ?? (() => undefined);
  const started = performance.now();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tranche-ui-bench-'));
  const hostLog: string[] = [];
  const pageErrors: string[] = [];
  let fake: FakeBinance | undefined;
  let host: TradingHost | undefined;
  let ws: WsHost | undefined;
  let browser: Browser | undefined;
  try {
    if (!existsSync(path.join(RENDERER_OUT, 'index.html'))) throw new Error('out/renderer is missing: build it first');
    fake = await startFakeBinance({ symbols: [...SYMBOLS] });
    const boundary = Math.floor(Date.now() / FIVE_MIN) * FIVE_MIN;
    const market = quietCandles(fake, boundary);
    host = new TradingHost({
      dataDir,
      keychain: memoryKeychain(),
      env: new EnvSecretStore({}),
      market: { restBaseUrl: fake.restUrl, wsBaseUrl: fake.wsUrl },
      log: (m) => hostLog.push(m),
    });
    const probe = new HostProbe();
    host.onEvent((channel, data) => probe.listen(channel, data));
    const dispatcher = probe.wrap(
      createDispatcher({ handlers: host.handlers(), events: host, log: (m) => hostLog.push(m) }),
    );
    ws = await startWsHost({ dispatcher, rendererDir: RENDERER_OUT });
    browser = await chromium.launch({
      headless: true,
      ...(existsSync(DEBIAN_CHROMIUM) ? { executablePath: DEBIAN_CHROMIUM } : {}),
      args: CHROMIUM_ARGS,
    });
    /** A fresh context (nothing cached); `watch`: a change the page times from its first instant. */
    const openContext = async (watch?: PageWatch): Promise<{ context: BrowserContext; page: Page }> => {
      const context = await browser!.newContext({ viewport: VIEWPORT });
      await context.addInitScript({
        content: watch ? `${PAGE_PROBE}\nwindow.__bench.arm(${JSON.stringify(watch)});` : PAGE_PROBE,
      });
      const page = await context.newPage();
      page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
      });
      return { context, page };
    };

    /** Times one change from `act` to what `waitFor` waits for, with the probe's instants. */
    const timed = async (
      page: Page,
      spec: ProbeSpec,
      act: () => unknown,
      waitFor: () => Promise<unknown>,
    ): Promise<Instants> => {
      probe.arm(spec);
      await page.evaluate(`window.__bench.arm(${JSON.stringify(spec.page)})`);
      const start = epoch();
      await act();
      await waitFor();
      const seen = epoch();
      const h = probe.read();
      const p = (await page.evaluate('window.__bench.read()')) as PageInstants;
      const or = (v: number) => (v > 0 ? v : NaN);
      return {
        start,
        click: or(p.click),
        msg: or(p.msg),
        dom: or(p.dom),
        frame: or(p.frame),
        ...h,
        seen,
      };
    };
    const segments = (samples: Instants[], parts: Array<[string, keyof Instants, keyof Instants]>): Segments =>
      Object.fromEntries(parts.map(([name, a, b]) => [name, stats(samples.map((s) => s[b] - s[a]))]));

    // ---- time to interactive: cold loads ----
    const loads: Array<{
      connected: number;
      engineState: number;
      nav: Record<string, number>;
      page: PageInstants;
      fetched: string[];
    }> = [];
    let main: { context: BrowserContext; page: Page } | undefined;
    for (let i = 0; i < Math.max(1, options.loads); i++) {
      const c = await openContext({
        selector: '[data-testid="connection-status"]',
        present: true,
        text: 'Connected to host',
        msg: [],
      });
      const fetched: string[] = [];
      let connected = false;
      c.page.on('request', (r) => {
        const u = new URL(r.url());
        if (!connected && u.origin === ws!.origin)
          fetched.push(u.pathname === '/' ? 'index.html' : u.pathname.slice(1));
      });
      const t0 = performance.now();
      await c.page.goto(ws.url, { waitUntil: 'commit' });
      await c.page
        .getByTestId('connection-status')
        .filter({ hasText: 'Connected to host' })
        .waitFor({ timeout: WAIT_MS });
      const tConnected = performance.now() - t0;
      connected = true;
      await c.page.getByTestId('engine-state').filter({ hasText: 'Stopped' }).waitFor({ timeout: WAIT_MS });
      const tState = performance.now() - t0;
      const nav = (await c.page.evaluate(
        `(() => { const n = performance.getEntriesByType('navigation')[0]; return { responseEnd: n.responseEnd, domContentLoaded: n.domContentLoadedEventEnd }; })()`,
      )) as Record<string, number>;
      const inPage = (await c.page.evaluate('window.__bench.read()')) as PageInstants;
      loads.push({ connected: tConnected, engineState: tState, nav, page: inPage, fetched });
      if (i < options.loads - 1) await c.context.close();
      else main = c;
    }
    const page = main!.page;
    const browserVersion = browser.version();
    log(`  ui: ${loads.length} page load(s) timed`);

    // ---- the floor of the method: waitFor on something already shown ----
    const floor: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      await page.getByTestId('connection-status').waitFor();
      floor.push(performance.now() - t0);
    }

    // ---- start -> Running ----
    await page.getByTestId('nav-trading').click();
    const engineState = page.getByTestId('engine-state');
    const startSamples: Instants[] = [];
    const stopMs: number[] = [];
    const runs = Math.max(1, options.starts);
    for (let r = 0; r < runs; r++) {
      await page.locator('[data-testid="start-paper"]:enabled').waitFor({ timeout: WAIT_MS });
      await sleep(50);
      startSamples.push(
        await timed(
          page,
          {
            request: 'engine.start',
            emit: (ch, d) => ch === 'engine.state' && (d as { state?: string }).state === 'running',
            page: {
              selector: '[data-testid="engine-state"]',
              present: true,
              text: 'Running',
              msg: ['"engine.state"', '"state":"running"'],
            },
          },
          () => page.getByTestId('start-paper').click(),
          () => engineState.filter({ hasText: 'Running' }).waitFor({ timeout: WAIT_MS }),
        ),
      );
      for (const s of SYMBOLS) {
        await fake.waitForSubscriber(`${s.toLowerCase()}@kline_5m`, WAIT_MS);
        await fake.waitForSubscriber(`${s.toLowerCase()}@trade`, WAIT_MS);
      }
      if (r === runs - 1) break;
      await page.locator('[data-testid="stop"]:enabled').waitFor({ timeout: WAIT_MS });
      await sleep(50);
      const t0 = performance.now();
      await page.getByTestId('stop').click();
      await engineState.filter({ hasText: 'Stopped' }).waitFor({ timeout: WAIT_MS });
      stopMs.push(performance.now() - t0);
    }
    log(`  ui: ${runs} start(s) timed`);

    // ---- signal -> reservation on the screen, take-profit -> reservation gone ----
    await page.getByTestId('nav-allocations').click();
    await page.getByTestId('allocation-bar').waitFor({ timeout: WAIT_MS });
    const signalSamples: Instants[] = [];
    const releaseSamples: Instants[] = [];
    const firstShownAs: Record<string, number> = {};
    const total = options.warmupSignals + options.signals;
    for (let i = 0; i < total; i++) {
      const symbol = SYMBOLS[i % SYMBOLS.length]!;
      const reservation = page.getByTestId(`reservation-${symbol}`);
      // Quiet candles until the last spike of this symbol has left the window; wait until the
      // engine has them (the host's chart memory holds the last close), then a short idle.
      let last = NaN;
      for (let q = 0; q <= LOOKBACK; q++) {
        const c = market.next(symbol);
        last = c.close;
        fake.pushCandle(symbol, '5m', c);
      }
      await until(`the quiet candles of ${symbol}`, () => host!.chart(symbol, 1).candles[0]?.close === last);
      await sleep(20);

      const close = +(market.prices[symbol]! * SPIKE).toFixed(2);
      fake.pushTrade(symbol, close);
      const spike = market.next(symbol, close);
      let shownState: string | undefined;
      const appear = await timed(
        page,
        {
          engine: (ch, d) => logLine(ch, d, symbol, '💼 Reserved'),
          emit: (ch, d) => {
            if (ch !== 'allocations.changed' || !hasReservation(d, symbol)) return false;
            shownState ??= reservationState(d, symbol);
            return true;
          },
          page: {
            selector: `[data-testid="reservation-${symbol}"]`,
            present: true,
            msg: ['"allocations.changed"', `"symbol":"${symbol}"`],
          },
        },
        () => fake!.pushCandle(symbol, '5m', spike),
        () => reservation.waitFor({ state: 'visible', timeout: WAIT_MS }),
      );
      if (i >= options.warmupSignals) {
        signalSamples.push(appear);
        firstShownAs[shownState ?? 'unknown'] = (firstShownAs[shownState ?? 'unknown'] ?? 0) + 1;
      }

      // Protected by its OCO: a trade at the take-profit closes the position and releases the funds.
      await page.locator(`[data-testid="reservation-${symbol}"][data-state="protected"]`).waitFor({ timeout: WAIT_MS });
      const tp = Number(host.positionsList().find((p) => p.symbol === symbol)?.takeProfit);
      if (!(tp > 0)) throw new Error(`ui bench: signal ${i + 1} (${symbol}) left no take-profit`);
      const release = await timed(
        page,
        {
          engine: (ch, d) => logLine(ch, d, symbol, '💼 Released'),
          emit: (ch, d) => ch === 'allocations.changed' && !hasReservation(d, symbol),
          page: {
            selector: `[data-testid="reservation-${symbol}"]`,
            present: false,
            msg: ['"allocations.changed"'],
            msgNot: `"symbol":"${symbol}"`,
          },
        },
        () => fake!.pushTrade(symbol, +(tp * 1.001).toFixed(2)),
        () => reservation.waitFor({ state: 'detached', timeout: WAIT_MS }),
      );
      if (i >= options.warmupSignals) releaseSamples.push(release);
      if ((i + 1) % 10 === 0) log(`  ui: ${i + 1} of ${total} signals`);
    }

    const engineParts: Array<[string, keyof Instants, keyof Instants]> = [
      ['host: event -> allocations.changed emitted', 'engine', 'emit'],
      ['dispatcher check + serialise + write', 'emit', 'sent'],
      ['socket -> page message handler (two clocks)', 'sent', 'msg'],
      ['page: message -> DOM (Vue)', 'msg', 'dom'],
      ['page: DOM -> next animation frame', 'dom', 'frame'],
      ['frame -> waitFor resolved (Playwright)', 'frame', 'seen'],
    ];
    return {
      browser: `Chromium ${browserVersion}${existsSync(DEBIAN_CHROMIUM) ? ` (${DEBIAN_CHROMIUM})` : ''}`,
      viewport: VIEWPORT,
      waitForFloorMs: stats(floor),
      timeToInteractive: {
        loads: loads.length,
        gotoToConnectedMs: stats(loads.map((l) => l.connected)),
        gotoToEngineStateMs: stats(loads.map((l) => l.engineState)),
        inPageMs: {
          responseEnd: stats(loads.map((l) => l.nav.responseEnd!)),
          domContentLoaded: stats(loads.map((l) => l.nav.domContentLoaded!)),
          socketOpen: stats(loads.map((l) => (l.page.open ? l.page.open - l.page.origin : NaN))),
          connectedInDom: stats(loads.map((l) => (l.page.dom ? l.page.dom - l.page.origin : NaN))),
          connectedFrame: stats(loads.map((l) => (l.page.frame ? l.page.frame - l.page.origin : NaN))),
        },
        fetched: {
          files: loads[0]!.fetched,
          bytes: loads[0]!.fetched.reduce((a, f) => {
            const abs = path.join(RENDERER_OUT, f);
            return a + (existsSync(abs) ? statSync(abs).size : 0);
          }, 0),
        },
      },
      start: {
        runs: startSamples.length,
        clickToRunningMs: stats(startSamples.map((s) => s.seen - s.start)),
        inPageFrameMs: stats(startSamples.map((s) => s.frame - s.click)),
        segmentsMs: segments(startSamples, [
          ['click(): actionability + input -> click event', 'start', 'click'],
          ['page -> engine.start at the host', 'click', 'request'],
          ['host: start (ledger, warm-up, streams) -> running emitted', 'request', 'emit'],
          ...engineParts.slice(1),
        ]),
        clickToStoppedMs: stats(stopMs),
      },
      signalToPixels: {
        signals: signalSamples.length,
        warmupSignals: options.warmupSignals,
        totalMs: stats(signalSamples.map((s) => s.seen - s.start)),
        inPageFrameMs: stats(signalSamples.map((s) => s.frame - s.start)),
        firstShownAs,
        segmentsMs: segments(signalSamples, [
          ['exchange frame -> engine reserved (feed, signal, ledger)', 'start', 'engine'],
          ...engineParts,
        ]),
      },
      releaseToPixels: {
        totalMs: stats(releaseSamples.map((s) => s.seen - s.start)),
        inPageFrameMs: stats(releaseSamples.map((s) => s.frame - s.start)),
        segmentsMs: segments(releaseSamples, [
          ['exchange trade -> engine released (OCO fill, ledger)', 'start', 'engine'],
          ...engineParts,
        ]),
      },
      pageErrors,
      elapsedMs: performance.now() - started,
    };
  } catch (e) {
    if (hostLog.length) (e as Error).message += `\nhost log:\n${hostLog.slice(-20).join('\n')}`;
    throw e;
  } finally {
    await browser?.close().catch(() => undefined);
    await ws?.close().catch(() => undefined);
    await host?.close().catch(() => undefined);
    await fake?.close().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---- printing ---------------------------------------------------------------------------------

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const ms = (n: number) => (Number.isFinite(n) ? `${n.toFixed(1)} ms` : '-');

export function bundleLines(b: BundleReport): string[] {
  const row = (label: string, t: BundleTotals) =>
    `  ${label.padEnd(26)}${String(t.files).padStart(3)} files ${kb(t.bytes).padStart(12)}   gzip ${kb(t.gzipBytes).padStart(11)}`;
  return [
    `Renderer bundle (out/renderer; ${b.build.ran ? `built first in ${(b.build.ms / 1000).toFixed(1)} s: ${b.build.reason}` : b.build.reason}):`,
    row('total', b.total),
    row('initial load (index.html+)', b.initial),
    row('lazy chunks', b.lazy),
    `  largest: ${b.largest
      .slice(0, 4)
      .map((f) => `${f.file} ${kb(f.bytes)} (gzip ${kb(f.gzipBytes)}, ${f.load})`)
      .join('; ')}`,
  ];
}

export function uiLines(u: UiReport): string[] {
  const s3 = (s: Stats) => `p50 ${ms(s.p50)}, p95 ${ms(s.p95)}, max ${ms(s.max)}`;
  const seg = (segs: Segments) =>
    Object.entries(segs).map(
      ([name, s]) => `      ${name.padEnd(58)}${ms(s.p50).padStart(10)}${ms(s.p95).padStart(10)}`,
    );
  const t = u.timeToInteractive;
  const sig = u.signalToPixels;
  const shown = Object.entries(sig.firstShownAs)
    .map(([state, n]) => `${n} ${state}`)
    .join(', ');
  return [
    `UI to live state, ${u.browser}, headless, ${u.viewport.width}x${u.viewport.height} (${(u.elapsedMs / 1000).toFixed(1)} s):`,
    `  time to interactive, page.goto -> "Connected to host" (${t.loads} cold loads): median ${ms(t.gotoToConnectedMs.p50)}, max ${ms(t.gotoToConnectedMs.max)}`,
    `    in the page, median from navigation start: HTML ${ms(t.inPageMs.responseEnd.p50)}, DOMContentLoaded ${ms(t.inPageMs.domContentLoaded.p50)}, socket open ${ms(t.inPageMs.socketOpen.p50)}, "Connected" in the DOM ${ms(t.inPageMs.connectedInDom.p50)}, next frame ${ms(t.inPageMs.connectedFrame.p50)}`,
    `    engine state read from the host shown: median ${ms(t.gotoToEngineStateMs.p50)}; fetched ${t.fetched.files.length} files, ${kb(t.fetched.bytes)} (served uncompressed)`,
    `  click "Start paper" -> "Running" (${u.start.runs} starts): median ${ms(u.start.clickToRunningMs.p50)}, max ${ms(u.start.clickToRunningMs.max)} (in the page, click event -> frame: median ${ms(u.start.inPageFrameMs.p50)})${u.start.clickToStoppedMs.n ? `; "Stop" -> "Stopped": median ${ms(u.start.clickToStoppedMs.p50)}` : ''}`,
    `      ${'segment'.padEnd(58)}${'p50'.padStart(10)}${'p95'.padStart(10)}`,
    ...seg(u.start.segmentsMs),
    `  closed-candle signal -> reservation visible in Allocations (${sig.signals} signals after ${sig.warmupSignals} warm-up): ${s3(sig.totalMs)}`,
    `    to the frame in the page (no waitFor polling): ${s3(sig.inPageFrameMs)}; first shown as: ${shown}`,
    ...seg(sig.segmentsMs),
    `  take-profit trade -> reservation gone: ${s3(u.releaseToPixels.totalMs)}; to the frame in the page: ${s3(u.releaseToPixels.inPageFrameMs)}`,
    `  waitFor on an element already shown (the method's floor): median ${ms(u.waitForFloorMs.p50)}; waitFor polls at 0, 20, 70, 170, 270 ms, then every 500 ms`,
    ...(u.pageErrors.length ? [`  page errors: ${u.pageErrors.length} (first: ${u.pageErrors[0]})`] : []),
  ];
}
