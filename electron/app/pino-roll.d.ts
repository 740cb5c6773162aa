// pino-roll 4 ships no types: what session-log.ts uses of it.
declare module 'pino-roll' {
  import type { DestinationStream } from 'pino';
  interface PinoRollOptions {
    file: string;
    size?: string | number;
    extension?: string;
    mkdir?: boolean;
    symlink?: boolean;
    limit?: { count?: number };
  }
  export default function roll(
    options: PinoRollOptions,
  ): Promise<DestinationStream & NodeJS.EventEmitter & { end(): void; flushSync(): void }>;
}
