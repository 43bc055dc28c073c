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

/** Every MappingError of a request that maps several deliveries: the caller fixes them all at once. */
export class MappingErrors extends Error {
  constructor(readonly errors: MappingError[]) {
    super(errors.map((e) => e.message).join('; '));
    this.name = 'MappingErrors';
  }
}
