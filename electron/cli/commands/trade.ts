import { loadParameterFile } from '../../app/parameter-file';
import { savedParameterSets } from '../../app/parameter-home';
import { settingsFile } from '../../app/paths';
import { protectionSummary } from '../../app/protection-summary';
import { TradingSession } from '../../app/trading-session';
import { Decimal } from '../../core/money/decimal';
import type { FeedHealth } from '../../core/ports/market-feed';
import { describeHealth } from '../health';
import { UNREACHABLE_CHOICES } from '../../../shared/market/unreachable-choices';
import { tradeOptions, type Values } from '../options';
import { AlertDispatcher } from '../../app/alerts/alert-dispatcher';
import { alertSinks, TELEGRAM_TOKEN_ENV } from '../../app/alerts/alert-config';
import { savedAlerts } from './saved-alerts';
import { liveVenue } from './live-venue';
import { createOutput } from '../output';
import { statusJson, summarize, summaryLines } from '../summary';

/** `startTrading`: trade the parameter sets until Ctrl+C (live market data) or the end of the data (replay). */
export async function tradeCommand(values: Values): Promise<number> {
  const opts = tradeOptions(values);
  // Validate everything before anything is opened or written.
  const { sets, quoteAsset } = opts.parameterSets
    ? loadParameterFile(opts.parameterSets)
    : savedParameterSets(opts.dataDir);
  const out = createOutput(opts.logFormat, opts.quiet);
  // Binance never answered since the start: say what else can be traded, once, beside the retries.
  let everLive = false;
  let offered = false;
  const onHealth = (h: FeedHealth) => {
    out.health('market-data', h, describeHealth(h));
    if (h.state === 'live' || h.state === 'backfilled') everLive = true;
    if (h.state === 'reconnecting' && !everLive && !offered && opts.market.kind === 'binance') {
      offered = true;
      for (const line of UNREACHABLE_CHOICES.cli) out.info(line);
    }
  };
  // Alerts: the options when any is given, else what the desktop app saved in the data folder
  // (Settings > Alerts, the bot's token from the OS keychain or TRANCHE_TELEGRAM_TOKEN).
  const flagged = (['telegram-chat', 'telegram-api-url', 'alert-webhook'] as const).some(
    (k) => values[k] !== undefined,
  );
  const sinks = flagged
    ? alertSinks(
        {
          telegramChatId: values['telegram-chat'],
          telegramApiUrl: values['telegram-api-url'],
          webhookUrl: values['alert-webhook'],
        },
        process.env[TELEGRAM_TOKEN_ENV],
      )
    : [];
  const live = opts.paper ? undefined : await liveVenue(values, sets, quoteAsset, out);
  const onAlertProblem = (sink: string, problem: string) => out.error(`Alerts to ${sink} failing: ${problem}`);
  const alerts =
    opts.market.kind === 'replay'
      ? undefined
      : flagged
        ? sinks.length > 0
          ? new AlertDispatcher(sinks, { onProblem: onAlertProblem })
          : undefined
        : values['skip-saved-alerts']
          ? undefined
          : await savedAlerts(opts.dataDir, (m) => out.error(m));
  if (sinks.length > 0 && !alerts) out.info('Alerts are not sent during a replay.');
  const abort = new AbortController();
  const session: TradingSession = TradingSession.open({
    sets,
    quoteAsset,
    market: live
      ? {
          kind: 'binance',
          restBaseUrl: live.venue.endpoints.restBaseUrl,
          wsBaseUrl: live.venue.endpoints.streamBaseUrl,
        }
      : opts.market,
    dbFile: live ? live.dbFile : opts.db,
    fresh: opts.fresh,
    venue: live
      ? live.venue
      : { kind: 'paper', balance: opts.balance, feeRate: opts.feeRate, slippageBps: opts.slippageBps },
    onEvent: (e, t) => out.event(e, t),
    onHealth,
    stopGraceMs: opts.stopGraceMs,
    ...(alerts ? { alerts } : {}),
    // npm run emergencyStop from another terminal, over the ledger's control channel: sell
    // everything, then end the run.
    emergencyStop: async () => {
      out.info('🚨 Emergency stop requested by another process (npm run emergencyStop)');
      try {
        await session.engine.emergencyStop();
      } finally {
        abort.abort();
      }
    },
  });
  const dbFile = session.db.file;

  let firstInterrupt = 0;
  const onInterrupt = () => {
    // npm and the terminal may deliver one Ctrl+C twice: only a second press a moment later forces.
    if (firstInterrupt !== 0 && Date.now() - firstInterrupt < 1000) return;
    if (firstInterrupt === 0) {
      firstInterrupt = Date.now();
      out.info(
        `\n⏹️ Stopping: no new entries; waiting for orders in flight. ${protectionSummary(session.engine.ledger.openPositions())} (Ctrl+C again to force)`,
      );
      abort.abort();
    } else {
      out.error('Forced exit: the ledger will be reconciled at the next start.');
      process.exit(130);
    }
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  try {
    if (!live) {
      out.info(
        `Tranche paper trading on ${opts.market.kind === 'replay' ? `replay of ${opts.market.dir}` : 'live Binance market data'} - ${sets
          .filter((s) => s.enabled)
          .map((s) => `${s.symbol} ${s.allocationPercent}%`)
          .join(', ')}`,
      );
    }
    out.info(
      opts.parameterSets
        ? `Parameter sets: ${opts.parameterSets}`
        : `Parameter sets: the ones saved in ${settingsFile(opts.dataDir)} (the desktop app's; --parameterSets=FILE trades a file instead)`,
    );
    if (alerts) out.info(`Alerts to ${alerts.sinks.join(' and ')}`);
    out.info(
      `Ledger: ${dbFile} (pid ${process.pid}; emergency stop: npm run emergencyStop -- ${live ? `--env=${live.venue.endpoints.name}` : '--paper'} --db=${dbFile})`,
    );
    let report: string[];
    try {
      report = await session.start(abort.signal);
    } catch (e) {
      if (!abort.signal.aborted) throw e;
      out.info('⏹️ Stopped while connecting: nothing was traded in this run.');
      return 0;
    }
    // Each correction was already printed as it happened; say so when there was none.
    const agreed = report.length === 1 && report[0]!.startsWith('ledger and exchange agree');
    if (agreed) out.info(`🔁 ${report[0]}`);
    out.ready({
      ledger: dbFile,
      corrections: agreed ? 0 : report.length,
      openPositions: session.engine.ledger.openPositions().length,
    });
    if (abort.signal.aborted) {
      out.info(statusJson(session.engine.getAllocationStatus()));
      return 0;
    }
    const stats = await session.run(abort.signal);
    const engine = session.engine;
    if (opts.market.kind === 'replay') {
      const trades = session.store.trades();
      const summary = summarize(trades, engine.ledger.totalBalance(), engine.ledger.openPositions());
      const start = new Decimal(summary.finalBalance).sub(summary.pnl);
      if (opts.logFormat === 'json') out.info(JSON.stringify({ summary, status: engine.getAllocationStatus() }));
      else {
        for (const line of summaryLines(summary, stats, quoteAsset, start)) out.info(line);
        out.info('Allocation status:');
        out.info(statusJson(engine.getAllocationStatus()));
      }
    } else {
      out.info(statusJson(engine.getAllocationStatus()));
    }
    return 0;
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
    await session.close();
  }
}
