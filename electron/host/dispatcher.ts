import type { z } from 'zod';
import {
  events,
  isRequestChannel,
  requests,
  type EventChannel,
  type RequestChannel,
  type RequestOutput,
  type Result,
} from '../../shared/ipc/contract';
import { HostError } from './host-error';
import { inputProblem } from '../../shared/params/json-limits';

/** One handler per request channel, typed from the contract: the host must implement every one. */
export type RequestHandlers = {
  [C in RequestChannel]: (
    input: z.output<(typeof requests)[C]['input']>,
  ) => Promise<RequestOutput<C>> | RequestOutput<C>;
};

export type EventListener = (channel: EventChannel, data: unknown) => void;

/** Where events come from (the TradingHost). */
interface EventSource {
  onEvent(listener: EventListener): () => void;
}

/**
 * The one entry point of both transports (Electron IPC and the loopback WebSocket): a channel name
 * and an untrusted input in, a Result out. It never throws.
 */
export interface Dispatcher {
  request(channel: string, input: unknown): Promise<Result<unknown>>;
  /** Events that passed their contract schema, for the transports to send. */
  onEvent(listener: EventListener): () => void;
  /** Stops forwarding events. */
  close(): void;
}

export interface DispatcherOptions {
  handlers: RequestHandlers;
  events?: EventSource;
  /** Diagnostics for whoever runs the host (contract breaks, unexpected handler failures). */
  log?: (message: string) => void;
}

const MAX_MESSAGE = 1000;

function describeIssues(issues: readonly z.core.$ZodIssue[], limit = 5): string {
  const parts = issues.slice(0, limit).map((i) => {
    const where = i.path.length > 0 ? i.path.map(String).join('.') : '(input)';
    return `${where}: ${i.message}`;
  });
  if (issues.length > limit) parts.push(`and ${issues.length - limit} more`);
  return parts.join('; ');
}

/** String values of fields that look secret (apiKey, apiSecret, token, password), to scrub from messages. */
function secretsIn(input: unknown, depth = 0): string[] {
  if (depth > 3 || typeof input !== 'object' || input === null) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
    if (typeof v === 'string' && /key|secret|token|password/i.test(k) && v.length >= 4) out.push(v, v.trim());
    else if (typeof v === 'object') out.push(...secretsIn(v, depth + 1));
  }
  return out.filter((s) => s.length >= 4);
}

/**
 * What a trader may read of an error: its message only (no stack, no "at ..." lines), without any
 * secret that came in with the request, bounded in length.
 */
function cleanMessage(e: unknown, secrets: readonly string[] = []): string {
  let text = e instanceof Error ? e.message : typeof e === 'string' ? e : '';
  text = text.split(/\n\s*at\s/)[0]!;
  for (const s of secrets) text = text.split(s).join('[redacted]');
  text = text.replace(/\s+$/, '');
  if (text.length > MAX_MESSAGE) text = `${text.slice(0, MAX_MESSAGE)}…`;
  return text || 'unexpected error';
}

export function createDispatcher(opts: DispatcherOptions): Dispatcher {
  const log = opts.log ?? (() => undefined);
  const listeners = new Set<EventListener>();

  const unsubscribe = opts.events?.onEvent((channel, data) => {
    const schema = events[channel];
    if (!schema) {
      log(`event ${String(channel)} is not in the contract: dropped (a bug in the host)`);
      return;
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      log(`event ${channel} breaks the contract, dropped (a bug in the host): ${describeIssues(parsed.error.issues)}`);
      return;
    }
    for (const l of listeners) {
      try {
        l(channel, parsed.data);
      } catch (e) {
        log(`an event listener failed on ${channel}: ${cleanMessage(e)}`);
      }
    }
  });

  async function request(channel: string, input: unknown): Promise<Result<unknown>> {
    if (typeof channel !== 'string' || !isRequestChannel(channel)) {
      return {
        ok: false,
        error: {
          code: 'unknown-channel',
          message: `no such request channel: ${JSON.stringify(String(channel)).slice(0, 80)}`,
        },
      };
    }
    const bound = inputProblem(input);
    if (bound) return { ok: false, error: { code: 'invalid-input', message: `${channel}: ${bound}` } };
    const spec = requests[channel];
    const parsedInput = spec.input.safeParse(input ?? {});
    if (!parsedInput.success) {
      return {
        ok: false,
        error: { code: 'invalid-input', message: `${channel}: ${describeIssues(parsedInput.error.issues)}` },
      };
    }
    let output: unknown;
    try {
      const handler = opts.handlers[channel] as (i: unknown) => unknown;
      output = await handler(parsedInput.data);
    } catch (e) {
      const message = cleanMessage(e, secretsIn(input));
      if (e instanceof HostError) return { ok: false, error: { code: e.code, message } };
      log(`${channel} failed: ${message}`);
      return { ok: false, error: { code: 'failed', message } };
    }
    const parsedOutput = spec.output.safeParse(output);
    if (!parsedOutput.success) {
      const issues = describeIssues(parsedOutput.error.issues);
      log(`${channel} answered with data that breaks the contract (a bug in the host): ${issues}`);
      return {
        ok: false,
        error: {
          code: 'invalid-output',
          message: `${channel}: the host's answer breaks the contract (a bug): ${issues}`,
        },
      };
    }
    return { ok: true, data: parsedOutput.data };
  }

  return {
    request,
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      unsubscribe?.();
      listeners.clear();
    },
  };
}
