import type { ErrorCode } from '../../shared/ipc/contract';

/**
 * An error a request handler throws on purpose, with the code the result should carry
 * ('failed' unless said otherwise). Its message is shown to the trader as it is: keep it free of
 * secrets and stacks, and say what to do.
 */
export class HostError extends Error {
  constructor(
    readonly code: Extract<ErrorCode, 'failed' | 'confirmation-required'>,
    message: string,
  ) {
    super(message);
    this.name = 'HostError';
  }
}
