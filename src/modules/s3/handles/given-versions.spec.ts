import { GivenVersions } from './given-versions';

describe('GivenVersions', () => {
  it('tells when the kernel was given another version of a path before', () => {
    const versions = new GivenVersions();
    expect(versions.give('a', 'v1')).toBe(false);
    expect(versions.give('a', 'v1')).toBe(false);
    expect(versions.give('a', 'v2')).toBe(true);
    expect(versions.give('a', 'v2')).toBe(false);
  });

  it('treats a path given after it was forgotten as new', () => {
    const versions = new GivenVersions();
    versions.give('a', 'v1');
    versions.forget('a');
    expect(versions.give('a', 'v2')).toBe(false);
  });

  it('forgets the path used longest ago past its limit, and keeps the ones used since', () => {
    const versions = new GivenVersions(2);
    versions.give('a', 'v1');
    versions.give('b', 'v1');
    versions.give('a', 'v1');
    versions.give('c', 'v1');
    expect(versions.give('a', 'v2')).toBe(true);
    expect(versions.give('b', 'v2')).toBe(false);
  });
});
