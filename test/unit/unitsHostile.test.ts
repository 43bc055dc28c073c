/**
 * The unit parser under hostile input (a weight VTEX sends is free text): it answers in time
 * linear in the input, and looks units up among its own keys only.
 */
import { MappingError } from '../../mapping/errors';
import { lengthToCm, weightToKg } from '../../mapping/units';

/** How long one call takes, in ms (a generous bound below: the quadratic parser took seconds). */
function timed(fn: () => void): number {
  const started = process.hrtime.bigint();
  try {
    fn();
  } catch {
    // the answer does not matter here, only how long it took
  }
  return Number(process.hrtime.bigint() - started) / 1e6;
}

describe('the weight and length parser under hostile input', () => {
  it.each([
    ['a number, 50,000 spaces, a stray character', `1${' '.repeat(50_000)}!`],
    ['a number, spaces, a unit, spaces, a stray character', `1${' '.repeat(25_000)}kg${' '.repeat(25_000)}!`],
    ['50,000 spaces and a letter', `${' '.repeat(50_000)}x`],
  ])('refuses %s at once, with the field path', (_name, raw) => {
    // Before the fix the first case took about 4 s on this machine (quadratic backtracking).
    const ms = timed(() => weightToKg(raw, 'packages.0.weight'));
    expect(ms).toBeLessThan(250);
    expect(() => weightToKg(raw, 'packages.0.weight')).toThrow(MappingError);
    expect(() => lengthToCm(raw, 'packages.0.dimensions.width')).toThrow(/packages\.0\.dimensions\.width/);
  });

  it.each(['1 constructor', '1 toString', '2 __proto__', '3 hasOwnProperty', '1 valueOf'])(
    'takes %j for no weight and no length: units are looked up among our own only',
    (raw) => {
      expect(() => weightToKg(raw, 'w')).toThrow(MappingError);
      expect(() => lengthToCm(raw, 'l')).toThrow(MappingError);
    },
  );

  it('still reads ordinary quantities, spaces around included', () => {
    expect(weightToKg('  4   kg  ', 'w')).toBe(4);
    expect(weightToKg('500g', 'w')).toBe(0.5);
    expect(lengthToCm(' 68 ', 'l')).toBe(68);
  });
});
