import type { ParameterSetInput } from '../../shared/params/schema';
import seedFile from '../../config/live-params.json' with { type: 'json' };

/**
 * The seed's parameter sets (config/live-params.json), bundled into the build: what a new settings
 * database starts with in the desktop app and the headless host.
 */
export function seedParameterSets(): ParameterSetInput[] {
  return structuredClone(seedFile.parameterSets) as ParameterSetInput[];
}
