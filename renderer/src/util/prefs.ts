/** Small UI preferences in localStorage (theme, notifications); never anything secret. */
export function readPref(key: string): string | null {
  try {
    return globalThis.localStorage?.getItem(`tranche.${key}`) ?? null;
  } catch {
    return null;
  }
}

export function writePref(key: string, value: string): void {
  try {
    globalThis.localStorage?.setItem(`tranche.${key}`, value);
  } catch {
    // storage disabled: the preference lasts for this session only
  }
}
