// npm run electronegativity: @doyensec/electronegativity 1.10 requires 'commander' without
// declaring it, written for commander 5's default export; the project's own commander 14 (the
// CLI's parser) is found first and breaks it ("version is not a function"). This loads the tool
// with commander 5: the copy @electron/asar brings.
import Module, { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const asar = path.dirname(require.resolve('@electron/asar/package.json'));
const commander5 = require.resolve('commander', { paths: [asar] });
const tool = `${path.sep}@doyensec${path.sep}electronegativity${path.sep}`;
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  if (request === 'commander' && parent?.filename?.includes(tool)) return commander5;
  return resolve.call(this, request, parent, ...rest);
};
require('@doyensec/electronegativity/dist/index.js');
