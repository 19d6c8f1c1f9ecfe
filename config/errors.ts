/** Bad usage or configuration: the message says what to fix; exit code 2; nothing was changed. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
