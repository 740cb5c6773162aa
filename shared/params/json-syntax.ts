/**
 * Where JSON.parse gave up, in words a trader can find in an editor: "line 3, column 14". V8's
 * messages carry the place in one of several forms, depending on its version:
 *   "Expected ',' or '}' after property value in JSON at position 27"               (Node 20)
 *   "Expected ',' or '}' after property value in JSON at position 27 (line 3 column 14)" (Node 22+)
 *   "Unexpected end of JSON input"                                                    (the text ends early)
 *   "Unexpected token 'x', "..." is not valid JSON"                                   (no place given)
 */

/** 1-based line and column of a character offset; "\n", "\r\n" and a lone "\r" each end a line. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  const end = Math.max(0, Math.min(offset, text.length));
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a)) {
      line++;
      column = 1;
    } else if (c !== 0x0d) column++;
  }
  return { line, column };
}

interface JsonSyntaxError {
  /** 1-based, or null when the parser's message names no place. */
  line: number | null;
  column: number | null;
  /** The parser's reason without its own place ("Expected ',' or '}' after property value"). */
  reason: string;
  /** "not valid JSON at line 3, column 14: Expected ',' or '}' after property value". */
  message: string;
}

const POSITION = /\s*(?:in JSON )?at position (\d+)/;
const LINE_COLUMN = /\s*\(line (\d+) column (\d+)\)/;

/**
 * The place and reason of a JSON.parse error on `text` (the very string that was parsed). Falls
 * back to the parser's own message when it names no place.
 */
export function describeJsonSyntaxError(text: string, error: unknown): JsonSyntaxError {
  const raw = (error instanceof Error ? error.message : String(error)).trim();
  let where: { line: number; column: number } | null = null;
  const pos = POSITION.exec(raw);
  const lc = LINE_COLUMN.exec(raw);
  if (pos) where = lineColumn(text, Number(pos[1]));
  else if (lc) where = { line: Number(lc[1]), column: Number(lc[2]) };
  else if (/unexpected end of JSON input/i.test(raw)) where = lineColumn(text, text.length);
  const reason = raw.replace(LINE_COLUMN, '').replace(POSITION, '').trim() || 'not valid JSON';
  const at = where ? ` at line ${where.line}, column ${where.column}` : '';
  return {
    line: where?.line ?? null,
    column: where?.column ?? null,
    reason,
    message: `not valid JSON${at}: ${reason}`,
  };
}
