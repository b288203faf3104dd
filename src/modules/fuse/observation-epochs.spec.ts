import { ObservationEpochs } from './observation-epochs';
import { InodeTable } from './inode.table';
import type { FileAttr } from './interfaces/file-attr.interface';

describe('ObservationEpochs', () => {
  it('reports a change that finished after an observation began, and not one that finished before', () => {
    const epochs = new ObservationEpochs<string>();
    epochs.markChanged('before');
    const since = epochs.begin();
    epochs.markChanged('during');
    expect(epochs.changedSince('during', since)).toBe(true);
    expect(epochs.changedSince('before', since)).toBe(false);
    expect(epochs.changedSince('never', since)).toBe(false);
    epochs.end(since);
  });

  it('holds no memory once no observation is in flight', () => {
    const epochs = new ObservationEpochs<number>();
    const first = epochs.begin();
    const second = epochs.begin();
    epochs.markChanged(1);
    epochs.end(first);
    expect(epochs.tracked).toBe(1);
    epochs.end(second);
    expect(epochs.tracked).toBe(0);
    epochs.markChanged(2);
    expect(epochs.tracked).toBe(0);
  });

  it('keeps what the oldest observation in flight still needs when it prunes', () => {
    const epochs = new ObservationEpochs<number>();
    epochs.begin();
    for (let i = 0; i <= 100_001; i++) epochs.markChanged(i);
    const late = epochs.begin();
    epochs.markChanged(-1);
    expect(epochs.changedSince(-1, late)).toBe(true);
  });
});

describe('InodeTable observations', () => {
  const attr = (ino: number, size: number): FileAttr => ({
    ino,
    kind: 'file',
    size,
    blocks: 0,
    perm: 0o644,
    nlink: 1,
    uid: 0,
    gid: 0,
    atime: new Date(0),
    mtime: new Date(0),
    ctime: new Date(0),
  });

  it('does not remember attributes read before a change that finished while they were being read', () => {
    const table = new InodeTable();
    const since = table.beginObservation();
    table.forgetAttr(5); // a write to inode 5 finished
    table.rememberAttr(attr(5, 17), 60_000, since);
    table.endObservation(since);
    expect(table.attr(5)).toBeUndefined();
  });

  it('does not remember a listed name of a directory that changed while it was being listed', () => {
    const table = new InodeTable();
    const since = table.beginObservation();
    table.forgetChild(1, 'gone'); // an unlink in directory 1 finished
    table.rememberChild(1, 'gone', { ino: 9, kind: 'file' }, 60_000, since);
    table.endObservation(since);
    expect(table.child(1, 'gone')).toBeUndefined();
  });

  it('remembers what an observation read when nothing it names changed', () => {
    const table = new InodeTable();
    const since = table.beginObservation();
    table.forgetAttr(6);
    table.rememberAttr(attr(5, 17), 60_000, since);
    table.endObservation(since);
    expect(table.attr(5)?.size).toBe(17);
  });
});

describe('InodeTable bypass (files written through passthrough)', () => {
  const attr = (ino: number, size: number): FileAttr => ({
    ino,
    kind: 'file',
    size,
    blocks: 0,
    perm: 0o644,
    nlink: 1,
    uid: 0,
    gid: 0,
    atime: new Date(0),
    mtime: new Date(0),
    ctime: new Date(0),
  });

  it("neither answers nor keeps a bypassed inode's attributes until the last bypass ends, then starts afresh", () => {
    const table = new InodeTable();
    table.rememberAttr(attr(5, 1), 60_000);
    const first = table.bypass(5);
    const second = table.bypass(5);
    expect(table.attr(5)).toBeUndefined();
    table.rememberAttr(attr(5, 2), 60_000);
    first();
    first();
    expect(table.attr(5)).toBeUndefined();
    second();
    expect(table.attr(5)).toBeUndefined();
    table.rememberAttr(attr(5, 3), 60_000);
    expect(table.attr(5)?.size).toBe(3);
  });
});
