/** The current activity's attempt number (1 outside an activity, as in unit tests). */
import { Context } from '@temporalio/activity';

export function attempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1; // called outside an activity (unit tests)
  }
}
