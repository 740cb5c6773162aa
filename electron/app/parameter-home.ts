/**
 * The one home of the parameter sets: the data folder's settings (`<dataDir>/tranche.sqlite`),
 * which the desktop app and the headless host edit and the command line trades when it is given no
 * file. The seed's `--parameterSets=FILE` still trades that file; `tranche params import FILE` makes
 * a file the home's sets. A new home starts with the seed's sets (config/live-params.json).
 */
import {
  formatProblems,
  validateParameterFile,
  type ParameterSet,
  type ParameterSetInput,
} from '../../shared/params/schema';
import { SettingsStore } from '../store/settings-store';
import { ConfigError, loadParameterFile } from './parameter-file';
import { settingsFile } from './paths';
import { seedParameterSets } from './seed-params';

export interface SavedSets {
  sets: ParameterSet[];
  quoteAsset: string;
  /** Where they live. */
  file: string;
}

function withHome<T>(dataDir: string, use: (store: SettingsStore) => T): T {
  const store = SettingsStore.open(settingsFile(dataDir), seedParameterSets());
  try {
    return use(store);
  } finally {
    store.close();
  }
}

/** The home's sets, checked as a parameter file is (a ConfigError names every problem). */
export function savedParameterSets(dataDir: string): SavedSets {
  const file = settingsFile(dataDir);
  const raw = withHome(dataDir, (s) => s.parameterSets());
  const v = validateParameterFile({ parameterSets: raw });
  if (!v.ok)
    throw new ConfigError(
      `the saved parameter sets in ${file} are rejected (${v.problems.length} problem${v.problems.length === 1 ? '' : 's'}); fix them in the app or import a file (tranche params import FILE):\n${formatProblems(v.problems)}`,
    );
  if (!v.sets.some((s) => s.enabled))
    throw new ConfigError(
      `every saved parameter set in ${file} is disabled: nothing would trade; enable one in the app, or pass --parameterSets=FILE`,
    );
  return { sets: v.sets, quoteAsset: v.quoteAsset, file };
}

/** The home's sets as the trader wrote them (the seed's JSON shape), for export. */
export function exportParameterSets(dataDir: string): { parameterSets: ParameterSetInput[] } {
  return { parameterSets: withHome(dataDir, (s) => s.parameterSets()) };
}

/** Makes a parameter file (the seed's shape) the home's sets, after the same checks as trading it. */
export function importParameterFile(file: string, dataDir: string): SavedSets {
  const { sets, quoteAsset } = loadParameterFile(file);
  // Saved as the trader's input (every field, defaults filled in): the assets are derived from the symbol.
  const inputs = sets.map(({ baseAsset: _b, quoteAsset: _q, ...input }) => input as ParameterSetInput);
  withHome(dataDir, (s) => s.saveParameterSets(inputs));
  return { sets, quoteAsset, file: settingsFile(dataDir) };
}
