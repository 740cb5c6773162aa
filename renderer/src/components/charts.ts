import { ColorType, LineStyle, type DeepPartial, type ChartOptions } from 'lightweight-charts';

/** Colours for the charts, read from the theme's CSS variables so they follow light and dark. */
export function chartColors() {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    bg: v('--surface', '#ffffff'),
    text: v('--text-muted', '#5b6472'),
    grid: v('--grid', '#eef0f3'),
    border: v('--border', '#d8dce3'),
    up: v('--pos', '#1a7f4b'),
    down: v('--neg', '#c0392b'),
    accent: v('--accent', '#2f6fde'),
    warn: v('--warn', '#b7791f'),
  };
}

export type ChartColors = ReturnType<typeof chartColors>;

export function baseOptions(c: ChartColors): DeepPartial<ChartOptions> {
  return {
    autoSize: true,
    layout: {
      background: { type: ColorType.Solid, color: c.bg },
      textColor: c.text,
      fontSize: 11,
      fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
      // The logo injects a <style> element, which the page's CSP refuses; the attribution the
      // licence asks for is the ChartCredit line under each chart instead.
      attributionLogo: false,
      panes: { separatorColor: c.border, separatorHoverColor: c.border, enableResize: true },
    },
    grid: { vertLines: { color: c.grid }, horzLines: { color: c.grid } },
    rightPriceScale: { borderColor: c.border },
    timeScale: { borderColor: c.border, timeVisible: true, secondsVisible: false },
    crosshair: { horzLine: { labelBackgroundColor: c.accent }, vertLine: { labelBackgroundColor: c.accent } },
  };
}

export const DASHED = LineStyle.Dashed;
export const DOTTED = LineStyle.Dotted;

/** Decimals for a price scale: 2 for BTC-sized prices, more for cheap coins. */
export function pricePrecision(price: number): number {
  if (!(price > 0)) return 2;
  if (price >= 100) return 2;
  if (price >= 1) return 4;
  if (price >= 0.01) return 6;
  return 8;
}

/** The attribution notice and link that lightweight-charts' licence (Apache 2.0 NOTICE) asks for. */
