import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { tempDir } from '../helpers/temp';

/**
 * Bad configs and bad options: exit code 2, a message naming each problem and how to fix it, and
 * nothing written (no data folder, no ledger).
 */
describe('bad input to startTrading', () => {
  let tmp: ReturnType<typeof tempDir>;
  const dataDir = () => path.join(tmp.dir, 'data');
  const write = (name: string, text: string) => {
    const f = path.join(tmp.dir, name);
    writeFileSync(f, text);
    return f;
  };
  const trade = (...args: string[]) =>
    runCli(['trade', `--data-dir=${dataDir()}`, ...args], {
      TRANCHE_DATA_DIR: dataDir(),
      // Live runs find a key (fake, distinctive) without a keychain.
      BINANCE_API_KEY: 'test-key-not-real-0001',
      BINANCE_API_SECRET: 'test-secret-not-real-0001',
    });
  const nothingWritten = () => expect(existsSync(dataDir()) ? readdirSync(dataDir()) : []).toEqual([]);

  beforeAll(() => {
    tmp = tempDir();
  });
  afterAll(() => tmp.cleanup());

  it('missing file', () => {
    const r = trade('--paper', `--parameterSets=${path.join(tmp.dir, 'nope.json')}`);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot read parameter file ${path.join(tmp.dir, 'nope.json')}: no such file`);
    expect(r.stderr).toContain('--parameterSets=PATH');
    nothingWritten();
  });

  it('invalid JSON, with the line and column', () => {
    const f = write('broken.json', '{\n  "parameterSets": [\n    { "symbol": "BTCUSDT", }\n  ]\n}\n');
    const r = trade('--paper', `--parameterSets=${f}`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(
        `parameter file ${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not valid JSON at line 3, column \\d+`,
      ),
    );
    nothingWritten();
  });

  it('every schema violation is listed by JSON path, in one go', () => {
    const f = write(
      'bad.json',
      JSON.stringify({
        parameterSets: [
          { symbol: 'btcusdt', allocationPercent: 0, zScoreThreshold: -1, profitPercent: '15', stopLossPercent: 100 },
          {
            symbol: 'ETHUSDT',
            allocationPercent: 120,
            zScoreThreshold: 6,
            profitPercent: 22,
            stopLossPercent: 6,
            interval: '7m',
            lookback: 2.5,
            movingAverages: 0,
            colour: 'red',
          },
          { symbol: 'BNBUSDT', allocationPercent: 10, zScoreThreshold: 7, stopLossPercent: 30, exitZScore: 8 },
        ],
      }),
    );
    const r = trade('--paper', `--parameterSets=${f}`);
    expect(r.code).toBe(2);
    for (const expected of [
      'parameterSets[0].symbol: symbol must be an upper-case Binance spot symbol such as BTCUSDT',
      'parameterSets[0].allocationPercent: allocationPercent must be at least 0.01',
      'parameterSets[0].zScoreThreshold: zScoreThreshold must be at least 0.01',
      'parameterSets[0].profitPercent: profitPercent must be a number',
      'parameterSets[0].stopLossPercent: stopLossPercent must be less than 100',
      'parameterSets[1].allocationPercent: allocationPercent must be at most 100',
      'parameterSets[1].interval: interval must be a Binance kline interval',
      'parameterSets[1].lookback: lookback must be a whole number',
      'parameterSets[1].movingAverages: movingAverages must be at least 1',
      'parameterSets[1]: unknown field(s): colour',
      'parameterSets[2].profitPercent: profitPercent is required',
    ]) {
      expect(r.stderr).toContain(expected);
    }
    expect(r.stderr).toMatch(/rejected \(\d+ problems\); nothing was started/);
    nothingWritten();
  });

  it('a file where every set is disabled, one nested too deep, one too big: each says so', () => {
    const off = { symbol: 'BTCUSDT', allocationPercent: 50, zScoreThreshold: 5, profitPercent: 15, stopLossPercent: 2 };
    const disabled = write('disabled.json', JSON.stringify({ parameterSets: [{ ...off, enabled: false }] }));
    let r = trade('--paper', `--parameterSets=${disabled}`);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `every parameter set in ${disabled} is disabled ("enabled": false): nothing would trade`,
    );
    const deep = write('deep.json', `{"parameterSets":${'['.repeat(5000)}${']'.repeat(5000)}}`);
    r = trade('--paper', `--parameterSets=${deep}`);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`parameter file ${deep} nests arrays or objects more than 32 deep: not accepted`);
    const big = write('big.json', JSON.stringify({ parameterSets: [off], note: 'x'.repeat(300_000) }));
    r = trade('--paper', `--parameterSets=${big}`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is 300\d{3} characters: a parameter file is at most 256 KB/);
    nothingWritten();
  });

  it('allocations above 100%, a repeated symbol, mixed quote assets, an exit threshold above the entry', () => {
    const f = write(
      'sum.json',
      JSON.stringify({
        parameterSets: [
          { symbol: 'BTCUSDT', allocationPercent: 50, zScoreThreshold: 5, profitPercent: 15, stopLossPercent: 2 },
          {
            symbol: 'ETHUSDT',
            allocationPercent: 40,
            zScoreThreshold: 6,
            profitPercent: 22,
            stopLossPercent: 6,
            exitZScore: 6,
          },
          { symbol: 'BTCUSDT', allocationPercent: 5, zScoreThreshold: 5, profitPercent: 15, stopLossPercent: 2 },
          { symbol: 'ETHBTC', allocationPercent: 10, zScoreThreshold: 5, profitPercent: 15, stopLossPercent: 2 },
        ],
      }),
    );
    const r = trade('--paper', `--parameterSets=${f}`);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'parameterSets: enabled allocations sum to 105%, above 100% (BTCUSDT 50% + ETHUSDT 40% + BTCUSDT 5% + ETHBTC 10%)',
    );
    expect(r.stderr).toContain('parameterSets[2].symbol: symbol BTCUSDT repeats parameterSets[0]');
    expect(r.stderr).toContain(
      'parameterSets: all sets must share one quote asset so they split one balance; found USDT in parameterSets[0], parameterSets[1], parameterSets[2]; BTC in parameterSets[3]',
    );
    expect(r.stderr).toContain('parameterSets[1].exitZScore: exitZScore (6) must be below zScoreThreshold (6)');
    nothingWritten();
  });

  it('3 x 33.3 and a disabled set over the limit are accepted (float slack, disabled sets do not count)', async () => {
    const { validateParameterFile } = await import('../../shared/params/schema');
    const v = validateParameterFile({
      parameterSets: [
        { symbol: 'BTCUSDT', allocationPercent: 33.3, zScoreThreshold: 5, profitPercent: 15, stopLossPercent: 2 },
        { symbol: 'ETHUSDT', allocationPercent: 33.4, zScoreThreshold: 6, profitPercent: 22, stopLossPercent: 6 },
        { symbol: 'BNBUSDT', allocationPercent: 33.3, zScoreThreshold: 7, profitPercent: 20, stopLossPercent: 30 },
        {
          symbol: 'SOLUSDT',
          allocationPercent: 50,
          zScoreThreshold: 7,
          profitPercent: 20,
          stopLossPercent: 30,
          enabled: false,
        },
      ],
    });
    expect(v.ok).toBe(true);
    if (v.ok)
      expect(v.sets[0]).toMatchObject({
        interval: '5m',
        lookback: 20,
        movingAverages: 1,
        exitZScore: -5,
        stopLimitOffsetPercent: 0.1,
        enabled: true,
        quoteAsset: 'USDT',
        baseAsset: 'BTC',
      });
  });

  it('bad options name the option and the fix', () => {
    const ok = path.resolve('config/live-params.json');
    const cases: Array<[string[], RegExp]> = [
      [
        ['--paper', `--parameterSets=${ok}`, '--balance=lots'],
        /--balance=lots is not a number; use a paper balance from 1 to 1000000000/,
      ],
      [['--paper', `--parameterSets=${ok}`, '--balance=-5'], /--balance=-5 is out of range/],
      [
        ['--paper', `--parameterSets=${ok}`, '--market=kraken'],
        /--market=kraken is not understood; use --market=binance .* or --market=replay:DIR/,
      ],
      [
        ['--paper', `--parameterSets=${ok}`, '--log-format=xml'],
        /--log-format=xml is not understood; use pretty or json/,
      ],
      [['--paper', `--parameterSets=${ok}`, '--speed=9'], /unknown option '--speed'\n\(add --help for the options\)/],
      // A near miss gets the option meant.
      [['--paper', `--parameterSet=${ok}`], /unknown option '--parameterSet'\n\(Did you mean --parameterSets\?\)/],
      // Options belong to their command: --port is serve's.
      [['--paper', `--parameterSets=${ok}`, '--port=80'], /unknown option '--port'/],
      [
        ['--paper', `--parameterSets=${ok}`, '--telegram-chat=4242'],
        /--telegram-chat needs the bot's token in TRANCHE_TELEGRAM_TOKEN/,
      ],
      [['--paper', `--parameterSets=${ok}`, '--telegram-chat=my chat'], /--telegram-chat=my chat is not a chat id/],
      [['--paper', `--parameterSets=${ok}`, '--alert-webhook=ftp://x'], /--alert-webhook must be an http/],
      // Without --paper it is live: real money needs an explicit confirmation when no terminal can ask.
      [[`--parameterSets=${ok}`], /live trading asks for confirmation: run it in a terminal, or add --confirm-live/],
    ];
    for (const [args, re] of cases) {
      const r = trade(...args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(re);
    }
    nothingWritten();
  });

  it('a replay folder without the files says where to get them', () => {
    const empty = path.join(tmp.dir, 'empty');
    mkdirSync(empty);
    const r = trade(
      '--paper',
      `--parameterSets=${path.resolve('config/live-params.json')}`,
      `--market=replay:${empty}`,
      `--db=${path.join(tmp.dir, 'replay.sqlite')}`,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/BTCUSDT-5m-\*\.csv/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(path.join(tmp.dir, 'replay.sqlite'))).toBe(false);
  });

  it('a replay of a missing folder creates nothing: no ledger, no lock file, exit 2', () => {
    const missing = path.join(tmp.dir, 'no', 'such', 'folder');
    const r = trade(
      '--paper',
      `--parameterSets=${path.resolve('config/live-params.json')}`,
      `--market=replay:${missing}`,
    );
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`Replay folder ${missing} does not exist`);
    expect(r.stdout).not.toMatch(/Ledger:|balance/);
    nothingWritten();
  });

  it('a ledger (--db) in a folder that does not exist is refused, not created with a fresh balance', () => {
    const db = path.join(tmp.dir, 'nonexistent', 'x.sqlite');
    const r = trade('--paper', `--parameterSets=${path.resolve('config/live-params.json')}`, `--db=${db}`);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`--db=${db}: the folder ${path.dirname(db)} does not exist`);
    expect(existsSync(path.dirname(db))).toBe(false);
    nothingWritten();
  });
});
