import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openInBrowser } from '../../app/open-browser';
import { defaultDataDir } from '../../app/paths';
import { createDispatcher } from '../../host/dispatcher';
import { TradingHost } from '../../host/trading-host';
import type { EndpointOverrides } from '../../host/venues';
import { startWsHost } from '../../host/ws-host';
import { UsageError, type Values } from '../options';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function portOption(raw: string | undefined): number {
  const text = raw ?? '0';
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new UsageError(`--port=${text} is not a port number (0 to 65535)`);
  return port;
}

/** `serve`: the trading host behind the loopback WebSocket, until Ctrl+C. */
export async function serveCommand(values: Values): Promise<number> {
  const rendererDir = path.resolve(values['renderer-dir'] ?? path.join(ROOT, 'out', 'renderer'));
  if (!fs.existsSync(path.join(rendererDir, 'index.html'))) {
    throw new UsageError(
      `the renderer is not built (${path.join(rendererDir, 'index.html')} is missing): run npm run build first`,
    );
  }
  const port = portOption(values.port);
  const dataDir = values['data-dir'] ? path.resolve(values['data-dir']) : defaultDataDir();
  const urls: EndpointOverrides = {
    ...(values['binance-rest-url'] ? { restBaseUrl: values['binance-rest-url'] } : {}),
    ...(values['binance-ws-url'] ? { streamBaseUrl: values['binance-ws-url'] } : {}),
    ...(values['binance-ws-api-url'] ? { wsApiBaseUrl: values['binance-ws-api-url'] } : {}),
  };
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const diag = (line: string) => process.stderr.write(`[host] ${line}\n`);
  const host = new TradingHost({
    dataDir,
    environments: values.env ? { [values.env]: urls } : {},
    market: {
      ...(urls.restBaseUrl ? { restBaseUrl: urls.restBaseUrl } : {}),
      ...(urls.streamBaseUrl ? { wsBaseUrl: urls.streamBaseUrl } : {}),
    },
    log: diag,
  });
  const dispatcher = createDispatcher({ handlers: host.handlers(), events: host, log: diag });
  dispatcher.onEvent((channel, data) => {
    if (channel === 'log.line') out((data as { text: string }).text);
  });
  let server;
  try {
    server = await startWsHost({ dispatcher, rendererDir, port, log: diag });
  } catch (e) {
    dispatcher.close();
    await host.close();
    throw new UsageError(`cannot listen on 127.0.0.1:${port}: ${(e as Error).message}`);
  }
  out(`Tranche is serving the app on ${server.origin} (data folder ${dataDir})`);
  out(`Open this address in a browser on this computer (it holds this launch's token):`);
  out(`  ${server.url}`);
  out('Ctrl+C stops trading (open positions stay protected by their OCOs) and the server.');
  if (values.open) {
    const why = await openInBrowser(server.url);
    out(why ? `(No browser opened: ${why}. Open the address above yourself.)` : 'Opened in your browser.');
  }

  await new Promise<void>((resolve) => {
    let first = 0;
    const onSignal = () => {
      if (first !== 0 && Date.now() - first < 1000) return; // one Ctrl+C delivered twice
      if (first === 0) {
        first = Date.now();
        out('\n⏹️ Stopping: no new entries; waiting for orders in flight. (Ctrl+C again to force)');
        process.off('SIGTERM', onSignal);
        resolve();
      } else {
        process.stderr.write('Forced exit: the ledger will be reconciled at the next start.\n');
        process.exit(130);
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await host.close();
  await server.close();
  dispatcher.close();
  out(`Stopped. ${host.lastStopSummary()}`);
  return 0;
}
