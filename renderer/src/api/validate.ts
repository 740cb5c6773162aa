import type { z } from 'zod';
import { events, requests, type EventChannel, type RequestChannel, type Result } from '../../../shared/ipc/contract';

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

/** Checks a successful result against the channel's output schema (development builds). */
export function checkResult(channel: RequestChannel, result: Result<unknown>): Result<unknown> {
  if (!result.ok) return result;
  const schema = requests[channel].output as z.ZodType;
  const parsed = schema.safeParse(result.data);
  if (parsed.success) return { ok: true, data: parsed.data };
  const message = `${channel}: the host's answer does not match the contract (${describe(parsed.error)})`;
  console.warn(message);
  return { ok: false, error: { code: 'invalid-output', message } };
}

/** Checks an event payload against its schema; undefined (and a warning) when it does not match. */
export function checkEvent(channel: string, data: unknown): { data: unknown } | undefined {
  if (!Object.prototype.hasOwnProperty.call(events, channel)) {
    console.warn(`event ${channel} is not in the contract`);
    return undefined;
  }
  const parsed = (events[channel as EventChannel] as z.ZodType).safeParse(data);
  if (parsed.success) return { data: parsed.data };
  console.warn(`event ${channel} does not match the contract (${describe(parsed.error)})`);
  return undefined;
}
