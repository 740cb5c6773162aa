import { AreaSeries, createChart, type IChartApi, type ISeriesApi, type UTCTimestamp } from 'lightweight-charts';
import { defineComponent, h, onBeforeUnmount, onMounted, ref, watch, type PropType } from 'vue';
import type { HistoryDto } from '../../../shared/ipc/contract';
import { useUiStore } from '../stores/ui';
import { baseOptions, chartColors, chartCredit } from './charts';

/** The equity curve: total balance after each closed trade. */
export const EquityChart = defineComponent({
  name: 'EquityChart',
  props: { points: { type: Array as PropType<HistoryDto['equity']>, required: true } },
  setup(props) {
    const ui = useUiStore();
    const el = ref<HTMLElement | null>(null);
    let chart: IChartApi | null = null;
    let series: ISeriesApi<'Area'> | null = null;

    /** One point per second at most (the chart needs strictly increasing times): the last one wins. */
    function toData(points: HistoryDto['equity']) {
      const bySecond = new Map<number, number>();
      for (const p of points) bySecond.set(Math.floor(Date.parse(p.time) / 1000), Number(p.equity));
      return [...bySecond.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([time, value]) => ({ time: time as UTCTimestamp, value }));
    }

    function build(): void {
      if (!el.value) return;
      chart?.remove();
      const c = chartColors();
      chart = createChart(el.value, { ...baseOptions(c), handleScroll: false, handleScale: false });
      series = chart.addSeries(AreaSeries, {
        lineColor: c.accent,
        topColor: `${c.accent}55`,
        bottomColor: `${c.accent}05`,
        lineWidth: 2,
        priceFormat: { type: 'price', precision: 2, minMove: 0.01 },
      });
      series.setData(toData(props.points));
      chart.timeScale().fitContent();
    }

    onMounted(build);
    watch(
      () => props.points,
      (p) => {
        series?.setData(toData(p));
        chart?.timeScale().fitContent();
      },
    );
    watch(() => ui.resolved, build, { flush: 'post' });
    onBeforeUnmount(() => {
      chart?.remove();
      chart = null;
    });

    return () =>
      h('div', { class: 'chart-wrap' }, [
        h('div', { ref: el, class: 'chart chart-equity', role: 'img', 'aria-label': 'Equity curve' }),
        chartCredit(),
      ]);
  },
});
