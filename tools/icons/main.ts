import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Resvg } from '@resvg/resvg-js';
import png2icons from 'png2icons';

/**
 * npm run icons: renders build/icon.svg (the one source) into what electron-builder takes from
 * build/ (its buildResources): icon.png (1024), icons/NxN.png for Linux, icon.ico (Windows),
 * icon.icns (macOS). The outputs are committed; tests/unit/build-icons.test.ts checks they match
 * the SVG, so an edit of the SVG without running this fails the suite.
 */
const BUILD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../build');
export const LINUX_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024] as const;

/** The SVG rendered at `size` pixels square, as PNG bytes. */
export function renderPng(svg: string, size: number): Buffer {
  return Buffer.from(new Resvg(svg, { fitTo: { mode: 'width', value: size } }).render().asPng());
}

/** Every file `npm run icons` writes, by its path under build/. */
export function iconFiles(svg: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const big = renderPng(svg, 1024);
  out.set('icon.png', big);
  for (const s of LINUX_SIZES) out.set(`icons/${s}x${s}.png`, s === 1024 ? big : renderPng(svg, s));
  const ico = png2icons.createICO(big, png2icons.BICUBIC2, 0, false, true);
  const icns = png2icons.createICNS(big, png2icons.BICUBIC2, 0);
  if (!ico || !icns) throw new Error('png2icons could not make icon.ico / icon.icns from the 1024 px PNG');
  out.set('icon.ico', ico);
  out.set('icon.icns', icns);
  return out;
}

export function readSvg(): string {
  return readFileSync(path.join(BUILD, 'icon.svg'), 'utf8');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  mkdirSync(path.join(BUILD, 'icons'), { recursive: true });
  for (const [name, bytes] of iconFiles(readSvg())) {
    writeFileSync(path.join(BUILD, name), bytes);
    console.log(`build/${name} (${bytes.length} bytes)`);
  }
}
