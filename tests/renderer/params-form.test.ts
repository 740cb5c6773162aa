// @vitest-environment happy-dom
/// <reference lib="dom" />
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { provideApi } from '../../renderer/src/api';
import { useEngineStore } from '../../renderer/src/stores/engine';
import { useNotificationsStore } from '../../renderer/src/stores/notifications';
import { useParamsStore } from '../../renderer/src/stores/params';
import ParamsView from '../../renderer/src/views/ParamsView.vue';
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
/** An element's text with its runs of white space as one space, as it reads. */
const words = (w: VueWrapper, id: string) => byTestId(w, id).text().replace(/\s+/g, ' ');

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
    expect(byTestId(w, 'params-error').text()).toContain('The enabled allocations add up to 116.6%, above 100%');

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

  it("over 100%, highlights every enabled set's allocation and names the sum in words", async () => {
    const w = await mountForm();
    const box = (row: number) => byTestId(w, `params-field-${row}-allocationPercent`).element.closest('.field')!;
    expect([0, 1, 2].map((row) => box(row).getAttribute('data-over'))).toEqual(['false', 'false', 'false']);
    expect(box(0).classList.contains('field-invalid')).toBe(false);

    await byTestId(w, 'params-field-2-enabled').setValue(false);
    await type(w, 0, 'allocationPercent', '79.2');
    expect(byTestId(w, 'params-sum').attributes('data-over')).toBe('true');
    // The enabled sets (1 and 2) are highlighted; the disabled one does not count and is not.
    expect([0, 1, 2].map((row) => box(row).getAttribute('data-over'))).toEqual(['true', 'true', 'false']);
    expect(box(0).classList.contains('field-invalid')).toBe(true);
    expect(box(1).classList.contains('field-invalid')).toBe(true);
    expect(box(2).classList.contains('field-invalid')).toBe(false);
    expect(byTestId(w, 'params-field-1-allocationPercent').attributes('aria-invalid')).toBe('true');
    expect(byTestId(w, 'params-field-1-allocationPercent').attributes('aria-describedby')).toBe('params-sum-text');
    // Only the other fields' own errors sit next to them: the sum is one problem, above the sets.
    expect(byTestId(w, 'params-error-0-allocationPercent').exists()).toBe(false);

    const problems = byTestId(w, 'params-error').text();
    expect(problems).toContain(
      'The enabled allocations add up to 112.5%, above 100% (BTCUSDT 79.2% + BNBUSDT 33.3%): lower an allocation or disable a set',
    );
    expect(problems).not.toContain('allocationPercent');
    expect(w.text()).not.toContain('allocationPercent');

    await type(w, 0, 'allocationPercent', '60');
    expect([0, 1, 2].map((row) => box(row).getAttribute('data-over'))).toEqual(['false', 'false', 'false']);
    expect(box(0).classList.contains('field-invalid')).toBe(false);
    expect(byTestId(w, 'params-field-1-allocationPercent').attributes('aria-describedby')).toBeUndefined();
  });

  it('words a set without a symbol in the sum, and a range error of an allocation without its field name', async () => {
    const w = await mountForm();
    await type(w, 1, 'symbol', '');
    await type(w, 1, 'allocationPercent', '90');
    expect(byTestId(w, 'params-error').text()).toContain('(BTCUSDT 33.3% + set 2 90% + ETHUSDT 33.3%)');
    await type(w, 2, 'allocationPercent', '0');
    expect(byTestId(w, 'params-error-2-allocationPercent').text()).toBe('Must be at least 0.01');
    expect(byTestId(w, 'params-error').text()).toContain('Set 3 (ETHUSDT) · Allocation %: Must be at least 0.01');
    expect(w.text()).not.toContain('allocationPercent');
  });

  it('puts a removed set back at its place, with its values, until the next removal or save', async () => {
    api.handle('params.save', () => ({ saved: true, problems: [], appliesToNewEntriesOnly: false }));
    const w = await mountForm();
    expect(byTestId(w, 'params-undo').exists()).toBe(false);
    await type(w, 1, 'profitPercent', '7.5');
    await byTestId(w, 'params-field-1-enabled').setValue(false);

    await byTestId(w, 'params-remove-1').trigger('click');
    await flushPromises();
    expect(w.findAll('[data-testid^="params-row-"]')).toHaveLength(2);
    expect(words(w, 'params-undo')).toBe('Removed BNBUSDT · Undo');
    // Where the set was, between the first and the (now) second card; focus on Undo.
    const list = w.find('.set-list').element.children;
    expect(list[1]!.getAttribute('data-testid')).toBe('params-undo');
    expect(document.activeElement?.getAttribute('data-testid')).toBe('params-undo-button');

    await byTestId(w, 'params-undo-button').trigger('click');
    await flushPromises();
    expect(byTestId(w, 'params-undo').exists()).toBe(false);
    expect(w.findAll('[data-testid^="params-row-"]').map((r) => r.attributes('aria-label'))).toEqual([
      'Parameter set 1 BTCUSDT',
      'Parameter set 2 BNBUSDT',
      'Parameter set 3 ETHUSDT',
    ]);
    expect((byTestId(w, 'params-field-1-profitPercent').element as HTMLInputElement).value).toBe('7.5');
    expect((byTestId(w, 'params-field-1-enabled').element as HTMLInputElement).checked).toBe(false);
    expect(document.activeElement?.id).toBe('params-1-symbol');

    // A second removal replaces the first: only the last one can be undone.
    await byTestId(w, 'params-remove-0').trigger('click');
    await byTestId(w, 'params-remove-1').trigger('click');
    expect(words(w, 'params-undo')).toBe('Removed ETHUSDT · Undo');
    await byTestId(w, 'params-undo-button').trigger('click');
    expect(w.findAll('[data-testid^="params-row-"]').map((r) => r.attributes('aria-label'))).toEqual([
      'Parameter set 1 BNBUSDT',
      'Parameter set 2 ETHUSDT',
    ]);

    // Saving ends it.
    await byTestId(w, 'params-remove-1').trigger('click');
    expect(byTestId(w, 'params-undo').exists()).toBe(true);
    await byTestId(w, 'params-save').trigger('click');
    await flushPromises();
    expect(api.callsOf('params.save')).toHaveLength(1);
    expect(byTestId(w, 'params-undo').exists()).toBe(false);
  });

  it('names the line and column when an imported file is not JSON', async () => {
    api.handle('params.import', () => ({
      sets: [],
      problems: [
        { path: '(root)', message: "not valid JSON at line 3, column 14: Expected ',' or '}' after property value" },
      ],
    }));
    const w = await mountForm();
    expect(await useParamsStore().importJson('{\n  "parameterSets": [\n    {"symbol" "BTCUSDT"}')).toBe(false);
    await flushPromises();
    expect(useNotificationsStore().toasts.map((t) => t.text)).toContain(
      "Import failed: the file is not valid JSON at line 3, column 14: Expected ',' or '}' after property value",
    );
    expect(w.findAll('[data-testid^="params-row-"]')).toHaveLength(3);
  });
});
