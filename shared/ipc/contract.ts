import { z } from 'zod';
import { PARAMETER_LIMITS, parameterSetInputSchema } from '../params/schema';

/**
 * The one typed contract between the engine's host (Electron main, or the headless host) and the
 * renderer. Every request has an input and an output schema; every event main pushes has one.
 * JSON-safe types only: ISO 8601 strings for times, decimal strings for money and quantities.
 * The dispatcher validates every input and every output against these schemas, on both transports
 * (Electron IPC and the loopback WebSocket). There is no channel that returns a secret.
 */

const decimalString = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal string such as "12.50"');
/** A price the trader types: a positive decimal string of at most 40 characters. */
const positivePrice = z
  .string()
  .max(40, 'a price is at most 40 characters')
  .regex(/^\d+(\.\d+)?$/, 'must be a positive decimal such as "39600.5"')
  .refine((v) => Number(v) > 0, 'must be above 0');
/** A Binance spot symbol as the engine trades it (BTCUSDT). */
const tradingSymbol = z.string().regex(/^[A-Z0-9]{2,20}$/, 'must be a symbol such as BTCUSDT');
const isoTime = z.iso.datetime({ offset: true });
const nothing = z.object({}).strict();
/** A parameter file's sets as the editor sends them: validated by the params service, at most PARAMETER_LIMITS.maxSets. */
const setList = z
  .array(z.unknown())
  .max(PARAMETER_LIMITS.maxSets, `at most ${PARAMETER_LIMITS.maxSets} parameter sets (one per symbol)`);
/** A parameter file to import, in characters. */
const MAX_IMPORT_CHARS = 256 * 1024;

const problemSchema = z.object({ path: z.string(), message: z.string() });

const healthSchema = z.object({
  marketData: z.enum(['disconnected', 'connecting', 'live', 'reconnecting']),
  marketDetail: z.string().nullable(),
  /** Market data has been live at least once this session (false: Binance never answered yet). */
  marketEverLive: z.boolean(),
  userStream: z.enum(['none', 'connecting', 'connected', 'reconnecting']),
  weight: z.object({ used: z.number(), limit: z.number() }).nullable(),
  paused: z.object({ reason: z.enum(['rate-limited', 'banned']), until: isoTime, detail: z.string() }).nullable(),
});

const engineStateSchema = z.object({
  state: z.enum(['stopped', 'starting', 'running', 'stopping', 'error']),
  mode: z.enum(['paper', 'live']).nullable(),
  /** 'binance' or 'replay' for paper; 'live', 'testnet' or a custom name for live. */
  environment: z.string().nullable(),
  /** 'binance' or 'replay:DIR'. */
  market: z.string().nullable(),
  ledgerFile: z.string().nullable(),
  startedAt: isoTime.nullable(),
  halted: z.boolean(),
  emergencyStopPending: z.boolean(),
  error: z.string().nullable(),
  health: healthSchema,
  /**
   * The ledger every view shows (the running session's, else the last traded one), so the header
   * and the dialogs always name what they act on; null before anything was traded.
   */
  viewing: z
    .object({
      file: z.string(),
      mode: z.enum(['paper', 'live']),
      environment: z.string(),
      openPositions: z.number().int().nonnegative(),
    })
    .nullable(),
});

/** One traded set on the signals panel: its live signal, thresholds, last candle and decisions. */
const signalRowSchema = z.object({
  symbol: z.string(),
  value: z.number().nullable(),
  threshold: z.number(),
  exitThreshold: z.number(),
  enabled: z.boolean(),
  candleTime: isoTime.nullable(),
  decision: z.string(),
  decisionTime: isoTime.nullable(),
  lastRefusal: z.string().nullable(),
  lastRefusalTime: isoTime.nullable(),
  /** The last values (oldest first), for a sparkline. */
  history: z.array(z.number()),
});

const reservationStateSchema = z.enum(['reserved', 'buying', 'protected', 'exiting']);

const allocationSchema = z.object({
  quoteAsset: z.string(),
  totalBalance: decimalString,
  totalReserved: decimalString,
  availableBalance: decimalString,
  allocationPercentage: z.number(),
  reservations: z.array(
    z.object({
      symbol: z.string(),
      reservedAmount: decimalString,
      timestamp: isoTime,
      orderId: z.string(),
      state: reservationStateSchema,
      allocationPercent: z.number(),
    }),
  ),
});

const positionSchema = z.object({
  id: z.number().int(),
  symbol: z.string(),
  status: z.enum(['opening', 'open', 'protected', 'exiting']),
  entryPrice: decimalString,
  entryTime: isoTime,
  /** What the position still holds (bought net of fees, minus what its sells have sold so far). */
  quantity: decimalString,
  /** Sold so far (a take-profit or stop that filled part, an exit under way). */
  soldQuantity: decimalString,
  /** Quote its sells have brought so far (net of commission), already in the balance. */
  proceeds: decimalString,
  cost: decimalString,
  currentPrice: decimalString.nullable(),
  unrealizedPnl: decimalString.nullable(),
  unrealizedPnlPercent: z.number().nullable(),
  takeProfit: decimalString.nullable(),
  stopLoss: decimalString.nullable(),
  stopLimit: decimalString.nullable(),
  /** (take-profit - price) / price x 100: positive while the take-profit is above the price. */
  toTakeProfitPercent: z.number().nullable(),
  /** (stop - price) / price x 100: negative while the stop is below the price, positive once the price fell through it. */
  toStopPercent: z.number().nullable(),
  /**
   * none: no order protects it; pending: the OCO is being placed; open: both legs rest;
   * stop-triggered: the stop triggered and has not filled (a stop-limit resting below the market);
   * take-profit-filling: the take-profit filled part and its rest works alone.
   */
  ocoState: z.enum(['none', 'pending', 'open', 'stop-triggered', 'take-profit-filling']),
});

const tradeSchema = z.object({
  positionId: z.number().int(),
  symbol: z.string(),
  entryTime: isoTime,
  exitTime: isoTime,
  entryPrice: decimalString,
  exitPrice: decimalString,
  quantity: decimalString,
  cost: decimalString,
  proceeds: decimalString,
  fees: decimalString,
  pnl: decimalString,
  pnlPercent: z.number(),
  exitReason: z.string(),
});

const historySchema = z.object({
  trades: z.array(tradeSchema),
  totals: z.object({
    trades: z.number(),
    wins: z.number(),
    losses: z.number(),
    pnl: decimalString,
    fees: decimalString,
  }),
  equity: z.array(z.object({ time: isoTime, equity: decimalString })),
});

const chartSchema = z.object({
  symbol: z.string(),
  interval: z.string(),
  /** Times in seconds since the epoch (what chart libraries take). */
  candles: z.array(
    z.object({ time: z.number(), open: z.number(), high: z.number(), low: z.number(), close: z.number() }),
  ),
  zscores: z.array(z.object({ time: z.number(), value: z.number() })),
  threshold: z.number(),
  exitThreshold: z.number(),
  position: z
    .object({ entry: z.number(), takeProfit: z.number().nullable(), stopLoss: z.number().nullable() })
    .nullable(),
});

const logLineSchema = z.object({
  time: isoTime,
  level: z.enum(['info', 'warn', 'error']),
  symbol: z.string().nullable(),
  text: z.string(),
});

const settingsSchema = z.object({
  paperBalance: decimalString,
  feeRate: decimalString,
  slippageBps: z.number().min(0).max(1000),
  /** Seconds a triggered stop-limit may rest unfilled below the market before the rest is sold at market. */
  stopGraceSeconds: z.number().int().min(1).max(600),
  dataDir: z.string(),
});

const keyStatusSchema = z.object({
  environment: z.string(),
  configured: z.boolean(),
  /** Last 4 characters of the key only, e.g. "••••••••WXYZ". */
  maskedKey: z.string().nullable(),
  source: z.enum(['keychain', 'environment']).nullable(),
});

/** Where alerts go; the bot token is write-only: only whether one is stored, and where. */
const alertsStatusSchema = z.object({
  telegramChatId: z.string().nullable(),
  telegramApiUrl: z.string().nullable(),
  webhookUrl: z.string().nullable(),
  tokenStored: z.boolean(),
  tokenSource: z.enum(['keychain', 'environment']).nullable(),
});

const liveConfirmationSchema = z.object({
  environment: z.string(),
  /** The account, as the trader recognises it: environment and masked key. */
  account: z.string(),
  quoteAsset: z.string(),
  balance: decimalString,
  atStakePercent: z.number(),
  atStakeAmount: decimalString,
});

const environmentName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'environment: lower-case letters, digits and dashes');

/** Every request: channel -> input and output schema. */
export const requests = {
  'engine.status': { input: nothing, output: engineStateSchema },
  'engine.start': {
    input: z
      .object({
        mode: z.enum(['paper', 'live']),
        environment: environmentName.optional(),
        /** 'binance' (default) or 'replay:DIR' (paper only). */
        market: z.string().optional(),
        /** Live only: the confirmation the trader gave, naming the account and the amount at stake. */
        confirmLive: z.object({ account: z.string(), atStakeAmount: decimalString }).optional(),
      })
      .strict(),
    output: engineStateSchema,
  },
  'engine.stop': { input: nothing, output: engineStateSchema },
  'engine.emergencyStop': { input: z.object({ confirm: z.literal(true) }).strict(), output: engineStateSchema },
  'engine.liveConfirmation': {
    input: z.object({ environment: environmentName }).strict(),
    output: liveConfirmationSchema,
  },
  'allocations.get': { input: nothing, output: allocationSchema },
  /** By hand, one position (the running engine only): close it at market. */
  'position.close': {
    input: z.object({ symbol: tradingSymbol, confirm: z.literal(true) }).strict(),
    output: z.object({ message: z.string() }),
  },
  /** Move its take-profit and/or stop trigger (decimal prices): the OCO is replaced at exactly these. */
  'position.move': {
    input: z
      .object({
        symbol: tradingSymbol,
        takeProfit: positivePrice.optional(),
        stopLoss: positivePrice.optional(),
        confirm: z.literal(true),
      })
      .strict()
      .refine((x) => x.takeProfit !== undefined || x.stopLoss !== undefined, 'give takeProfit, stopLoss or both'),
    output: z.object({ message: z.string() }),
  },
  /** Forget a position whose coins were sold outside Tranche (refused while the account holds them). */
  'position.forget': {
    input: z.object({ symbol: tradingSymbol, confirm: z.literal(true) }).strict(),
    output: z.object({ message: z.string() }),
  },
  /** Starts the paper account over: the paper ledger (on live prices) deleted, the new balance saved. */
  'paper.reset': {
    input: z.object({ balance: decimalString.max(20), confirm: z.literal(true) }).strict(),
    output: z.object({ file: z.string(), balance: z.string(), closedPositions: z.number().int() }),
  },
  'allocations.clearAll': {
    input: z.object({ confirm: z.literal(true) }).strict(),
    output: z.object({ cleared: z.number(), withPositions: z.array(z.string()) }),
  },
  'params.get': { input: nothing, output: z.object({ sets: z.array(parameterSetInputSchema) }) },
  'params.validate': {
    input: z.object({ sets: setList }).strict(),
    output: z.object({ ok: z.boolean(), problems: z.array(problemSchema), allocationSum: z.number() }),
  },
  'params.save': {
    input: z.object({ sets: setList }).strict(),
    output: z.object({
      saved: z.boolean(),
      problems: z.array(problemSchema),
      appliesToNewEntriesOnly: z.boolean(),
      /** What the save did, in words: which sets new entries use now, which wait for the next start. */
      message: z.string().optional(),
    }),
  },
  'params.import': {
    input: z.object({ json: z.string().max(MAX_IMPORT_CHARS, 'a parameter file is at most 256 KB') }).strict(),
    output: z.object({ sets: z.array(z.unknown()), problems: z.array(problemSchema) }),
  },
  'params.export': { input: nothing, output: z.object({ json: z.string(), filename: z.string() }) },
  'symbols.list': {
    input: nothing,
    output: z.object({ symbols: z.array(z.string()), source: z.enum(['exchange', 'built-in']) }),
  },
  'positions.list': { input: nothing, output: z.array(positionSchema) },
  'history.get': {
    input: z.object({ limit: z.number().int().min(1).max(10_000).optional() }).strict(),
    output: historySchema,
  },
  'history.exportCsv': { input: nothing, output: z.object({ csv: z.string(), filename: z.string() }) },
  'chart.get': {
    input: z.object({ symbol: z.string(), limit: z.number().int().min(10).max(1000).optional() }).strict(),
    output: chartSchema,
  },
  'signals.get': { input: nothing, output: z.array(signalRowSchema) },
  'log.recent': {
    input: z.object({ limit: z.number().int().min(1).max(5000).optional() }).strict(),
    output: z.array(logLineSchema),
  },
  'settings.get': { input: nothing, output: settingsSchema },
  'settings.save': { input: settingsSchema.omit({ dataDir: true }).partial().strict(), output: settingsSchema },
  'keys.status': { input: nothing, output: z.array(keyStatusSchema) },
  'keys.set': {
    input: z
      .object({
        environment: environmentName,
        apiKey: z.string().min(8).max(512),
        apiSecret: z.string().min(8).max(512),
        allowWithdrawals: z.boolean().optional(),
        /** Store it although Binance refused it (-1022, -2014, -2015): the user is sure. */
        insist: z.boolean().optional(),
      })
      .strict(),
    output: z.object({ keys: z.array(keyStatusSchema), warnings: z.array(z.string()) }),
  },
  /** Tries the stored key on Binance: its account (signed) and its permissions. */
  'keys.test': {
    input: z.object({ environment: environmentName }).strict(),
    output: z.object({ ok: z.boolean(), lines: z.array(z.string()) }),
  },
  'keys.delete': { input: z.object({ environment: environmentName }).strict(), output: z.array(keyStatusSchema) },
  'alerts.get': { input: nothing, output: alertsStatusSchema },
  /** A field given as null is cleared; the token is stored in the keychain and never returned. */
  'alerts.save': {
    input: z
      .object({
        telegramChatId: z.string().trim().max(40).nullable().optional(),
        telegramApiUrl: z.string().trim().max(500).nullable().optional(),
        webhookUrl: z.string().trim().max(2000).nullable().optional(),
        token: z.string().trim().min(1).max(100).optional(),
        forgetToken: z.boolean().optional(),
      })
      .strict(),
    output: alertsStatusSchema,
  },
  /** Sends a test alert to every configured destination and says how each went. */
  'alerts.test': {
    input: nothing,
    output: z.array(z.object({ sink: z.string(), ok: z.boolean(), detail: z.string() })),
  },
} as const;

/** Every event main pushes: channel -> payload schema. */
export const events = {
  'engine.state': engineStateSchema,
  'allocations.changed': allocationSchema,
  'positions.changed': z.array(positionSchema),
  'trade.closed': tradeSchema,
  'log.line': logLineSchema,
  price: z.object({ symbol: z.string(), price: decimalString, time: isoTime }),
  signal: z.object({ symbol: z.string(), value: z.number(), time: isoTime }),
  notification: z.object({
    kind: z.enum(['entry', 'exit', 'refusal', 'error']),
    title: z.string(),
    body: z.string(),
  }),
} as const;

export type RequestChannel = keyof typeof requests;
export type EventChannel = keyof typeof events;
export type RequestInput<C extends RequestChannel> = z.input<(typeof requests)[C]['input']>;
export type RequestOutput<C extends RequestChannel> = z.output<(typeof requests)[C]['output']>;
export type EventPayload<C extends EventChannel> = z.output<(typeof events)[C]>;

export type EngineStateDto = z.output<typeof engineStateSchema>;
export type AllocationDto = z.output<typeof allocationSchema>;
export type PositionDto = z.output<typeof positionSchema>;
export type TradeDto = z.output<typeof tradeSchema>;
export type HistoryDto = z.output<typeof historySchema>;
export type ChartDto = z.output<typeof chartSchema>;
export type LogLineDto = z.output<typeof logLineSchema>;
export type SettingsDto = z.output<typeof settingsSchema>;
export type KeyStatusDto = z.output<typeof keyStatusSchema>;
export type LiveConfirmationDto = z.output<typeof liveConfirmationSchema>;

/** Error codes a result may carry. */
export type ErrorCode =
  | 'invalid-input'
  | 'invalid-output'
  | 'unknown-channel'
  | 'malformed'
  | 'too-large'
  | 'unauthorized'
  | 'failed'
  | 'confirmation-required';

export type Result<T> = { ok: true; data: T } | { ok: false; error: { code: ErrorCode; message: string } };

/** The largest request a transport accepts, in bytes of its JSON; larger ones get 'too-large', unread. */
export const MAX_REQUEST_BYTES = 1 << 20;

/** What travels on the WebSocket transport (Electron IPC carries the same request and result). */
export type WireMessage =
  | { type: 'request'; id: number; channel: string; input: unknown }
  | { type: 'response'; id: number; result: Result<unknown> }
  | { type: 'event'; channel: string; data: unknown };

export function isRequestChannel(c: string): c is RequestChannel {
  return Object.prototype.hasOwnProperty.call(requests, c);
}

export const REQUEST_CHANNELS = Object.keys(requests) as RequestChannel[];
export const EVENT_CHANNELS = Object.keys(events) as EventChannel[];

/** The API the renderer sees (window.tranche from the preload, or the WebSocket client): typed from the contract. */
export interface TrancheApi {
  request<C extends RequestChannel>(channel: C, input: RequestInput<C>): Promise<Result<RequestOutput<C>>>;
  on<C extends EventChannel>(channel: C, listener: (data: EventPayload<C>) => void): () => void;
}

export type SignalRowDto = z.infer<typeof signalRowSchema>;
