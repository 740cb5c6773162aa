/**
 * Bounds on JSON that comes from outside (a page over the WebSocket or Electron IPC, a parameter file),
 * checked on the text before JSON.parse: parsing, validating and answering deeply nested input
 * recurses, and a 9 KB message nested 4,500 deep once overflowed the stack of JSON.stringify while
 * the host answered it.
 */

/** Arrays and objects inside one another, at most (a parameter file needs 3). */
const MAX_JSON_DEPTH = 32;

/**
 * How deep the text's arrays and objects nest, counting only brackets outside strings; stops
 * counting (and returns a value above `limit`) as soon as `limit` is passed. Linear in the text.
 */
function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/** A named problem when the text nests deeper than allowed, else undefined. */
export function depthProblem(text: string, what: string): string | undefined {
  return jsonDepth(text) > MAX_JSON_DEPTH
    ? `${what} nests arrays or objects more than ${MAX_JSON_DEPTH} deep: not accepted`
    : undefined;
}

/** Values (objects, arrays and leaves) one request may carry: far above any real one. */
const MAX_INPUT_NODES = 200_000;

/**
 * A named problem when a request's input (already parsed: JSON from the WebSocket, a structured
 * clone from Electron's IPC) nests deeper than MAX_JSON_DEPTH or holds more than MAX_INPUT_NODES
 * values; undefined when it is within bounds. Iterative, and it stops at the first bound passed.
 */
export function inputProblem(input: unknown): string | undefined {
  const stack: [unknown, number][] = [[input, 1]];
  let nodes = 0;
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (++nodes > MAX_INPUT_NODES) return `the input holds more than ${MAX_INPUT_NODES} values: not accepted`;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_JSON_DEPTH)
      return `the input nests arrays or objects more than ${MAX_JSON_DEPTH} deep: not accepted`;
    for (const child of Array.isArray(value) ? value : Object.values(value)) stack.push([child, depth + 1]);
  }
  return undefined;
}
