import { MappingError } from '../../mapping/errors';
import { centsToMajor, gramsToKg, isoOffsetOf, lengthToCm, timeOfDayOn, weightToKg } from '../../mapping/units';

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
    expect(() => weightToKg('heavy', 'packages.0.weight')).toThrow(
      new MappingError(
        'packages.0.weight',
        '"heavy" is not a weight (expected a number with an optional unit, e.g. "4 kg")',
      ),
    );
    expect(() => weightToKg('3 stone', 'w')).toThrow(/unknown unit "stone"/);
    expect(() => lengthToCm('-2', 'l')).toThrow(/must not be negative/);
  });

  it('turns Abbiamo grams and cents into kilograms and major units', () => {
    expect(gramsToKg(1250)).toBe(1.25);
    expect(centsToMajor(6909)).toBe(69.09);
    expect(centsToMajor(1)).toBe(0.01);
  });
});

describe('times of day (Abbiamo max_dispatched_time)', () => {
  it('reads a time with its own offset on a calendar date', () => {
    expect(timeOfDayOn('2022-12-22', '14:00:00-03', '+00:00', 'p')).toBe('2022-12-22T17:00:00.000Z');
    expect(timeOfDayOn('2022-12-22', '14:00-0330', '+00:00', 'p')).toBe('2022-12-22T17:30:00.000Z');
    expect(timeOfDayOn('2022-12-22', '14:00:00Z', '-03:00', 'p')).toBe('2022-12-22T14:00:00.000Z');
  });

  it('reads a time without offset in the default offset', () => {
    expect(timeOfDayOn('2022-12-22', '23:30', '-03:00', 'p')).toBe('2022-12-23T02:30:00.000Z');
  });

  it('finds the offset an ISO timestamp was written in', () => {
    expect(isoOffsetOf('2022-12-22T23:59:00.000-03:00')).toBe('-03:00');
    expect(isoOffsetOf('2022-12-22T23:59:00Z')).toBe('+00:00');
    expect(isoOffsetOf('2022-12-22T23:59:00+0530')).toBe('+05:30');
  });

  it('rejects an impossible time with the field path', () => {
    expect(() => timeOfDayOn('2022-12-22', '24:00', '-03:00', 'carrier.max_dispatched_time')).toThrow(
      new MappingError('carrier.max_dispatched_time', '"24:00" is not a time of day (expected e.g. 14:00:00-03)'),
    );
    expect(() => timeOfDayOn('2022-12-22', 'noon', '-03:00', 'p')).toThrow(/is not a time of day/);
  });
});
