import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { OPTIONS, type OptionName, type Values } from '../../electron/cli/option-catalogue';
import { buildProgram, type Handlers } from '../../electron/cli/program';

/**
 * The command line's grammar, in process: each command takes only its own options, a near miss is
 * answered with the name meant, every option of the catalogue belongs to some command, and every
 * command line the README and docs/ show parses as written.
 */
const ROOT = path.resolve(__dirname, '../..');
const NAMES = ['trade', 'status', 'log', 'emergencyStop', 'clearAllocations', 'params', 'keys', 'serve'] as const;

interface Parsed {
  code: number;
  ran?: { handler: string; args: string[]; values: Values };
  err: string;
  out: string;
}

async function parse(argv: string[]): Promise<Parsed> {
  const r: Parsed = { code: -1, err: '', out: '' };
  const handlers = Object.fromEntries(
    NAMES.map((n) => [
      n,
      (args: string[], values: Values) => {
        r.ran = { handler: n, args, values };
        return 0;
      },
    ]),
  ) as unknown as Handlers;
  const program = buildProgram(handlers, (c) => (r.code = c), {
    writeErr: (s) => (r.err += s),
    writeOut: (s) => (r.out += s),
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    r.code = e.exitCode === 0 ? 0 : 2;
  }
  return r;
}

/** What each npm script puts before the user's arguments (package.json). */
function scriptPrefix(script: string): string[] {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const cmd = pkg.scripts[script]!;
  return cmd.split('electron/cli/main.ts')[1]!.trim().split(/\s+/).filter(Boolean);
}

/** Every `npm run <cli script> -- ...` command line in the README and docs/, as written. */
function documentedCommandLines(): Array<{ where: string; argv: string[] }> {
  const files = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).map((f) => `docs/${f}`)].filter((f) =>
    f.endsWith('.md'),
  );
  const found: Array<{ where: string; argv: string[] }> = [];
  const re = /npm run (startTrading|status|emergencyStop|tranche|keys|serve)\b((?: -- [^`#|&\n]*)?)/g;
  for (const f of files) {
    const text = readFileSync(path.join(ROOT, f), 'utf8');
    // Code blocks: shell continuations joined. Prose: inline code spans joined across lines.
    const parts = text
      .split('```')
      .map((part, i) =>
        i % 2 === 1 ? part.replace(/\\\n\s*/g, ' ') : part.replace(/`[^`]+`/g, (span) => span.replace(/\n\s*/g, ' ')),
      );
    for (const part of parts)
      for (const m of part.matchAll(re)) {
        const rest = (m[2] ?? '').replace(/^ -- /, '').trim();
        const args = rest ? rest.split(/\s+/) : [];
        found.push({ where: `${f}: ${m[0].trim()}`, argv: [...scriptPrefix(m[1]!), ...args] });
      }
  }
  return found;
}

describe('the command line', () => {
  it('every command line in the README and docs/ parses as written', async () => {
    const lines = documentedCommandLines();
    expect(lines.length).toBeGreaterThan(25);
    const refused: string[] = [];
    for (const { where, argv } of lines) {
      const r = await parse(argv);
      if (r.code !== 0) refused.push(`${where}\n    ${r.err.trim()}`);
    }
    expect(refused).toEqual([]);
  });

  it('a near miss is refused with the option or command meant', async () => {
    let r = await parse(['trade', '--paper', '--parameterSet=x.json']);
    expect(r.code).toBe(2);
    expect(r.ran).toBeUndefined();
    expect(r.err).toContain("✖ unknown option '--parameterSet'\n(Did you mean --parameterSets?)");
    r = await parse(['stauts']);
    expect(r.err).toContain("✖ unknown command 'stauts'\n(Did you mean status?)");
    r = await parse(['keys', 'lsit']);
    expect(r.err).toContain('(Did you mean list?)');
  });

  it('each command takes only its own options: status has no fee rate, trade no port', async () => {
    expect((await parse(['status', '--fee-rate=0.5'])).err).toContain("unknown option '--fee-rate'");
    expect((await parse(['trade', '--port=80'])).err).toContain("unknown option '--port'");
    expect((await parse(['log', 'extra'])).err).toContain("too many arguments for 'log'");
    const ok = await parse(['trade', '--paper', '--fee-rate=0.002', '--parameterSets', 'a.json']);
    expect(ok.ran).toEqual({
      handler: 'trade',
      args: [],
      values: { paper: true, 'fee-rate': '0.002', parameterSets: 'a.json' },
    });
    expect((await parse(['params', 'import', 'sets.json'])).ran).toMatchObject({
      handler: 'params',
      args: ['import', 'sets.json'],
    });
    expect((await parse(['params'])).ran).toMatchObject({ handler: 'params', args: ['show'] });
    expect((await parse(['keys', 'set', '--env=testnet', '--force'])).ran).toEqual({
      handler: 'keys',
      args: ['set'],
      values: { env: 'testnet', force: true },
    });
  });

  it("every option in the catalogue belongs to a command, and each command's help lists exactly its own", async () => {
    const commands: string[][] = [
      ['trade'],
      ['status'],
      ['log'],
      ['emergency-stop'],
      ['clear-allocations'],
      ['params', 'show'],
      ['params', 'import'],
      ['params', 'export'],
      ['keys', 'list'],
      ['keys', 'set'],
      ['keys', 'test'],
      ['keys', 'delete'],
      ['serve'],
    ];
    const used = new Set<string>();
    for (const c of commands) {
      const r = await parse([...c, '--help']);
      expect(r.code, c.join(' ')).toBe(0);
      const listed = [...r.out.matchAll(/^ {2}(--[a-zA-Z-]+)/gm)]
        .map((m) => m[1]!.slice(2))
        .filter((o) => o !== 'help');
      for (const o of listed) {
        expect(Object.keys(OPTIONS), `${c.join(' ')} --help lists --${o}`).toContain(o);
        used.add(o);
        // Listed, so taken.
        const flag = OPTIONS[o as OptionName][0];
        const argv = [...c, flag.includes('<') ? `--${o}=x` : `--${o}`, ...(c[1] === 'import' ? ['f.json'] : [])];
        expect((await parse(argv)).code, argv.join(' ')).toBe(0);
      }
    }
    expect([...used].sort()).toEqual(Object.keys(OPTIONS).sort());
  });
});
