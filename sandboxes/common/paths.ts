/** Where every sandbox mounts its admin API: loopback-only tooling, never faulted, never recorded. */
export const ADMIN_PREFIX = '/_sandbox';

export function isAdminPath(path: string): boolean {
  return path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`);
}
