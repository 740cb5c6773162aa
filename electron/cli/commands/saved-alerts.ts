import { existsSync } from 'node:fs';
import type { AlertDispatcher } from '../../app/alerts/alert-dispatcher';
import { settingsFile } from '../../app/paths';
import { seedParameterSets } from '../../app/seed-params';
import { KeytarSecretStore } from '../../adapters/secrets/keytar-secret-store';
import { AlertsService } from '../../host/alerts-service';
import { SettingsStore } from '../../store/settings-store';

/**
 * The alerts the desktop app saved in the data folder (Settings > Alerts), for a command-line
 * session given no alert options: the same service the host uses, so both shells send to the same
 * places. Undefined when the folder has no settings yet or none are saved; a setting that cannot be
 * used (the token unreadable, say) is said through `onProblem` and the session runs without it.
 */
export async function savedAlerts(
  dataDir: string,
  onProblem: (message: string) => void,
): Promise<AlertDispatcher | undefined> {
  const file = settingsFile(dataDir);
  if (!existsSync(file)) return undefined; // nothing saved; and no settings file is made for it
  let settings: SettingsStore | undefined;
  try {
    settings = SettingsStore.open(file, seedParameterSets());
    return await new AlertsService(settings, new KeytarSecretStore()).dispatcher(onProblem);
  } catch (e) {
    // A settings file that cannot be read never stops a session that names its own sets.
    onProblem(`the alerts saved in ${file} are not used: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  } finally {
    settings?.close();
  }
}
