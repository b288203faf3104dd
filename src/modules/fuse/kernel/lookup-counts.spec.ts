import { LookupCounts } from './lookup-counts';

describe('LookupCounts', () => {
  it('forgets an inode only when every lookup the kernel was given is taken back', () => {
    const counts = new LookupCounts();
    counts.given(5);
    counts.given(5);
    counts.given(5);
    expect(counts.forgotten(5, 2)).toBe(false);
    expect(counts.held(5)).toBe(true);
    expect(counts.forgotten(5, 1)).toBe(true);
    expect(counts.held(5)).toBe(false);
  });

  it('takes a FORGET of an inode it never counted as forgotten', () => {
    expect(new LookupCounts().forgotten(9, 1)).toBe(true);
  });
});
