// @vitest-environment happy-dom
/// <reference lib="dom" />
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { provideApi } from '../../renderer/src/api';
import { useEngineStore } from '../../renderer/src/stores/engine';
import { useParamsStore } from '../../renderer/src/stores/params';
import { ParamsView } from '../../renderer/src/views/ParamsView';
import { engineState, FakeApi, seededApi } from './fake-api';

let api: FakeApi;

async function mountForm(): Promise<VueWrapper> {
  const pinia = createPinia();
  setActivePinia(pinia);
  const wrapper = mount(ParamsView, { global: { plugins: [pinia] }, attachTo: document.body });
  await useParamsStore().refresh();
  await flushPromises();
  return wrapper;
}

const byTestId = (w: VueWrapper, id: string) => w.find(`[data-testid="${id}"]`);

async function type(w: VueWrapper, row: number, field: string, value: string): Promise<void> {
  await byTestId(w, `params-field-${row}-${field}`).setValue(value);
}

beforeEach(() => {
  document.body.innerHTML = '';
  api = seededApi();
  provideApi(api);
});

describe('parameter set form', () => {
  it('shows the seed sets, no errors, a 99.9% gauge and an enabled Save', async () => {
    const w = await mountForm();
    expect(w.findAll('[data-testid^="params-row-"]')).toHaveLength(3);
    expect((byTestId(w, 'params-field-1-symbol').element as HTMLInputElement).value).toBe('BNBUSDT');
    expect(byTestId(w, 'params-sum').text()).toContain('99.9%');
    expect(byTestId(w, 'params-sum').attributes('data-over')).toBe('false');
    expect(byTestId(w, 'params-error').exists()).toBe(false);
    expect(byTestId(w, 'params-save').attributes('disabled')).toBeUndefined();
    expect(byTestId(w, 'params-running-note').exists()).toBe(false);
  });

  it('turns the gauge red above 100% and disables Save; fixing it re-enables Save', async () => {
    const w = await mountForm();
    await type(w, 0, 'allocationPercent', '50');
    const gauge = byTestId(w, 'params-sum');
    expect(gauge.text()).toContain('116.6%');
    expect(gauge.text()).toContain('16.6% over');
    expect(gauge.classes()).toContain('gauge-over');
    expect(gauge.attributes('data-over')).toBe('true');
    expect(byTestId(w, 'params-save').attributes('disabled')).toBeDefined();
    expect(byTestId(w, 'params-error').text()).toContain('enabled allocations sum to 116.6%, above 100%');

    await type(w, 0, 'allocationPercent', '30');
    expect(byTestId(w, 'params-sum').attributes('data-over')).toBe('false');
    expect(byTestId(w, 'params-sum').text()).toContain('96.6%');
    expect(byTestId(w, 'params-error').exists()).toBe(false);
    expect(byTestId(w, 'params-save').attributes('disabled')).toBeUndefined();
  });

  it('disabling a set takes it out of the sum', async () => {
    const w = await mountForm();
    await type(w, 0, 'allocationPercent', '50');
    expect(byTestId(w, 'params-save').attributes('disabled')).toBeDefined();
    await byTestId(w, 'params-field-2-enabled').setValue(false);
    expect(byTestId(w, 'params-sum').text()).toContain('83.3%');
    expect(byTestId(w, 'params-save').attributes('disabled')).toBeUndefined();
  });

  it('shows field range errors next to the field', async () => {
    const w = await mountForm();
    await type(w, 1, 'stopLossPercent', '100');
    await type(w, 2, 'zScoreThreshold', '');
    await type(w, 0, 'lookback', '2.5');
    expect(byTestId(w, 'params-error-1-stopLossPercent').text()).toBe('Must be less than 100');
    expect(byTestId(w, 'params-error-2-zScoreThreshold').text()).toBe('Required');
    expect(byTestId(w, 'params-error-0-lookback').text()).toBe('Must be a whole number');
    expect(byTestId(w, 'params-field-1-stopLossPercent').attributes('aria-invalid')).toBe('true');
    expect(byTestId(w, 'params-field-1-stopLossPercent').attributes('aria-describedby')).toBe(
      'params-1-stopLossPercent-error',
    );
    expect(byTestId(w, 'params-error').text()).toContain('Set 2 (BNBUSDT) · Stop loss %: Must be less than 100');
    expect(byTestId(w, 'params-save').attributes('disabled')).toBeDefined();

    await type(w, 1, 'stopLossPercent', '3');
    expect(byTestId(w, 'params-error-1-stopLossPercent').exists()).toBe(false);
    expect(byTestId(w, 'params-field-1-stopLossPercent').attributes('aria-invalid')).toBe('false');
  });

  it('flags a duplicate symbol and an unknown one', async () => {
    const w = await mountForm();
    await type(w, 2, 'symbol', 'btcusdt');
    expect((byTestId(w, 'params-field-2-symbol').element as HTMLInputElement).value).toBe('BTCUSDT');
    expect(byTestId(w, 'params-error-2-symbol').text()).toBe('BTCUSDT repeats set 1: one parameter set per symbol');
    expect(byTestId(w, 'params-save').attributes('disabled')).toBeDefined();

    await type(w, 2, 'symbol', 'FOOBARUSDT');
    expect(byTestId(w, 'params-error-2-symbol').text()).toBe('FOOBARUSDT is not traded on the exchange');
    expect(byTestId(w, 'params-save').attributes('disabled')).toBeDefined();

    await type(w, 2, 'symbol', 'SOLUSDT');
    expect(byTestId(w, 'params-error-2-symbol').exists()).toBe(false);
    expect(byTestId(w, 'params-save').attributes('disabled')).toBeUndefined();
  });

  it('adds, removes and saves; says that changes apply to new entries while the engine runs', async () => {
    api.handle('params.save', () => ({ saved: true, problems: [], appliesToNewEntriesOnly: true }));
    const w = await mountForm();
    useEngineStore().state = engineState({ state: 'running', mode: 'paper' });
    await flushPromises();
    expect(byTestId(w, 'params-running-note').text()).toContain('apply to new entries only');

    await byTestId(w, 'params-remove-2').trigger('click');
    await byTestId(w, 'add-set').trigger('click');
    expect(w.findAll('[data-testid^="params-row-"]')).toHaveLength(3);
    expect((byTestId(w, 'params-field-2-allocationPercent').element as HTMLInputElement).value).toBe('33.4');
    expect(byTestId(w, 'params-error-2-symbol').text()).toBe('Required');
    expect(byTestId(w, 'params-save').attributes('disabled')).toBeDefined();
    await type(w, 2, 'symbol', 'XRPUSDT');
    expect(byTestId(w, 'params-dirty').exists()).toBe(true);
    await byTestId(w, 'params-save').trigger('click');
    await flushPromises();
    expect(api.callsOf('params.save')[0]!.sets.map((s) => (s as { symbol: string }).symbol)).toEqual([
      'BTCUSDT',
      'BNBUSDT',
      'XRPUSDT',
    ]);
    expect(byTestId(w, 'params-dirty').exists()).toBe(false);
  });
});
