/**
 * The unit parser under hostile input (a weight VTEX sends is free text): its pattern matches in
 * time linear in the input, whatever the length cap in front of it lets through, and units are
 * looked up among its own keys only. Linear is checked on the pattern itself with a ReDoS checker
 * (recheck: an analysis of the automaton, not a stopwatch), so the cap cannot hide a quadratic one.
 */
import { checkSync } from 'recheck';
import { MappingError } from '../../mapping/errors';
import { lengthToCm, QUANTITY, weightToKg } from '../../mapping/units';

describe('the weight and length parser under hostile input', () => {
  it('matches quantities with a pattern no input can make backtrack more than linearly', () => {
    // The automaton checker decides (the fuzz checker samples at random). The pattern this one
    // replaced, `^\s*(-?\d+(?:[.,]\d+)?)\s*([a-z]*)\s*$`, is `vulnerable`: 2nd degree polynomial.
    const diagnostics = checkSync(QUANTITY.source, QUANTITY.flags, { checker: 'automaton' });
    expect(diagnostics.status === 'unknown' ? diagnostics.error : diagnostics.complexity).toMatchObject({
      type: 'linear',
    });
  });

  it.each([
    ['a number, 50,000 spaces, a stray character', `1${' '.repeat(50_000)}!`],
    ['a number, spaces, a unit, spaces, a stray character', `1${' '.repeat(25_000)}kg${' '.repeat(25_000)}!`],
    ['50,000 spaces and a letter', `${' '.repeat(50_000)}x`],
    ['a number, spaces to just under the cap, a stray character', `1${' '.repeat(60)}!`],
  ])('refuses %s, with the field path', (_name, raw) => {
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
