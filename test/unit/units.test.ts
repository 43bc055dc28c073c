import { MappingError } from '../../mapping/errors';
import { centsToMajor, gramsToKg, lengthToCm, weightToKg } from '../../mapping/units';

describe('unit conversions', () => {
  it.each([
    ['4 kg', 4],
    ['19', 19],
    ['2.5kg', 2.5],
    ['1,5 kg', 1.5],
    ['500 g', 0.5],
    ['10 lb', 4.535924],
    [' 14 KG ', 14],
  ])('reads the VTEX weight %j as %d kg', (raw, kg) => {
    expect(weightToKg(raw, 'w')).toBeCloseTo(kg, 5);
  });

  it.each([
    ['68', 68],
    ['68 cm', 68],
    ['680 mm', 68],
    ['0.5 m', 50],
    ['10 in', 25.4],
  ])('reads the VTEX length %j as %d cm', (raw, cm) => {
    expect(lengthToCm(raw, 'l')).toBeCloseTo(cm, 5);
  });

  it('leaves a missing weight missing', () => {
    expect(weightToKg(null, 'w')).toBeUndefined();
    expect(weightToKg('', 'w')).toBeUndefined();
  });

  it('rejects an unreadable or negative quantity with the field path', () => {
    expect(() => weightToKg('heavy', 'packages.0.weight')).toThrow(new MappingError('packages.0.weight', '"heavy" is not a weight (expected a number with an optional unit, e.g. "4 kg")'));
    expect(() => weightToKg('3 stone', 'w')).toThrow(/unknown unit "stone"/);
    expect(() => lengthToCm('-2', 'l')).toThrow(/must not be negative/);
  });

  it('turns marketplace grams and cents into kilograms and major units', () => {
    expect(gramsToKg(1250)).toBe(1.25);
    expect(centsToMajor(6909)).toBe(69.09);
    expect(centsToMajor(1)).toBe(0.01);
  });
});
