import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

export const APP_NAME = 'Tranche';

/**
 * Where Tranche keeps its ledgers and settings: the folder Electron's app.getPath('userData')
 * gives for an app named Tranche, so the desktop app, the CLI and the headless host (which
 * cannot load Electron) all find the same files. TRANCHE_DATA_DIR overrides it.
 *
 * Electron's appData is %APPDATA% on Windows, ~/Library/Application Support on macOS, and
 * $XDG_CONFIG_HOME or ~/.config elsewhere; userData is appData/<app name>.
 */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  const override = env.TRANCHE_DATA_DIR;
  if (override) return override;
  // The target platform's path rules, not the host's, so each branch is testable anywhere.
  switch (platform) {
    case 'win32':
      return path.win32.join(env.APPDATA || path.win32.join(home, 'AppData', 'Roaming'), APP_NAME);
    case 'darwin':
      return path.posix.join(home, 'Library', 'Application Support', APP_NAME);
    default: {
      // The XDG spec says to ignore a relative XDG_CONFIG_HOME, and Chromium does.
      const xdg = env.XDG_CONFIG_HOME;
      return path.posix.join(xdg && path.posix.isAbsolute(xdg) ? xdg : path.posix.join(home, '.config'), APP_NAME);
    }
  }
}

/**
 * The default ledger file for a mode: paper -> `<dir>/paper.sqlite`, live ->
 * `<dir>/live-<environment>.sqlite`. Paper and live (and each live environment) get their own
 * file, so one can never be opened as the other by default; the ledger's own meta check catches
 * an explicit --db that mixes them.
 */
export function defaultLedgerFile(
  mode: 'paper' | 'live',
  environment: string,
  dataDir: string = defaultDataDir(),
): string {
  if (mode === 'paper') return path.join(dataDir, 'paper.sqlite');
  if (!/^[a-z0-9][a-z0-9-]*$/.test(environment)) {
    throw new Error(
      `environment must be lower-case letters, digits and dashes to name a ledger file, got ${JSON.stringify(environment)}`,
    );
  }
  return path.join(dataDir, `live-${environment}.sqlite`);
}

/** The ledger of a replay folder: `<dataDir>/replay-<folder name>-<8 hex of its path>.sqlite` (each folder its own). */
export function replayLedgerFile(replayDir: string, dataDir: string = defaultDataDir()): string {
  // The folder's name for the trader, and a digest of its whole path so that two folders of one
  // name (/x/a/seed, /x/b/seed) never share a ledger (one once resumed into the other's trades).
  const name = path.basename(replayDir).replace(/[^A-Za-z0-9_-]/g, '_');
  const digest = createHash('sha256').update(path.resolve(replayDir)).digest('hex').slice(0, 8);
  return path.join(dataDir, `replay-${name}-${digest}.sqlite`);
}

/** The settings database of the desktop app and the headless host (parameter sets, paper settings). */
export function settingsFile(dataDir: string = defaultDataDir()): string {
  return path.join(dataDir, 'tranche.sqlite');
}
