import { BinanceError } from './router';

/**
 * User data stream subscriptions on WebSocket API connections: each has an id (per connection,
 * from 0) and an account; the matching engine's events for that account go to every subscription
 * as `{"subscriptionId": N, "event": {...}}`.
 */

export interface SubscriberConnection {
  /** Next subscription id on this connection (Binance counts from 0 per connection). */
  nextSubscriptionId: number;
  send(payload: unknown): void;
}

interface Subscription {
  conn: SubscriberConnection;
  id: number;
  apiKey: string;
}

interface Waiter {
  apiKey: string | undefined;
  resolve: () => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class UserStreams {
  private subs: Subscription[] = [];
  private waiters: Waiter[] = [];

  /** Starts a subscription; -2035 when this connection already has one for the account. */
  subscribe(conn: SubscriberConnection, apiKey: string): number {
    if (this.subs.some((s) => s.conn === conn && s.apiKey === apiKey))
      throw new BinanceError(400, -2035, 'User Data Stream subscription already active.');
    const id = conn.nextSubscriptionId++;
    this.subs.push({ conn, id, apiKey });
    this.waiters = this.waiters.filter((w) => {
      if (w.apiKey !== undefined && w.apiKey !== apiKey) return true;
      clearTimeout(w.timer);
      w.resolve();
      return false;
    });
    return id;
  }

  /** Ends one subscription of the connection, or all of them; returns the ids ended. */
  unsubscribe(conn: SubscriberConnection, id?: number): number[] {
    const ended = this.subs.filter((s) => s.conn === conn && (id === undefined || s.id === id));
    this.subs = this.subs.filter((s) => !ended.includes(s));
    return ended.map((s) => s.id);
  }

  ids(conn: SubscriberConnection): number[] {
    return this.subs.filter((s) => s.conn === conn).map((s) => s.id);
  }

  /** Forgets a closed connection's subscriptions. */
  dropConnection(conn: SubscriberConnection): void {
    this.subs = this.subs.filter((s) => s.conn !== conn);
  }

  publish(apiKey: string, event: unknown): void {
    for (const s of this.subs) if (s.apiKey === apiKey) s.conn.send({ subscriptionId: s.id, event });
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
    this.subs = [];
  }
}
