import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { iconFiles, LINUX_SIZES, readSvg } from '../../tools/icons/main';

/**
 * build/, electron-builder's buildResources: the icons rendered from build/icon.svg are the ones
 * committed (an SVG edited without `npm run icons` fails here), each the size it says, the ICO and
 * ICNS well-formed, and the Linux desktop entry the one electron-builder.yml writes.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BUILD = path.join(ROOT, 'build');

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): [number, number] {
  expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
  return [png.readUInt32BE(16), png.readUInt32BE(20)];
}

describe('build/: icons and the desktop entry', () => {
  it('the committed icons are what build/icon.svg renders to', () => {
    const want = iconFiles(readSvg());
    expect([...want.keys()].sort()).toEqual(
      ['icon.png', 'icon.ico', 'icon.icns', ...LINUX_SIZES.map((s) => `icons/${s}x${s}.png`)].sort(),
    );
    for (const [name, bytes] of want) {
      const file = path.join(BUILD, name);
      expect(existsSync(file), `${name} is missing: run npm run icons`).toBe(true);
      expect(readFileSync(file).equals(bytes), `${name} differs from icon.svg: run npm run icons`).toBe(true);
    }
  });

  it('each PNG is the size its name says; the ICO and ICNS are well-formed', () => {
    expect(pngSize(readFileSync(path.join(BUILD, 'icon.png')))).toEqual([1024, 1024]);
    for (const s of LINUX_SIZES) expect(pngSize(readFileSync(path.join(BUILD, `icons/${s}x${s}.png`)))).toEqual([s, s]);
    const ico = readFileSync(path.join(BUILD, 'icon.ico'));
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2)]).toEqual([0, 1]); // reserved, type 1 = icon
    expect(ico.readUInt16LE(4)).toBeGreaterThanOrEqual(4); // several sizes
    const icns = readFileSync(path.join(BUILD, 'icon.icns'));
    expect(icns.subarray(0, 4).toString('ascii')).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
  });

  it('electron-builder.yml points at them and writes the desktop entry build/tranche.desktop holds', () => {
    const config = parse(readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as {
      directories: { buildResources: string };
      icon: string;
      linux: { icon: string; desktop: { entry: Record<string, string> } };
      mac: { icon: string };
      win: { icon: string };
    };
    expect(config.directories.buildResources).toBe('build');
    for (const p of [config.icon, config.linux.icon, config.mac.icon, config.win.icon])
      expect(existsSync(path.join(ROOT, p)), p).toBe(true);
    const lines = readFileSync(path.join(BUILD, 'tranche.desktop'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('[Desktop Entry]');
    const entry = Object.fromEntries(lines.slice(1).map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]));
    // electron-builder writes these itself (the installed binary and icon names).
    for (const k of ['Exec', 'Icon', 'Type', 'Terminal']) delete entry[k];
    expect(config.linux.desktop.entry).toEqual(entry);
  });
});
