import type { FaultPlan, UserStreamChaos } from './faults';
import { mulberry32, shuffled } from './prng';
import { BinanceError } from './router';

/**
 * User data stream subscriptions on WebSocket API connections: each has an id (per connection,
 * from 0) and an account; the matching engine's events for that account go to every subscription
 * as `{"subscriptionId": N, "event": {...}}`, one batch per operation (its executionReports and
 * listStatus, then its outboundAccountPosition).
 *
 * Delivery is orderly unless the fault plan says otherwise: `setUserStreamChaos` reorders, delays
 * and duplicates events per subscription from a seeded generator (Binance does not promise any
 * order between the events of an operation), and `dropNextUserEvents` loses some without a
 * disconnect. A subscription ends by unsubscribing, by session.logout (for one started by
 * userDataStream.subscribe), by `terminate` (Binance's eventStreamTerminated), or with its
 * connection; events still delayed for it are then never sent.
 */

export interface SubscriberConnection {
  /** Next subscription id on this connection (Binance counts from 0 per connection). */
  nextSubscriptionId: number;
  send(payload: unknown): void;
}

/** How a subscription was started: userDataStream.subscribe.signature, or userDataStream.subscribe on a logged-on session. */
export type SubscriptionKind = 'signature' | 'logon';

interface Subscription {
  conn: SubscriberConnection;
  id: number;
  apiKey: string;
  kind: SubscriptionKind;
  /** Order of creation among all subscriptions: seeds its chaos generator. */
  serial: number;
  active: boolean;
  random?: { version: number; next: () => number };
}

interface Waiter {
  apiKey: string | undefined;
  resolve: () => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

type UserEvent = Record<string, unknown>;

export class UserStreams {
  private subs: Subscription[] = [];
  private waiters: Waiter[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private serials = 0;

  constructor(
    private readonly faults: FaultPlan,
    private readonly clock: () => number,
  ) {}

  /** Starts a subscription; -2035 when this connection already has one for the account. */
  subscribe(conn: SubscriberConnection, apiKey: string, kind: SubscriptionKind = 'signature'): number {
    if (this.subs.some((s) => s.conn === conn && s.apiKey === apiKey))
      throw new BinanceError(400, -2035, 'User Data Stream subscription already active.');
    const id = conn.nextSubscriptionId++;
    this.subs.push({ conn, id, apiKey, kind, serial: this.serials++, active: true });
    this.waiters = this.waiters.filter((w) => {
      if (w.apiKey !== undefined && w.apiKey !== apiKey) return true;
      clearTimeout(w.timer);
      w.resolve();
      return false;
    });
    return id;
  }

  /** Ends one subscription of the connection, or all of them (or those of one kind); returns the ids ended. */
  unsubscribe(conn: SubscriberConnection, id?: number, kind?: SubscriptionKind): number[] {
    const ended = this.subs.filter(
      (s) => s.conn === conn && (id === undefined || s.id === id) && (kind === undefined || s.kind === kind),
    );
    this.end(ended);
    return ended.map((s) => s.id);
  }

  /**
   * Ends the subscriptions of an account (or all) as Binance does, with an eventStreamTerminated
   * event on each (user-data-stream.md "Event Stream Terminated"); their connections stay open.
   * Returns how many ended.
   */
  terminate(apiKey?: string): number {
    const ended = this.subs.filter((s) => apiKey === undefined || s.apiKey === apiKey);
    this.end(ended);
    for (const s of ended)
      s.conn.send({ subscriptionId: s.id, event: { e: 'eventStreamTerminated', E: this.clock() } });
    return ended.length;
  }

  ids(conn: SubscriberConnection): number[] {
    return this.subs.filter((s) => s.conn === conn).map((s) => s.id);
  }

  /** Forgets a closed connection's subscriptions. */
  dropConnection(conn: SubscriberConnection): void {
    this.end(this.subs.filter((s) => s.conn === conn));
  }

  /** Sends the events of one operation for an account to its subscribers. */
  publish(apiKey: string, events: readonly UserEvent[]): void {
    const subs = this.subs.filter((s) => s.apiKey === apiKey);
    if (subs.length === 0 || events.length === 0) return;
    const kept = events.slice(this.faults.takeDroppedUserEvents(events.length));
    for (const s of subs) this.deliver(s, kept);
  }

  /** Active subscriptions (for one account, or all). */
  count(apiKey?: string): number {
    return this.subs.filter((s) => apiKey === undefined || s.apiKey === apiKey).length;
  }

  /** Resolves once some connection subscribed to the account's events (at once if one has). */
  waitForSubscriber(apiKey: string | undefined, timeoutMs = 5000): Promise<void> {
    if (this.count(apiKey) > 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        apiKey,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new Error(`fake-binance: no user data stream subscription within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  close(): void {
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new Error('fake-binance closed'));
    }
    this.waiters = [];
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.end(this.subs);
  }

  private end(ended: readonly Subscription[]): void {
    for (const s of ended) s.active = false;
    this.subs = this.subs.filter((s) => s.active);
  }

  private deliver(sub: Subscription, events: readonly UserEvent[]): void {
    const send = (event: UserEvent): void => {
      if (sub.active) sub.conn.send({ subscriptionId: sub.id, event });
    };
    const chaos = this.faults.userStreamChaos;
    if (!chaos) {
      for (const e of events) send(e);
      return;
    }
    const random = this.generator(sub, chaos);
    for (const { event, delayMs } of disorder(events, chaos, random)) {
      if (delayMs <= 0) {
        send(event);
        continue;
      }
      const t = setTimeout(() => {
        this.timers.delete(t);
        send(event);
      }, delayMs);
      this.timers.add(t);
    }
  }

  /** The subscription's generator, restarted from the seed whenever the chaos settings change. */
  private generator(sub: Subscription, chaos: UserStreamChaos): () => number {
    const version = this.faults.userStreamChaosVersion;
    if (!sub.random || sub.random.version !== version)
      sub.random = { version, next: mulberry32((chaos.seed + Math.imul(sub.serial, 0x9e3779b1)) >>> 0) };
    return sub.random.next;
  }
}

/** The events of one batch as chaos delivers them: reordered, some twice, each with its own delay. */
function disorder(
  events: readonly UserEvent[],
  chaos: UserStreamChaos,
  random: () => number,
): { event: UserEvent; delayMs: number }[] {
  let order = [...events];
  if (chaos.balanceFirst) {
    const balance = (e: UserEvent): boolean => e.e === 'outboundAccountPosition';
    order = [...order.filter(balance), ...order.filter((e) => !balance(e))];
  }
  if (chaos.shuffle) order = shuffled(order, random);
  const out: { event: UserEvent; delayMs: number }[] = [];
  // Whole milliseconds (what timers resolve anyway), so that the order of arrival follows from the seed.
  const delay = (): number => {
    if (!chaos.delayMs) return 0;
    const [min, max] = chaos.delayMs;
    return Math.round(min + random() * (max - min));
  };
  for (const event of order) {
    out.push({ event, delayMs: delay() });
    if (chaos.duplicate && random() < chaos.duplicate) out.push({ event, delayMs: delay() });
  }
  return out;
}
