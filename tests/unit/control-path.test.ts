import { describe, expect, it } from 'vitest';
import { controlPathFor, maxSocketPathBytes } from '../../electron/app/control-path';
import { LineReader, LineTooLong } from '../../electron/app/control-protocol';

describe('controlPathFor', () => {
  it('puts the socket beside the ledger when the path fits the OS limit', () => {
    expect(controlPathFor('/home/ann/.config/Tranche/paper.sqlite', 'linux', '/tmp', 1000)).toEqual({
      path: '/home/ann/.config/Tranche/paper.sqlite.ctl',
    });
    const exact = `/${'a'.repeat(maxSocketPathBytes('linux') - 5)}`; // + ".ctl" is the limit, to the byte
    expect(controlPathFor(exact, 'linux', '/tmp', 1000).path).toBe(`${exact}.ctl`);
  });

  it('uses a hashed name in a user-only temp folder when it does not (104 bytes on macOS, 108 on Linux)', () => {
    const long = `/Users/ann/Library/Application Support/Tranche/${'x'.repeat(48)}.sqlite`;
    expect(Buffer.byteLength(`${long}.ctl`)).toBeGreaterThan(103);
    expect(Buffer.byteLength(`${long}.ctl`)).toBeLessThanOrEqual(107);
    expect(controlPathFor(long, 'linux', '/tmp', 501).path).toBe(`${long}.ctl`);
    const mac = controlPathFor(long, 'darwin', '/var/folders/zz/abc/T', 501);
    expect(mac.privateDir).toBe('/var/folders/zz/abc/T/tranche-501');
    expect(mac.path).toMatch(/^\/var\/folders\/zz\/abc\/T\/tranche-501\/[0-9a-f]{24}\.ctl$/);
    // One ledger, one name; another ledger, another name.
    expect(controlPathFor(long, 'darwin', '/var/folders/zz/abc/T', 501).path).toBe(mac.path);
    expect(controlPathFor(`${long}2`, 'darwin', '/var/folders/zz/abc/T', 501).path).not.toBe(mac.path);
    // Multi-byte characters count as the bytes they are.
    const accents = `/home/${'é'.repeat(50)}/paper.sqlite`;
    expect(controlPathFor(accents, 'linux', '/tmp', 1000).privateDir).toBe('/tmp/tranche-1000');
  });

  it('is a named pipe on Windows, the same for any case of the path', () => {
    const a = controlPathFor('C:\\Users\\Ann\\AppData\\Roaming\\Tranche\\paper.sqlite', 'win32');
    expect(a.path).toMatch(/^\\\\\.\\pipe\\tranche-[0-9a-f]{24}$/);
    expect(controlPathFor('c:\\users\\ann\\appdata\\roaming\\tranche\\paper.sqlite', 'win32').path).toBe(a.path);
  });

  it('says so when even the temp folder is too deep', () => {
    expect(() => controlPathFor(`/${'d'.repeat(120)}/paper.sqlite`, 'linux', `/${'t'.repeat(100)}`, 1)).toThrow(
      /no control channel path fits the 107-byte limit.*set TMPDIR to a shorter folder/,
    );
  });
});

describe('LineReader', () => {
  it('splits lines across chunks, UTF-8 characters included', () => {
    const r = new LineReader(100);
    const bytes = Buffer.from('{"op":"status"}\n{"progress":"🚨 stop"}\n');
    expect(r.push(bytes.subarray(0, 5))).toEqual([]);
    expect(r.push(bytes.subarray(5, 30))).toEqual(['{"op":"status"}']);
    expect(r.push(bytes.subarray(30))).toEqual(['{"progress":"🚨 stop"}']);
  });

  it('refuses a line over the limit as soon as it passes it, newline or not', () => {
    expect(() => new LineReader(10).push(Buffer.from('12345678901'))).toThrow(LineTooLong);
    const r = new LineReader(10);
    r.push(Buffer.from('123456'));
    expect(() => r.push(Buffer.from('78901\n'))).toThrow(/longer than 10 bytes/);
    expect(new LineReader(10).push(Buffer.from('1234567890\n'))).toEqual(['1234567890']);
  });
});
