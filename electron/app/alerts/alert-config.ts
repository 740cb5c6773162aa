/**
 * Alert settings (where to send) checked and turned into sinks. The Telegram bot token is a secret:
 * it comes from the environment (TRANCHE_TELEGRAM_TOKEN) and is never echoed in a message.
 */
import { PlanError } from '../session-plan';
import { TelegramSink, WebhookSink, type AlertSink } from './alert-sinks';

export interface AlertSettings {
  /** A numeric chat id (a user or group: -100...), or @channelname. */
  telegramChatId?: string | undefined;
  /** The Bot API's address (default https://api.telegram.org). */
  telegramApiUrl?: string | undefined;
  /** A URL that takes a JSON POST per alert. */
  webhookUrl?: string | undefined;
}

export const TELEGRAM_TOKEN_ENV = 'TRANCHE_TELEGRAM_TOKEN';

/** The sinks these settings name (none when none is set); a bad setting is a PlanError naming it. */
export function alertSinks(s: AlertSettings, telegramToken: string | undefined): AlertSink[] {
  const sinks: AlertSink[] = [];
  if (s.telegramChatId !== undefined) {
    if (!/^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$/.test(s.telegramChatId))
      throw new PlanError(
        `--telegram-chat=${s.telegramChatId.slice(0, 40)} is not a chat id: use the numeric id (for a group -100...) or @channelname`,
      );
    if (!telegramToken)
      throw new PlanError(
        `--telegram-chat needs the bot's token in ${TELEGRAM_TOKEN_ENV} (from @BotFather; a secret, so never an argument)`,
      );
    if (!/^\d{3,20}:[A-Za-z0-9_-]{30,64}$/.test(telegramToken))
      throw new PlanError(
        `${TELEGRAM_TOKEN_ENV} does not look like a bot token (digits, a colon, then 35 or so letters)`,
      );
    sinks.push(
      new TelegramSink({
        token: telegramToken,
        chatId: s.telegramChatId,
        ...(s.telegramApiUrl ? { apiBaseUrl: httpUrl(s.telegramApiUrl, '--telegram-api-url') } : {}),
      }),
    );
  } else if (s.telegramApiUrl !== undefined) {
    throw new PlanError('--telegram-api-url is only used with --telegram-chat');
  }
  if (s.webhookUrl !== undefined) sinks.push(new WebhookSink({ url: httpUrl(s.webhookUrl, '--alert-webhook') }));
  return sinks;
}

function httpUrl(raw: string, flag: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new PlanError(`${flag} is not a URL; use http://... or https://...`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new PlanError(`${flag} must be an http:// or https:// URL, not ${u.protocol}`);
  return raw;
}
