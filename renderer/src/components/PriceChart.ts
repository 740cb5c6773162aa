import {
  CandlestickSeries,
  createChart,
  LineSeries,
  type AutoscaleInfo,
  type IChartApi,
  type IPriceLine,
  type ISeriesApi,
  type UTCTimestamp,
} from 'lightweight-charts';
import { defineComponent, h, onBeforeUnmount, onMounted, ref, watch } from 'vue';
import type { ChartDto } from '../../../shared/ipc/contract';
import { KLINE_INTERVALS, type KlineInterval } from '../../../shared/market/intervals';
import { useApi } from '../api';
import { usePositionsStore } from '../stores/positions';
import { useUiStore } from '../stores/ui';
import { baseOptions, chartColors, chartCredit, DASHED, DOTTED, pricePrecision } from './charts';

/**
 * One symbol: candles with the position's entry, take-profit and stop-loss as price lines, and the
 * z-score with its entry and exit thresholds in a pane underneath. Live: `price` events move the
 * last candle, `signal` events the last z-score; the whole chart reloads every minute.
 */
export const PriceChart = defineComponent({
  name: 'PriceChart',
  props: { symbol: { type: String, required: true } },
  setup(props) {
    const api = useApi();
    const positions = usePositionsStore();
    const ui = useUiStore();
    const el = ref<HTMLElement | null>(null);
    const message = ref<string | null>('Loading…');
    /** The position's lines drawn, in words (the chart's accessible name; the canvas has none). */
    const levelsText = ref('');
    let chart: IChartApi | null = null;
    let candles: ISeriesApi<'Candlestick'> | null = null;
    let zLine: ISeriesApi<'Line'> | null = null;
    let lines: { series: ISeriesApi<'Candlestick'> | ISeriesApi<'Line'>; line: IPriceLine }[] = [];
    let data: ChartDto | null = null;
    let reloadTimer: ReturnType<typeof setInterval> | undefined;
    const offs: (() => void)[] = [];

    function build(): void {
      if (!el.value) return;
      chart?.remove();
      const c = chartColors();
      chart = createChart(el.value, baseOptions(c));
      candles = chart.addSeries(CandlestickSeries, {
        upColor: c.up,
        downColor: c.down,
        borderVisible: false,
        wickUpColor: c.up,
        wickDownColor: c.down,
      });
      zLine = chart.addSeries(
        LineSeries,
        { color: c.accent, lineWidth: 1, priceFormat: { type: 'price', precision: 2, minMove: 0.01 }, title: 'z' },
        1,
      );
      const panes = chart.panes();
      panes[0]?.setStretchFactor(3);
      panes[1]?.setStretchFactor(1);
      lines = [];
      if (data) apply(data, true);
    }

    function apply(d: ChartDto, fit: boolean): void {
      if (!chart || !candles || !zLine) return;
      const c = chartColors();
      const last = d.candles.at(-1)?.close ?? 0;
      const precision = pricePrecision(last);
      candles.applyOptions({ priceFormat: { type: 'price', precision, minMove: 1 / 10 ** precision } });
      candles.setData(d.candles.map((k) => ({ ...k, time: k.time as UTCTimestamp })));
      zLine.setData(d.zscores.map((z) => ({ ...z, time: z.time as UTCTimestamp })));
      for (const l of lines) l.series.removePriceLine(l.line);
      lines = [];
      const add = (
        series: ISeriesApi<'Candlestick'> | ISeriesApi<'Line'>,
        price: number,
        color: string,
        title: string,
        dotted = false,
      ) =>
        lines.push({
          series,
          line: series.createPriceLine({
            price,
            color,
            lineWidth: 1,
            lineStyle: dotted ? DOTTED : DASHED,
            axisLabelVisible: true,
            title,
          }),
        });
      // Keep the take-profit and stop-loss in view even when the price is far from them.
      const levels = d.position
        ? [d.position.entry, d.position.takeProfit, d.position.stopLoss].filter((v): v is number => v !== null)
        : [];
      candles.applyOptions({
        autoscaleInfoProvider: (original: () => AutoscaleInfo | null) => {
          const base = original();
          if (!base?.priceRange || levels.length === 0) return base;
          return {
            ...base,
            priceRange: {
              minValue: Math.min(base.priceRange.minValue, ...levels),
              maxValue: Math.max(base.priceRange.maxValue, ...levels),
            },
          };
        },
      });
      if (d.position) {
        add(candles, d.position.entry, c.accent, 'Entry');
        if (d.position.takeProfit !== null) add(candles, d.position.takeProfit, c.up, 'TP');
        if (d.position.stopLoss !== null) add(candles, d.position.stopLoss, c.down, 'SL');
      }
      levelsText.value = d.position
        ? `: entry ${d.position.entry}` +
          (d.position.takeProfit !== null ? `, take-profit ${d.position.takeProfit}` : '') +
          (d.position.stopLoss !== null ? `, stop-loss ${d.position.stopLoss}` : '')
        : '';
      add(zLine, d.threshold, c.up, 'Buy', true);
      add(zLine, d.exitThreshold, c.down, 'Exit', true);
      if (fit) chart.timeScale().fitContent();
    }

    async function load(fit: boolean): Promise<void> {
      const r = await positions.fetchChart(props.symbol);
      if (typeof r === 'string') {
        message.value = `Chart unavailable: ${r}`;
        return;
      }
      data = r;
      message.value = r.candles.length === 0 ? 'No candles yet.' : null;
      apply(r, fit);
    }

    function intervalSec(): number {
      const ms = data ? KLINE_INTERVALS[data.interval as KlineInterval] : undefined;
      return ms ? ms / 1000 : 300;
    }

    onMounted(() => {
      build();
      void load(true);
      reloadTimer = setInterval(() => void load(false), 60_000);
      offs.push(
        api.on('price', (p) => {
          if (p.symbol !== props.symbol || !data || !candles) return;
          const price = Number(p.price);
          const t = Math.floor(Date.parse(p.time) / 1000);
          const iv = intervalSec();
          const bucket = Math.floor(t / iv) * iv;
          const last = data.candles.at(-1);
          if (!last || bucket < last.time) return;
          if (bucket === last.time) {
            last.close = price;
            last.high = Math.max(last.high, price);
            last.low = Math.min(last.low, price);
            candles.update({ ...last, time: last.time as UTCTimestamp });
          } else {
            const next = { time: bucket, open: price, high: price, low: price, close: price };
            data.candles.push(next);
            candles.update({ ...next, time: bucket as UTCTimestamp });
          }
        }),
        api.on('signal', (s) => {
          if (s.symbol !== props.symbol || !data || !zLine) return;
          const iv = intervalSec();
          const t = Math.floor(Math.floor(Date.parse(s.time) / 1000) / iv) * iv;
          const last = data.zscores.at(-1);
          if (last && t < last.time) return;
          if (last && t === last.time) last.value = s.value;
          else data.zscores.push({ time: t, value: s.value });
          zLine.update({ time: t as UTCTimestamp, value: s.value });
        }),
      );
    });

    watch(
      () => props.symbol,
      () => {
        data = null;
        message.value = 'Loading…';
        build();
        void load(true);
      },
    );
    watch(
      () => ui.resolved,
      () => build(),
      { flush: 'post' },
    );
    // Position changes (a new OCO, an exit, a take-profit or stop moved by hand) move the price lines.
    watch(
      () => {
        const p = positions.list.find((x) => x.symbol === props.symbol);
        return p ? `${p.ocoState}|${p.takeProfit}|${p.stopLoss}` : '';
      },
      () => void load(false),
    );

    onBeforeUnmount(() => {
      clearInterval(reloadTimer);
      for (const off of offs) off();
      chart?.remove();
      chart = null;
    });

    return () =>
      h('div', { class: 'chart-wrap', 'data-testid': `chart-${props.symbol}` }, [
        h('div', {
          ref: el,
          class: 'chart chart-price',
          'aria-label': `${props.symbol} price and z-score chart${levelsText.value}`,
          role: 'img',
        }),
        message.value ? h('div', { class: 'chart-message muted' }, message.value) : null,
        chartCredit(),
      ]);
  },
});
