import { alertSinks, TELEGRAM_TOKEN_ENV } from '../app/alerts/alert-config';
import { AlertDispatcher } from '../app/alerts/alert-dispatcher';
import type { AlertSink } from '../app/alerts/alert-sinks';
import { PlanError } from '../app/session-plan';
import type { AlertSettings, SettingsStore } from '../store/settings-store';
import type { RequestInput, RequestOutput } from '../../shared/ipc/contract';
import { HostError } from './host-error';
import type { Keychain } from './keys-service';

/** The keychain entry of the Telegram bot's token (account `secret:alerts-telegram-token`). */
const TOKEN_SECRET = 'alerts-telegram-token';

type Status = RequestOutput<'alerts.get'>;

/**
 * Alerts as the desktop app configures them (Settings): where to send (a Telegram chat, a webhook)
 * in the settings database, the bot's token in the OS keychain, write-only (the renderer only learns
 * whether one is stored). TRANCHE_TELEGRAM_TOKEN, when set, takes precedence, as for the CLI.
 * Sessions on live prices get a dispatcher built from them; replays send none.
 */
export class AlertsService {
  constructor(
    private readonly settings: SettingsStore,
    private readonly keychain: Keychain,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  async status(): Promise<Status> {
    const s = this.settings.alertSettings();
    const fromEnv = this.env[TELEGRAM_TOKEN_ENV];
    const stored = fromEnv ? false : (await this.token()) !== undefined;
    return {
      telegramChatId: s.telegramChatId ?? null,
      telegramApiUrl: s.telegramApiUrl ?? null,
      webhookUrl: s.webhookUrl ?? null,
      tokenStored: Boolean(fromEnv) || stored,
      tokenSource: fromEnv ? 'environment' : stored ? 'keychain' : null,
    };
  }

  /** Checks the whole result first (the same rules as the CLI's options); nothing is saved when refused. */
  async save(input: RequestInput<'alerts.save'>): Promise<Status> {
    const current = this.settings.alertSettings();
    const next: AlertSettings = { ...current };
    const set = (key: keyof AlertSettings, v: string | null | undefined) => {
      if (v === undefined) return;
      if (v === null || v === '') delete next[key];
      else next[key] = v;
    };
    set('telegramChatId', input.telegramChatId);
    set('telegramApiUrl', input.telegramApiUrl);
    set('webhookUrl', input.webhookUrl);
    const token = input.forgetToken ? undefined : (input.token ?? this.env[TELEGRAM_TOKEN_ENV] ?? (await this.token()));
    try {
      alertSinks(next, next.telegramChatId === undefined ? undefined : token);
    } catch (e) {
      if (e instanceof PlanError) throw new HostError('failed', settingsWords(e.message));
      throw e;
    }
    if (input.token !== undefined) await this.keychainSecrets().setSecret(TOKEN_SECRET, input.token);
    if (input.forgetToken) await this.keychainSecrets().deleteSecret(TOKEN_SECRET);
    this.settings.saveAlertSettings(next);
    return this.status();
  }

  /** A test message to every destination, each answer said (without the token). */
  async test(): Promise<RequestOutput<'alerts.test'>> {
    const sinks = await this.sinks();
    if (sinks.length === 0)
      throw new HostError('failed', 'no alert destination is set: add a Telegram chat or a webhook first');
    const out: RequestOutput<'alerts.test'> = [];
    for (const sink of sinks) {
      const r = await sink.send(
        {
          kind: 'entry',
          text: 'Tranche: a test alert from Settings. Entries, exits and errors will arrive here.',
          time: Date.now(),
        },
        AbortSignal.timeout(15_000),
      );
      out.push({ sink: sink.name, ok: r.ok, detail: r.ok ? 'delivered' : r.problem });
    }
    return out;
  }

  /** The dispatcher a session on live prices sends its alerts through; undefined when none is set. */
  async dispatcher(onProblem: (message: string) => void): Promise<AlertDispatcher | undefined> {
    let sinks: AlertSink[];
    try {
      sinks = await this.sinks();
    } catch (e) {
      onProblem(`alerts are off for this session: ${settingsWords((e as Error).message)}`);
      return undefined;
    }
    if (sinks.length === 0) return undefined;
    return new AlertDispatcher(sinks, { onProblem: (sink, p) => onProblem(`alerts to ${sink}: ${p}`) });
  }

  private async sinks(): Promise<AlertSink[]> {
    const s = this.settings.alertSettings();
    const token = s.telegramChatId === undefined ? undefined : (this.env[TELEGRAM_TOKEN_ENV] ?? (await this.token()));
    return alertSinks(s, token);
  }

  private async token(): Promise<string | undefined> {
    return this.keychain.getSecret ? this.keychain.getSecret(TOKEN_SECRET) : undefined;
  }

  private keychainSecrets(): Required<Pick<Keychain, 'getSecret' | 'setSecret' | 'deleteSecret'>> {
    const k = this.keychain;
    if (!k.getSecret || !k.setSecret || !k.deleteSecret)
      throw new HostError('failed', `${k.name} cannot keep the bot token: set ${TELEGRAM_TOKEN_ENV} instead`);
    return { getSecret: k.getSecret.bind(k), setSecret: k.setSecret.bind(k), deleteSecret: k.deleteSecret.bind(k) };
  }
}

/** The CLI's rule messages, in the words of the Settings screen. */
function settingsWords(message: string): string {
  return message
    .replace(/--telegram-chat=/g, 'Telegram chat ')
    .replace(
      /--telegram-chat needs the bot's token in TRANCHE_TELEGRAM_TOKEN/g,
      "a Telegram chat needs the bot's token",
    )
    .replace(/--telegram-api-url/g, 'the Bot API address')
    .replace(/--telegram-chat/g, 'a Telegram chat')
    .replace(/--alert-webhook/g, 'the webhook address');
}
