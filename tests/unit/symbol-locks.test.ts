import { describe, expect, it } from 'vitest';
import { SymbolLocks } from '../../electron/core/engine/symbol-locks';

/** A promise and the function that settles it. */
function gate(): { open: () => void; wait: Promise<void> } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { open, wait };
}
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('SymbolLocks', () => {
  it('runs one operation of a symbol at a time, in order, each with its own result or error', async () => {
    const locks = new SymbolLocks();
    const log: string[] = [];
    const a = gate();
    const first = locks.run('BTCUSDT', async () => {
      log.push('a start');
      await a.wait;
      log.push('a end');
      return 1;
    });
    const second = locks.run('BTCUSDT', async () => {
      log.push('b');
      throw new Error('b failed');
    });
    const third = locks.run('BTCUSDT', async () => {
      log.push('c');
      return 3;
    });
    await tick();
    expect(log).toEqual(['a start']);
    a.open();
    expect(await first).toBe(1);
    await expect(second).rejects.toThrow('b failed');
    expect(await third).toBe(3);
    expect(log).toEqual(['a start', 'a end', 'b', 'c']);
  });

  it('an operation queued after the first ended still waits for the one running (the tail is not dropped early)', async () => {
    const locks = new SymbolLocks();
    const log: string[] = [];
    const b = gate();
    const first = locks.run('BTCUSDT', async () => log.push('a'));
    const second = locks.run('BTCUSDT', async () => {
      log.push('b start');
      await b.wait;
      log.push('b end');
    });
    await first;
    await tick(); // the first one's clean-up has run; the second is running
    const third = locks.run('BTCUSDT', async () => log.push('c'));
    await tick();
    expect(log).toEqual(['a', 'b start']);
    b.open();
    await Promise.all([second, third]);
    expect(log).toEqual(['a', 'b start', 'b end', 'c']);
  });

  it('other symbols are not held up, and nothing is kept once every operation has ended', async () => {
    const locks = new SymbolLocks();
    const slow = gate();
    const btc = locks.run('BTCUSDT', () => slow.wait);
    let ethRan = false;
    await locks.run('ETHUSDT', async () => {
      ethRan = true;
    });
    expect(ethRan).toBe(true);
    await tick();
    expect(locks.size).toBe(1);
    slow.open();
    await btc;
    await tick();
    expect(locks.size).toBe(0);
  });
});
