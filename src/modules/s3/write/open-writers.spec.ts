import type { ObjectWriter } from './object-writer';
import { OpenWriters } from './open-writers';

function writer(): ObjectWriter & { movedTo?: string } {
  const fake = { movedTo: undefined as string | undefined, moveTo: (key: string) => (fake.movedTo = key) };
  return fake as unknown as ObjectWriter & { movedTo?: string };
}

describe('OpenWriters', () => {
  it('shares one writer per path and lets go of it only when no handle holds it', () => {
    const writers = new OpenWriters();
    const shared = writers.open('a', writer());
    writers.join(shared);
    expect(writers.leave(shared)).toBe(false);
    expect(writers.leave(shared)).toBe(true);
    // Opened again while the last close was uploading: it stays.
    writers.join(shared);
    expect(writers.letGo(shared)).toBe(false);
    expect(writers.at('a')).toBe(shared);
    expect(writers.leave(shared)).toBe(true);
    expect(writers.letGo(shared)).toBe(true);
    expect(writers.at('a')).toBeUndefined();
  });

  it("takes an unlinked file's writer off its name for good, and moves a renamed one with its key", () => {
    const writers = new OpenWriters();
    const removed = writers.open('dir/gone', writer());
    writers.detach('dir/gone');
    expect(removed.unlinked).toBe(true);
    expect(writers.at('dir/gone')).toBeUndefined();
    const moving = writers.open('dir/old', writer());
    expect(writers.anyBelow('dir')).toBe('dir/old');
    writers.move('dir/old', 'new', 'prefix/new');
    expect(writers.at('new')).toBe(moving);
    expect(moving.path).toBe('new');
    expect((moving.writer as ObjectWriter & { movedTo?: string }).movedTo).toBe('prefix/new');
    expect(writers.anyBelow('dir')).toBeUndefined();
    // Its last close, whatever name the handle used, takes it off the name it has now.
    expect(writers.leave(moving) && writers.letGo(moving)).toBe(true);
    expect(writers.at('new')).toBeUndefined();
  });
});
