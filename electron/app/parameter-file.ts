import { readFileSync } from 'node:fs';
import { depthProblem } from '../../shared/params/json-limits';
import { describeJsonSyntaxError } from '../../shared/params/json-syntax';
import { formatProblems, validateParameterFile, type ParameterSet } from '../../shared/params/schema';

/** A parameter file's size at most, in characters (one of 100 sets is about 20 KB). */
const MAX_FILE_CHARS = 256 * 1024;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates a parameter file. Throws a ConfigError that names the file and every
 * problem (JSON path and what to change); nothing else happens on a rejected file.
 */
export function loadParameterFile(file: string): { sets: ParameterSet[]; quoteAsset: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a folder'
          : code === 'EACCES'
            ? 'permission denied'
            : String(code ?? e);
    throw new ConfigError(
      `cannot read parameter file ${file}: ${why}.\n  Pass --parameterSets=PATH to a JSON file shaped { "parameterSets": [ { "symbol": "BTCUSDT", "allocationPercent": 33.3, "zScoreThreshold": 5, "profitPercent": 15, "stopLossPercent": 2 } ] }`,
    );
  }
  if (text.length > MAX_FILE_CHARS)
    throw new ConfigError(`parameter file ${file} is ${text.length} characters: a parameter file is at most 256 KB`);
  const deep = depthProblem(text, `parameter file ${file}`);
  if (deep) throw new ConfigError(deep);
  let data: unknown;
  const json = text.replace(/^\uFEFF/, '');
  try {
    data = JSON.parse(json);
  } catch (e) {
    // "parameter file F is not valid JSON at line 3, column 14: Expected ',' or '}' after property value"
    throw new ConfigError(`parameter file ${file} is ${describeJsonSyntaxError(json, e).message}`);
  }
  const result = validateParameterFile(data);
  if (!result.ok) {
    throw new ConfigError(
      `parameter file ${file} is rejected (${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}); nothing was started:\n${formatProblems(result.problems)}`,
    );
  }
  if (!result.sets.some((s) => s.enabled))
    throw new ConfigError(
      `every parameter set in ${file} is disabled ("enabled": false): nothing would trade; enable at least one`,
    );
  return { sets: result.sets, quoteAsset: result.quoteAsset };
}
