import { assertFileName, nameProblem } from './file-names';

describe('file names', () => {
  it('accepts an ordinary name, up to 255 bytes', () => {
    expect(nameProblem('notes.txt')).toBeUndefined();
    expect(nameProblem('é'.repeat(127))).toBeUndefined();
  });

  it('refuses what cannot be one name in a directory, with the errno the kernel would give', () => {
    for (const name of ['', '.', '..', 'a/b', 'nul\0byte']) {
      expect(nameProblem(name)).toBe('invalid');
      expect(() => assertFileName(name)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    }
    expect(nameProblem('é'.repeat(128))).toBe('too long');
    expect(() => assertFileName('x'.repeat(256))).toThrow(expect.objectContaining({ code: 'ENAMETOOLONG' }));
  });
});
