/**
 * Who may post status callbacks: whoever carries every header of one set the marketplace handed out
 * in a DELIVERY_REQUEST's `logistic_data.headers` (seed 002), or of a set accepted up front.
 */
import type { IncomingHttpHeaders } from 'node:http';

export class HeaderSets {
  private readonly sets: Array<Record<string, string>> = [];

  constructor(initial: Record<string, string>[] = []) {
    for (const set of initial) this.accept(set);
  }

  accept(set: Record<string, string>): void {
    if (Object.keys(set).length === 0) return; // an empty set would let anyone in
    // Header names are case-insensitive; values are compared exactly.
    this.sets.push(Object.fromEntries(Object.entries(set).map(([name, value]) => [name.toLowerCase(), value])));
  }

  matches(headers: IncomingHttpHeaders): boolean {
    return this.sets.some((set) => Object.entries(set).every(([name, value]) => headers[name] === value));
  }

  get size(): number {
    return this.sets.length;
  }
}
