import { KnownListings } from './known-listings';

describe('KnownListings', () => {
  it('stays bounded however many directories change through a long-running mount', async () => {
    const listings = new KnownListings(1_000);
    for (let i = 0; i < 15_000; i++) listings.mayExist(`dir-${i}`, 'x');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    // Past the TTL, the next change sweeps what it no longer needs.
    for (let i = 0; i < 10_001; i++) listings.mayExist(`later-${i}`, 'x');
    expect(listings.size).toBeLessThanOrEqual(15_000);
    expect(listings.size).toBeGreaterThanOrEqual(10_001);
  });

  it('tracks nothing with a negative TTL of 0', () => {
    const listings = new KnownListings(0);
    listings.mayExist('d', 'x');
    listings.record('d', [], Date.now());
    expect(listings.size).toBe(0);
    expect(listings.knownMissing('d', 'y')).toBe(false);
  });
});
