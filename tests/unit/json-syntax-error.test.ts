import { describe, expect, it } from 'vitest';
import { ParamsService } from '../../electron/host/params-service';
import { describeJsonSyntaxError, lineColumn } from '../../shared/params/json-syntax';

/** What this Node's JSON.parse throws on `text`. */
function parseError(text: string): unknown {
  try {
    JSON.parse(text);
  } catch (e) {
    return e;
  }
  throw new Error(`${text} parsed`);
}

// A missing comma after `"allocationPercent": 33.3` on line 3: the parser stops at the next quote.
const MISSING_COMMA = [
  '{',
  '  "parameterSets": [',
  '    { "symbol": "BTCUSDT", "allocationPercent": 33.3 "zScoreThreshold": 5 }',
  '  ]',
  '}',
].join('\n');
const MISSING_COMMA_COLUMN = MISSING_COMMA.split('\n')[2]!.indexOf('"zScoreThreshold"') + 1;

describe('lineColumn', () => {
  it('counts 1-based lines and columns, with \\n, \\r\\n and a lone \\r as line ends', () => {
    expect(lineColumn('abc', 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn('abc', 2)).toEqual({ line: 1, column: 3 });
    expect(lineColumn('ab\ncd', 3)).toEqual({ line: 2, column: 1 });
    expect(lineColumn('ab\r\ncd', 5)).toEqual({ line: 2, column: 2 });
    expect(lineColumn('ab\rcd\nef', 7)).toEqual({ line: 3, column: 2 });
    // Offsets past either end are clamped.
    expect(lineColumn('ab\ncd', 99)).toEqual({ line: 2, column: 3 });
    expect(lineColumn('ab', -5)).toEqual({ line: 1, column: 1 });
  });
});

describe('describeJsonSyntaxError', () => {
  it("names the line and column of this Node's parse error", () => {
    const d = describeJsonSyntaxError(MISSING_COMMA, parseError(MISSING_COMMA));
    expect(d.line).toBe(3);
    expect(d.column).toBe(MISSING_COMMA_COLUMN);
    expect(d.message).toMatch(new RegExp(`^not valid JSON at line 3, column ${MISSING_COMMA_COLUMN}: Expected ','`));
    // The parser's own place is not repeated after the reason.
    expect(d.reason).not.toMatch(/position|line \d/);
  });

  it('reads "at position N" (Node 20) and "(line L column C)" (Node 22 and later)', () => {
    const text = '{\n  "a": 1\n  "b": 2\n}';
    expect(
      describeJsonSyntaxError(text, new SyntaxError("Expected ',' or '}' after property value in JSON at position 13")),
    ).toEqual({
      line: 3,
      column: 3,
      reason: "Expected ',' or '}' after property value",
      message: "not valid JSON at line 3, column 3: Expected ',' or '}' after property value",
    });
    expect(
      describeJsonSyntaxError(
        text,
        new SyntaxError("Expected ',' or '}' after property value in JSON at position 13 (line 3 column 3)"),
      ).message,
    ).toBe("not valid JSON at line 3, column 3: Expected ',' or '}' after property value");
    // Only a line and column given: taken as they are.
    expect(describeJsonSyntaxError(text, new SyntaxError('Bad thing (line 7 column 2)')).message).toBe(
      'not valid JSON at line 7, column 2: Bad thing',
    );
  });

  it('puts an early end of the text at its last character', () => {
    const text = '{\n  "parameterSets": [';
    const d = describeJsonSyntaxError(text, parseError(text));
    expect(d.message).toMatch(/^not valid JSON at line 2, column 21: /);
  });

  it("falls back to the parser's message when it names no place", () => {
    const d = describeJsonSyntaxError(
      '{"a": tru}',
      new SyntaxError(`Unexpected token '}', "{"a": tru}" is not valid JSON`),
    );
    expect(d).toMatchObject({ line: null, column: null });
    expect(d.message).toBe(`not valid JSON: Unexpected token '}', "{"a": tru}" is not valid JSON`);
    expect(describeJsonSyntaxError('x', 'odd').message).toBe('not valid JSON: odd');
  });
});

describe('params.import of a file that is not JSON', () => {
  it('answers the line and column, counted after a byte-order mark', () => {
    // import() reads no stored state.
    const service = new ParamsService(null as never, '/nowhere');
    const r = service.import(`\uFEFF${MISSING_COMMA}`);
    expect(r.sets).toEqual([]);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.path).toBe('(root)');
    expect(r.problems[0]!.message).toMatch(
      new RegExp(`^not valid JSON at line 3, column ${MISSING_COMMA_COLUMN}: Expected ','`),
    );
  });
});
