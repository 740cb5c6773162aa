/** An error's message (or the thing itself, as text): what the engine tells a trader. */
export function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
