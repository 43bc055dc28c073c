/** A request that is valid JSON and schema, but cannot be turned into a deliverable job. */
export class MappingError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'MappingError';
  }
}
