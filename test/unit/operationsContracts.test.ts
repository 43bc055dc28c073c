/**
 * The operators' query and command bounds (contracts/operations.ts): what the intake and the CLI
 * refuse with a field path rather than fail on. `npm run test:api-properties` found the first one:
 * a span of 940686174 days made "no progress since" an invalid date, and the route answered 500.
 */
import { AttentionListQuery, Duration } from '../../contracts/operations';

test('a stuckFor span beyond any date is refused, naming the field', () => {
  const parsed = AttentionListQuery.safeParse({ stuckFor: '940686174d', flagged: 'true' });
  expect(parsed.success).toBe(false);
  expect(parsed.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
    ['stuckFor', 'must be at most 36500d'],
  ]);
});

test('spans from 1s to a hundred years are taken, in milliseconds', () => {
  expect(Duration.parse('1s')).toBe(1000);
  expect(Duration.parse('30m')).toBe(1_800_000);
  expect(Duration.parse('36500d')).toBe(36_500 * 86_400_000);
  expect(Duration.safeParse('999ms').success).toBe(false);
});
