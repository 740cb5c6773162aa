import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { exportParameterSets, importParameterFile, savedParameterSets } from '../../app/parameter-home';
import { defaultDataDir, settingsFile } from '../../app/paths';
import { UsageError, type Values } from '../options';

/**
 * `params show | import FILE | export [--out=FILE]`: the parameter sets saved in the data folder,
 * the one home the desktop app edits and `trade` uses without --parameterSets.
 */
export function paramsCommand(args: string[], values: Values): number {
  const [sub = 'show', ...rest] = args;
  const dataDir = values['data-dir'] ? path.resolve(values['data-dir']) : defaultDataDir();
  const w = (l: string) => process.stdout.write(`${l}\n`);
  switch (sub) {
    case 'show': {
      if (rest.length > 0) throw new UsageError(`unexpected argument(s) after params show: ${rest.join(' ')}`);
      const saved = savedParameterSets(dataDir);
      w(`Parameter sets saved in ${saved.file}:`);
      for (const s of saved.sets)
        w(
          `  ${s.symbol.padEnd(10)} ${s.enabled ? '' : '(disabled) '}${s.allocationPercent}%  z >= ${s.zScoreThreshold} (exit <= ${s.exitZScore})  TP +${s.profitPercent}%  SL -${s.stopLossPercent}%  ${s.interval}, lookback ${s.lookback}`,
        );
      return 0;
    }
    case 'import': {
      const [file, ...more] = rest;
      if (!file || more.length > 0) throw new UsageError('params import takes one parameter file: params import FILE');
      const saved = importParameterFile(path.resolve(file), dataDir);
      w(
        `✔ ${saved.sets.length} parameter set(s) from ${path.resolve(file)} saved in ${saved.file}: the desktop app shows them, and trade uses them without --parameterSets`,
      );
      return 0;
    }
    case 'export': {
      if (rest.length > 0) throw new UsageError(`unexpected argument(s) after params export: ${rest.join(' ')}`);
      const json = `${JSON.stringify(exportParameterSets(dataDir), null, 2)}\n`;
      if (values.out) {
        writeFileSync(path.resolve(values.out), json);
        w(`✔ the saved parameter sets of ${settingsFile(dataDir)} written to ${path.resolve(values.out)}`);
      } else process.stdout.write(json);
      return 0;
    }
    default:
      throw new UsageError(
        `unknown params command "${sub}"; use params show, params import FILE or params export [--out=FILE]`,
      );
  }
}
